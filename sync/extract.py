"""Reading one of the commune's documents: type, pages, title, thumbnail, text.

These functions run inside a worker process of ``sync.workers.ExtractionPool``,
never in the table's process: a broken, hostile or huge file can make MuPDF run
for minutes or ask for gigabytes, and only the pool's time and memory limits
stop that.  PyMuPDF is not thread-safe: one document at a time per process.

Every refusal is a ``RejectedFile`` whose ``code`` the library stores and whose
``reason`` (French) the secretary reads.  The type of a file comes from its
first bytes, never from its name; the name only words the refusal ("PDF
endommagé" for random bytes called ``.pdf``).

PyMuPDF is imported inside the functions, so that the table's process can use
``Probe`` and ``RejectedFile`` without loading MuPDF (the worker processes
preload it).
"""

import contextlib
import fcntl
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

PDF = "pdf"
IMAGE = "image"
OFFICE = "office"

MAX_PAGES = 5000
MAX_PIXELS_PER_PAGE = 150_000_000
CONVERT_TIMEOUT_S = 120.0
THUMBNAIL_PX = 320
TITLE_MAX_CHARS = 120
# A real page holds a few thousand characters; a hostile one could hold millions.
MAX_PAGE_TEXT_CHARS = 200_000

# The refusal codes, for the library and the tests.  "unreadable" (the file went
# away or cannot be read) is the only one not about the file's content.
CODES = frozenset(
    {
        "empty",
        "damaged",
        "encrypted",
        "unsupported",
        "too_large",
        "timeout",
        "crashed",
        "no_converter",
        "unreadable",
    }
)

