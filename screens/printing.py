"""Printing the signed deliberations for the register, without stalling the table.

The secretary prints from the master screen while the table stays live, so
nothing heavy may run on the GUI thread (issue 4).  Measured on this machine:

- PyMuPDF holds the GIL while it renders (150 to 250 ms for an A4 page at
  300 dpi): pages are rendered in a worker process, from the same fork
  server as the seats' renderer (``sync.worker_process.WorkerProcess``), and their
  pixels come back over a pipe straight into a QImage (``os.readv`` releases
  the GIL).
- ``QPainter.drawImage`` on a QPrinter holds the GIL too, while Qt's PDF
  engine compresses the image (about 140 ms for an A4 page at 300 dpi, whole
  or in slices alike).  Pages are therefore painted from a QThread (allowed on
  a QPrinter) in horizontal bands of about 300,000 pixels (about 10 ms each):
  the GUI thread gets the GIL back between bands.  A 10 ms timer on the GUI
  thread waited up to 300-450 ms with whole pages, 20-30 ms with bands: no
  better when the bands are painted in slices on the GUI thread, which would
  also have to open, end and send the job there.  Nine pages at 300 dpi: the
  former printing on the GUI thread froze it for 2 s; this job takes 2.6 s,
  the timer's longest wait 29 ms (87 ms when the job also starts the fork
  server), 95 % of its waits under 16 ms.
- Qt's CUPS engine cannot abort a job (``QPrinter.abort`` does nothing for
  it) and ``QPainter.end`` sends whatever was painted; it also ignores what
  ``cupsPrintFile`` answers.  A cancelled or failed job is therefore ended
  with ``copies=0``, which cupsd refuses before it creates any job, and
  after ``end`` the job's thread asks libcups, whose last error is kept per
  thread, whether the job was accepted: nothing half printed, and a refusal
  is reported in French.

Everything is one job (all the files, in order), pages fitted into the
printer's printable area (never enlarged; a landscape page turned on
portrait paper), in grey when the printer is set to black and white.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintEngine, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.widgets import label, stylesheet
from sync.print_worker import EXIT_OUT_OF_MEMORY, WORKER_MEMORY_BYTES, worker_main
from sync.worker_process import (
    WorkerDied,
    WorkerFailure,
    WorkerInterrupted,
    WorkerProcess,
    WorkerTimedOut,
)
from sync.workers import forkserver_context, register_forkserver_preload

register_forkserver_preload("pymupdf", "sync.print_worker")

log = logging.getLogger("screens")

#: Pixels painted per ``drawImage`` call: about 10 ms of Qt's PDF engine with the GIL held.
BAND_PIXELS = 300_000
#: Copies the chooser offers.
MAX_COPIES = 20
# The worker's address space; an A4 page at 600 dpi in colour is 100 MB.
_START_TIMEOUT_S = 30.0
_OPEN_TIMEOUT_S = 30.0
_PAGE_TIMEOUT_S = 120.0
_MIN_DPI, _MAX_DPI = 72, 600
# Qt's private key for the options it adds to a CUPS job (qcups_p.h), stable since Qt 5.
_PPK_CUPS_OPTIONS = QPrintEngine.PrintEnginePropertyKey(0xFE00)
# IPP status codes from this one on are errors (RFC 8011, 4.1.6).
_IPP_ERROR = 0x0400
_IPP_REASONS = {
    0x0401: "elle refuse cet envoi (droits)",
    0x0402: "elle demande une authentification",
    0x0403: "elle refuse cet envoi (droits)",
    0x0406: "elle n'existe plus dans CUPS",
    0x0407: "elle n'existe plus dans CUPS",
    0x040A: "elle ne sait pas imprimer ce type de document",
    0x0502: "le service d'impression (CUPS) ne répond pas",
    0x0504: "elle signale une panne",
    0x0506: "elle n'accepte plus de travaux (suspendue dans CUPS)",
    0x0507: "elle est occupée",
}

CANCELLED_MESSAGE = "Impression annulée : rien n'a été envoyé à l'imprimante."


class PrintError(RuntimeError):
    """A print job that could not be done: ``str(error)`` is the French message."""


class PrintCancelled(PrintError):
    """The job was cancelled before it was handed to the printer: nothing printed."""

    def __init__(self) -> None:
        super().__init__(CANCELLED_MESSAGE)


# --- the printer ------------------------------------------------------------------------


def make_printer(name: str, copies: int = 1) -> QPrinter:
    """A QPrinter for the CUPS queue ``name``, set up for the register.

    A4 portrait, one-sided, ``copies`` collated copies, in grey if the printer
    only prints black and white.
    """
    info = QPrinterInfo.printerInfo(name)
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setDocName("Registre des délibérations")
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDuplex(QPrinter.DuplexMode.DuplexNone)
    printer.setCopyCount(max(1, copies))
    printer.setCollateCopies(True)
    if QPrinter.ColorMode.Color not in info.supportedColorModes():
        printer.setColorMode(QPrinter.ColorMode.GrayScale)
    return printer


def _printer_label(printer: QPrinter) -> str:
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return Path(printer.outputFileName()).name or "PDF"
    return printer.printerName() or "par défaut"


class _Cups:
    """The few libcups calls Qt does not make for us (the same library Qt loaded)."""

    class _Option(ctypes.Structure):
        _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_char_p)]

    class _Dest(ctypes.Structure):
        _fields_ = [
            ("name", ctypes.c_char_p),
            ("instance", ctypes.c_char_p),
            ("is_default", ctypes.c_int),
            ("num_options", ctypes.c_int),
            ("options", ctypes.c_void_p),
        ]

    _lib: Any = None
    _loaded = False

    @classmethod
    def lib(cls) -> Any:
        if not cls._loaded:
            cls._loaded = True
            name = ctypes.util.find_library("cups") or "libcups.so.2"
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                log.info("libcups not found: CUPS errors cannot be read back")
                return None
            lib.cupsLastError.restype = ctypes.c_int
            lib.cupsLastErrorString.restype = ctypes.c_char_p
            lib.cupsGetNamedDest.restype = ctypes.POINTER(cls._Dest)
            lib.cupsGetNamedDest.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
            lib.cupsGetOption.restype = ctypes.c_char_p
            lib.cupsGetOption.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
            lib.cupsFreeDests.argtypes = [ctypes.c_int, ctypes.c_void_p]
            cls._lib = lib
        return cls._lib

    @classmethod
    def handles(cls, printer: QPrinter) -> bool:
        """Whether Qt sends ``printer``'s jobs through libcups."""
        return (
            sys.platform.startswith("linux")
            and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
            and bool(printer.printerName())
            and cls.lib() is not None
        )

    @classmethod
    def last_error(cls) -> tuple[int, str]:
        """The status of this thread's last CUPS request, and CUPS's words for it."""
        lib = cls.lib()
        if lib is None:
            return 0, ""
        text = lib.cupsLastErrorString()
        return int(lib.cupsLastError()), text.decode("utf-8", "replace") if text else ""

    @classmethod
    def accepting_jobs(cls, name: str) -> bool | None:
        """Whether the queue accepts jobs (None: unknown)."""
        lib = cls.lib()
        if lib is None:
            return None
        dest = lib.cupsGetNamedDest(None, name.split("/")[0].encode(), None)
        if not dest:
            return None
        try:
            value = lib.cupsGetOption(
                b"printer-is-accepting-jobs", dest.contents.num_options, dest.contents.options
            )
        finally:
            lib.cupsFreeDests(1, dest)
        return None if value is None else value != b"false"


