"""Bad, hostile and good files through the real extraction pool (real worker processes).

Every file is made here, in ``tmp_path``: truncated and looping PDFs, a
password, an image claiming 60000 x 60000 pixels, a deflate bomb of 8 GB
(built from repeated compressed blocks, so the test never holds it), ...  Each
bad one must end with a ``Rejection`` whose code the library can store and
whose French reason the secretary can read; none may crash or hang the table.
"""

import io
import os
import pickle
import signal
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pymupdf
import pytest

from sync import extract, workers
from sync.extract import Probe, RejectedFile
from sync.workers import TRANSIENT_CODES, ExtractionPool, Rejection

TIMEOUT_S = 5.0
FRENCH_REASON_STARTS = (
    "fichier",
    "PDF",
    "image",
    "document",
    "format",
    "trop volumineux",
    "délai dépassé",
    "le lecteur",
    "lecture",
)


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractionPool]:
    with ExtractionPool(processes=2, timeout_s=TIMEOUT_S) as extraction:
        yield extraction


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"


# --- file makers ------------------------------------------------------------------


def good_pdf(path: Path, pages: int = 3) -> Path:
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 90), "Conseil municipal du 12 mars", fontsize=20)
        page.insert_text((72, 130), f"Délibération {number} : budget primitif", fontsize=11)
        page.insert_text((72, 150), "Le conseil approuve à l'unanimité.", fontsize=11)
    doc.save(path)
    doc.close()
    return path