_SNIFF_BYTES = 8192
_PDF_EXTENSIONS = frozenset({".pdf"})
_IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff"})
_OFFICE_EXTENSIONS = frozenset(
    {".odt", ".ods", ".odp", ".odg", ".docx", ".xlsx", ".pptx", ".doc", ".xls", ".ppt", ".rtf"}
)
_ODF_MIMES = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.graphics",
    }
)
_OOXML_PARTS = (
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
)
_OLE_STREAMS = (
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
_OFFICE_SUFFIXES = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.oasis.opendocument.graphics": ".odg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/rtf": ".rtf",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# First bytes of formats people may drop in the folder, to name them in the refusal.
_KNOWN_OTHERS: tuple[tuple[int, bytes, str], ...] = (
    (0, b"GIF8", "image GIF"),
    (8, b"WEBP", "image WebP"),
    (4, b"ftypheic", "photo HEIC"),
    (4, b"ftypheix", "photo HEIC"),
    (4, b"ftypmif1", "photo HEIF"),
    (4, b"ftyp", "vidéo"),
    (0, b"\x00\x00\x00\x0cjP  ", "image JPEG 2000"),
    (0, b"II+\x00", "image BigTIFF"),
    (0, b"MM\x00+", "image BigTIFF"),
    (0, b"%!PS", "PostScript"),
    (0, b"\x1f\x8b", "archive gzip"),
    (0, b"7z\xbc\xaf", "archive 7-Zip"),
    (0, b"Rar!", "archive RAR"),
    (0, b"ID3", "son MP3"),
    (0, b"RIFF", "fichier RIFF (son ou vidéo)"),
    (0, b"\x7fELF", "programme"),
    (0, b"MZ", "programme Windows"),
    (0, b"<?xml", "XML"),
)


class RejectedFile(Exception):
    """A file the table will not show: ``code`` for the library, ``reason`` in French."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Probe:
    """What the table needs to list a document at once (the fast phase)."""

    kind: str  # PDF, IMAGE or OFFICE
    mime: str
    page_count: int
    title: str | None
    thumbnail_png: bytes = field(repr=False)
    converted_pdf: str | None = None  # OFFICE only: the PDF made by LibreOffice


def quiet_mupdf() -> None:
    """Keep MuPDF's messages off stderr: the exceptions carry what matters."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)


def warm_up() -> None:
    """Open and render a tiny document, so that the first real file is not slower."""
    import pymupdf

    with pymupdf.open() as doc:
        page = doc.new_page(width=100, height=100)
        page.insert_text((10, 50), "Table du conseil")
        page.get_pixmap(matrix=pymupdf.Matrix(0.5, 0.5)).tobytes("png")
        page.get_text("dict")


# --- type sniffing -------------------------------------------------------------


def sniff(path: Path) -> tuple[str, str]:
    """``(kind, mime)`` from the first bytes of ``path``, whatever its name says."""
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise _unreadable(exc) from exc
    if not head:
        raise RejectedFile("empty", "fichier vide")
    if b"%PDF-" in head[:1024]:
        return PDF, "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return IMAGE, "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return IMAGE, "image/png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return IMAGE, "image/tiff"
    if head.startswith(b"{\\rtf"):
        return OFFICE, "application/rtf"
    if head.startswith(b"PK\x03\x04"):
        return OFFICE, _zip_office_mime(path)
    if head.startswith(_OLE_MAGIC):
        return OFFICE, _ole_office_mime(path)
    raise _not_recognised(path, head)


def _not_recognised(path: Path, head: bytes) -> RejectedFile:
    suffix = path.suffix.lower()
    if suffix in _PDF_EXTENSIONS:
        return RejectedFile(
            "damaged", "PDF endommagé : le contenu du fichier n'est pas celui d'un PDF"
        )
    if suffix in _IMAGE_EXTENSIONS:
        return RejectedFile(
            "damaged", "image endommagée : le contenu du fichier n'est pas celui d'une image"
        )
    if suffix in _OFFICE_EXTENSIONS:
        return RejectedFile(
            "damaged",
            "document bureautique endommagé : le contenu du fichier ne correspond pas à son type",
        )
    if head.startswith(b"BM") and head[6:10] == b"\0\0\0\0":  # reserved fields
        return _unsupported("image BMP")
    for offset, magic, name in _KNOWN_OTHERS:
        if head[offset : offset + len(magic)] == magic:
            return _unsupported(name)
    if _looks_like_text(head):
        return _unsupported("texte")
    return _unsupported(f"fichier « {suffix} »" if suffix else "type inconnu")


def _unsupported(what: str) -> RejectedFile:
    return RejectedFile("unsupported", f"format non pris en charge ({what})")


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The cut may fall inside a character; Latin-1 text has no NUL either.
        text = head.decode("latin-1")
    return "\x00" not in text and all(c.isprintable() or c in "\r\n\t\f" for c in text)


def _zip_office_mime(path: Path) -> str:
    """The office type of a ZIP file, reading only its directory and tiny entries."""
    suffix = path.suffix.lower()
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                if mime in _ODF_MIMES:
                    _refuse_encrypted_odf(archive)
                    return mime
            for part, mime in _OOXML_PARTS:
                if part in names:
                    return mime
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, KeyError) as exc:
        if suffix in _OFFICE_EXTENSIONS:
            raise RejectedFile(
                "damaged", f"document bureautique endommagé : archive illisible ({exc})"
            ) from exc
        raise _unsupported("archive ZIP endommagée") from exc
    except OSError as exc:
        raise _unreadable(exc) from exc
    if suffix in _OFFICE_EXTENSIONS:
        raise RejectedFile(
            "damaged", "document bureautique endommagé : il manque le contenu du document"
        )
    raise _unsupported("archive ZIP")


def _refuse_encrypted_odf(archive: zipfile.ZipFile) -> None:
    try:
        info = archive.getinfo("META-INF/manifest.xml")
    except KeyError:
        return
    if info.file_size < 4 << 20 and b"encryption-data" in archive.read(info):
        raise RejectedFile("encrypted", "document protégé par mot de passe")