def _refusal(printer: QPrinter, status: int, text: str) -> PrintError:
    why = _IPP_REASONS.get(status) or f"CUPS répond « {text or hex(status)} »"
    return PrintError(
        f"L'imprimante « {_printer_label(printer)} » a refusé le travail : {why}. "
        "Rien n'a été imprimé ; vérifiez l'imprimante puis recommencez."
    )


# --- the job ------------------------------------------------------------------------------


def print_pdfs(
    paths: Sequence[Path],
    printer: QPrinter,
    dpi: int = 300,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: threading.Event | None = None,
) -> int:
    """Print every page of ``paths``, in order, as one job on ``printer``.

    Blocking (the command line, the tests, ``PrintJob``'s thread; never the
    GUI thread).  Every file is read before anything is sent, so an
    unreadable file stops the job with nothing printed.  ``progress(done,
    total)`` is called after each page; setting ``cancelled`` stops the job
    with nothing printed (``PrintCancelled``) until the last page is painted.

    Returns the number of pages; raises ``PrintError`` (French message).
    """
    dpi = max(_MIN_DPI, min(_MAX_DPI, dpi))
    stop = cancelled if cancelled is not None else threading.Event()
    if not paths:
        raise PrintError("Aucun document à imprimer.")
    worker = _RenderWorker(stop)
    try:
        counts = worker.open_all([Path(p) for p in paths])
        total = sum(counts)
        if _Cups.handles(printer) and _Cups.accepting_jobs(printer.printerName()) is False:
            raise _refusal(printer, 0x0506, "")
        return _paint_job(
            worker, [Path(p) for p in paths], counts, total, printer, dpi, stop, progress
        )
    finally:
        worker.close()


