"""The printing worker: renders the pages of signed PDFs for the printer.

Runs in a process of the table's fork server, with PyMuPDF and no Qt. The
table asks ``("open", path)`` (answer ``("opened", page_count)`` or
``("failed", reason)``) and ``("render", path, number, box_width,
box_height, dpi, gray)``: the answer ``("image", width, height, gray)`` is
followed on the pipe by the raw pixels, rows padded to 32 bits as QImage
keeps them, so the table reads them straight into its image.
"""

from __future__ import annotations

import os
from multiprocessing.connection import Connection
from typing import Any

from sync.worker_pipe import send
from sync.worker_process import EXIT_OUT_OF_MEMORY, limit_worker, send_ready

#: A rendering worker may use this much memory (a 600-dpi A3 page fits).
WORKER_MEMORY_BYTES = 1536 * 2**20
_WORKER_NICE = 10  # below the GUI thread


def worker_main(conn: Connection, memory_bytes: int) -> None:
    """In the worker: open files and render pages until told to stop (None)."""
    limit_worker(memory_bytes, _WORKER_NICE)
    try:
        import pymupdf

        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)
        send_ready(conn)
        documents: dict[str, Any] = {}
        while True:
            job = conn.recv()
            if job is None:
                return
            try:
                if job[0] == "open":
                    send(conn, _open(pymupdf, documents, job[1]))
                elif job[0] == "render":
                    _render(pymupdf, documents, conn, *job[1:])
            except MemoryError:
                raise
            except Exception as error:
                send(conn, ("failed", "le moteur de rendu n'a pas pu la lire", repr(error)))
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)
    except (EOFError, OSError):  # the table is gone
        return


def _open(pymupdf: Any, documents: dict[str, Any], path: str) -> tuple[object, ...]:
    if not os.path.isfile(path):
        return ("failed", "le fichier est introuvable")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception:
        return ("failed", "ce n'est pas un PDF lisible")
    if doc.is_repaired:  # a signed extract never needs it: the file was damaged or cut short
        doc.close()
        return ("failed", "il est abîmé ou incomplet (copie interrompue ?)")
    if doc.needs_pass:
        doc.close()
        return ("failed", "il est protégé par un mot de passe")
    if doc.page_count == 0:
        doc.close()
        return ("failed", "il ne contient aucune page")
    old = documents.pop(path, None)
    if old is not None:
        old.close()
    documents[path] = doc
    return ("opened", doc.page_count)


def _render(
    pymupdf: Any,
    documents: dict[str, Any],
    conn: Connection,
    path: str,
    number: int,
    box_width: int,
    box_height: int,
    dpi: int,
    gray: bool,
) -> None:
    """Render page ``number`` fitted into the box (never enlarged), and send its pixels.

    A landscape page on portrait paper (or the reverse) is turned a quarter,
    its top to the left, as printers do.
    """
    page = documents[path][number]
    width, height = page.rect.width, page.rect.height
    turn = (width > height) != (box_width > box_height)
    if turn:
        width, height = height, width
    zoom = min(dpi / 72, box_width / width, box_height / height)
    matrix = pymupdf.Matrix(zoom, zoom)
    if turn:
        matrix = pymupdf.Matrix(zoom, zoom).prerotate(-90)
    pix = page.get_pixmap(
        matrix=matrix, colorspace=pymupdf.csGRAY if gray else pymupdf.csRGB, alpha=False
    )
    row = pix.width * pix.n
    padded = (row + 3) & ~3  # QImage's rows are 32-bit aligned
    samples = pix.samples_mv
    if pix.stride != padded:
        data = bytearray(padded * pix.height)
        for y in range(pix.height):
            data[y * padded : y * padded + row] = samples[y * pix.stride : y * pix.stride + row]
        view = memoryview(data)
    else:
        view = memoryview(samples)
    send(conn, ("image", pix.width, pix.height, gray))
    fd = conn.fileno()
    done = 0
    while done < len(view):
        done += os.write(fd, view[done:])