def _ole_office_mime(path: Path) -> str:
    """The office type of an OLE2 compound file (.doc, .xls, .ppt), from its stream names."""
    try:
        with path.open("rb") as f:
            names = _ole_stream_names(f)
    except OSError as exc:
        raise _unreadable(exc) from exc
    if names is None:
        raise RejectedFile(
            "damaged", "document bureautique endommagé : structure du fichier illisible"
        )
    if "EncryptedPackage" in names:  # a .docx, .xlsx or .pptx protected by a password
        raise RejectedFile("encrypted", "document protégé par mot de passe")
    for stream, mime in _OLE_STREAMS:
        if stream in names:
            return mime
    raise _unsupported("fichier Microsoft non reconnu")


def _ole_stream_names(f: BinaryIO) -> set[str] | None:
    """The names in the directory of a compound file (MS-CFB), or None if it is broken."""
    header = f.read(512)
    if len(header) < 512:
        return None
    shift = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        return None
    size = 1 << shift
    first_dir = struct.unpack_from("<I", header, 48)[0]
    # The first 109 sectors of the allocation table are listed in the header;
    # that covers files up to 7 MB (512-byte sectors), far more than a directory
    # needs in practice.  A chain that leaves them is treated as its end.
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s < 0xFFFFFFFA]
    per_fat = size // 4

    def read_sector(sector: int) -> bytes:
        f.seek((sector + 1) * size)
        return f.read(size)

    def next_sector(sector: int) -> int:
        index = sector // per_fat
        if index >= len(fat_sectors):
            return 0xFFFFFFFE
        table = read_sector(fat_sectors[index])
        offset = (sector % per_fat) * 4
        if len(table) < offset + 4:
            return 0xFFFFFFFE
        value: int = struct.unpack_from("<I", table, offset)[0]
        return value

    names: set[str] = set()
    sector = first_dir
    seen: set[int] = set()
    while sector < 0xFFFFFFFA and sector not in seen and len(seen) < 256:
        seen.add(sector)
        data = read_sector(sector)
        if len(data) < size:
            return None
        for entry in range(0, size, 128):
            length = struct.unpack_from("<H", data, entry + 64)[0]
            if 2 <= length <= 64:
                names.add(data[entry : entry + length - 2].decode("utf-16-le", "replace"))
        sector = next_sector(sector)
    return names or None


# --- the fast phase ------------------------------------------------------------


def probe_file(
    path: Path,
    workdir: Path,
    *,
    max_pages: int = MAX_PAGES,
    max_pixels: int = MAX_PIXELS_PER_PAGE,
    convert_timeout_s: float = CONVERT_TIMEOUT_S,
    profile_dir: Path | None = None,
    on_convert: Callable[[int], None] | None = None,
) -> Probe:
    """Type, page count, title and thumbnail of ``path``; raises ``RejectedFile``.

    An office document is first converted to PDF by LibreOffice in ``workdir``
    (see ``convert_to_pdf`` for ``profile_dir``); ``on_convert`` receives the
    process group of LibreOffice as soon as it runs (the pool extends its
    deadline and kills that group if it must).
    """
    kind, mime = sniff(path)
    _reset_mupdf_warnings()
    if kind == PDF:
        return _probe_pdf(path, kind, mime, max_pages)
    if kind == IMAGE:
        return _probe_image(path, mime, max_pages, max_pixels)
    pdf = convert_to_pdf(
        path,
        workdir,
        timeout_s=convert_timeout_s,
        profile_dir=profile_dir,
        mime=mime,
        on_start=on_convert,
    )
    probe = _probe_pdf(pdf, kind, mime, max_pages)
    return replace(probe, converted_pdf=str(pdf))


def _probe_pdf(path: Path, kind: str, mime: str, max_pages: int) -> Probe:
    with _open_pdf(path) as doc:
        count = _page_count(doc, max_pages)
        page = _load_page(doc, 0)
        thumbnail = _thumbnail(page, "PDF endommagé")
        title = _metadata_title(doc) or _first_line(page)
    return Probe(kind, mime, count, title, thumbnail)