def hand_written_pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct cross-reference table; object i + 1 is objects[i]."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def zeros_zlib(size: int) -> bytes:
    """A zlib stream that inflates to ``size`` zero bytes, built without holding them.

    After a full flush deflate starts afresh, so every further MiB of zeros
    compresses to the same bytes: they are repeated.  The Adler-32 checksum of
    n zeros is (n mod 65521) << 16 | 1.
    """
    mib = 1 << 20
    chunks, rest = divmod(size, mib)
    assert chunks >= 2
    compressor = zlib.compressobj(9)
    zero = b"\0" * mib
    first = compressor.compress(zero) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zero) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(b"\0" * rest) + compressor.flush()
    checksum = ((size % 65521) << 16) | 1
    return first + repeated * (chunks - 1) + end[:-4] + checksum.to_bytes(4, "big")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def good_png(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    page.draw_rect(pymupdf.Rect(50, 50, 350, 250), color=(0, 0, 1), fill=(1, 1, 0))
    page.get_pixmap().save(path)
    doc.close()
    return path


def two_page_tiff(path: Path, sizes: tuple[tuple[int, int], ...] = ((40, 30), (20, 50))) -> Path:
    """An uncompressed, 8-bit grey, multi-page TIFF (PyMuPDF cannot write TIFF)."""
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    previous_link = 4  # where the offset of the next page's directory goes
    for number, (width, height) in enumerate(sizes):
        pixels_at = len(out)
        out += bytes((number * 90 + x) % 256 for x in range(width * height))
        if len(out) % 2:
            out += b"\x00"
        directory_at = len(out)
        struct.pack_into("<I", out, previous_link, directory_at)
        entries = [
            (256, 4, 1, width),  # ImageWidth
            (257, 4, 1, height),  # ImageLength
            (258, 3, 1, 8),  # BitsPerSample
            (259, 3, 1, 1),  # Compression: none
            (262, 3, 1, 1),  # PhotometricInterpretation: black is zero
            (273, 4, 1, pixels_at),  # StripOffsets
            (277, 3, 1, 1),  # SamplesPerPixel
            (278, 4, 1, height),  # RowsPerStrip
            (279, 4, 1, width * height),  # StripByteCounts
        ]
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            if kind == 3:
                out += struct.pack("<HHIHH", tag, kind, count, value, 0)
            else:
                out += struct.pack("<HHII", tag, kind, count, value)
        previous_link = len(out)
        out += b"\x00\x00\x00\x00"
    path.write_bytes(bytes(out))
    return path


def zip_file(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, text, compress_type=method)
    return path


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:text>
<text:h text:outline-level="1">Ordre du jour</text:h>
<text:p>Approbation du procès-verbal de la séance précédente</text:p>
</office:text></office:body></office:document-content>"""


def odt(path: Path, *, encrypted: bool = False) -> Path:
    file_entries = (
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"'
        + (
            '><manifest:encryption-data manifest:checksum-type="SHA1"'
            ' manifest:checksum="AAAA"/></manifest:file-entry>'
            if encrypted
            else "/>"
        )
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">' + file_entries + "</manifest:manifest>"
    )
    return zip_file(
        path,
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": ODT_CONTENT,
            "META-INF/manifest.xml": manifest,
        },
    )


def compound_file(path: Path, stream: str) -> Path:
    """A minimal OLE2 compound file (the container of .doc, .xls, .ppt) with one stream."""
    end, free, fat = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 44, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    allocation = struct.pack("<128I", fat, end, *([free] * 126))  # sector 0: table
    directory = bytearray(512)  # sector 1: directory

    def entry(index: int, name: str, kind: int) -> None:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        start = index * 128
        directory[start : start + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, start + 64, len(encoded), kind, 1)

    entry(0, "Root Entry", 5)
    entry(1, stream, 2)
    path.write_bytes(bytes(header) + allocation + bytes(directory))
    return path


# --- checks -----------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "the thumbnail is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_thumbnail(probe: Probe) -> None:
    width, height = png_size(probe.thumbnail_png)
    assert 300 <= max(width, height) <= 340
    assert min(width, height) >= 1


def assert_rejected(result: object, *codes: str) -> Rejection:
    assert isinstance(result, Rejection), f"expected a refusal, got {result!r}"
    assert result.code in codes, result
    assert result.reason.startswith(FRENCH_REASON_STARTS), result.reason
    return result


# --- bad files --------------------------------------------------------------------


def test_truncated_pdf_is_damaged(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    whole = good_pdf(tmp_path / "whole.pdf", pages=5).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 2])

    rejection = assert_rejected(pool.probe(cut, workdir), "damaged")
    assert "incomplet" in rejection.reason
    assert_rejected(pool.texts(cut), "damaged")


def test_empty_file(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    empty = tmp_path / "vide.pdf"
    empty.touch()

    assert pool.probe(empty, workdir) == Rejection("empty", "fichier vide")
    assert pool.texts(empty) == Rejection("empty", "fichier vide")
    # The worker says the same if it is handed one (the pool checks first).
    with pytest.raises(RejectedFile) as refused:
        extract.probe_file(empty, workdir)
    assert refused.value.code == "empty"


def test_random_bytes_named_pdf(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    noise = tmp_path / "ordre du jour.pdf"
    noise.write_bytes(os.urandom(20_000).replace(b"%PDF-", b"-----"))

    rejection = assert_rejected(pool.probe(noise, workdir), "damaged")
    assert rejection.reason.startswith("PDF endommagé")


def test_random_bytes_with_another_name_are_unsupported(
    pool: ExtractionPool, tmp_path: Path, workdir: Path
) -> None:
    noise = tmp_path / "archive.bin"
    noise.write_bytes(b"\x00\x01" + os.urandom(5000))
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a" + bytes(100))
    text = tmp_path / "notes.txt"
    text.write_text("Penser à convoquer la commission des finances.\n", encoding="utf-8")

    assert_rejected(pool.probe(noise, workdir), "unsupported")
    assert pool.probe(gif, workdir) == Rejection(
        "unsupported", "format non pris en charge (image GIF)"
    )
    assert pool.probe(text, workdir) == Rejection(
        "unsupported", "format non pris en charge (texte)"
    )


def test_password_protected_pdf(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    doc = pymupdf.open(good_pdf(tmp_path / "clair.pdf"))
    locked = tmp_path / "protégé.pdf"
    doc.save(locked, encryption=pymupdf.mupdf.PDF_ENCRYPT_AES_256, user_pw="maire", owner_pw="dgs")
    doc.close()

    rejection = assert_rejected(pool.probe(locked, workdir), "encrypted")
    assert "mot de passe" in rejection.reason
    assert_rejected(pool.texts(locked), "encrypted")


@pytest.mark.parametrize(
    "tree",
    [
        # /Pages lists itself as its only kid.
        [b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"],
        # /Pages has a child /Pages whose kid is its parent.
        [
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ],
        # A real page next to the loop.
        [
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
    ],
    ids=["self", "parent", "with-a-page"],
)
def test_page_tree_loop_is_damaged(
    pool: ExtractionPool, tmp_path: Path, workdir: Path, tree: list[bytes]
) -> None:
    looping = tmp_path / "boucle.pdf"
    looping.write_bytes(hand_written_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", *tree]))

    rejection = assert_rejected(pool.probe(looping, workdir), "damaged")
    assert rejection.reason.startswith("PDF endommagé")


def test_image_claiming_60000_by_60000_pixels(
    pool: ExtractionPool, tmp_path: Path, workdir: Path
) -> None:
    huge = tmp_path / "scan.png"
    huge.write_bytes(png_claiming(60_000, 60_000, zlib.compress(b"\0" * 1000)))

    rejection = assert_rejected(pool.probe(huge, workdir), "too_large")
    assert "60000 × 60000 pixels" in rejection.reason
    assert "limite 150 millions" in rejection.reason


def test_page_count_over_the_limit(tmp_path: Path, workdir: Path) -> None:
    pdf = good_pdf(tmp_path / "annexes.pdf", pages=3)

    with pytest.raises(RejectedFile) as refused:
        extract.probe_file(pdf, workdir, max_pages=2)
    assert refused.value.code == "too_large"
    assert refused.value.reason == "trop volumineux : 3 pages (limite 2)"


def test_file_over_the_size_limit(tmp_path: Path, workdir: Path) -> None:
    pdf = good_pdf(tmp_path / "gros.pdf")
    with ExtractionPool(processes=1, timeout_s=TIMEOUT_S, max_file_bytes=1024) as small:
        rejection = assert_rejected(small.probe(pdf, workdir), "too_large")
    assert rejection.reason.endswith("(limite 1 Ko)")


def test_deflate_bomb_ends_with_a_reason(
    pool: ExtractionPool, tmp_path: Path, workdir: Path
) -> None:
    bomb = zeros_zlib(8 << 30)  # 8 GiB of zeros as the page's content stream
    content = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb
    pdf = tmp_path / "bombe.pdf"
    pdf.write_bytes(
        hand_written_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                content + b"\nendstream",
            ]
        )
    )
    assert pdf.stat().st_size < 16 << 20

    rejection = assert_rejected(pool.probe(pdf, workdir), "timeout", "too_large", "damaged")
    if rejection.code == "timeout":
        assert rejection.reason == "délai dépassé : lecture arrêtée après 5,0 s"
    # The pool replaced the worker it killed: the next file is read as usual.
    assert isinstance(pool.probe(good_pdf(tmp_path / "ensuite.pdf"), workdir), Probe)


def test_zeros_zlib_inflates_to_the_size_asked() -> None:
    size = 3 * (1 << 20) + 12345
    assert zlib.decompress(zeros_zlib(size)) == b"\0" * size


def test_running_out_of_memory_is_too_large(tmp_path: Path, workdir: Path) -> None:
    # 10000 x 10000 RGB: MuPDF inflates 300 MB, then wants a 300 MB pixmap.
    width = height = 10_000
    picture = tmp_path / "affiche.png"
    picture.write_bytes(png_claiming(width, height, zeros_zlib((1 + 3 * width) * height)))

    with ExtractionPool(processes=1, timeout_s=60, memory_bytes=400 * 2**20) as small:
        rejection = assert_rejected(small.probe(picture, workdir), "too_large")
        assert rejection.reason == "trop volumineux : la mémoire nécessaire dépasse 400 Mo"
        assert isinstance(small.probe(good_pdf(tmp_path / "ensuite.pdf"), workdir), Probe)


def test_workers_limit_their_address_space(tmp_path: Path, workdir: Path) -> None:
    with ExtractionPool(processes=1, memory_bytes=700 * 2**20) as small:
        assert isinstance(small.probe(good_pdf(tmp_path / "a.pdf"), workdir), Probe)
        (pid,) = small.worker_pids()
        limits = Path(f"/proc/{pid}/limits").read_text().splitlines()
    (address_space,) = [line for line in limits if line.startswith("Max address space")]
    assert address_space.split()[3] == str(700 * 2**20)


# --- workers that die, a pool that closes ---------------------------------------------


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def while_busy(
    pool: ExtractionPool, path: Path, workdir: Path, act: Callable[[int], None]
) -> object:
    """Probe ``path`` (a long job) in a thread; call ``act(pid)`` once the worker works on it."""
    (pid,) = pool.worker_pids()
    idle = cpu_ticks(pid)
    results: list[object] = []
    job = threading.Thread(target=lambda: results.append(pool.probe(path, workdir)))
    job.start()
    for _ in range(10_000):  # bounded wait for the worker to burn CPU on the job
        if cpu_ticks(pid) >= idle + 3:
            break
        job.join(0.01)
    act(pid)
    job.join(60)
    assert not job.is_alive()
    (result,) = results
    return result


@pytest.fixture
def bomb_pdf(tmp_path: Path) -> Path:
    bomb = zeros_zlib(8 << 30)
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(
        hand_written_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb)
                + bomb
                + b"\nendstream",
            ]
        )
    )
    return pdf


def test_a_worker_that_crashes_is_replaced(tmp_path: Path, workdir: Path, bomb_pdf: Path) -> None:
    good = good_pdf(tmp_path / "bon.pdf")
    with ExtractionPool(processes=1, timeout_s=60) as single:
        assert isinstance(single.probe(good, workdir), Probe)  # the worker is up and idle

        result = while_busy(single, bomb_pdf, workdir, lambda pid: os.kill(pid, signal.SIGSEGV))

        assert result == Rejection("crashed", "le lecteur de documents s'est arrêté sur ce fichier")
        assert isinstance(single.probe(good, workdir), Probe)


def test_closing_the_pool_cancels_the_running_job(
    tmp_path: Path, workdir: Path, bomb_pdf: Path
) -> None:
    single = ExtractionPool(processes=1, timeout_s=60)
    assert isinstance(single.probe(good_pdf(tmp_path / "bon.pdf"), workdir), Probe)

    result = while_busy(single, bomb_pdf, workdir, lambda _pid: single.close())

    rejection = assert_rejected(result, "cancelled")
    assert rejection.code in TRANSIENT_CODES
    assert single.probe(bomb_pdf, workdir) == result
    assert single.worker_pids() == []


def test_an_answer_cannot_carry_code() -> None:
    # Should a hostile file ever take a worker over, its answers stay data.
    assert workers._load(pickle.dumps(("ok", ["page 1"]))) == ("ok", ["page 1"])
    with pytest.raises(pickle.UnpicklingError):
        workers._load(pickle.dumps(("ok", os.system)))


# --- good files -------------------------------------------------------------------


def test_good_pdf(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    pdf = good_pdf(tmp_path / "délibérations.pdf", pages=3)

    probe = pool.probe(pdf, workdir)

    assert isinstance(probe, Probe)
    assert (probe.kind, probe.mime, probe.page_count) == ("pdf", "application/pdf", 3)
    assert probe.title == "Conseil municipal du 12 mars"  # the largest line of page 1
    assert probe.converted_pdf is None
    width, height = png_size(probe.thumbnail_png)
    assert (width, height) == (227, 320)  # A4 portrait, rounded up
    texts = pool.texts(pdf)
    assert isinstance(texts, list)
    assert len(texts) == 3
    assert "Délibération 2 : budget primitif" in texts[1]


def test_metadata_title_wins_when_meaningful(tmp_path: Path, workdir: Path) -> None:
    pdf = good_pdf(tmp_path / "cr.pdf", pages=1)
    for metadata_title, expected in [
        ("Compte rendu de la séance du 12 mars", "Compte rendu de la séance du 12 mars"),
        ("Microsoft Word - CR 12-03.docx", "Conseil municipal du 12 mars"),
        ("Document1", "Conseil municipal du 12 mars"),
        ("  ", "Conseil municipal du 12 mars"),
    ]:
        doc = pymupdf.open(pdf)
        doc.set_metadata({"title": metadata_title})
        titled = tmp_path / "titré.pdf"
        doc.save(titled)
        doc.close()
        assert extract.probe_file(titled, workdir).title == expected, metadata_title


def test_title_is_short(tmp_path: Path, workdir: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=1200, height=400)
    long_line = "Convention " + "de partenariat intercommunal " * 8
    page.insert_text((20, 50), long_line, fontsize=6)
    pdf = tmp_path / "long.pdf"
    doc.save(pdf)
    doc.close()

    title = extract.probe_file(pdf, workdir).title
    assert title is not None
    assert title.startswith("Convention de partenariat")
    assert len(title) <= 120
    assert title.endswith("…")


def test_a_scanned_page_has_no_title(tmp_path: Path, workdir: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(page.rect, filename=good_png(tmp_path / "scan.png"))
    pdf = tmp_path / "scan.pdf"
    doc.save(pdf)
    doc.close()

    probe = extract.probe_file(pdf, workdir)
    assert probe.title is None
    assert_thumbnail(probe)


def test_good_png(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    picture = good_png(tmp_path / "plan.png")

    probe = pool.probe(picture, workdir)

    assert isinstance(probe, Probe)
    assert (probe.kind, probe.mime, probe.page_count, probe.title) == (
        "image",
        "image/png",
        1,
        None,
    )
    assert png_size(probe.thumbnail_png) == (320, 240)
    assert pool.texts(picture) == [""]


def test_good_jpeg(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    picture = tmp_path / "photo.jpg"
    pymupdf.Pixmap(good_png(tmp_path / "plan.png")).save(picture, jpg_quality=80)

    probe = pool.probe(picture, workdir)

    assert isinstance(probe, Probe)
    assert (probe.kind, probe.mime, probe.page_count) == ("image", "image/jpeg", 1)
    assert_thumbnail(probe)
    assert extract.image_sizes(picture, "image/jpeg") == [(400, 300)]


def test_multi_page_tiff(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    scan = two_page_tiff(tmp_path / "courrier.tif")
    assert extract.image_sizes(scan, "image/tiff") == [(40, 30), (20, 50)]

    probe = pool.probe(scan, workdir)

    assert isinstance(probe, Probe)
    assert (probe.kind, probe.mime, probe.page_count) == ("image", "image/tiff", 2)
    assert png_size(probe.thumbnail_png) == (320, 240)
    assert pool.texts(scan) == ["", ""]


def test_tiff_page_over_the_pixel_limit(tmp_path: Path, workdir: Path) -> None:
    scan = two_page_tiff(tmp_path / "courrier.tif", sizes=((40, 30), (200, 100)))

    with pytest.raises(RejectedFile) as refused:
        extract.probe_file(scan, workdir, max_pixels=10_000)
    assert refused.value.code == "too_large"
    assert refused.value.reason.startswith("trop volumineux : page 2 : image de 200 × 100 pixels")


def test_many_threads_share_the_pool(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    files = [good_pdf(tmp_path / f"{n}.pdf", pages=n) for n in (1, 2, 3)]
    files.append(two_page_tiff(tmp_path / "scan.tif"))
    results: dict[int, object] = {}

    def read(index: int) -> None:
        results[index] = pool.probe(files[index % len(files)], workdir)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    pages = {i: r.page_count for i, r in results.items() if isinstance(r, Probe)}
    assert pages == {i: [1, 2, 3, 2][i % 4] for i in range(8)}


# --- office documents -------------------------------------------------------------


def test_office_types_come_from_the_content(tmp_path: Path) -> None:
    assert extract.sniff(odt(tmp_path / "odj.odt")) == (
        "office",
        "application/vnd.oasis.opendocument.text",
    )
    docx = zip_file(
        tmp_path / "renamed.pdf",  # the name lies, the content decides
        {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"},
    )
    assert extract.sniff(docx) == (
        "office",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    xlsx = zip_file(tmp_path / "budget.xlsx", {"xl/workbook.xml": "<workbook/>"})
    assert extract.sniff(xlsx)[1].endswith("spreadsheetml.sheet")
    assert extract.sniff(compound_file(tmp_path / "ancien.doc", "WordDocument")) == (
        "office",
        "application/msword",
    )
    assert extract.sniff(compound_file(tmp_path / "tableau.xls", "Workbook")) == (
        "office",
        "application/vnd.ms-excel",
    )
    rtf = tmp_path / "note.rtf"
    rtf.write_text(r"{\rtf1\ansi Bonjour}", encoding="ascii")
    assert extract.sniff(rtf) == ("office", "application/rtf")


@pytest.mark.parametrize("kind", ["odt", "ooxml"])
def test_protected_office_documents(tmp_path: Path, kind: str) -> None:
    protected = (
        odt(tmp_path / "secret.odt", encrypted=True)
        if kind == "odt"
        else compound_file(tmp_path / "secret.docx", "EncryptedPackage")
    )
    with pytest.raises(RejectedFile) as refused:
        extract.sniff(protected)
    assert refused.value.code == "encrypted"


def test_damaged_office_document(tmp_path: Path) -> None:
    broken = tmp_path / "budget.ods"
    broken.write_bytes(b"PK\x03\x04" + os.urandom(300))

    with pytest.raises(RejectedFile) as refused:
        extract.sniff(broken)
    assert refused.value.code == "damaged"
    assert refused.value.reason.startswith("document bureautique endommagé")


def test_office_document_without_libreoffice(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = odt(tmp_path / "ordre du jour.odt")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # a table where LibreOffice is not installed

    with pytest.raises(RejectedFile) as refused:
        extract.probe_file(document, workdir)
    assert refused.value.code == "no_converter"
    assert refused.value.reason == (
        "document bureautique non affichable : LibreOffice n'est pas installé sur la table"
    )


@pytest.mark.skipif(extract.find_converter() is not None, reason="LibreOffice is installed")
def test_pool_without_libreoffice(pool: ExtractionPool, tmp_path: Path, workdir: Path) -> None:
    assert_rejected(pool.probe(odt(tmp_path / "odj.odt"), workdir), "no_converter")


@pytest.mark.skipif(extract.find_converter() is None, reason="LibreOffice is not installed")
def test_office_document_is_converted(tmp_path: Path, workdir: Path) -> None:
    # Named like the library's stored copies: no extension.
    document = odt(tmp_path / "3f9a0c41d2")
    with ExtractionPool(processes=1, timeout_s=30, convert_timeout_s=180) as single:
        probe = single.probe(document, workdir)
        assert isinstance(probe, Probe), probe
        assert (probe.kind, probe.mime) == ("office", "application/vnd.oasis.opendocument.text")
        assert probe.page_count == 1
        assert probe.converted_pdf is not None
        converted = Path(probe.converted_pdf)
        assert converted.parent.parent == workdir
        assert converted.name == "document.pdf"
        assert_thumbnail(probe)
        texts = single.texts(converted)
    assert isinstance(texts, list)
    assert "Approbation du procès-verbal" in texts[0]