def _paint_job(
    worker: _RenderWorker,
    paths: list[Path],
    counts: list[int],
    total: int,
    printer: QPrinter,
    dpi: int,
    stop: threading.Event,
    progress: Callable[[int, int], None] | None,
) -> int:
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(
            f"L'imprimante « {_printer_label(printer)} » n'a pas pu être ouverte : "
            "rien n'a été imprimé. Vérifiez qu'elle est allumée et branchée, puis recommencez."
        )
    gray = printer.colorMode() == QPrinter.ColorMode.GrayScale
    resolution = printer.resolution()
    dpi = min(dpi, resolution)
    area = QRectF(painter.viewport())  # the printable area, in device pixels
    box = (round(area.width() * dpi / resolution), round(area.height() * dpi / resolution))
    jobs = [(i, n) for i, count in enumerate(counts) for n in range(count)]
    done = 0
    try:
        if jobs:
            worker.request(paths[jobs[0][0]], jobs[0][1], box, dpi, gray)
        for position, (index, number) in enumerate(jobs):
            image = worker.receive_image(paths[index], number)
            if position + 1 < len(jobs):  # rendered while this one is painted
                following = jobs[position + 1]
                worker.request(paths[following[0]], following[1], box, dpi, gray)
            if done and not printer.newPage():
                raise PrintError(
                    f"L'imprimante « {_printer_label(printer)} » a refusé une nouvelle page : "
                    "rien n'a été imprimé."
                )
            _paint_page(painter, image, area, resolution / dpi, stop)
            del image
            done += 1
            if progress is not None:
                progress(done, total)
    except BaseException:
        _discard(painter, printer)
        raise
    if stop.is_set():
        _discard(painter, printer)
        raise PrintCancelled
    if not painter.end():
        raise PrintError(
            f"L'envoi à l'imprimante « {_printer_label(printer)} » a échoué : "
            "rien n'a été imprimé ; recommencez."
        )
    if _Cups.handles(printer):
        status, text = _Cups.last_error()
        if status >= _IPP_ERROR:
            raise _refusal(printer, status, text)
    log.info("%d page(s) sent to %s", done, _printer_label(printer))
    return done