def _open_pdf(path: Path) -> Any:
    import pymupdf

    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:
        _raise_mupdf(exc, "PDF endommagé : impossible de l'ouvrir")
    try:
        if doc.needs_pass:
            raise RejectedFile("encrypted", "PDF protégé par mot de passe")
        if doc.is_repaired and not _ends_with_eof_marker(path):
            # MuPDF rebuilt the cross-reference table of a file whose end is
            # missing: pages or images may be gone, so it is not shown as is.
            raise RejectedFile(
                "damaged",
                "PDF endommagé : le fichier est incomplet (copie ou envoi interrompu ?)",
            )
    except BaseException:
        doc.close()
        raise
    return doc


def _ends_with_eof_marker(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 2048))
            return b"%%EOF" in f.read()
    except OSError as exc:
        raise _unreadable(exc) from exc


def _page_count(doc: Any, max_pages: int) -> int:
    try:
        count = int(doc.page_count)
    except Exception as exc:
        _raise_mupdf(exc, "PDF endommagé : impossible de compter les pages")
    if count < 1:
        raise RejectedFile("damaged", "PDF endommagé : aucune page lisible")
    if count > max_pages:
        raise RejectedFile("too_large", f"trop volumineux : {count} pages (limite {max_pages})")
    return count


def _load_page(doc: Any, index: int) -> Any:
    try:
        return doc.load_page(index)
    except Exception as exc:
        _raise_mupdf(exc, f"PDF endommagé : page {index + 1} illisible")


def _thumbnail(page: Any, damaged: str) -> bytes:
    import pymupdf

    try:
        rect = page.rect
        longest = max(rect.width, rect.height)
        if not 0 < longest < float("inf"):
            raise RejectedFile("damaged", f"{damaged} : la première page n'a pas de dimensions")
        zoom = THUMBNAIL_PX / longest
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        png: bytes = pixmap.tobytes("png")
    except RejectedFile:
        raise
    except Exception as exc:
        _raise_mupdf(exc, f"{damaged} : la première page ne s'affiche pas")
    return png


def _probe_image(path: Path, mime: str, max_pages: int, max_pixels: int) -> Probe:
    import pymupdf

    sizes = image_sizes(path, mime, max_pages)
    for number, (width, height) in enumerate(sizes, 1):
        if width * height > max_pixels:
            where = f"page {number} : " if len(sizes) > 1 else ""
            raise RejectedFile(
                "too_large",
                f"trop volumineux : {where}image de {width} × {height} pixels "
                f"({_megapixels(width * height)} millions de pixels, "
                f"limite {_megapixels(max_pixels)} millions)",
            )
    try:
        with pymupdf.open(path, filetype=_MUPDF_IMAGE_TYPES[mime]) as doc:
            count = int(doc.page_count)
            if count < 1:
                raise RejectedFile("damaged", "image endommagée : aucune image lisible")
            if count > max_pages:
                raise RejectedFile(
                    "too_large", f"trop volumineux : {count} pages (limite {max_pages})"
                )
            thumbnail = _thumbnail(doc.load_page(0), "image endommagée")
    except RejectedFile:
        raise
    except Exception as exc:
        _raise_mupdf(exc, "image endommagée")
    return Probe(IMAGE, mime, count, None, thumbnail)


_MUPDF_IMAGE_TYPES = {"image/jpeg": "jpeg", "image/png": "png", "image/tiff": "tiff"}


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.0f}" if pixels >= 10**7 else f"{pixels / 1e6:.1f}".replace(".", ",")


# --- image headers -------------------------------------------------------------


def image_sizes(path: Path, mime: str, max_pages: int = MAX_PAGES) -> list[tuple[int, int]]:
    """Width and height of each page of an image, read from its header, not decoded.

    A height of 0 means "given at the end of the data" (a JPEG may do that).
    """
    try:
        with path.open("rb") as f:
            if mime == "image/png":
                return [_png_size(f)]
            if mime == "image/jpeg":
                return [_jpeg_size(f)]
            if mime == "image/tiff":
                return _tiff_sizes(f, max_pages)
    except OSError as exc:
        raise _unreadable(exc) from exc
    except struct.error as exc:
        raise RejectedFile("damaged", "image endommagée : en-tête incomplet") from exc
    raise _unsupported(mime)


def _png_size(f: BinaryIO) -> tuple[int, int]:
    head = f.read(24)
    if head[12:16] != b"IHDR":
        raise RejectedFile("damaged", "image endommagée : en-tête PNG absent")
    width, height = struct.unpack(">II", head[16:24])
    if not width or not height:
        raise RejectedFile("damaged", "image endommagée : dimensions nulles")
    return width, height


_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(f: BinaryIO) -> tuple[int, int]:
    f.seek(2)
    for _ in range(4096):  # a real file has a few dozen segments before its frame
        byte = f.read(1)
        while byte and byte != b"\xff":  # garbage between segments: tolerated
            byte = f.read(1)
        while byte == b"\xff":  # fill bytes
            byte = f.read(1)
        if not byte:
            break
        marker = byte[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame
            break
        (length,) = struct.unpack(">H", f.read(2))
        if length < 2:
            break
        if marker in _JPEG_FRAMES:
            _precision, height, width = struct.unpack(">BHH", f.read(5))
            if not width:
                break
            return width, height
        f.seek(length - 2, os.SEEK_CUR)
    raise RejectedFile("damaged", "image endommagée : dimensions JPEG introuvables")


def _tiff_sizes(f: BinaryIO, max_pages: int) -> list[tuple[int, int]]:
    order = "<" if f.read(2) == b"II" else ">"
    _magic, offset = struct.unpack(order + "HI", f.read(6))
    sizes: list[tuple[int, int]] = []
    seen: set[int] = set()
    while offset:
        if offset in seen:
            raise RejectedFile("damaged", "image endommagée : pages TIFF en boucle")
        if len(sizes) >= max_pages:
            raise RejectedFile(
                "too_large", f"trop volumineux : plus de {max_pages} pages (limite {max_pages})"
            )
        seen.add(offset)
        f.seek(offset)
        (count,) = struct.unpack(order + "H", f.read(2))
        entries = f.read(12 * count)
        width = height = 0
        for start in range(0, len(entries) - 11, 12):
            tag, kind = struct.unpack_from(order + "HH", entries, start)
            if tag in (256, 257):
                value = struct.unpack_from(order + ("H" if kind == 3 else "I"), entries, start + 8)[
                    0
                ]
                if tag == 256:
                    width = value
                else:
                    height = value
        if not width or not height:
            raise RejectedFile("damaged", "image endommagée : dimensions TIFF absentes")
        sizes.append((width, height))
        (offset,) = struct.unpack(order + "I", f.read(4))
    if not sizes:
        raise RejectedFile("damaged", "image endommagée : aucune page TIFF")
    return sizes


# --- titles --------------------------------------------------------------------

_FILE_NAME = re.compile(
    r"\.(pdf|docx?|odt|ods|odp|xlsx?|pptx?|rtf|txt|jpe?g|png|tiff?)$", re.IGNORECASE
)
_APPLICATION_PREFIX = re.compile(r"^microsoft (word|excel|powerpoint)\s*-\s*", re.IGNORECASE)
_PLACEHOLDER_TITLES = frozenset(
    {
        "untitled",
        "sans titre",
        "sans nom",
        "document",
        "titre",
        "title",
        "présentation powerpoint",
        "powerpoint presentation",
        "diapositive 1",
        "slide 1",
    }
)
_PLACEHOLDER_PATTERN = re.compile(r"^(document|doc|untitled|sans titre|scan|img|image)[\s_-]*\d*$")


def _metadata_title(doc: Any) -> str | None:
    try:
        raw = (doc.metadata or {}).get("title") or ""
    except Exception:
        return None
    title = _clean(_APPLICATION_PREFIX.sub("", str(raw)))
    folded = title.casefold()
    if (
        _letters(title) < 3
        or _FILE_NAME.search(title)
        or folded in _PLACEHOLDER_TITLES
        or _PLACEHOLDER_PATTERN.match(folded)
    ):
        return None
    return _shorten(title)


def _first_line(page: Any) -> str | None:
    """The title of a page: its largest line if it stands out, else its first real line."""
    import pymupdf

    try:
        blocks = page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT)["blocks"]
    except MemoryError:
        raise
    except Exception:
        return None
    lines: list[tuple[float, str]] = []
    for block in blocks:
        for line in block.get("lines", ()):
            spans = line.get("spans", ())
            text = _clean("".join(span.get("text", "") for span in spans))
            if _letters(text) >= 3 and not _PAGE_NUMBER.match(text):
                lines.append((max(float(span.get("size", 0)) for span in spans), text))
            if len(lines) >= 200:
                break
    if not lines:
        return None
    sizes = sorted(size for size, _ in lines)
    body = sizes[len(sizes) // 2]
    largest = max(sizes)
    if largest >= 1.2 * body:
        return _shorten(next(text for size, text in lines if size == largest))
    return _shorten(lines[0][1])


_PAGE_NUMBER = re.compile(r"^(page\s*)?\d+(\s*(/|sur)\s*\d+)?$", re.IGNORECASE)


def _clean(text: str) -> str:
    """One line of text: no control character, no "�" left by a font without a map."""
    kept = "".join(c if c.isprintable() and c != "\ufffd" else " " for c in text)
    return " ".join(kept.split())


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _shorten(text: str) -> str:
    if len(text) <= TITLE_MAX_CHARS:
        return text
    cut = text[: TITLE_MAX_CHARS - 1]
    if " " in cut[TITLE_MAX_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


# --- the slow phase ------------------------------------------------------------


def page_texts(path: Path, *, max_pages: int = MAX_PAGES) -> list[str]:
    """The text of each page (index i is page i + 1); an image page has none (no OCR).

    For an office document, call this on its converted PDF.  A page that MuPDF
    cannot read gets an empty text rather than losing the others.
    """
    import pymupdf

    kind, mime = sniff(path)
    _reset_mupdf_warnings()
    if kind == OFFICE:
        raise RejectedFile(
            "unsupported",
            "format non pris en charge (document bureautique : lire le PDF converti)",
        )
    if kind == IMAGE:
        try:
            with pymupdf.open(path, filetype=_MUPDF_IMAGE_TYPES[mime]) as doc:
                count = int(doc.page_count)
        except Exception as exc:
            _raise_mupdf(exc, "image endommagée")
        if count > max_pages:
            raise RejectedFile("too_large", f"trop volumineux : {count} pages (limite {max_pages})")
        return [""] * count
    texts: list[str] = []
    with _open_pdf(path) as doc:
        count = _page_count(doc, max_pages)
        for index in range(count):
            try:
                text = doc.load_page(index).get_text("text")
            except Exception as exc:
                if _is_out_of_memory(exc):
                    raise MemoryError(str(exc)) from exc
                text = ""
            texts.append(str(text)[:MAX_PAGE_TEXT_CHARS])
    return texts


# --- office documents ----------------------------------------------------------


def find_converter() -> str | None:
    """The LibreOffice program that converts office documents, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    path: Path,
    workdir: Path,
    *,
    timeout_s: float = CONVERT_TIMEOUT_S,
    profile_dir: Path | None = None,
    mime: str | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Path:
    """Convert an office document to PDF with LibreOffice, in a new folder of ``workdir``.

    LibreOffice reads the file through a link named after its type (``mime``,
    found by ``sniff`` if not given): the library hands over stored copies that
    have no extension.

    LibreOffice runs headless, in its own process group (killed whole on
    timeout), with a private profile: ``profile_dir``, or else a folder of
    ``workdir``.  Creating a profile takes LibreOffice several seconds, so a
    lasting ``profile_dir`` makes later conversions faster.  Conversions sharing
    a profile take turns: two LibreOffice instances cannot share one.
    """
    converter = find_converter()
    if converter is None:
        raise RejectedFile(
            "no_converter",
            "document bureautique non affichable : LibreOffice n'est pas installé sur la table",
        )
    profile = (profile_dir or workdir / ".libreoffice-profile").resolve()
    suffix = _OFFICE_SUFFIXES.get(mime or sniff(path)[1], "")
    source = path.resolve()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        profile.parent.mkdir(parents=True, exist_ok=True)
        outdir = Path(tempfile.mkdtemp(prefix="converti-", dir=workdir))
        if suffix and source.suffix.lower() != suffix:
            link = Path(tempfile.mkdtemp(prefix="source-", dir=workdir)) / f"document{suffix}"
            link.symlink_to(source)
            source = link
        lock = profile.with_name(profile.name + ".lock").open("ab")
    except OSError as exc:
        raise RejectedFile(
            "unreadable", f"dossier de conversion inutilisable : {exc.strerror or exc}"
        ) from exc
    command = [
        converter,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--nofirststartwizard",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        str(source),
    ]
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=_lift_memory_limit,  # safe: the worker runs no thread
            )
        except OSError as exc:
            raise RejectedFile(
                "no_converter",
                f"document bureautique non affichable : LibreOffice ne démarre pas ({exc})",
            ) from exc
        try:
            if on_start is not None:
                on_start(process.pid)
            output, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise RejectedFile(
                "timeout",
                f"délai dépassé : la conversion du document a pris plus de {timeout_s:.0f} s",
            ) from None
        finally:
            _kill_group(process.pid)
            process.wait()
    produced = sorted(outdir.glob("*.pdf"))
    if process.returncode != 0 or not produced:
        detail = output.decode("utf-8", "replace").strip().splitlines()
        raise RejectedFile(
            "damaged",
            "document bureautique illisible : LibreOffice n'a pas pu le convertir"
            + (f" ({detail[-1][:200]})" if detail else ""),
        )
    return produced[0]


def _lift_memory_limit() -> None:
    """In LibreOffice's process: the worker's memory limit is for MuPDF, not for it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


# --- MuPDF errors --------------------------------------------------------------


def _reset_mupdf_warnings() -> None:
    import pymupdf

    pymupdf.TOOLS.reset_mupdf_warnings()


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return "malloc" in text or "out of memory" in text or "cannot allocate" in text


def _raise_mupdf(exc: Exception, what: str) -> NoReturn:
    """Turn a MuPDF failure into a refusal (or a MemoryError, which the worker reports)."""
    import pymupdf

    if isinstance(exc, RejectedFile):
        raise exc
    if _is_out_of_memory(exc):
        raise MemoryError(str(exc)) from exc
    detail = _mupdf_detail(exc)
    if isinstance(exc, pymupdf.mupdf.FzErrorLimit):
        raise RejectedFile(
            "too_large", f"trop volumineux : dépasse les limites du lecteur ({detail})"
        ) from exc
    raise RejectedFile("damaged", f"{what} ({detail})" if detail else what) from exc


def _mupdf_detail(exc: Exception) -> str:
    text = str(exc).strip()
    text = re.sub(r"^code=\d+:\s*", "", text)
    return text.splitlines()[0][:200] if text else ""


def _unreadable(exc: OSError) -> RejectedFile:
    if isinstance(exc, FileNotFoundError):
        return RejectedFile("unreadable", "fichier introuvable : il a été déplacé ou supprimé")
    return RejectedFile("unreadable", f"fichier illisible : {exc.strerror or exc}")