def _paint_page(
    painter: QPainter, image: QImage, area: QRectF, scale: float, stop: threading.Event
) -> None:
    """Draw ``image`` centred in ``area``, ``scale`` device pixels per image pixel, in bands.

    Each band is one short ``drawImage`` (the GIL is held during it); with an
    integer ``scale`` (300 dpi on a 600 or 1200 dpi printer) band edges fall on
    whole device pixels and the bands join without a seam.
    """
    width, height = image.width(), image.height()
    left = area.x() + round((area.width() - width * scale) / 2)
    top = area.y() + round((area.height() - height * scale) / 2)
    rows = max(8, BAND_PIXELS // max(1, width))
    for first in range(0, height, rows):
        if stop.is_set():
            raise PrintCancelled
        count = min(rows, height - first)
        painter.drawImage(
            QRectF(left, top + first * scale, width * scale, count * scale),
            image,
            QRectF(0, first, width, count),
        )


def _discard(painter: QPainter, printer: QPrinter) -> None:
    """End a job that must not print (cancelled, or failed half-way).

    Qt's engines cannot abort: the CUPS engine sends the painted pages when the
    painter ends, so the job is ended with copies=0, which cupsd refuses before
    it creates a job; a PDF file is removed.
    """
    if not painter.isActive():
        return
    if _Cups.handles(printer):
        engine = printer.printEngine()
        copies = engine.property(QPrintEngine.PrintEnginePropertyKey.PPK_CopyCount)
        options = engine.property(_PPK_CUPS_OPTIONS)
        # Qt adds its own "copies" only above 1, before ours: with 1 ours is the only one.
        engine.setProperty(QPrintEngine.PrintEnginePropertyKey.PPK_CopyCount, 1)
        engine.setProperty(_PPK_CUPS_OPTIONS, ["copies", "0"])
        painter.end()
        engine.setProperty(_PPK_CUPS_OPTIONS, options if isinstance(options, list) else [])
        engine.setProperty(QPrintEngine.PrintEnginePropertyKey.PPK_CopyCount, copies)
        status, text = _Cups.last_error()
        if status < _IPP_ERROR:
            log.error("a discarded job was accepted by CUPS (%s): it may print", text)
        return
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        painter.end()
        with contextlib.suppress(OSError):
            Path(printer.outputFileName()).unlink()
        return
    printer.abort()
    painter.end()


# --- the worker process -------------------------------------------------------------------


class _RenderWorker:
    """A worker process that opens the files and renders their pages for the printer.

    Used by one thread; every wait is short and watches ``stop`` and the process.
    """

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        # The table's one fork server (PyMuPDF and this worker already imported).
        worker = WorkerProcess.start(
            forkserver_context(), worker_main, (WORKER_MEMORY_BYTES,), "print-render"
        )
        if worker is None:
            raise PrintError(_UNAVAILABLE)
        self.worker = worker
        try:
            worker.wait_ready(_START_TIMEOUT_S, stopping=stop.is_set, poll_s=0.2)
        except WorkerFailure as failure:
            error = self._error(failure, _START_TIMEOUT_S)
            self.close()
            raise error from failure

    def open_all(self, paths: list[Path]) -> list[int]:
        """The page count of each file; every unreadable one is named in the error."""
        counts: list[int] = []
        problems: list[str] = []
        for path in paths:
            self._send(("open", str(path)))
            answer = self._answer(_OPEN_TIMEOUT_S, path)
            if answer[0] == "opened":
                counts.append(int(answer[1]))
            else:
                problems.append(f"« {path.name} » : {answer[1]}")
        if problems:
            raise PrintError(
                "Impression impossible, rien n'a été envoyé à l'imprimante. "
                + " ; ".join(problems)
                + ". Vérifiez ce qui est signalé, puis recommencez."
            )
        return counts

    def request(self, path: Path, number: int, box: tuple[int, int], dpi: int, gray: bool) -> None:
        self._send(("render", str(path), number, box[0], box[1], dpi, gray))

    def receive_image(self, path: Path, number: int) -> QImage:
        """The next rendered page, its pixels read straight into the image."""
        answer = self._answer(_PAGE_TIMEOUT_S, path, number)
        if answer[0] != "image":
            raise PrintError(
                f"La page {number + 1} de « {path.name} » ne peut pas être imprimée : "
                f"{answer[1]}. Rien n'a été imprimé."
            )
        _tag, width, height, gray = answer
        fmt = QImage.Format.Format_Grayscale8 if gray else QImage.Format.Format_RGB888
        if not (0 < width <= 20_000 and 0 < height <= 20_000):
            raise PrintError(_crashed(path, number))
        image = QImage(int(width), int(height), fmt)
        buffer = memoryview(image.bits()).cast("B")
        total = image.bytesPerLine() * image.height()
        done = 0
        fd = self.worker.conn.fileno()
        try:
            while done < total:
                if not self.worker.conn.poll(1.0):  # a page is written at once: silence means death
                    if self._stop.is_set():
                        raise PrintCancelled
                    if not self.worker.is_alive():
                        raise PrintError(_crashed(path, number))
                    continue
                n = os.readv(fd, [buffer[done:total]])  # the GIL is released during the copy
                if n == 0:
                    raise PrintError(_crashed(path, number))
                done += n
        finally:
            buffer.release()
        return image

    def close(self) -> None:
        if self._stop.is_set():  # it may be busy writing a page nobody will read
            self.worker.kill()
        self.worker.stop()

    def _send(self, message: tuple[object, ...]) -> None:
        if not self.worker.send(message):
            raise PrintError(_UNAVAILABLE)

    def _answer(
        self, timeout_s: float, path: Path | None = None, number: int | None = None
    ) -> tuple[Any, ...]:
        # In short waits, so that a cancellation is heard at once.
        deadline = time.monotonic() + timeout_s
        try:
            return self.worker.receive(deadline, stopping=self._stop.is_set, poll_s=0.2)
        except WorkerFailure as failure:
            raise self._error(failure, timeout_s, path, number) from failure

    def _error(
        self,
        failure: WorkerFailure,
        timeout_s: float,
        path: Path | None = None,
        number: int | None = None,
    ) -> PrintError:
        """What a failed wait for the worker (starting, opening ``path``, rendering page
        ``number``) means for the job, in French; a hung or confused worker is killed."""
        if isinstance(failure, WorkerInterrupted):
            return PrintCancelled()
        if isinstance(failure, WorkerTimedOut):
            self.worker.kill()
            what = (
                "Le moteur de rendu ne démarre pas"
                if path is None
                else f"La lecture de « {path.name} » a pris plus de {timeout_s:.0f} s"
                if number is None
                else f"La page {number + 1} de « {path.name} » a pris plus de {timeout_s:.0f} s"
            )
            return PrintError(f"{what} : impression abandonnée, rien n'a été imprimé.")
        if isinstance(failure, WorkerDied):
            if failure.exitcode == EXIT_OUT_OF_MEMORY and path is not None:
                return PrintError(
                    f"« {path.name} » demande trop de mémoire pour être imprimé : "
                    "rien n'a été imprimé."
                )
            return PrintError(_crashed(path, number) if path is not None else _UNAVAILABLE)
        self.worker.kill()  # an answer it cannot have meant
        return PrintError(_UNAVAILABLE)


_UNAVAILABLE = (
    "Impression impossible pour l'instant : le moteur de rendu ne démarre pas. "
    "Rien n'a été imprimé."
)


def _crashed(path: Path, number: int | None) -> str:
    where = f"la page {number + 1} de « {path.name} »" if number is not None else f"« {path.name} »"
    return f"Le moteur de rendu s'est arrêté sur {where} : rien n'a été imprimé."


# --- the job for the GUI ------------------------------------------------------------------


# Running threads, kept until they end even if their PrintJob is dropped: Qt aborts the
# program when a running QThread is destroyed.
_RUNNING: set[_PrintThread] = set()


class _PrintThread(QThread):
    progressed = Signal(int, int)
    ended = Signal(str, object)  # "finished" and the page count, "failed" or "cancelled" and why

    def __init__(
        self, paths: list[Path], printer: QPrinter, dpi: int, stop: threading.Event
    ) -> None:
        super().__init__()
        self._paths = paths
        self._printer = printer
        self._dpi = dpi
        self._stop = stop

    def run(self) -> None:
        try:
            pages = print_pdfs(
                self._paths,
                self._printer,
                self._dpi,
                progress=self.progressed.emit,
                cancelled=self._stop,
            )
        except PrintCancelled as cancelled:
            self.ended.emit("cancelled", str(cancelled))
        except PrintError as error:
            log.warning("printing failed: %s", error)
            self.ended.emit("failed", str(error))
        except Exception as error:
            log.exception("printing failed")
            self.ended.emit("failed", f"Impression impossible : {error}. Rien n'a été imprimé.")
        else:
            self.ended.emit("finished", pages)


class PrintJob(QObject):
    """Prints PDF files as one job without stalling the GUI thread.

    Pages are rendered in a worker process and painted on the QPrinter from a
    QThread (see the module's docstring).  Exactly one of ``finished``,
    ``failed`` or ``cancelled`` is emitted, on the GUI thread; until then the
    job keeps ``printer``, which nobody else may use.

    Signals:
        progressed(int, int): pages painted so far, and the total.
        finished(int): the job was accepted by the printer, with this many pages.
        failed(str): nothing was printed; why and what to do, in French.
        cancelled(str): ``cancel`` was honoured, nothing was printed; the French message.
    """

    progressed = Signal(int, int)
    finished = Signal(int)
    failed = Signal(str)
    cancelled = Signal(str)

    def __init__(
        self,
        paths: Sequence[Path],
        printer: QPrinter,
        dpi: int = 300,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = [Path(p) for p in paths]
        self.printer = printer
        self.dpi = dpi
        self._stop = threading.Event()
        self._thread: _PrintThread | None = None
        self._over = False

    def start(self) -> None:
        """Start printing (once); returns at once."""
        if self._thread is not None or self._over:
            return
        thread = _PrintThread(self.paths, self.printer, self.dpi, self._stop)
        thread.progressed.connect(self.progressed)
        thread.ended.connect(self._on_thread_ended)
        thread.finished.connect(thread.deleteLater)
        thread.finished.connect(lambda: _RUNNING.discard(thread))
        _RUNNING.add(thread)
        self._thread = thread
        thread.start()

    def cancel(self) -> None:
        """Stop as soon as possible; nothing is printed unless the last page was already sent."""
        self._stop.set()

    def is_running(self) -> bool:
        return self._thread is not None and not self._over

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the job's thread has ended (for closing the table)."""
        thread = self._thread
        return thread is None or self._over or thread.wait(timeout_ms)

    def _on_thread_ended(self, kind: str, payload: object) -> None:
        self._over = True
        if kind == "finished":
            assert isinstance(payload, int)
            self.finished.emit(payload)
        elif kind == "cancelled":
            self.cancelled.emit(str(payload))
        else:
            self.failed.emit(str(payload))


# --- choosing the printer -------------------------------------------------------------------

# Qt reports a printer stopped in CUPS (cupsdisable, or stopped by an error) as Error.
_STATES = {
    QPrinter.PrinterState.Idle: "prête",
    QPrinter.PrinterState.Active: "en cours d'impression",
    QPrinter.PrinterState.Aborted: "arrêtée",
    QPrinter.PrinterState.Error: "arrêtée ou en panne",
}

NO_PRINTER_MESSAGE = (
    "Aucune imprimante n'est installée sur la table : branchez l'imprimante de la "
    "mairie et ajoutez-la dans les réglages d'impression (CUPS), puis touchez "
    "« Actualiser »."
)

_CHOOSER_STYLE = """
QPushButton#printerChoice {
    text-align: left;
    padding: 10px 24px;
    min-height: 88px;
    font-weight: normal;
}
QPushButton#copiesStep { min-width: 88px; min-height: 88px; font-size: 40px; padding: 0; }
QLabel#copiesValue { font-size: 40px; font-weight: bold; min-width: 96px; }
QScrollArea#printerList, QWidget#printerListBody { background: transparent; }
"""


def describe_printer(info: QPrinterInfo, table_printer: str | None = None) -> str:
    """Two lines for a printer's button: its name, then whether it is the
    table's or CUPS's default, its state and where it is."""
    name = info.printerName()
    details = []
    if name == table_printer:
        details.append("imprimante de la table")
    if info.isDefault():
        details.append("par défaut")
    if _Cups.accepting_jobs(name) is False:
        details.append("refuse les travaux")
    else:
        details.append(_STATES.get(info.state(), "état inconnu"))
    where = info.location() or (info.description() if info.description() != name else "")
    if where:
        details.append(where)
    return f"{name}\n{' · '.join(details)}"


class PrinterChooser(QDialog):
    """The printer and the number of copies, chosen by touch.

    ``QPrintDialog`` is small and made for a mouse; this lists the installed
    printers (``QPrinterInfo.availablePrinters()``) as big buttons, the
    table's printer (``[printing] printer``, given as ``preferred``) first,
    then CUPS's default, each marked, with − / + for the copies.  ``printer()``
    gives the QPrinter to hand to ``PrintJob`` once the dialog is accepted.

    Signals: those of QDialog (``accepted`` when "Imprimer" is touched).
    """

    def __init__(
        self, summary: str = "", parent: QWidget | None = None, preferred: str | None = None
    ) -> None:
        super().__init__(parent)
        self.preferred = preferred
        self.setWindowTitle("Imprimer pour le registre")
        # The table's theme as well, so that the dialog keeps its touch sizes wherever it opens.
        self.setStyleSheet(stylesheet() + _CHOOSER_STYLE)
        self.setMinimumSize(900, 640)
        self._copies = 1
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addWidget(label("Imprimer pour le registre", "sectionTitle"))
        self.summary = label(summary, "muted", wrap=True)
        self.summary.setVisible(bool(summary))
        layout.addWidget(self.summary)
        self._list_title = label("Imprimante", "muted")
        layout.addWidget(self._list_title)

        self._list = QWidget()
        self._list.setObjectName("printerListBody")
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(12)
        scroll = self._scroll = QScrollArea()
        scroll.setObjectName("printerList")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._list)
        layout.addWidget(scroll, 1)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._buttons: dict[str, QPushButton] = {}

        self.message = label("", "refusal", wrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        layout.addStretch(0)  # takes the list's room when there is no printer

        self._copies_row = QWidget()
        copies_row = QHBoxLayout(self._copies_row)
        copies_row.setContentsMargins(0, 0, 0, 0)
        copies_row.setSpacing(16)
        copies_row.addWidget(label("Nombre d'exemplaires", "muted"))
        copies_row.addStretch(1)
        self.minus_button = QPushButton("−")
        self.minus_button.setObjectName("copiesStep")
        self.minus_button.setAccessibleName("Un exemplaire de moins")
        self.minus_button.clicked.connect(self._on_minus_button_clicked)
        self.copies_label = QLabel("1")
        self.copies_label.setObjectName("copiesValue")
        self.copies_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plus_button = QPushButton("+")
        self.plus_button.setObjectName("copiesStep")
        self.plus_button.setAccessibleName("Un exemplaire de plus")
        self.plus_button.clicked.connect(self._on_plus_button_clicked)
        for widget in (self.minus_button, self.copies_label, self.plus_button):
            copies_row.addWidget(widget)
        layout.addWidget(self._copies_row)

        buttons = QHBoxLayout()
        buttons.setSpacing(16)
        self.refresh_button = QPushButton("Actualiser")
        self.refresh_button.clicked.connect(self.refresh)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.clicked.connect(self.reject)
        self.print_button = QPushButton("Imprimer")
        self.print_button.setObjectName("primary")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.print_button)
        layout.addLayout(buttons)
        for button in (self.refresh_button, self.cancel_button, self.print_button):
            button.setMinimumWidth(220)
        self.refresh()
        self._show_copies()

    # --- the API ---------------------------------------------------------------------

    def refresh(self) -> None:
        """List the installed printers again (one may just have been added)."""
        previous = self.selected_printer()
        for button in self._buttons.values():
            self._group.removeButton(button)
            button.deleteLater()
        self._buttons.clear()
        printers = sorted(
            QPrinterInfo.availablePrinters(),
            key=lambda info: (
                info.printerName() != self.preferred,
                not info.isDefault(),
                info.printerName().casefold(),
            ),
        )
        for info in printers:
            button = QPushButton(describe_printer(info, self.preferred))
            button.setObjectName("printerChoice")
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self._group.addButton(button)
            self._list_layout.addWidget(button)
            self._buttons[info.printerName()] = button
        self._list_layout.addStretch(1)
        self._list_title.setVisible(bool(printers))
        self._scroll.setVisible(bool(printers))
        self._copies_row.setVisible(bool(printers))
        if not printers:
            self.message.setText(NO_PRINTER_MESSAGE)
            self.message.show()
        else:
            self.message.hide()
            self.select_printer(
                previous if previous in self._buttons else printers[0].printerName()
            )
        self.print_button.setEnabled(bool(printers))

    def printer_names(self) -> list[str]:
        """The printers listed, in order (the default one first)."""
        return list(self._buttons)

    def selected_printer(self) -> str | None:
        return next((name for name, b in self._buttons.items() if b.isChecked()), None)

    def select_printer(self, name: str) -> None:
        button = self._buttons.get(name)
        if button is not None:
            button.setChecked(True)

    def copies(self) -> int:
        return self._copies

    def set_copies(self, copies: int) -> None:
        self._copies = max(1, min(MAX_COPIES, copies))
        self._show_copies()

    def printer(self) -> QPrinter | None:
        """A QPrinter for the chosen printer and copies (None if there is no printer)."""
        name = self.selected_printer()
        return None if name is None else make_printer(name, self._copies)

    # --- inside ----------------------------------------------------------------------

    def _show_copies(self) -> None:
        self.copies_label.setText(str(self._copies))
        self.minus_button.setEnabled(self._copies > 1)
        self.plus_button.setEnabled(self._copies < MAX_COPIES)

    def _on_minus_button_clicked(self) -> None:
        self.set_copies(self._copies - 1)

    def _on_plus_button_clicked(self) -> None:
        self.set_copies(self._copies + 1)
