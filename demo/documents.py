"""Generated documents for the demo session of Val-de-Sauve (28 November 2026).

``build_demo_documents(folder)`` fills a documents folder, following the folder
convention of ``sync.classify``, with the files a village council really gets:
a 120-page budget, scanned quotes (JPEG, and a PDF holding only a scan), an A3
plan with tens of thousands of vector paths, a study, a procès-verbal, the
convocation, archived deliberations, a commission's note and a newsletter.

Everything is generated, in French, and deterministic: fixed seeds, fixed PDF
metadata dates and no fresh PDF identifier, so two builds give the same bytes.

The pages are written as raw PDF content streams (lines, curves, rectangles and
text operators) rather than one PyMuPDF call per line or word: the whole set
holds some 100 000 drawing and text operations, which would take tens of
seconds through the per-call API and takes about two through string building.
Text uses the standard Helvetica / Times faces with WinAnsiEncoding: every
French character (é è à ç ô œ « » ’ – …) and the euro sign are in that encoding,
render with MuPDF's built-in fonts and extract back as the right characters;
the widths come from the same built-in fonts, so alignment is exact.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
import random
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pymupdf

from table_app.french import MONTHS, number_words

__all__ = ["DEMO_FILES", "build_demo_documents"]

# The demo commune and its session (the same files the demo package plays).
_RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "demo"
DEMO_CONFIG = _RESOURCES / "commune.toml"
DEMO_SCRIPT = _RESOURCES / "seance-2026-11-28.jsonl"

Colour = float | tuple[float, float, float]
Point = tuple[float, float]

A4 = (595.0, 842.0)
A3_LANDSCAPE = (1191.0, 842.0)
BLACK: Colour = 0.0
WHITE: Colour = 1.0

SESSION = "2026-11-28"
SESSION_DIR = f"Séances/{SESSION}"


# --------------------------------------------------------------------------- #
# Fonts and measures
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Face:
    """A standard PDF font: its resource name, base font and built-in metrics."""

    key: str
    base: str
    builtin: str


REGULAR = Face("F1", "Helvetica", "helv")
BOLD = Face("F2", "Helvetica-Bold", "hebo")
ITALIC = Face("F3", "Helvetica-Oblique", "heit")
SERIF = Face("F4", "Times-Roman", "tiro")
SERIF_BOLD = Face("F5", "Times-Bold", "tibo")
SERIF_ITALIC = Face("F6", "Times-Italic", "tiit")
MONO = Face("F7", "Courier", "cour")

_ADVANCES: dict[str, dict[str, float]] = {}
_FONTS: dict[str, pymupdf.Font] = {}


def text_width(text: str, face: Face, size: float) -> float:
    """Width of ``text`` in points, from the metrics of MuPDF's built-in font."""
    advances = _ADVANCES.setdefault(face.builtin, {})
    total = 0.0
    for char in text:
        advance = advances.get(char)
        if advance is None:
            font = _FONTS.get(face.builtin)
            if font is None:
                font = _FONTS[face.builtin] = pymupdf.Font(face.builtin)
            advance = advances[char] = font.glyph_advance(ord(" " if char == "\xa0" else char))
        total += advance
    return total * size


def _encode(text: str) -> str:
    """A PDF hex string in WinAnsiEncoding (cp1252); raises on other characters."""
    return "<" + text.replace("\xa0", " ").encode("cp1252").hex() + ">"


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def euros(cents: int, *, sign: bool = False) -> str:
    """French amount: 4860000 → "48 600,00 €"."""
    prefix = "-" if cents < 0 else ("+" if sign and cents > 0 else "")
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", " ")
    return f"{prefix}{grouped},{rest:02d} €"


def number(value: int) -> str:
    """French integer: 12345 → "12 345"."""
    return f"{value:,}".replace(",", " ")


# --------------------------------------------------------------------------- #
# Pages as content streams
# --------------------------------------------------------------------------- #

LEFT, CENTER, RIGHT = "left", "center", "right"


def _colour_op(colour: Colour, stroke: bool) -> str:
    if isinstance(colour, tuple):
        r, g, b = colour
        return f"{_n(r)} {_n(g)} {_n(b)} {'RG' if stroke else 'rg'}"
    return f"{_n(colour)} {'G' if stroke else 'g'}"


class Canvas:
    """One page: drawing and text operators, in points with y going down."""

    def __init__(self, width: float, height: float) -> None:
        self.width = width
        self.height = height
        self.faces: set[Face] = set()
        self._ops: list[str] = []
        self._stroke: Colour | None = None
        self._fill: Colour | None = None
        self._line_width: float | None = None
        self._dash: tuple[float, ...] | None = ()

    # -- state -------------------------------------------------------------
    def style(
        self,
        stroke: Colour | None = None,
        width: float | None = None,
        dash: tuple[float, ...] | None = None,
        fill: Colour | None = None,
    ) -> Canvas:
        if stroke is not None and stroke != self._stroke:
            self._ops.append(_colour_op(stroke, True))
            self._stroke = stroke
        if fill is not None and fill != self._fill:
            self._ops.append(_colour_op(fill, False))
            self._fill = fill
        if width is not None and width != self._line_width:
            self._ops.append(f"{_n(width)} w")
            self._line_width = width
        if dash is not None and dash != self._dash:
            self._ops.append(f"[{' '.join(_n(d) for d in dash)}] 0 d")
            self._dash = dash
        return self

    def raw(self, op: str) -> None:
        """An operator as is; used for transformations (q … cm / Q)."""
        self._ops.append(op)
        if op == "Q":  # the state saved by q comes back: forget what we knew
            self._stroke = self._fill = self._line_width = self._dash = None

    def rotate_about(self, angle: float, cx: float, cy: float) -> None:
        """Start a rotated group (visually counter-clockwise); end it with raw("Q")."""
        a = math.radians(angle)
        cos, sin = math.cos(a), math.sin(a)
        px, py = cx, self.height - cy
        tx = px - cos * px + sin * py
        ty = py - sin * px - cos * py
        self._ops.append(f"q {_n(cos)} {_n(sin)} {_n(-sin)} {_n(cos)} {_n(tx)} {_n(ty)} cm")

    def embed(self, other: Canvas, x: float, y: float, scale: float) -> None:
        """Draw another page's content here, scaled, its top-left corner at (x, y)."""
        tx, ty = x, self.height - y - other.height * scale
        self._ops.append(f"q {_n(scale)} 0 0 {_n(scale)} {_n(tx)} {_n(ty)} cm")
        self._ops.append(f"0 0 {_n(other.width)} {_n(other.height)} re W n")
        self._ops.extend(other._ops)
        self.raw("Q")
        self.faces |= other.faces

    # -- paths -------------------------------------------------------------
    def pt(self, x: float, y: float) -> str:
        return f"{_n(x)} {_n(self.height - y)}"

    @staticmethod
    def _paint(stroke: bool, fill: bool, close: bool) -> str:
        if fill and stroke:
            return "b" if close else "B"
        if fill:
            return "f"
        return "s" if close else "S"

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self._ops.append(f"{self.pt(x0, y0)} m {self.pt(x1, y1)} l S")

    def polyline(
        self,
        points: Sequence[Point],
        *,
        close: bool = False,
        stroke: bool = True,
        fill: bool = False,
    ) -> None:
        if len(points) < 2:
            return
        first, *rest = points
        parts = [f"{self.pt(*first)} m"]
        parts.extend(f"{self.pt(x, y)} l" for x, y in rest)
        parts.append(self._paint(stroke, fill, close))
        self._ops.append(" ".join(parts))

    def rect(
        self, x: float, y: float, w: float, h: float, *, stroke: bool = True, fill: bool = False
    ) -> None:
        self._ops.append(
            f"{_n(x)} {_n(self.height - y - h)} {_n(w)} {_n(h)} re "
            + self._paint(stroke, fill, False)
        )

    def curves(
        self,
        start: Point,
        beziers: Iterable[tuple[Point, Point, Point]],
        *,
        stroke: bool = True,
        fill: bool = False,
        close: bool = True,
    ) -> None:
        parts = [f"{self.pt(*start)} m"]
        for c1, c2, end in beziers:
            parts.append(f"{self.pt(*c1)} {self.pt(*c2)} {self.pt(*end)} c")
        parts.append(self._paint(stroke, fill, close))
        self._ops.append(" ".join(parts))

    def circle(
        self, cx: float, cy: float, r: float, *, stroke: bool = True, fill: bool = False
    ) -> None:
        k = 0.5523 * r
        self.curves(
            (cx + r, cy),
            (
                ((cx + r, cy + k), (cx + k, cy + r), (cx, cy + r)),
                ((cx - k, cy + r), (cx - r, cy + k), (cx - r, cy)),
                ((cx - r, cy - k), (cx - k, cy - r), (cx, cy - r)),
                ((cx + k, cy - r), (cx + r, cy - k), (cx + r, cy)),
            ),
            stroke=stroke,
            fill=fill,
        )

    # -- text --------------------------------------------------------------
    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        face: Face = REGULAR,
        size: float = 10.0,
        colour: Colour = BLACK,
        align: str = LEFT,
        angle: float = 0.0,
        word_space: float = 0.0,
    ) -> float:
        """Write ``text`` with its baseline at ``y``; returns its width."""
        if not text:
            return 0.0
        width = text_width(text, face, size)
        if align != LEFT and not angle:
            x -= width if align == RIGHT else width / 2
        self.faces.add(face)
        self.style(fill=colour)
        spacing = f" {_n(word_space)} Tw" if word_space else ""
        reset = " 0 Tw" if word_space else ""
        if angle:
            a = math.radians(angle)
            cos, sin = math.cos(a), math.sin(a)
            if align != LEFT:
                shift = width if align == RIGHT else width / 2
                x -= cos * shift
                y += sin * shift
            matrix = f"{_n(cos)} {_n(sin)} {_n(-sin)} {_n(cos)} {self.pt(x, y)}"
        else:
            matrix = f"1 0 0 1 {self.pt(x, y)}"
        self._ops.append(
            f"BT /{face.key} {_n(size)} Tf{spacing} {matrix} Tm {_encode(text)} Tj{reset} ET"
        )
        return width

    def content(self) -> bytes:
        return "\n".join(self._ops).encode("ascii")


@dataclass(frozen=True)
class Meta:
    title: str
    author: str
    subject: str
    day: date
    creator: str = "Table du conseil — documents de démonstration"
    producer: str = "Table du conseil"


def _pdf_date(day: date, hour: int = 9) -> str:
    return f"D:{day:%Y%m%d}{hour:02d}0000+01'00'"


def _metadata(doc: pymupdf.Document, meta: Meta) -> None:
    doc.set_metadata(
        {
            "title": meta.title,
            "author": meta.author,
            "subject": meta.subject,
            "keywords": "",
            "creator": meta.creator,
            "producer": meta.producer,
            "creationDate": _pdf_date(meta.day),
            "modDate": _pdf_date(meta.day),
        }
    )


def _save(doc: pymupdf.Document) -> bytes:
    # no_new_id: MuPDF would otherwise write a fresh /ID and break determinism.
    data = bytes(doc.tobytes(garbage=3, deflate=True, no_new_id=True))
    doc.close()
    return data


class Pdf:
    """Pages collected as canvases, written into one PDF at the end."""

    def __init__(self) -> None:
        self.pages: list[Canvas] = []

    def new_page(self, size: tuple[float, float] = A4) -> Canvas:
        canvas = Canvas(*size)
        self.pages.append(canvas)
        return canvas

    def document(self) -> pymupdf.Document:
        doc = pymupdf.open()
        font_xrefs: dict[Face, int] = {}
        for canvas in self.pages:
            page = doc.new_page(width=canvas.width, height=canvas.height)
            page_xref = page.xref
            fonts = []
            for face in sorted(canvas.faces, key=lambda f: f.key):
                if face not in font_xrefs:
                    xref = font_xrefs[face] = doc.get_new_xref()
                    doc.update_object(
                        xref,
                        f"<</Type/Font/Subtype/Type1/BaseFont/{face.base}"
                        "/Encoding/WinAnsiEncoding>>",
                    )
                fonts.append(f"/{face.key} {font_xrefs[face]} 0 R")
            stream = doc.get_new_xref()
            doc.update_object(stream, "<<>>")
            doc.update_stream(stream, canvas.content())
            doc.xref_set_key(page_xref, "Contents", f"{stream} 0 R")
            doc.xref_set_key(page_xref, "Resources", f"<</Font<<{''.join(fonts)}>>>>")
        return doc

    def tobytes(self, meta: Meta) -> bytes:
        doc = self.document()
        _metadata(doc, meta)
        return _save(doc)


# --------------------------------------------------------------------------- #
# Flowing text, headings and tables
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Run:
    text: str
    face: Face


Word = tuple[Run, ...]


# French typography: no line break before ; : ? ! » % € nor after «.
_FRENCH_SPACES = (
    (" ;", "\xa0;"),
    (" :", "\xa0:"),
    (" ?", "\xa0?"),
    (" !", "\xa0!"),
    (" »", "\xa0»"),
    (" %", "\xa0%"),
    (" €", "\xa0€"),
    ("« ", "«\xa0"),
)


def words_of(text: str, face: Face = REGULAR, bold: Face = BOLD) -> list[Word]:
    """Words of ``text``; ``**…**`` marks bold, a no-break space binds two words."""
    for before, after in _FRENCH_SPACES:
        text = text.replace(before, after)
    words: list[Word] = []
    current: list[Run] = []
    for index, chunk in enumerate(text.split("**")):
        run_face = bold if index % 2 else face
        for position, piece in enumerate(chunk.split(" ")):
            if position > 0 and current:
                words.append(tuple(current))
                current = []
            if piece:
                current.append(Run(piece, run_face))
    if current:
        words.append(tuple(current))
    return words


def _word_width(word: Word, size: float) -> float:
    return sum(text_width(run.text, run.face, size) for run in word)


def wrap(words: Sequence[Word], size: float, width: float) -> list[list[Word]]:
    lines: list[list[Word]] = []
    line: list[Word] = []
    used = 0.0
    for word in words:
        w = _word_width(word, size)
        space = text_width(" ", line[-1][-1].face, size) if line else 0.0
        if line and used + space + w > width:
            lines.append(line)
            line, used = [word], w
        else:
            line.append(word)
            used += space + w
    if line:
        lines.append(line)
    return lines


def draw_line_of_words(
    canvas: Canvas,
    x: float,
    baseline: float,
    line: Sequence[Word],
    *,
    size: float,
    width: float,
    justify: bool = False,
    align: str = LEFT,
    colour: Colour = BLACK,
) -> None:
    """One line of words; justified lines stretch their spaces (operator Tw)."""
    gaps = len(line) - 1
    natural = sum(_word_width(word, size) for word in line) + sum(
        text_width(" ", word[-1].face, size) for word in line[:-1]
    )
    extra = 0.0
    if justify and gaps:
        # No-break spaces are written as spaces, which word spacing stretches too.
        stretched = gaps + sum(run.text.count("\xa0") for word in line for run in word)
        extra = min((width - natural) / stretched, size * 0.9)
    elif align == RIGHT:
        x += width - natural
    elif align == CENTER:
        x += (width - natural) / 2
    segments: list[tuple[Face, str, float]] = []
    face: Face | None = None
    text, start, position = "", x, x
    for index, word in enumerate(line):
        for run in word:
            if run.face == face:
                text += run.text
            else:
                if face is not None:
                    segments.append((face, text, start))
                face, text, start = run.face, run.text, position
            position += text_width(run.text, run.face, size) + run.text.count("\xa0") * extra
        if index < gaps and face is not None:
            text += " "
            position += text_width(" ", face, size) + extra
    if face is not None:
        segments.append((face, text, start))
    for seg_face, seg_text, seg_x in segments:
        canvas.text(
            seg_x, baseline, seg_text, face=seg_face, size=size, colour=colour, word_space=extra
        )


@dataclass(frozen=True)
class Col:
    """A table column: its title, relative width and alignment."""

    title: str
    weight: float
    align: str = LEFT


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    bold: bool = False
    fill: Colour | None = None
    span: bool = False  # the first cell spans the whole row


HEADING_COLOUR: Colour = (0.13, 0.25, 0.42)


class Flow:
    """Text flowing down columns and pages, with headings, tables and figures."""

    def __init__(
        self,
        pdf: Pdf,
        *,
        size: tuple[float, float] = A4,
        margins: tuple[float, float, float, float] = (62.0, 72.0, 62.0, 64.0),
        columns: int = 1,
        gutter: float = 20.0,
        header: Callable[[Canvas, int], None] | None = None,
        first_top: float | None = None,
        canvas: Canvas | None = None,
    ) -> None:
        self.pdf = pdf
        self.size = size
        self.left, self.top, self.right, self.bottom_margin = margins
        self.columns = columns
        self.gutter = gutter
        self.header = header
        self.body_size = 10.5
        self.body_leading = 1.38
        self.column_width = (size[0] - self.left - self.right - gutter * (columns - 1)) / columns
        self.column = 0
        self.canvas = canvas if canvas is not None else self._page()
        self._first_page = len(pdf.pages)
        self._first_top = first_top if first_top is not None else self.top
        self.y = self._first_top

    # -- geometry ----------------------------------------------------------
    @property
    def x(self) -> float:
        return self.left + self.column * (self.column_width + self.gutter)

    @property
    def width(self) -> float:
        return self.column_width

    @property
    def bottom(self) -> float:
        return self.size[1] - self.bottom_margin

    @property
    def page_number(self) -> int:
        return len(self.pdf.pages)

    def _page(self) -> Canvas:
        canvas = self.pdf.new_page(self.size)
        if self.header is not None:
            self.header(canvas, len(self.pdf.pages))
        return canvas

    def page_break(self) -> None:
        self.canvas = self._page()
        self.column = 0
        self.y = self.top

    def next_column(self) -> None:
        if self.column + 1 < self.columns:
            self.column += 1
            self.y = self._first_top if self.page_number == self._first_page else self.top
        else:
            self.page_break()

    def ensure(self, height: float) -> None:
        if self.y + height > self.bottom and self.y > self.top + 1:
            self.next_column()

    def space(self, height: float) -> None:
        if self.y > self.top + 1:
            self.y += height

    # -- text --------------------------------------------------------------
    def paragraph(
        self,
        text: str,
        *,
        size: float | None = None,
        face: Face = REGULAR,
        bold: Face = BOLD,
        leading: float | None = None,
        justify: bool = True,
        align: str = LEFT,
        indent: float = 0.0,
        after: float | None = None,
        colour: Colour = BLACK,
        keep: int = 2,
    ) -> None:
        size = size or self.body_size
        lines = wrap(words_of(text, face, bold), size, self.width - indent)
        step = size * (leading or self.body_leading)
        self.ensure(step * min(keep, len(lines)))
        for index, line in enumerate(lines):
            if self.y + step > self.bottom:
                self.next_column()
            last = index == len(lines) - 1
            draw_line_of_words(
                self.canvas,
                self.x + indent,
                self.y + size * 0.92,
                line,
                size=size,
                width=self.width - indent,
                justify=justify and not last,
                align=align,
                colour=colour,
            )
            self.y += step
        self.y += size * 0.55 if after is None else after

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 15.0, 2: 12.0, 3: 10.5}[level]
        self.space({1: 14.0, 2: 9.0, 3: 5.0}[level])
        self.ensure(size * 1.4 + 100)
        colour = HEADING_COLOUR if level < 3 else BLACK
        self.paragraph(
            text, size=size, face=BOLD, justify=False, colour=colour, after=2.0, leading=1.25
        )
        if level == 1:
            self.canvas.style(stroke=HEADING_COLOUR, width=0.8, dash=())
            self.canvas.line(self.x, self.y, self.x + self.width, self.y)
            self.y += 7
        else:
            self.y += 2

    def bullets(self, items: Iterable[str], *, size: float | None = None, mark: str = "–") -> None:
        size = size or self.body_size
        for item in items:
            self.ensure(size * 1.38)
            self.canvas.text(self.x + 8, self.y + size * 0.92, mark, size=size)
            self.paragraph(item, size=size, indent=20, after=size * 0.3, keep=1)
        self.y += size * 0.3

    def block(self, height: float, draw: Callable[[Canvas, float, float, float], None]) -> None:
        """Reserve ``height`` points for a figure drawn by ``draw(canvas, x, y, width)``."""
        self.ensure(height)
        draw(self.canvas, self.x, self.y, self.width)
        self.y += height

    # -- tables ------------------------------------------------------------
    def table(
        self,
        columns: Sequence[Col],
        rows: Iterable[Row],
        *,
        size: float = 8.5,
        pad: float = 2.8,
        header_fill: Colour = 0.84,
        after: float = 8.0,
    ) -> None:
        total = sum(col.weight for col in columns)
        widths = [self.width * col.weight / total for col in columns]
        step = size * 1.22

        def cell_lines(text: str, face: Face, width: float) -> list[list[Word]]:
            return wrap(words_of(text, face), size, width - 2 * pad) if text else []

        def draw_row(
            cells: Sequence[str], face: Face, fill: Colour | None, head: bool, span: bool = False
        ) -> None:
            row_widths = [self.width] if span else widths
            row_columns = [Col("", 1)] if span else list(columns)
            wrapped = [
                cell_lines(text, face, w)
                for text, w in zip(cells[: len(row_widths)], row_widths, strict=True)
            ]
            height = max(1, *(len(lines) for lines in wrapped)) * step + 2 * pad
            if self.y + height > self.bottom and not head:
                self.next_column()
                draw_row([col.title for col in columns], BOLD, header_fill, True)
            canvas, x0, y0 = self.canvas, self.x, self.y
            if fill is not None:
                canvas.style(fill=fill)
                canvas.rect(x0, y0, self.width, height, stroke=False, fill=True)
            x = x0
            for col, w, lines in zip(row_columns, row_widths, wrapped, strict=True):
                for index, line in enumerate(lines):
                    draw_line_of_words(
                        canvas,
                        x + pad,
                        y0 + pad + index * step + size * 0.9,
                        line,
                        size=size,
                        width=w - 2 * pad,
                        align=CENTER if head else col.align,
                    )
                x += w
            canvas.style(stroke=0.35, width=0.4, dash=())
            if head:
                canvas.line(x0, y0, x0 + self.width, y0)
            canvas.line(x0, y0 + height, x0 + self.width, y0 + height)
            x = x0
            for w in (0.0, *row_widths):
                x += w
                canvas.line(x, y0, x, y0 + height)
            self.y += height

        self.ensure((step + 2 * pad) * 4 + step)
        draw_row([col.title for col in columns], BOLD, header_fill, True)
        for row in rows:
            draw_row(row.cells, BOLD if row.bold else REGULAR, row.fill, False, row.span)
        self.y += after

    def finish(self, footer: Callable[[Canvas, int, int], None] | None = None) -> None:
        if footer is None:
            return
        total = len(self.pdf.pages)
        for index, canvas in enumerate(self.pdf.pages, start=1):
            footer(canvas, index, total)


# --------------------------------------------------------------------------- #
# The commune, its members and its calendar
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str


@dataclass(frozen=True)
class CommuneInfo:
    name: str
    department: str
    population: int
    members: tuple[Person, ...]

    def person(self, member_id: str) -> Person:
        return next(p for p in self.members if p.id == member_id)

    @property
    def mayor(self) -> Person:
        return next(p for p in self.members if p.role == "maire")


# The demo's members who sign "adjointe", "conseillère".
_WOMEN = {"hmarchand", "sgarnier", "mfabre", "nbonnet", "icolin", "arenaud", "cbarbier", "eroche"}


def role_label(person: Person) -> str:
    """Maire, Adjoint / Adjointe, Conseiller / Conseillère municipale."""
    woman = person.id in _WOMEN
    if person.role == "maire":
        return "Maire"
    if person.role == "adjoint":
        return "Adjointe au maire" if woman else "Adjoint au maire"
    return "Conseillère municipale" if woman else "Conseiller municipal"


def _commune() -> CommuneInfo:
    data = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    return CommuneInfo(
        name=data["commune"]["name"],
        department=data["commune"]["department"],
        population=int(data["commune"]["population"]),
        members=tuple(Person(m["id"], m["name"], m["role"]) for m in data["members"]),
    )


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def fr_date(day: date, *, weekday: bool = False) -> str:
    """28 novembre 2026, 1er mars 2025; with the weekday: samedi 28 novembre 2026."""
    text = f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


fr_number = number_words  # "deux mille vingt-cinq", as deliberations write dates


# --------------------------------------------------------------------------- #
# Shared page furniture
# --------------------------------------------------------------------------- #


def emblem(canvas: Canvas, x: float, y: float, scale: float = 1.0) -> None:
    """The commune's coat of arms: a shield, the river Sauve and three fir trees."""
    w, h = 40 * scale, 46 * scale
    shield_start = (x, y)
    shield = (
        ((x + w / 3, y), (x + 2 * w / 3, y), (x + w, y)),
        ((x + w, y + h * 0.45), (x + w, y + h * 0.45), (x + w, y + h * 0.55)),
        ((x + w, y + h * 0.8), (x + w * 0.7, y + h * 0.92), (x + w / 2, y + h)),
        ((x + w * 0.3, y + h * 0.92), (x, y + h * 0.8), (x, y + h * 0.55)),
        ((x, y + h * 0.45), (x, y + h * 0.45), (x, y)),
    )
    canvas.style(fill=(0.93, 0.95, 0.9), stroke=(0.15, 0.3, 0.15), width=1.2 * scale, dash=())
    canvas.curves(shield_start, shield, stroke=True, fill=True)
    canvas.style(stroke=(0.15, 0.35, 0.7), width=2.2 * scale)
    for row in range(2):
        yy = y + h * (0.62 + row * 0.1)
        points = [
            (x + 5 * scale + i * w * 0.05, yy + math.sin(i * 1.3) * 1.6 * scale)
            for i in range(int((w - 10 * scale) / (w * 0.05)) + 1)
        ]
        canvas.polyline(points)
    canvas.style(fill=(0.16, 0.42, 0.2))
    for i in range(3):
        cx = x + w * (0.25 + i * 0.25)
        top = y + h * (0.12 if i == 1 else 0.18)
        canvas.polyline(
            [(cx, top), (cx + 6 * scale, y + h * 0.48), (cx - 6 * scale, y + h * 0.48)],
            close=True,
            stroke=False,
            fill=True,
        )


def letterhead(canvas: Canvas, commune: CommuneInfo, *, x: float = 62.0, y: float = 50.0) -> float:
    """The mairie's letterhead, top left; returns the y below it."""
    emblem(canvas, x, y, 1.0)
    tx = x + 52
    canvas.text(tx, y + 10, "RÉPUBLIQUE FRANÇAISE", face=BOLD, size=8.5, colour=0.25)
    canvas.text(tx, y + 22, f"Département de la {commune.department}", size=8.5, colour=0.25)
    canvas.text(tx, y + 37, f"Commune de {commune.name}", face=BOLD, size=13)
    canvas.text(
        tx, y + 49, "Mairie — 1, place de la Mairie — 23250 Val-de-Sauve", size=8, colour=0.3
    )
    canvas.text(tx, y + 59, "Tél. 05 55 64 18 27 — mairie@val-de-sauve.fr", size=8, colour=0.3)
    return y + 74


def running_header(left: str, right: str) -> Callable[[Canvas, int], None]:
    def draw(canvas: Canvas, page_no: int) -> None:
        if page_no == 1:
            return
        canvas.text(62, 40, left, size=7.5, colour=0.35)
        canvas.text(canvas.width - 62, 40, right, size=7.5, colour=0.35, align=RIGHT)
        canvas.style(stroke=0.6, width=0.4, dash=())
        canvas.line(62, 46, canvas.width - 62, 46)

    return draw


def running_footer(left: str, *, first: bool = True) -> Callable[[Canvas, int, int], None]:
    def draw(canvas: Canvas, page_no: int, total: int) -> None:
        if page_no == 1 and not first:
            return
        bottom = canvas.height - 34
        canvas.style(stroke=0.6, width=0.4, dash=())
        canvas.line(62, bottom - 12, canvas.width - 62, bottom - 12)
        canvas.text(62, bottom, left, size=7.5, colour=0.35)
        canvas.text(
            canvas.width - 62,
            bottom,
            f"Page {page_no} / {total}",
            size=7.5,
            colour=0.2,
            align=RIGHT,
        )

    return draw


def table_of_contents(canvas: Canvas, contents: Sequence[tuple[str, int]]) -> None:
    """ "Sommaire": titles, dotted leaders and page numbers."""
    canvas.text(62, 100, "Sommaire", face=BOLD, size=18, colour=HEADING_COLOUR)
    for index, (title, page_no) in enumerate(contents):
        y = 140 + index * 24
        canvas.text(62, y, title, size=11)
        canvas.text(canvas.width - 62, y, str(page_no), size=11, align=RIGHT)
        start = 62 + text_width(title, REGULAR, 11) + 6
        end = canvas.width - 62 - text_width(str(page_no), REGULAR, 11) - 6
        canvas.style(stroke=0.5, width=0.6, dash=(1, 2.5))
        canvas.line(start, y, end, y)
    canvas.style(dash=())


def signature(canvas: Canvas, x: float, y: float, seed: int, scale: float = 1.0) -> None:
    """A handwritten-looking signature: a few loose Bézier strokes."""
    rng = random.Random(seed)
    canvas.style(stroke=(0.1, 0.15, 0.4), width=0.9, dash=())
    px, py = x, y
    beziers = []
    for _ in range(5):
        nx = px + rng.uniform(10, 22) * scale
        ny = y + rng.uniform(-8, 8) * scale
        beziers.append(
            (
                (px + rng.uniform(-4, 12) * scale, py - rng.uniform(6, 16) * scale),
                (nx - rng.uniform(-4, 12) * scale, ny + rng.uniform(6, 16) * scale),
                (nx, ny),
            )
        )
        px, py = nx, ny
    canvas.curves((x, y), beziers, close=False)
    canvas.line(x - 4 * scale, y + 10 * scale, px + 6 * scale, y + 7 * scale)


# --------------------------------------------------------------------------- #
# Point 2: the budget, 120 pages
# --------------------------------------------------------------------------- #

Chapter = tuple[str, str, tuple[tuple[str, str], ...]]

# Chapters and articles of the M57 chart of accounts (abridged), by section.
BUDGET_CHAPTERS: dict[str, tuple[Chapter, ...]] = {
    "FD": (
        (
            "011",
            "Charges à caractère général",
            (
                ("60611", "Eau et assainissement"),
                ("60612", "Énergie – Électricité"),
                ("60621", "Combustibles"),
                ("60622", "Carburants"),
                ("60623", "Alimentation"),
                ("60631", "Fournitures d'entretien"),
                ("60632", "Fournitures de petit équipement"),
                ("60633", "Fournitures de voirie"),
                ("6064", "Fournitures administratives"),
                ("6067", "Fournitures scolaires"),
                ("6068", "Autres matières et fournitures"),
                ("611", "Contrats de prestations de services"),
                ("6135", "Locations mobilières"),
                ("615221", "Entretien et réparations – bâtiments publics"),
                ("615231", "Entretien et réparations – voiries"),
                ("61551", "Entretien du matériel roulant"),
                ("6156", "Maintenance"),
                ("6161", "Primes d'assurance multirisques"),
                ("6182", "Documentation générale et technique"),
                ("6184", "Versements à des organismes de formation"),
                ("6226", "Honoraires"),
                ("6231", "Annonces et insertions"),
                ("6236", "Catalogues et imprimés"),
                ("6251", "Voyages et déplacements"),
                ("6261", "Frais d'affranchissement"),
                ("6262", "Frais de télécommunications"),
                ("627", "Services bancaires et assimilés"),
                ("6281", "Concours divers (cotisations)"),
                ("63512", "Taxes foncières"),
            ),
        ),
        (
            "012",
            "Charges de personnel et frais assimilés",
            (
                ("6218", "Autre personnel extérieur"),
                ("6332", "Cotisations versées au FNAL"),
                ("6336", "Cotisations CNFPT et centres de gestion"),
                ("64111", "Rémunération principale – titulaires"),
                ("64112", "NBI, supplément familial de traitement"),
                ("64118", "Autres indemnités – titulaires"),
                ("64131", "Rémunérations – non titulaires"),
                ("6451", "Cotisations à l'URSSAF"),
                ("6453", "Cotisations aux caisses de retraite"),
                ("6455", "Cotisations pour assurance du personnel"),
                ("6475", "Médecine du travail, pharmacie"),
            ),
        ),
        ("014", "Atténuations de produits", (("739223", "Fonds de péréquation (FPIC)"),)),
        (
            "65",
            "Autres charges de gestion courante",
            (
                ("6531", "Indemnités des élus"),
                ("6533", "Cotisations de retraite des élus"),
                ("6534", "Cotisations de sécurité sociale des élus"),
                ("65541", "Contributions aux fonds de compensation"),
                ("6558", "Autres contributions obligatoires"),
                ("657362", "Subvention au CCAS"),
                ("6574", "Subventions aux associations et personnes de droit privé"),
            ),
        ),
        (
            "66",
            "Charges financières",
            (("66111", "Intérêts réglés à l'échéance"), ("66112", "Intérêts courus non échus")),
        ),
        ("67", "Charges spécifiques", (("673", "Titres annulés sur exercices antérieurs"),)),
        (
            "68",
            "Dotations aux provisions",
            (("6817", "Provisions pour dépréciation des créances"),),
        ),
        (
            "023",
            "Virement à la section d'investissement",
            (("023", "Virement à l'investissement"),),
        ),
        ("042", "Opérations d'ordre entre sections", (("6811", "Dotations aux amortissements"),)),
    ),
    "FR": (
        ("002", "Résultat de fonctionnement reporté", (("002", "Excédent reporté"),)),
        (
            "013",
            "Atténuations de charges",
            (("6419", "Remboursements sur rémunérations du personnel"),),
        ),
        (
            "70",
            "Produits des services, du domaine et ventes",
            (
                ("70311", "Concessions dans les cimetières"),
                ("70323", "Redevance d'occupation du domaine public"),
                ("7067", "Redevances des services périscolaires"),
                ("70846", "Mise à disposition de personnel"),
                ("70878", "Remboursements de frais par d'autres redevables"),
            ),
        ),
        (
            "73",
            "Impôts et taxes",
            (
                ("73111", "Taxes foncières et d'habitation"),
                ("73221", "Fonds national de garantie individuelle des ressources"),
                ("7381", "Taxe additionnelle aux droits de mutation"),
            ),
        ),
        (
            "74",
            "Dotations et participations",
            (
                ("7411", "Dotation forfaitaire"),
                ("74121", "Dotation de solidarité rurale"),
                ("74127", "Dotation nationale de péréquation"),
                ("744", "FCTVA (fonctionnement)"),
                ("7473", "Participation du Département"),
                ("74834", "Compensation des exonérations de taxes foncières"),
            ),
        ),
        (
            "75",
            "Autres produits de gestion courante",
            (("752", "Revenus des immeubles"), ("7588", "Autres produits divers")),
        ),
        ("77", "Produits spécifiques", (("7788", "Produits exceptionnels divers"),)),
    ),
    "ID": (
        (
            "20",
            "Immobilisations incorporelles",
            (("2031", "Frais d'études"), ("2051", "Concessions et droits similaires")),
        ),
        (
            "204",
            "Subventions d'équipement versées",
            (("2041582", "Autres groupements – bâtiments et installations"),),
        ),
        (
            "21",
            "Immobilisations corporelles",
            (
                ("2111", "Terrains nus"),
                ("2128", "Autres agencements et aménagements de terrains"),
                ("21312", "Bâtiments scolaires"),
                ("21318", "Autres bâtiments publics"),
                ("2152", "Installations de voirie"),
                ("21534", "Réseaux d'électrification"),
                ("2158", "Autres installations, matériel et outillage techniques"),
                ("2183", "Matériel de bureau et matériel informatique"),
                ("2184", "Mobilier"),
                ("2188", "Autres immobilisations corporelles"),
            ),
        ),
        (
            "23",
            "Immobilisations en cours",
            (
                ("2313", "Constructions"),
                ("2315", "Installations, matériel et outillage techniques"),
            ),
        ),
        (
            "16",
            "Emprunts et dettes assimilées",
            (("1641", "Emprunts en euros"), ("165", "Dépôts et cautionnements reçus")),
        ),
    ),
    "IR": (
        (
            "10",
            "Dotations, fonds divers et réserves",
            (
                ("10222", "FCTVA"),
                ("10226", "Taxe d'aménagement"),
                ("1068", "Excédents de fonctionnement capitalisés"),
            ),
        ),
        (
            "13",
            "Subventions d'investissement",
            (
                ("1321", "Subventions de l'État"),
                ("1322", "Subventions de la Région"),
                ("1323", "Subventions du Département"),
                ("1341", "Dotation d'équipement des territoires ruraux (DETR)"),
            ),
        ),
        ("16", "Emprunts et dettes assimilées", (("1641", "Emprunts en euros"),)),
        (
            "021",
            "Virement de la section de fonctionnement",
            (("021", "Virement du fonctionnement"),),
        ),
        ("040", "Opérations d'ordre entre sections", (("28188", "Amortissements – autres"),)),
    ),
}

SECTION_TITLES = {
    "FD": "Section de fonctionnement — dépenses",
    "FR": "Section de fonctionnement — recettes",
    "ID": "Section d'investissement — dépenses",
    "IR": "Section d'investissement — recettes",
}

# Chapters kept on function 01, "opérations non ventilables" (debt, taxes, transfers).
NON_VENTILATED = {"014", "66", "67", "68", "023", "042", "002", "73", "16", "10", "021", "040"}

FUNCTIONS = (
    ("01", "Opérations non ventilables"),
    ("020", "Administration générale de la collectivité"),
    ("021", "Assemblée locale"),
    ("022", "Administration générale de l'État"),
    ("023", "Information, communication, publicité"),
    ("024", "Fêtes et cérémonies"),
    ("025", "Aides aux associations"),
    ("026", "Cimetières et pompes funèbres"),
    ("11", "Police, sécurité, justice"),
    ("113", "Incendie et secours"),
    ("211", "Écoles maternelles"),
    ("212", "Écoles primaires"),
    ("213", "Classes regroupées"),
    ("251", "Hébergement et restauration scolaires"),
    ("252", "Transports scolaires"),
    ("255", "Classes de découverte"),
    ("311", "Activités artistiques et culturelles"),
    ("312", "Patrimoine"),
    ("313", "Bibliothèques et médiathèques"),
    ("32", "Sports"),
    ("33", "Jeunesse et loisirs"),
    ("34", "Vie sociale et citoyenne"),
    ("41", "Santé"),
    ("423", "Actions en faveur des personnes âgées"),
    ("425", "Actions en faveur des familles"),
    ("51", "Aménagement des territoires"),
    ("515", "Opérations d'aménagement"),
    ("552", "Aide au secteur locatif"),
    ("632", "Agriculture et pêche"),
    ("634", "Tourisme"),
    ("72", "Actions en matière de gestion des déchets"),
    ("734", "Eaux pluviales"),
    ("74", "Espaces verts urbains"),
    ("76", "Préservation du patrimoine naturel"),
    ("814", "Éclairage public"),
    ("822", "Voirie communale et routes"),
    ("823", "Espaces verts et propreté de la voirie"),
    ("845", "Sécurité routière"),
)

# The decision itself: the proposals of DM n° 2, in cents, per (section, function, article).
DM2_PROPOSALS: dict[tuple[str, str, str], int] = {
    ("FD", "212", "615221"): 320_000,
    ("FD", "020", "60612"): 280_000,
    ("FD", "025", "6574"): 150_000,
    ("FD", "020", "6231"): -100_000,
    ("FR", "01", "74121"): 420_000,
    ("FR", "020", "7788"): 230_000,
    ("ID", "212", "21312"): 5_832_000,
    ("ID", "822", "2315"): -2_000_000,
    ("ID", "020", "2183"): 450_000,
    ("IR", "212", "1341"): 1_458_000,
    ("IR", "212", "1323"): 810_000,
    ("IR", "01", "1641"): 2_014_000,
}

_STAFFED = ("020", "212", "251")
# State grants are booked on function 01 only.
_STATE_GRANTS = {"7411", "74121", "74127", "74834", "744"}

# Target totals (cents) of the credits spread over the ventilated functions.
_SPREAD_TOTALS = {"FD": 36_500_000, "FR": 6_200_000, "ID": 24_800_000, "IR": 8_900_000}


@dataclass
class Budget:
    """Credits opened (BP + DM n° 1) and proposals, per (section, function, article)."""

    opened: dict[tuple[str, str, str], int] = field(default_factory=dict)
    proposed: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def lines(self, section: str, function: str | None = None) -> list[tuple[str, str, int, int]]:
        """(chapter, article, opened, proposed) of a section, optionally of one function."""
        totals: dict[tuple[str, str], list[int]] = {}
        for (sec, func, article), amount in self.opened.items():
            if sec == section and (function is None or func == function):
                chap = _chapter_of(section, article)
                totals.setdefault((chap, article), [0, 0])[0] += amount
        for (sec, func, article), amount in self.proposed.items():
            if sec == section and (function is None or func == function):
                chap = _chapter_of(section, article)
                totals.setdefault((chap, article), [0, 0])[1] += amount
        order = {
            article: index
            for index, (_, _, articles) in enumerate(BUDGET_CHAPTERS[section])
            for article in [a for a, _ in articles]
        }
        chapter_order = {code: i for i, (code, _, _) in enumerate(BUDGET_CHAPTERS[section])}
        keys = sorted(totals, key=lambda k: (chapter_order[k[0]], order[k[1]], k[1]))
        return [(chap, art, totals[(chap, art)][0], totals[(chap, art)][1]) for chap, art in keys]

    def total(self, section: str) -> tuple[int, int]:
        lines = self.lines(section)
        return sum(line[2] for line in lines), sum(line[3] for line in lines)


def _chapter_of(section: str, article: str) -> str:
    for code, _, articles in BUDGET_CHAPTERS[section]:
        if any(a == article for a, _ in articles):
            return code
    raise KeyError(article)


def _article_label(section: str, article: str) -> str:
    for _, _, articles in BUDGET_CHAPTERS[section]:
        for code, label in articles:
            if code == article:
                return label
    raise KeyError(article)


def _chapter_label(section: str, chapter: str) -> str:
    return next(label for code, label, _ in BUDGET_CHAPTERS[section] if code == chapter)


def _round(cents: float, step: int = 1000) -> int:
    return round(cents / step) * step


def make_budget() -> Budget:
    rng = random.Random(2026_11_28)
    budget = Budget()
    for section, chapters in BUDGET_CHAPTERS.items():
        raw: dict[tuple[str, str, str], float] = {}
        for function, _ in FUNCTIONS[1:]:
            pool = [
                article
                for chap, _, articles in chapters
                if chap not in NON_VENTILATED and (chap != "012" or function in _STAFFED)
                for article, _ in articles
                if article not in _STATE_GRANTS
            ]
            count = min(
                len(pool), rng.randint(6, 19) if section in ("FD", "ID") else rng.randint(3, 9)
            )
            weight = 4.0 if function in ("020", "212", "251", "822") else 1.0
            for article in sorted(rng.sample(pool, count)):
                raw[(section, function, article)] = weight * rng.lognormvariate(0, 0.9)
        scale = _SPREAD_TOTALS[section] / sum(raw.values())
        for key, value in raw.items():
            budget.opened[key] = max(10_000, _round(value * scale))
    for key, amount in DM2_PROPOSALS.items():
        budget.proposed[key] = amount
        opened = budget.opened.setdefault(key, 0)
        if opened + amount < 0:
            budget.opened[key] = _round(abs(amount) * 2.5)
    fixed = {
        ("FD", "739223"): 320_000,
        ("FD", "66111"): 985_000,
        ("FD", "66112"): -42_000,
        ("FD", "673"): 50_000,
        ("FD", "6817"): 30_000,
        ("FD", "6811"): 1_240_000,
        ("FR", "002"): 2_512_345,
        ("FR", "73221"): 1_874_400,
        ("FR", "7381"): 1_200_000,
        ("FR", "7411"): 10_345_600,
        ("FR", "74121"): 5_612_300,
        ("FR", "74127"): 1_189_900,
        ("FR", "74834"): 754_300,
        ("ID", "1641"): 2_850_000,
        ("ID", "165"): 100_000,
        ("IR", "10222"): 1_815_000,
        ("IR", "10226"): 250_000,
        ("IR", "1068"): 6_500_000,
        ("IR", "28188"): 1_240_000,
    }
    for (section, article), amount in fixed.items():
        budget.opened[(section, "01", article)] = amount
    # Balance: the property tax closes the operating section, the transfer to
    # investment (023 / 021) is 15 % of the operating expenses, the loan closes
    # the investment section.
    spent = budget.total("FD")[0]
    transfer = _round(spent * 0.15, 10_000)
    budget.opened[("FD", "01", "023")] = transfer
    budget.opened[("IR", "01", "021")] = transfer
    budget.opened[("FR", "01", "73111")] = 0
    budget.opened[("FR", "01", "73111")] = budget.total("FD")[0] - budget.total("FR")[0]
    budget.opened[("IR", "01", "1641")] = 0
    budget.opened[("IR", "01", "1641")] = budget.total("ID")[0] - budget.total("IR")[0]
    for section, other in (("FD", "FR"), ("ID", "IR")):
        if budget.total(section) != budget.total(other):
            raise AssertionError(f"budget déséquilibré : {section} / {other}")
    if budget.opened[("FR", "01", "73111")] <= 0 or budget.opened[("IR", "01", "1641")] <= 0:
        raise AssertionError("budget de démonstration invraisemblable")
    return budget


BUDGET_TITLE = "Budget principal 2026 — décision modificative n° 2"
_AMOUNT_COLUMNS = (
    Col("Chapitre / article", 1.25),
    Col("Libellé", 4.1),
    Col("Crédits ouverts (BP + DM n°\xa01)", 1.9, RIGHT),
    Col("Propositions DM n°\xa02", 1.75, RIGHT),
    Col("Total après DM n°\xa02", 1.9, RIGHT),
)


def _amount_row(
    code: str,
    label: str,
    opened: int,
    proposed: int,
    *,
    bold: bool = False,
    fill: Colour | None = None,
) -> Row:
    return Row(
        (code, label, euros(opened), euros(proposed, sign=True), euros(opened + proposed)),
        bold=bold,
        fill=fill,
    )


def _section_rows(budget: Budget, section: str, function: str | None) -> list[Row]:
    """Chapter rows (bold), their articles, and the section's total."""
    rows: list[Row] = []
    lines = budget.lines(section, function)
    for chapter in dict.fromkeys(line[0] for line in lines):
        chapter_lines = [line for line in lines if line[0] == chapter]
        rows.append(
            _amount_row(
                chapter,
                _chapter_label(section, chapter),
                sum(line[2] for line in chapter_lines),
                sum(line[3] for line in chapter_lines),
                bold=True,
                fill=0.93,
            )
        )
        for _, article, opened, proposed in chapter_lines:
            rows.append(_amount_row(article, _article_label(section, article), opened, proposed))
    opened, proposed = sum(line[2] for line in lines), sum(line[3] for line in lines)
    rows.append(_amount_row("", "Total", opened, proposed, bold=True, fill=0.85))
    return rows


def _share_chart(
    budget: Budget, section: str, function: str
) -> Callable[[Canvas, float, float, float], None]:
    """Horizontal bars: each chapter's share of the function's credits."""
    lines = budget.lines(section, function)
    chapters: dict[str, int] = {}
    for chapter, _, opened, proposed in lines:
        chapters[chapter] = chapters.get(chapter, 0) + opened + proposed
    total = sum(chapters.values()) or 1

    def draw(canvas: Canvas, x: float, y: float, width: float) -> None:
        canvas.text(x, y + 10, "Répartition par chapitre (total après DM n° 2)", face=BOLD, size=9)
        bar_x, bar_w = x + 150, width - 210
        for index, (chapter, amount) in enumerate(chapters.items()):
            top = y + 20 + index * 15
            label = f"{chapter} — {_chapter_label(section, chapter)}"
            while text_width(label, REGULAR, 7.5) > 145:
                label = label.removesuffix("…")[:-1] + "…"
            canvas.text(x, top + 8, label, size=7.5, colour=0.2)
            canvas.style(fill=0.92, stroke=0.5, width=0.3, dash=())
            canvas.rect(bar_x, top, bar_w, 10, stroke=True, fill=True)
            canvas.style(fill=HEADING_COLOUR)
            canvas.rect(bar_x, top, max(0.5, bar_w * amount / total), 10, stroke=False, fill=True)
            share = f"{amount * 100 / total:.1f} %".replace(".", ",")
            canvas.text(x + width, top + 8, share, size=7.5, align=RIGHT)

    return draw


def build_budget() -> bytes:
    commune = _commune()
    budget = make_budget()
    pdf = Pdf()
    flow = Flow(
        pdf,
        header=running_header(
            f"Commune de {commune.name} ({commune.department}) — {BUDGET_TITLE}",
            "Nomenclature M57 abrégée",
        ),
    )
    # Page 1: the title page.
    page = flow.canvas
    emblem(page, page.width / 2 - 40, 110, 2.0)
    page.text(page.width / 2, 230, "RÉPUBLIQUE FRANÇAISE", face=BOLD, size=10, align=CENTER)
    page.text(page.width / 2, 246, f"Département de la {commune.department}", size=10, align=CENTER)
    page.text(page.width / 2, 290, f"Commune de {commune.name}", face=BOLD, size=22, align=CENTER)
    page.text(
        page.width / 2,
        310,
        f"{number(commune.population)} habitants — {len(commune.members)} conseillers municipaux",
        size=10,
        colour=0.3,
        align=CENTER,
    )
    page.style(fill=HEADING_COLOUR)
    page.rect(62, 350, page.width - 124, 96, stroke=False, fill=True)
    page.text(
        page.width / 2, 388, "Budget principal 2026", face=BOLD, size=26, colour=WHITE, align=CENTER
    )
    page.text(
        page.width / 2,
        420,
        "Décision modificative n° 2",
        face=BOLD,
        size=18,
        colour=WHITE,
        align=CENTER,
    )
    lines = (
        "Nomenclature budgétaire et comptable M57 abrégée",
        "Vote par nature, au niveau du chapitre — présentation croisée par fonction",
        f"Présentée au conseil municipal du {fr_date(date(2026, 11, 28), weekday=True)}",
        f"Rapporteur : {commune.person('plemoine').name}, adjoint chargé des finances",
    )
    for index, line in enumerate(lines):
        page.text(page.width / 2, 480 + index * 18, line, size=11, align=CENTER)
    fd, ir = budget.total("FD"), budget.total("ID")
    page.style(stroke=0.4, width=0.6, dash=(), fill=0.96)
    page.rect(120, 580, page.width - 240, 92, stroke=True, fill=True)
    summary = (
        ("Section de fonctionnement", fd),
        ("Section d'investissement", ir),
    )
    page.text(
        page.width / 2,
        600,
        "Équilibre après la décision modificative",
        face=BOLD,
        size=10,
        align=CENTER,
    )
    for index, (label, (opened, proposed)) in enumerate(summary):
        y = 625 + index * 22
        page.text(135, y, label, size=10)
        page.text(page.width - 135, y, euros(opened + proposed), face=BOLD, size=10, align=RIGHT)
        page.text(
            page.width - 135,
            y + 10,
            f"dont DM n° 2 : {euros(proposed, sign=True)}",
            size=7.5,
            colour=0.35,
            align=RIGHT,
        )
    # Page 2: the contents, written once the page numbers are known.
    flow.page_break()
    contents_page = flow.canvas
    contents: list[tuple[str, int]] = []

    def part(title: str) -> None:
        flow.page_break()
        contents.append((title, flow.page_number))
        flow.heading(title, 1)

    part("I. Vue d'ensemble — balance générale par chapitre")
    flow.paragraph(
        "Les crédits ouverts comprennent le budget primitif adopté par délibération du 4 avril "
        "2026 et la décision modificative n° 1 du 27 juin 2026. La décision modificative n° 2 "
        "est équilibrée en dépenses et en recettes dans chacune des deux sections ; elle "
        "inscrit notamment la réfection de la toiture de l'école.",
        size=9.5,
    )
    for section in ("FD", "FR", "ID", "IR"):
        flow.heading(SECTION_TITLES[section], 3)
        rows = []
        for chapter, label, _ in BUDGET_CHAPTERS[section]:
            lines_of = [line for line in budget.lines(section) if line[0] == chapter]
            rows.append(
                _amount_row(
                    chapter,
                    label,
                    sum(line[2] for line in lines_of),
                    sum(line[3] for line in lines_of),
                )
            )
        opened, proposed = budget.total(section)
        rows.append(_amount_row("", "Total de la section", opened, proposed, bold=True, fill=0.85))
        flow.table(_AMOUNT_COLUMNS, rows)
    part("II. Détail par article")
    for section in ("FD", "FR", "ID", "IR"):
        flow.heading(SECTION_TITLES[section], 2)
        flow.table(_AMOUNT_COLUMNS, _section_rows(budget, section, None))
    annexes = 4
    target = 120 - annexes - 1
    first = True
    pairs = ((f, s) for f in FUNCTIONS for s in ("FD", "FR", "ID", "IR"))
    while flow.page_number < target:
        (code, label), section = next(pairs)
        if not budget.lines(section, code):
            continue
        flow.page_break()
        if first:
            contents.append(("III. Présentation croisée par fonction", flow.page_number))
            first = False
        flow.heading(f"III. Présentation croisée — fonction {code} «\xa0{label}\xa0»", 2)
        flow.paragraph(SECTION_TITLES[section], size=10, face=ITALIC, justify=False)
        flow.table(_AMOUNT_COLUMNS, _section_rows(budget, section, code))
        height = 30 + 15 * len({line[0] for line in budget.lines(section, code)})
        if flow.y + height < flow.bottom:
            flow.block(height, _share_chart(budget, section, code))
    _budget_annexes(flow, budget, contents)
    _budget_signatures(flow, commune, contents)
    if len(pdf.pages) != 120:
        raise AssertionError(f"le budget de démonstration a {len(pdf.pages)} pages")
    table_of_contents(contents_page, contents)
    flow.finish(
        running_footer(f"Séance du conseil municipal du 28/11/2026 — {BUDGET_TITLE}", first=False)
    )
    return pdf.tobytes(
        Meta(
            BUDGET_TITLE,
            f"Mairie de {commune.name}",
            "Point 2 de la séance du 28 novembre 2026",
            date(2026, 11, 16),
        )
    )


_LOANS = (
    (
        "Caisse d'Épargne Aquitaine Poitou-Charentes",
        "Salle des fêtes",
        2009,
        18_000_000,
        20,
        "4,15 %",
    ),
    ("Crédit Agricole Centre France", "Voirie communale", 2015, 9_000_000, 15, "1,85 %"),
    ("Banque des Territoires", "Mise aux normes de l'école", 2019, 12_000_000, 25, "1,10 %"),
    ("Crédit Mutuel Massif Central", "Réseau d'eaux pluviales", 2022, 6_000_000, 15, "2,35 %"),
)

_ASSOCIATIONS = (
    ("Comité des fêtes de Val-de-Sauve", 120_000),
    ("Club des aînés « Les Genêts »", 45_000),
    ("Association des parents d'élèves", 60_000),
    ("Amicale des sapeurs-pompiers", 35_000),
    ("Société de chasse « La Sauvaise »", 25_000),
    ("Gaule val-de-sauvaise (pêche)", 20_000),
    ("Football club Sauve et Creuse", 90_000),
    ("Gym volontaire", 30_000),
    ("Bibliothèque pour tous", 40_000),
    ("Anciens combattants – UNC", 15_000),
    ("Coopérative scolaire", 110_000),
    ("Comice agricole du canton", 20_000),
    ("Restos du cœur de la Creuse", 15_000),
    ("Croix-Rouge – unité locale", 10_000),
    ("Ligue contre le cancer – comité de la Creuse", 10_000),
    ("Prévention routière", 5_000),
    ("Association « Patrimoine et chapelles »", 25_000),
    ("Ensemble vocal de la Sauve", 20_000),
)

_STAFF = (
    ("Secrétaire de mairie – rédacteur principal", "B", 1, 1, "35 h"),
    ("Adjoint administratif principal de 2e classe", "C", 1, 1, "17 h 30"),
    ("Adjoint technique principal de 1re classe", "C", 1, 1, "35 h"),
    ("Adjoint technique territorial (voirie, espaces verts)", "C", 1, 1, "35 h"),
    ("Adjoint technique territorial (école, cantine)", "C", 2, 2, "28 h"),
    ("ATSEM principal de 2e classe", "C", 1, 1, "31 h 30"),
    ("Adjoint technique (entretien des bâtiments)", "C", 1, 0, "20 h"),
    ("Agent contractuel – accroissement saisonnier d'activité", "C", 1, 1, "35 h"),
)

_DM2_REASONS = {
    "615221": "Reprise des chéneaux et des descentes de l'école avant l'hiver",
    "60612": "Hausse du prix de l'électricité (tarif au 1er août 2026)",
    "6574": "Subvention exceptionnelle au comité des fêtes (150 ans de l'école)",
    "6231": "Économie sur les annonces légales (publication dématérialisée)",
    "74121": "Notification de la dotation de solidarité rurale 2026",
    "7788": "Indemnité d'assurance (sinistre de la salle des fêtes)",
    "21312": "Réfection de la toiture de l'école : 48 600,00 € HT, soit 58 320,00 € TTC",
    "2315": "Report en 2027 de la tranche 2 de la voirie (route des Prés)",
    "2183": "Renouvellement des postes informatiques de la mairie et de l'école",
    "1341": "DETR 2026 notifiée : 30 % du montant HT de la toiture",
    "1323": "Aide départementale aux bâtiments scolaires",
    "1641": "Emprunt d'équilibre",
}


def _budget_annexes(flow: Flow, budget: Budget, contents: list[tuple[str, int]]) -> None:
    flow.page_break()
    contents.append(("IV. Annexes", flow.page_number))
    flow.heading("IV. Annexe A1 — État de la dette au 1er janvier 2026", 2)
    rows = []
    remaining_total = 0
    for lender, purpose, year, amount, years, rate in _LOANS:
        elapsed = 2026 - year
        remaining = amount * max(0, years - elapsed) // years
        remaining_total += remaining
        rows.append(
            Row((lender, purpose, str(year), euros(amount), f"{years} ans", rate, euros(remaining)))
        )
    rows.append(Row(("Total", "", "", "", "", "", euros(remaining_total)), bold=True, fill=0.85))
    flow.table(
        (
            Col("Prêteur", 3.2),
            Col("Objet", 2.6),
            Col("Année", 0.9, CENTER),
            Col("Montant initial", 1.8, RIGHT),
            Col("Durée", 1.0, CENTER),
            Col("Taux", 0.9, CENTER),
            Col("Capital restant dû", 1.9, RIGHT),
        ),
        rows,
        size=8,
    )
    flow.heading("Profil d'extinction de la dette", 3)
    profile = []
    for year in range(2026, 2044):
        capital = sum(
            amount // years
            for _, _, start, amount, years, _ in _LOANS
            if start < year <= start + years
        )
        interest = capital * 21 // 100 * max(1, 2044 - year) // 12
        profile.append(Row((str(year), euros(capital), euros(interest), euros(capital + interest))))
    flow.table(
        (
            Col("Exercice", 1, CENTER),
            Col("Capital", 2, RIGHT),
            Col("Intérêts", 2, RIGHT),
            Col("Annuité", 2, RIGHT),
        ),
        profile,
        size=8,
    )

    flow.page_break()
    flow.heading("IV. Annexe A2 — Subventions versées aux associations (article 6574)", 2)
    rows = [Row((name, euros(amount))) for name, amount in _ASSOCIATIONS]
    rows.append(Row(("Total", euros(sum(a for _, a in _ASSOCIATIONS))), bold=True, fill=0.85))
    flow.table((Col("Bénéficiaire", 5), Col("Montant 2026", 2, RIGHT)), rows, size=9)
    flow.paragraph(
        "Les subventions d'un montant supérieur à 23 000 € donnent lieu à une convention "
        "d'objectifs ; aucune n'atteint ce seuil en 2026. La subvention exceptionnelle de "
        "1 500 € au comité des fêtes est inscrite par la présente décision modificative.",
        size=9,
    )

    flow.page_break()
    flow.heading("IV. Annexe A3 — État du personnel au 1er janvier 2026", 2)
    rows = [
        Row((grade, category, str(budgeted), str(filled), hours))
        for grade, category, budgeted, filled, hours in _STAFF
    ]
    rows.append(
        Row(
            (
                "Total",
                "",
                str(sum(s[2] for s in _STAFF)),
                str(sum(s[3] for s in _STAFF)),
                "",
            ),
            bold=True,
            fill=0.85,
        )
    )
    flow.table(
        (
            Col("Emploi et grade", 5),
            Col("Catégorie", 1.1, CENTER),
            Col("Emplois budgétaires", 1.4, CENTER),
            Col("Emplois pourvus", 1.4, CENTER),
            Col("Durée hebdomadaire", 1.5, CENTER),
        ),
        rows,
        size=9,
    )

    flow.page_break()
    flow.heading("IV. Annexe A4 — Récapitulatif des propositions de la DM n° 2", 2)
    rows = []
    for section in ("FD", "FR", "ID", "IR"):
        rows.append(Row((SECTION_TITLES[section],), bold=True, fill=0.93, span=True))
        for (sec, function, article), amount in DM2_PROPOSALS.items():
            if sec == section:
                rows.append(
                    Row(
                        (
                            f"{_chapter_of(sec, article)} / {article} — fonction {function}",
                            _article_label(sec, article),
                            _DM2_REASONS.get(article, ""),
                            euros(amount, sign=True),
                        )
                    )
                )
        rows.append(
            Row(("Total", "", "", euros(budget.total(section)[1], sign=True)), bold=True, fill=0.85)
        )
    flow.table(
        (
            Col("Imputation", 2.2),
            Col("Libellé", 2.6),
            Col("Objet", 3.6),
            Col("Montant", 1.6, RIGHT),
        ),
        rows,
        size=8.5,
    )


def _budget_signatures(flow: Flow, commune: CommuneInfo, contents: list[tuple[str, int]]) -> None:
    flow.page_break()
    contents.append(("V. Arrêté et signatures", flow.page_number))
    flow.heading("V. Arrêté et signatures", 2)
    flow.paragraph(
        f"Présentée par le maire, délibérée et votée par le conseil municipal de "
        f"{commune.name}, réuni au nombre prescrit par la loi, en séance du "
        "28 novembre 2026. Nombre de membres en exercice : "
        f"{len(commune.members)}.",
        size=10,
    )
    rows = [Row((person.name, role_label(person), "")) for person in commune.members]
    flow.table((Col("Nom", 3), Col("Qualité", 2), Col("Signature", 3)), rows, size=9.5, pad=6)
    flow.paragraph(
        "Certifié exécutoire par le maire, compte tenu de la transmission au représentant "
        "de l'État et de la publication.",
        size=9,
        face=ITALIC,
    )
    canvas = flow.canvas
    canvas.text(canvas.width - 200, flow.y + 20, f"Le maire, {commune.mayor.name}", size=10)
    signature(canvas, canvas.width - 190, flow.y + 55, seed=17)


# --------------------------------------------------------------------------- #
# Point 3: scanned quotes for the roof of the school
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Roofer:
    name: str
    legal: str
    trade: str
    address: tuple[str, str]
    phone: str
    siret: str
    quote_no: str
    day: date
    total_ht: int  # cents
    seed: int
    angle: float


ROOFERS = (
    Roofer(
        "Couverture Vidal et Fils",
        "SARL au capital de 30 000 €",
        "Couverture — Zinguerie — Charpente — Ramonage",
        ("ZA du Mont, 4 rue des Ardoisiers", "23400 Bourganeuf"),
        "05 55 64 02 91",
        "512 348 771 00024",
        "D-2026-0418",
        date(2026, 10, 2),
        4_860_000,
        31,
        0.45,
    ),
    Roofer(
        "Toitures du Limousin",
        "SAS au capital de 120 000 €",
        "Couverture ardoise et tuile — Bardage — Étanchéité",
        ("87, avenue du Général-Leclerc", "87100 Limoges"),
        "05 55 31 77 40",
        "438 902 115 00041",
        "2026/10/117",
        date(2026, 10, 9),
        5_238_000,
        47,
        -0.7,
    ),
    Roofer(
        "Charpentes Marchoises",
        "EURL au capital de 8 000 €",
        "Charpente traditionnelle — Couverture — Isolation",
        ("Lieu-dit La Chassagne", "23200 Aubusson"),
        "05 55 66 10 58",
        "801 556 230 00017",
        "DV 26-093",
        date(2026, 10, 14),
        5_591_400,
        59,
        0.9,
    ),
)

# Designation, unit, quantity, reference unit price (cents, before the roofer's factor).
_ROOF_ITEMS = (
    ("Installation de chantier, signalisation et protection des abords", "forfait", 1, 95_000),
    ("Échafaudage de pied avec garde-corps, filets et accès", "m²", 260, 1_150),
    ("Dépose de la couverture existante en ardoise, y compris liteaux", "m²", 420, 1_300),
    ("Évacuation des déchets en centre agréé (benne, bordereau de suivi)", "forfait", 1, 140_000),
    ("Traitement curatif et préventif de la charpente", "m²", 420, 620),
    ("Remplacement de chevrons dégradés, section 63 × 75", "ml", 60, 2_900),
    ("Fourniture et pose d'écran sous-toiture HPV", "m²", 420, 950),
    ("Contre-liteaunage et liteaunage en sapin traité", "m²", 420, 1_150),
    ("Couverture en ardoise naturelle 32 × 22, pose au crochet inox", "m²", 420, 7_400),
    ("Faîtage en zinc à bourrelet, y compris closoirs ventilés", "ml", 28, 4_600),
    ("Gouttières pendantes en zinc, développé 33", "ml", 56, 4_800),
    ("Descentes d'eaux pluviales en zinc, diamètre 100", "ml", 24, 3_900),
    ("Solins et abergements de cheminée", "u", 2, 42_000),
)


def _quote_lines(roofer: Roofer) -> list[tuple[str, str, int, int, int]]:
    """(designation, unit, quantity, unit price, amount) summing to the quote's total."""
    rng = random.Random(roofer.seed)
    noisy = [price * rng.uniform(0.85, 1.15) for _, _, _, price in _ROOF_ITEMS]
    closing = 120_000 + rng.randrange(0, 60_000, 100)
    scale = (roofer.total_ht - closing) / sum(
        p * item[2] for p, item in zip(noisy, _ROOF_ITEMS, strict=True)
    )
    lines = []
    for (label, unit, quantity, _), price in zip(_ROOF_ITEMS, noisy, strict=True):
        unit_price = int(price * scale)
        lines.append((label, unit, quantity, unit_price, unit_price * quantity))
    rest = roofer.total_ht - sum(line[4] for line in lines)
    if rest <= 0:
        raise AssertionError(f"devis de démonstration incohérent : {roofer.name}")
    lines.append(
        ("Nettoyage, repli de chantier et dossier des ouvrages exécutés", "forfait", 1, rest, rest)
    )
    return lines


def _draw_quote(pdf: Pdf, canvas: Canvas, roofer: Roofer, commune: CommuneInfo) -> None:
    rng = random.Random(roofer.seed + 1)
    # Letterhead: a roof and a chimney, the name, the trade and the address.
    canvas.style(fill=0.25, stroke=0.1, width=1.5, dash=())
    canvas.polyline([(50, 88), (85, 52), (120, 88)], close=False)
    canvas.rect(100, 58, 8, 16, stroke=False, fill=True)
    canvas.polyline([(62, 88), (85, 64), (108, 88)], close=False)
    canvas.text(135, 70, roofer.name, face=BOLD, size=19)
    canvas.text(135, 86, roofer.trade, face=ITALIC, size=9, colour=0.25)
    canvas.text(135, 100, f"{roofer.address[0]} — {roofer.address[1]}", size=8.5, colour=0.25)
    canvas.text(
        135,
        111,
        f"Tél. {roofer.phone} — Qualibat RGE — SIRET {roofer.siret}",
        size=8.5,
        colour=0.25,
    )
    canvas.style(stroke=0.2, width=1.2)
    canvas.line(50, 122, 545, 122)
    canvas.text(330, 150, "Mairie de " + commune.name, face=BOLD, size=10)
    canvas.text(330, 163, f"À l'attention de Mme le Maire, {commune.mayor.name}", size=9.5)
    canvas.text(330, 176, "1, place de la Mairie", size=9.5)
    canvas.text(330, 189, "23250 Val-de-Sauve", size=9.5)
    canvas.text(50, 150, f"DEVIS N° {roofer.quote_no}", face=BOLD, size=14)
    canvas.text(50, 166, f"Établi le {fr_date(roofer.day)} — valable trois mois", size=9.5)
    canvas.text(50, 179, "Visite du site : 22 septembre 2026", size=9.5)
    canvas.text(50, 215, "Objet : ", face=BOLD, size=10)
    canvas.text(
        92,
        215,
        "réfection complète de la couverture de l'école communale (bâtiment principal, 420 m²)",
        size=10,
    )
    flow = Flow(pdf, canvas=canvas, margins=(50, 60, 50, 40), first_top=228)
    lines = _quote_lines(roofer)
    flow.table(
        (
            Col("Désignation", 6.2),
            Col("U", 0.8, CENTER),
            Col("Qté", 0.8, RIGHT),
            Col("P.U. HT", 1.6, RIGHT),
            Col("Montant HT", 1.8, RIGHT),
        ),
        [
            Row((label, unit, number(quantity), euros(price), euros(amount)))
            for label, unit, quantity, price, amount in lines
        ],
        size=8.5,
        header_fill=0.8,
    )
    ht = roofer.total_ht
    vat = ht * 20 // 100
    y = flow.y + 4
    canvas.style(stroke=0.2, width=0.6, fill=0.9)
    canvas.rect(345, y, 200, 60, stroke=True, fill=False)
    canvas.rect(345, y + 40, 200, 20, stroke=False, fill=True)
    for index, (label, amount) in enumerate(
        (("Total HT", ht), ("TVA 20 %", vat), ("Total TTC", ht + vat))
    ):
        face = BOLD if index != 1 else REGULAR
        canvas.text(352, y + 14 + index * 20, label, face=face, size=10)
        canvas.text(538, y + 14 + index * 20, euros(amount), face=face, size=10, align=RIGHT)
    conditions = (
        "Conditions : acompte de 30 % à la commande, solde à la réception des travaux.",
        "Délai d'exécution : six semaines hors intempéries, pendant les vacances scolaires.",
        "Garantie décennale et responsabilité civile : attestations jointes sur demande.",
    )
    for index, text in enumerate(conditions):
        canvas.text(50, y + 84 + index * 13, text, size=8.5)
    box = y + 130
    canvas.style(stroke=0.3, width=0.6)
    canvas.rect(50, box, 220, 82)
    canvas.text(58, box + 14, "Bon pour accord — date et signature :", face=ITALIC, size=8.5)
    # The company's stamp, slightly askew, and its signature.
    canvas.rotate_about(rng.uniform(-6, 6), 440, box + 40)
    canvas.style(stroke=0.35, width=1.3)
    canvas.rect(370, box + 14, 140, 52)
    canvas.text(440, box + 32, roofer.name.upper(), face=BOLD, size=8.5, colour=0.35, align=CENTER)
    canvas.text(440, box + 45, roofer.address[1], size=7.5, colour=0.35, align=CENTER)
    canvas.text(440, box + 57, f"SIRET {roofer.siret}", size=7, colour=0.35, align=CENTER)
    canvas.raw("Q")
    signature(canvas, 395, box + 62, seed=roofer.seed, scale=1.2)
    canvas.style(stroke=0.5, width=0.4)
    canvas.line(50, 800, 545, 800)
    canvas.text(
        297,
        812,
        f"{roofer.name} — {roofer.legal} — TVA intracommunautaire {_vat_number(roofer.siret)}",
        size=7,
        colour=0.35,
        align=CENTER,
    )


def _vat_number(siret: str) -> str:
    """The French intra-community VAT number of a company, from its SIREN."""
    siren = int(siret.replace(" ", "")[:9])
    return f"FR{(12 + 3 * (siren % 97)) % 97:02d}{siren:09d}"


def _scan(roofer: Roofer, commune: CommuneInfo, dpi: int = 200) -> bytes:
    """The quote as a scanner sees it: greyscale, slightly askew, a few specks; JPEG."""
    pdf = Pdf()
    canvas = pdf.new_page()
    rng = random.Random(roofer.seed + 2)
    canvas.style(fill=0.955)
    canvas.rect(0, 0, canvas.width, canvas.height, stroke=False, fill=True)
    canvas.rotate_about(roofer.angle, canvas.width / 2, canvas.height / 2)
    canvas.style(fill=0.985)
    canvas.rect(6, 5, canvas.width - 12, canvas.height - 10, stroke=False, fill=True)
    _draw_quote(pdf, canvas, roofer, commune)
    canvas.raw("Q")
    # The lid's shadow along one edge, and dust.
    for index in range(6):
        canvas.style(fill=0.72 + index * 0.04)
        canvas.rect(index * 1.2, 0, 1.2, canvas.height, stroke=False, fill=True)
    for _ in range(70):
        canvas.style(fill=rng.uniform(0.35, 0.75))
        canvas.circle(
            rng.uniform(10, canvas.width - 10),
            rng.uniform(10, canvas.height - 10),
            rng.uniform(0.15, 0.7),
            stroke=False,
            fill=True,
        )
    canvas.style(stroke=0.8, width=0.3, dash=())
    x = rng.uniform(100, 500)
    canvas.line(x, 0, x + 0.8, canvas.height)
    doc = pdf.document()
    pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    pix.set_dpi(dpi, dpi)
    data = bytes(pix.tobytes("jpeg", jpg_quality=72))
    doc.close()
    return data


def build_quote_jpeg(index: int) -> bytes:
    return _scan(ROOFERS[index], _commune())


def build_quote_scan_pdf() -> bytes:
    """A PDF as a copier's "scan to PDF" writes it: one page holding only a JPEG."""
    roofer = ROOFERS[1]
    image = _scan(roofer, _commune())
    doc = pymupdf.open()
    page = doc.new_page(width=A4[0], height=A4[1])
    page.insert_image(page.rect, stream=image)
    _metadata(
        doc,
        Meta(
            "scan-devis-toitures-du-limousin",
            "Copieur de la mairie",
            "",
            date(2026, 10, 12),
            creator="Numérisation vers PDF",
            producer="Copieur multifonction — numérisation 200 ppp",
        ),
    )
    return _save(doc)


# --------------------------------------------------------------------------- #
# Point 7: the plan of the village's main street (A3, vector)
# --------------------------------------------------------------------------- #

PT_PER_M = 5.67  # 1/500 on paper: 1 m is 2 mm


def catmull_rom(points: Sequence[Point], step: float = 3.0) -> list[Point]:
    """A smooth curve through ``points``, sampled about every ``step`` points."""
    out: list[Point] = []
    padded = [points[0], *points, points[-1]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        count = max(2, int(math.dist(p1, p2) / step))
        for k in range(count):
            t = k / count
            t2, t3 = t * t, t * t * t
            out.append(
                (
                    0.5
                    * (
                        2 * p1[0]
                        + (p2[0] - p0[0]) * t
                        + (2 * p0[0] - 5 * p1[0] + 4 * p2[0] - p3[0]) * t2
                        + (3 * p1[0] - p0[0] - 3 * p2[0] + p3[0]) * t3
                    ),
                    0.5
                    * (
                        2 * p1[1]
                        + (p2[1] - p0[1]) * t
                        + (2 * p0[1] - 5 * p1[1] + 4 * p2[1] - p3[1]) * t2
                        + (3 * p1[1] - p0[1] - 3 * p2[1] + p3[1]) * t3
                    ),
                )
            )
    out.append(points[-1])
    return out


class Axis:
    """A sampled curve with arc length, tangents and normals (normal = tangent turned +90°)."""

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = list(points)
        self.s = [0.0]
        for a, b in zip(self.points, self.points[1:], strict=False):
            self.s.append(self.s[-1] + math.dist(a, b))
        self.normals: list[Point] = []
        n = len(self.points)
        for i in range(n):
            a, b = self.points[max(0, i - 1)], self.points[min(n - 1, i + 1)]
            dx, dy = b[0] - a[0], b[1] - a[1]
            length = math.hypot(dx, dy) or 1.0
            self.normals.append((-dy / length, dx / length))

    @property
    def length(self) -> float:
        return self.s[-1]

    def index(self, s: float) -> int:
        lo, hi = 0, len(self.s) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.s[mid] < s:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def at(self, s: float, offset: float = 0.0) -> Point:
        i = self.index(s)
        (x, y), (nx, ny) = self.points[i], self.normals[i]
        return (x + nx * offset, y + ny * offset)

    def angle(self, s: float) -> float:
        """Direction of the curve at ``s``, in degrees counter-clockwise on the page."""
        nx, ny = self.normals[self.index(s)]
        return math.degrees(math.atan2(nx, ny))

    def offset(self, d: float, s0: float = 0.0, s1: float | None = None) -> list[Point]:
        end = self.length if s1 is None else s1
        return [
            (x + nx * d, y + ny * d)
            for (x, y), (nx, ny), s in zip(self.points, self.normals, self.s, strict=True)
            if s0 <= s <= end
        ]

    def runs(self, d: float, gaps: Sequence[tuple[float, float]]) -> list[list[Point]]:
        """The offset curve at ``d``, cut where it crosses the (s0, s1) gaps."""
        pieces: list[list[Point]] = []
        current: list[Point] = []
        for (x, y), (nx, ny), s in zip(self.points, self.normals, self.s, strict=True):
            if any(a <= s <= b for a, b in gaps):
                if current:
                    pieces.append(current)
                    current = []
                continue
            current.append((x + nx * d, y + ny * d))
        if current:
            pieces.append(current)
        return pieces


def hatch(polygon: Sequence[Point], spacing: float, angle: float) -> list[tuple[Point, Point]]:
    """Segments hatching a simple polygon (even-odd), at ``angle`` degrees."""
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    rotated = [(x * cos + y * sin, -x * sin + y * cos) for x, y in polygon]
    ys = [p[1] for p in rotated]
    segments: list[tuple[Point, Point]] = []
    y = min(ys) + spacing / 2
    edges = list(zip(rotated, rotated[1:] + rotated[:1], strict=True))
    while y < max(ys):
        xs = sorted(
            x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            for (x0, y0), (x1, y1) in edges
            if (y0 <= y < y1) or (y1 <= y < y0)
        )
        for xa, xb in zip(xs[::2], xs[1::2], strict=False):
            segments.append(
                (
                    (xa * cos - y * sin, xa * sin + y * cos),
                    (xb * cos - y * sin, xb * sin + y * cos),
                )
            )
        y += spacing
    return segments


def oriented_rect(axis: Axis, s0: float, s1: float, d0: float, d1: float) -> list[Point]:
    """A quadrilateral following the axis between arc lengths and offsets."""
    return [axis.at(s0, d0), axis.at(s1, d0), axis.at(s1, d1), axis.at(s0, d1)]


def tree(canvas: Canvas, cx: float, cy: float, r: float, rng: random.Random) -> None:
    lobes = rng.randint(8, 11)
    start = rng.uniform(0, math.tau)
    step = math.tau / lobes
    beziers = []
    first = (cx + r * math.cos(start), cy + r * math.sin(start))
    for k in range(lobes):
        a0, a1 = start + k * step, start + (k + 1) * step
        bulge = r * 1.32
        beziers.append(
            (
                (cx + bulge * math.cos(a0 + step / 4), cy + bulge * math.sin(a0 + step / 4)),
                (cx + bulge * math.cos(a1 - step / 4), cy + bulge * math.sin(a1 - step / 4)),
                (cx + r * math.cos(a1), cy + r * math.sin(a1)),
            )
        )
    canvas.curves(first, beziers, stroke=True, fill=True)
    canvas.line(cx - r * 0.25, cy, cx + r * 0.25, cy)
    canvas.line(cx, cy - r * 0.25, cx, cy + r * 0.25)


def arrow_head(canvas: Canvas, tip: Point, towards: Point, size: float = 4.0) -> None:
    dx, dy = towards[0] - tip[0], towards[1] - tip[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    base = (tip[0] + ux * size, tip[1] + uy * size)
    canvas.polyline(
        [
            tip,
            (base[0] - uy * size * 0.35, base[1] + ux * size * 0.35),
            (base[0] + uy * size * 0.35, base[1] - ux * size * 0.35),
        ],
        close=True,
        stroke=False,
        fill=True,
    )


def dimension(canvas: Canvas, a: Point, b: Point, label: str, offset: float = 0.0) -> None:
    """A dimension line between ``a`` and ``b`` with arrows and its value."""
    red = (0.75, 0.1, 0.1)
    canvas.style(stroke=red, fill=red, width=0.35, dash=())
    canvas.line(*a, *b)
    arrow_head(canvas, a, b)
    arrow_head(canvas, b, a)
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    angle = -math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    canvas.text(mx + offset, my - 2, label, size=5.5, colour=red, align=CENTER, angle=angle)


def _height(x: float, y: float) -> float:
    """The ground: a valley along the river, rising to the north-east."""
    return (
        402.0
        + (842 - y) * 0.016
        + x * 0.004
        + 1.6 * math.sin(x / 140.0)
        + 1.1 * math.cos(y / 90.0 + x / 260.0)
    )


def _contours(canvas: Canvas, width: float, height: float) -> None:
    """Contour lines by marching squares on the height field, 1 m apart."""
    brown = (0.6, 0.45, 0.3)
    cell = 12.0
    nx, ny = int(width / cell) + 1, int(height / cell) + 1
    grid = [[_height(i * cell, j * cell) for i in range(nx + 1)] for j in range(ny + 1)]
    levels: dict[int, list[str]] = {}
    labels: dict[int, Point] = {}
    for j in range(ny):
        for i in range(nx):
            corners = (
                (i * cell, j * cell, grid[j][i]),
                ((i + 1) * cell, j * cell, grid[j][i + 1]),
                ((i + 1) * cell, (j + 1) * cell, grid[j + 1][i + 1]),
                (i * cell, (j + 1) * cell, grid[j + 1][i]),
            )
            heights = [c[2] for c in corners]
            for level in range(math.ceil(min(heights)), math.floor(max(heights)) + 1):
                crossings = []
                for k in range(4):
                    x0, y0, h0 = corners[k]
                    x1, y1, h1 = corners[(k + 1) % 4]
                    if (h0 < level) != (h1 < level):
                        t = (level - h0) / (h1 - h0)
                        crossings.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
                for p, q in zip(crossings[::2], crossings[1::2], strict=False):
                    levels.setdefault(level, []).append(f"{canvas.pt(*p)} m {canvas.pt(*q)} l")
                    if level % 5 == 0 and i == 12 and level not in labels:
                        labels[level] = p
    for level in sorted(levels):
        major = level % 5 == 0
        canvas.style(stroke=brown, width=0.5 if major else 0.25, dash=() if major else (3, 2))
        canvas.raw(" ".join(levels[level]) + " S")
    canvas.style(dash=())
    for level, (x, y) in sorted(labels.items()):
        canvas.text(x + 2, y - 2, f"{level} m", size=5.5, colour=brown)


_ROAD_HALF = 16.0  # carriageway: 5.60 m
_KERB_OUT = 40.0  # pavements and planting strip up to the building line
_BRANCH_HALF = 12.0
_BRANCH_OUT = 24.0


def build_plan() -> bytes:
    pdf = Pdf()
    pdf.pages.append(plan_canvas(_commune()))
    return pdf.tobytes(
        Meta(
            "Plan de l'état projeté — traversée du bourg",
            "Atelier Terres & Voiries",
            "Étude d'aménagement de la traversée du bourg de Val-de-Sauve",
            date(2026, 10, 20),
            creator="Atelier Terres & Voiries — export du dessin",
        )
    )


def plan_canvas(commune: CommuneInfo) -> Canvas:
    """The plan PRO-02 on one A3 landscape page."""
    rng = random.Random(1914)
    canvas = Canvas(*A3_LANDSCAPE)
    width, height = canvas.width, canvas.height
    main = Axis(
        catmull_rom(
            [
                (-60, 468),
                (150, 452),
                (330, 418),
                (520, 428),
                (700, 470),
                (880, 452),
                (1060, 398),
                (1260, 376),
            ],
            step=3.0,
        )
    )
    # Side streets: rue de l'Église to the north, chemin des Prés to the south.
    junctions = []
    branches: list[tuple[Axis, float, int, str]] = []
    for s_j, side, bend, name in (
        (640.0, -1, 60.0, "Rue de l'Église"),
        (990.0, 1, -80.0, "Chemin des Prés"),
        (300.0, 1, 12.0, "Impasse du Lavoir"),
    ):
        (x, y), (nx, ny) = main.at(s_j), main.normals[main.index(s_j)]
        tx, ty = ny, -nx
        far = 520.0 if name != "Impasse du Lavoir" else 170.0
        axis = Axis(
            catmull_rom(
                [
                    (x, y),
                    (x + nx * side * 80, y + ny * side * 80),
                    (x + nx * side * 200 + tx * bend * 0.4, y + ny * side * 200 + ty * bend * 0.4),
                    (x + nx * side * far + tx * bend, y + ny * side * far + ty * bend),
                ],
                step=3.0,
            )
        )
        branches.append((axis, s_j, side, name))
        junctions.append((s_j, side))

    def gaps(side: int, margin: float) -> list[tuple[float, float]]:
        return [
            (s - _BRANCH_OUT - margin, s + _BRANCH_OUT + margin)
            for s, sd in junctions
            if sd == side
        ]

    # Background: contour lines.
    _contours(canvas, width, height)

    # Cadastre: parcels along both sides, gardens behind; buildings hatched.
    parcel_no = 102
    buildings: list[tuple[list[Point], str | None]] = []
    labels: list[tuple[Point, str]] = []
    hedges: list[list[Point]] = []
    special = {
        (-1, 150.0): "Mairie",
        (1, 640.0): "École",
        (1, 860.0): "Salle des fêtes",
        (-1, 930.0): "Boulangerie",
        (-1, 420.0): "Ancien presbytère",
    }
    canvas.style(stroke=0.25, width=0.45, dash=(), fill=1.0)
    for side in (-1, 1):
        blocked = gaps(side, 4.0)
        section = "AB" if side < 0 else "AC"
        s = 6.0
        while s < main.length - 30:
            s0, s1 = s, min(s + rng.uniform(45, 110), main.length)
            s = s1
            if any(not (s1 < a or s0 > b) for a, b in blocked):
                continue
            depth = rng.uniform(110, 190)
            inner = main.offset(side * _KERB_OUT, s0, s1)
            outer = main.offset(side * (_KERB_OUT + depth), s0, s1)
            canvas.polyline(inner + outer[::-1], close=True)
            parcel_no += rng.randint(1, 3)
            labels.append(
                (main.at((s0 + s1) / 2, side * (_KERB_OUT + depth * 0.8)), f"{section} {parcel_no}")
            )
            # The garden or meadow behind, its own parcel.
            depth2 = depth + rng.uniform(90, 210)
            back = main.offset(side * (_KERB_OUT + depth2), s0, s1)
            canvas.polyline(outer + back[::-1], close=True)
            parcel_no += 1
            labels.append(
                (
                    main.at((s0 + s1) / 2, side * (_KERB_OUT + (depth + depth2) / 2)),
                    f"{section} {parcel_no}",
                )
            )
            if rng.random() < 0.45:
                hedges.append(outer)
            landmark = next(
                (n for (sd, at), n in special.items() if sd == side and s0 <= at <= s1), None
            )
            if (rng.random() < 0.85 or landmark) and s1 - s0 > 40:
                margin = rng.uniform(2, 6)
                bw = min(s1 - s0 - 2 * margin, rng.uniform(40, 90))
                bs = s0 + margin
                setback = rng.uniform(0, 12)
                bd = rng.uniform(38, min(70, depth - setback - 20))
                d0 = side * (_KERB_OUT + setback)
                buildings.append((oriented_rect(main, bs, bs + bw, d0, d0 + side * bd), landmark))
                if rng.random() < 0.55 and s1 - (bs + bw) > 24:
                    annex = oriented_rect(
                        main,
                        bs + bw + 4,
                        min(s1 - 3, bs + bw + 34),
                        side * (_KERB_OUT + setback + bd * 0.4),
                        side * (_KERB_OUT + setback + bd * 0.4 + 28),
                    )
                    buildings.append((annex, None))
                for _ in range(rng.randint(1, 4)):
                    gs = rng.uniform(s0 + 8, max(s0 + 9, s1 - 8))
                    gd = side * rng.uniform(_KERB_OUT + depth + 14, _KERB_OUT + depth2 - 14)
                    buildings.append(([main.at(gs, gd)], "tree"))
    # Hedges: small arcs along the back of the gardens.
    canvas.style(stroke=(0.25, 0.5, 0.25), width=0.4)
    for line in hedges:
        points = line[::2]
        beziers = []
        for a, b in itertools.pairwise(points):
            dx, dy = b[0] - a[0], b[1] - a[1]
            beziers.append(
                ((a[0] - dy * 0.6, a[1] + dx * 0.6), (b[0] - dy * 0.6, b[1] + dx * 0.6), b)
            )
        if beziers:
            canvas.curves(points[0], beziers, close=False)
    for footprint, kind in buildings:
        if kind == "tree":
            continue
        canvas.style(stroke=0.15, width=0.6, fill=0.88)
        canvas.polyline(footprint, close=True, fill=True)
        canvas.style(stroke=0.35, width=0.25)
        for a, b in hatch(footprint, 2.6, 45.0):
            canvas.line(*a, *b)

    # The street: pavements (grey), carriageways (white), then their edges.
    grey = 0.9
    canvas.style(fill=grey)
    canvas.polyline(
        main.offset(-_KERB_OUT) + main.offset(_KERB_OUT)[::-1], close=True, stroke=False, fill=True
    )
    for axis, _, _, _ in branches:
        canvas.polyline(
            axis.offset(-_BRANCH_OUT) + axis.offset(_BRANCH_OUT)[::-1],
            close=True,
            stroke=False,
            fill=True,
        )
    canvas.style(fill=WHITE)
    canvas.polyline(
        main.offset(-_ROAD_HALF) + main.offset(_ROAD_HALF)[::-1],
        close=True,
        stroke=False,
        fill=True,
    )
    for axis, _, _, _ in branches:
        canvas.polyline(
            axis.offset(-_BRANCH_HALF) + axis.offset(_BRANCH_HALF)[::-1],
            close=True,
            stroke=False,
            fill=True,
        )
    canvas.style(stroke=0.05, width=0.9, dash=())
    impasse = branches[2][0]
    canvas.line(*impasse.at(impasse.length, -_BRANCH_OUT), *impasse.at(impasse.length, _BRANCH_OUT))
    for side in (-1, 1):
        for d, margin in ((_ROAD_HALF, -8.0), (_KERB_OUT, 0.0)):
            for piece in main.runs(side * d, gaps(side, margin)):
                canvas.polyline(piece)
    for axis, _, _, _ in branches:
        for d, start in ((_BRANCH_HALF, _ROAD_HALF + 2), (_BRANCH_OUT, _KERB_OUT)):
            for sign in (-1, 1):
                canvas.polyline(axis.offset(sign * d, start))
    # Kerb stones: a tick every 1 m along the pavement edges.
    canvas.style(stroke=0.3, width=0.25)
    ticks = []
    s = 0.0
    while s < main.length:
        for side in (-1, 1):
            if any(a <= s <= b for a, b in gaps(side, -8.0)):
                continue
            p, q = main.at(s, side * _ROAD_HALF), main.at(s, side * (_ROAD_HALF + 2.2))
            ticks.append(f"{canvas.pt(*p)} m {canvas.pt(*q)} l")
        s += PT_PER_M
    canvas.raw(" ".join(ticks) + " S")
    # Axis marking, dashed.
    canvas.style(stroke=0.45, width=0.5, dash=(8, 6))
    canvas.polyline(main.offset(0.0))
    canvas.style(dash=())

    # The raised plateau in front of the school, with its ramps ("dents de requin").
    plateau = (560.0, 700.0)
    polygon = oriented_rect(main, plateau[0], plateau[1], -_ROAD_HALF, _ROAD_HALF)
    canvas.style(stroke=(0.55, 0.3, 0.1), width=0.3)
    for a, b in hatch(polygon, 3.0, -30.0):
        canvas.line(*a, *b)
    canvas.style(stroke=0.1, width=0.8)
    canvas.polyline(polygon, close=True)
    canvas.style(fill=0.15)
    for edge in plateau:
        d = -_ROAD_HALF + 1
        while d < _ROAD_HALF - 4:
            canvas.polyline(
                [
                    main.at(edge, d),
                    main.at(edge, d + 4),
                    main.at(edge - 5 if edge == plateau[0] else edge + 5, d + 2),
                ],
                close=True,
                stroke=False,
                fill=True,
            )
            d += 6
    # Pedestrian crossings: stripes parallel to the street.
    for s_c in (575.0, 685.0, 250.0, 1020.0):
        d = -_ROAD_HALF
        canvas.style(fill=0.25)
        while d < _ROAD_HALF - 1:
            canvas.polyline(
                oriented_rect(main, s_c - 11, s_c + 11, d, d + 2.8),
                close=True,
                stroke=False,
                fill=True,
            )
            d += 5.6
    # Parking bays on the south side, between the crossings.
    canvas.style(stroke=0.2, width=0.4)
    s = 760.0
    while s + 28 < 950.0:
        canvas.polyline(oriented_rect(main, s, s + 28, _ROAD_HALF, _ROAD_HALF + 12), close=True)
        canvas.text(
            *main.at(s + 14, _ROAD_HALF + 8.5), "P", face=BOLD, size=5, colour=0.35, align=CENTER
        )
        s += 28
    # Networks: storm water along the axis, manholes every 35 m; street lights.
    blue = (0.15, 0.35, 0.75)
    canvas.style(stroke=blue, width=0.5, dash=(6, 2, 1, 2))
    canvas.polyline(main.offset(-_ROAD_HALF * 0.45))
    canvas.style(dash=())
    s = 20.0
    while s < main.length:
        cx, cy = main.at(s, -_ROAD_HALF * 0.45)
        canvas.style(stroke=blue, width=0.5, fill=WHITE)
        canvas.circle(cx, cy, 3.2, stroke=True, fill=True)
        canvas.line(cx - 2.2, cy - 2.2, cx + 2.2, cy + 2.2)
        canvas.line(cx - 2.2, cy + 2.2, cx + 2.2, cy - 2.2)
        s += 35 * PT_PER_M
    yellow = (0.85, 0.6, 0.0)
    s, side = 40.0, -1
    while s < main.length:
        lx, ly = main.at(s, side * (_KERB_OUT - 4))
        canvas.style(stroke=yellow, fill=yellow, width=0.6)
        canvas.circle(lx, ly, 2.4, stroke=False, fill=True)
        canvas.line(lx, ly, *main.at(s, side * (_ROAD_HALF + 3)))
        s += 24 * PT_PER_M / 2
        side = -side
    # Trees: alignment on the north pavement, gardens' trees behind the houses.
    green = (0.2, 0.5, 0.22)
    canvas.style(stroke=green, fill=(0.86, 0.94, 0.84), width=0.45)
    s = 30.0
    while s < main.length:
        if not any(a - 10 <= s <= b + 10 for a, b in gaps(-1, 0.0)):
            tree(canvas, *main.at(s, -(_KERB_OUT - 11)), 9.0, rng)
        s += 8 * PT_PER_M
    for footprint, kind in buildings:
        if kind == "tree":
            tree(canvas, *footprint[0], rng.uniform(9, 17), rng)
    for axis, _, _, _ in branches:
        s = 60.0
        while s < axis.length:
            tree(canvas, *axis.at(s, _BRANCH_OUT - 6), 7.0, rng)
            s += 45.0

    # Dimensions across the street.
    for s_d in (150.0, 515.0, 950.0, 1130.0):
        base = main.at(s_d, -_KERB_OUT)
        marks = ((-_KERB_OUT, -_ROAD_HALF), (-_ROAD_HALF, _ROAD_HALF), (_ROAD_HALF, _KERB_OUT))
        for d0, d1 in marks:
            a, b = main.at(s_d, d0), main.at(s_d, d1)
            dimension(canvas, a, b, f"{abs(d1 - d0) / PT_PER_M:.2f}".replace(".", ",") + " m")
        canvas.style(stroke=(0.75, 0.1, 0.1), width=0.25, dash=(2, 2))
        canvas.line(*base, *main.at(s_d, _KERB_OUT))
        canvas.style(dash=())

    # Labels: streets along their axis, parcels, buildings.
    for s_l, text in (
        (400.0, "Route départementale 14 — Grande Rue"),
        (860.0, "Grande Rue (RD 14)"),
    ):
        canvas.text(
            *main.at(s_l, 4.0),
            text,
            face=BOLD,
            size=8,
            colour=0.2,
            angle=main.angle(s_l),
            align=CENTER,
        )
    for axis, _, _, name in branches:
        s_l = min(230.0, axis.length * 0.7)
        angle = axis.angle(s_l)
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        canvas.text(
            *axis.at(s_l, 3.0), name, face=BOLD, size=7.5, colour=0.2, angle=angle, align=CENTER
        )
    for (x, y), text in labels:
        canvas.text(x, y, text, size=5.5, colour=0.35, align=CENTER)
    for footprint, kind in buildings:
        if kind and kind != "tree":
            cx = sum(p[0] for p in footprint) / len(footprint)
            cy = sum(p[1] for p in footprint) / len(footprint)
            w = text_width(kind, BOLD, 7) + 6
            canvas.style(fill=WHITE, stroke=0.2, width=0.4)
            canvas.rect(cx - w / 2, cy - 7, w, 10, stroke=True, fill=True)
            canvas.text(cx, cy + 0.5, kind, face=BOLD, size=7, align=CENTER)
    # The church beside rue de l'Église, with its round apse.
    church_axis = branches[0][0]
    nave = oriented_rect(church_axis, 250.0, 340.0, _BRANCH_OUT + 12, _BRANCH_OUT + 52)
    canvas.style(stroke=0.1, width=0.8, fill=0.8)
    canvas.polyline(nave, close=True, fill=True)
    ax, ay = church_axis.at(250.0, _BRANCH_OUT + 32)
    canvas.circle(ax, ay, 20, stroke=True, fill=True)
    canvas.polyline(nave, close=True, fill=True)
    cx, cy = church_axis.at(300.0, _BRANCH_OUT + 32)
    canvas.style(stroke=0.1, width=1.2)
    canvas.line(cx, cy - 8, cx, cy + 8)
    canvas.line(cx - 5, cy - 3, cx + 5, cy - 3)
    lx, ly = church_axis.at(372.0, _BRANCH_OUT + 36)
    canvas.text(lx, ly, "Église Saint-Martin", face=BOLD, size=7.5, align=CENTER)

    _plan_furniture(canvas, commune)
    return canvas


def _plan_furniture(canvas: Canvas, commune: CommuneInfo) -> None:
    """Legend, north arrow, scale bar, title block and frame."""
    width, height = canvas.width, canvas.height
    # Legend.
    lx, ly, lw, lh = width - 262, 30.0, 240.0, 262.0
    canvas.style(fill=WHITE, stroke=0.1, width=0.8, dash=())
    canvas.rect(lx, ly, lw, lh, stroke=True, fill=True)
    canvas.text(lx + 10, ly + 18, "LÉGENDE", face=BOLD, size=9)
    entries: list[tuple[str, Callable[[float, float], None]]] = []

    def sample_line(
        colour: Colour, w: float, dash: tuple[float, ...] = ()
    ) -> Callable[[float, float], None]:
        def draw(x: float, y: float) -> None:
            canvas.style(stroke=colour, width=w, dash=dash)
            canvas.line(x, y, x + 30, y)
            canvas.style(dash=())

        return draw

    def sample_building(x: float, y: float) -> None:
        box = [(x, y - 5), (x + 30, y - 5), (x + 30, y + 5), (x, y + 5)]
        canvas.style(stroke=0.15, width=0.6, fill=0.88)
        canvas.polyline(box, close=True, fill=True)
        canvas.style(stroke=0.35, width=0.25)
        for a, b in hatch(box, 2.6, 45.0):
            canvas.line(*a, *b)

    def sample_fill(colour: Colour) -> Callable[[float, float], None]:
        def draw(x: float, y: float) -> None:
            canvas.style(fill=colour, stroke=0.1, width=0.5)
            canvas.rect(x, y - 5, 30, 10, stroke=True, fill=True)

        return draw

    def sample_plateau(x: float, y: float) -> None:
        box = [(x, y - 5), (x + 30, y - 5), (x + 30, y + 5), (x, y + 5)]
        canvas.style(stroke=(0.55, 0.3, 0.1), width=0.3)
        for a, b in hatch(box, 3.0, -30.0):
            canvas.line(*a, *b)
        canvas.style(stroke=0.1, width=0.8)
        canvas.polyline(box, close=True)

    def sample_tree(x: float, y: float) -> None:
        canvas.style(stroke=(0.2, 0.5, 0.22), fill=(0.86, 0.94, 0.84), width=0.45)
        tree(canvas, x + 15, y, 6.0, random.Random(5))

    def sample_manhole(x: float, y: float) -> None:
        sample_line((0.15, 0.35, 0.75), 0.5, (6, 2, 1, 2))(x, y)
        canvas.style(stroke=(0.15, 0.35, 0.75), fill=WHITE, width=0.5)
        canvas.circle(x + 15, y, 3.2, stroke=True, fill=True)

    def sample_light(x: float, y: float) -> None:
        canvas.style(fill=(0.85, 0.6, 0.0))
        canvas.circle(x + 15, y, 2.4, stroke=False, fill=True)

    def sample_dimension(x: float, y: float) -> None:
        dimension(canvas, (x, y), (x + 30, y), "")

    entries = [
        ("Limite de parcelle (cadastre)", sample_line(0.25, 0.45)),
        ("Bâti existant", sample_building),
        ("Chaussée projetée (5,60 m)", sample_fill(WHITE)),
        ("Trottoir et bande plantée", sample_fill(0.9)),
        ("Plateau surélevé", sample_plateau),
        ("Arbre existant ou projeté", sample_tree),
        ("Réseau d'eaux pluviales et regard", sample_manhole),
        ("Candélabre (éclairage public)", sample_light),
        ("Courbe de niveau (équidistance 1 m)", sample_line((0.6, 0.45, 0.3), 0.25, (3, 2))),
        ("Cote en mètres", sample_dimension),
        ("Axe de chaussée", sample_line(0.45, 0.5, (8, 6))),
    ]
    for index, (label, draw) in enumerate(entries):
        y = ly + 40 + index * 20
        draw(lx + 12, y)
        canvas.text(lx + 52, y + 3, label, size=7.5)
    # North arrow.
    nx, ny = width - 300, 90.0
    canvas.style(stroke=0.1, width=0.8, fill=WHITE, dash=())
    canvas.circle(nx, ny, 26, stroke=True, fill=True)
    canvas.style(fill=0.1)
    canvas.polyline(
        [(nx, ny - 24), (nx + 8, ny + 10), (nx, ny + 4)], close=True, stroke=True, fill=True
    )
    canvas.style(fill=WHITE)
    canvas.polyline(
        [(nx, ny - 24), (nx - 8, ny + 10), (nx, ny + 4)], close=True, stroke=True, fill=True
    )
    canvas.text(nx, ny - 30, "N", face=BOLD, size=11, align=CENTER)
    # Scale bar: 0-50 m.
    sx, sy = 40.0, height - 50
    canvas.style(fill=WHITE, stroke=0.1, width=0.6)
    canvas.rect(sx - 8, sy - 22, 50 * PT_PER_M + 40, 40, stroke=True, fill=True)
    for k in range(5):
        canvas.style(fill=0.1 if k % 2 == 0 else WHITE)
        canvas.rect(sx + k * 10 * PT_PER_M, sy, 10 * PT_PER_M, 5, stroke=True, fill=True)
        canvas.text(sx + k * 10 * PT_PER_M, sy - 4, str(k * 10), size=6.5, align=CENTER)
    canvas.text(sx + 50 * PT_PER_M, sy - 4, "50 m", size=6.5, align=CENTER)
    canvas.text(sx, sy + 14, "Échelle 1/500 (format A3)", size=6.5)
    # Title block.
    bx, by, bw, bh = width - 382, height - 152, 360.0, 130.0
    canvas.style(fill=WHITE, stroke=0.1, width=0.8)
    canvas.rect(bx, by, bw, bh, stroke=True, fill=True)
    for y in (by + 26, by + 62, by + 84, by + 106):
        canvas.line(bx, y, bx + bw, y)
    canvas.line(bx + 240, by + 84, bx + 240, by + bh)
    canvas.text(bx + 8, by + 12, f"Commune de {commune.name}", face=BOLD, size=9)
    canvas.text(
        bx + 8, by + 22, f"Département de la {commune.department} — maître d'ouvrage", size=7
    )
    canvas.text(bx + 8, by + 42, "Étude d'aménagement de la traversée du bourg", face=BOLD, size=11)
    canvas.text(bx + 8, by + 56, "Plan de l'état projeté — scénario B « rue partagée »", size=9)
    canvas.text(
        bx + 8,
        by + 77,
        "Atelier Terres & Voiries — bureau d'études VRD et paysage — Limoges",
        size=7.5,
    )
    canvas.text(
        bx + 8, by + 99, "Échelle : 1/500 — Fond : cadastre et levé topographique", size=7.5
    )
    canvas.text(bx + 8, by + 121, "Phase : avant-projet — Date : 20 octobre 2026", size=7.5)
    canvas.text(bx + 248, by + 99, "Plan n° PRO-02", face=BOLD, size=9)
    canvas.text(bx + 248, by + 121, "Indice B", face=BOLD, size=9)
    emblem(canvas, bx + bw - 36, by + 4, 0.42)
    # Frame.
    canvas.style(stroke=0.0, width=1.5, dash=())
    canvas.rect(14, 14, width - 28, height - 28)
    canvas.style(fill=WHITE)
    for rect in (
        (0, 0, width, 13.2),
        (0, height - 13.2, width, 13.2),
        (0, 0, 13.2, height),
        (width - 13.2, 0, 13.2, height),
    ):
        canvas.rect(*rect, stroke=False, fill=True)


# --------------------------------------------------------------------------- #
# Point 7: the study
# --------------------------------------------------------------------------- #

BLUE: Colour = (0.2, 0.4, 0.68)
ORANGE: Colour = (0.9, 0.55, 0.15)
GREEN: Colour = (0.3, 0.6, 0.35)


def _nice_ceiling(value: float) -> float:
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Colour, Sequence[float]]],
    *,
    unit: str,
    height: float = 210.0,
    marker: tuple[float, str] | None = None,
) -> Callable[[Canvas, float, float, float], None]:
    """Vertical bars, grouped by category, with gridlines, axis labels and a legend."""

    def draw(canvas: Canvas, x: float, y: float, width: float) -> None:
        canvas.text(x, y + 10, title, face=BOLD, size=9.5)
        top, bottom = y + 30, y + height - 38
        left, right = x + 40, x + width - 6
        peak = _nice_ceiling(max(max(values) for _, _, values in series))
        canvas.style(stroke=0.8, width=0.4, dash=())
        for k in range(6):
            gy = bottom - (bottom - top) * k / 5
            canvas.line(left, gy, right, gy)
            label = f"{peak * k / 5:g}".replace(".", ",")
            canvas.text(left - 4, gy + 2.5, label, size=7, colour=0.3, align=RIGHT)
        canvas.text(x, top - 8, unit, size=7, colour=0.3)
        group = (right - left) / len(categories)
        bar = group * 0.78 / len(series)
        for index, category in enumerate(categories):
            gx = left + index * group + group * 0.11
            for number_, (_, colour, values) in enumerate(series):
                h = (bottom - top) * values[index] / peak
                canvas.style(fill=colour)
                canvas.rect(gx + number_ * bar, bottom - h, bar, h, stroke=False, fill=True)
            canvas.text(left + (index + 0.5) * group, bottom + 10, category, size=6.5, align=CENTER)
        canvas.style(stroke=0.2, width=0.7)
        canvas.line(left, bottom, right, bottom)
        canvas.line(left, top - 4, left, bottom)
        if marker is not None:
            position, label = marker
            mx = left + position * group
            canvas.style(stroke=(0.75, 0.1, 0.1), width=1.0, dash=(4, 2))
            canvas.line(mx, top - 4, mx, bottom)
            canvas.style(dash=())
            canvas.text(mx + 4, top + 6, label, face=BOLD, size=7.5, colour=(0.75, 0.1, 0.1))
        lx = left
        for name, colour, _ in series:
            canvas.style(fill=colour)
            canvas.rect(lx, bottom + 20, 9, 7, stroke=False, fill=True)
            canvas.text(lx + 13, bottom + 26.5, name, size=7.5)
            lx += text_width(name, REGULAR, 7.5) + 34

    return draw


def _round_euros(cents: int) -> str:
    return euros(cents)[:-5] + " €"


def hbar_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    colour: Colour = BLUE,
    fmt: Callable[[int], str] = _round_euros,
) -> Callable[[Canvas, float, float, float], None]:
    """Horizontal bars with their value at their end (amounts in cents by default)."""

    def draw(canvas: Canvas, x: float, y: float, width: float) -> None:
        canvas.text(x, y + 10, title, face=BOLD, size=9.5)
        peak = max(value for _, value in items)
        label_w, value_w = 190.0, 70.0
        span = width - label_w - value_w
        for index, (label, value) in enumerate(items):
            top = y + 24 + index * 17
            canvas.text(x + label_w - 6, top + 9, label, size=8, align=RIGHT)
            canvas.style(fill=colour)
            canvas.rect(x + label_w, top, span * value / peak, 12, stroke=False, fill=True)
            canvas.text(x + label_w + span * value / peak + 4, top + 9, fmt(value), size=7.5)

    return draw


def _situation_map(canvas: Canvas, x: float, y: float, width: float) -> None:
    """Figure: the village, the river, the streets and the studied perimeter."""
    height = 230.0
    canvas.text(x, y + 10, "Figure 0 — Plan de situation du périmètre d'étude", face=BOLD, size=9.5)
    top = y + 18
    canvas.style(stroke=0.4, width=0.6, fill=(0.96, 0.97, 0.93), dash=())
    canvas.rect(x, top, width, height - 24, stroke=True, fill=True)
    river = catmull_rom(
        [(x + 10, top + 30), (x + 60, top + 80), (x + 70, top + 150), (x + 40, top + height - 24)],
        3,
    )
    canvas.style(stroke=(0.35, 0.55, 0.85), width=5)
    canvas.polyline(river)
    road = Axis(
        catmull_rom(
            [
                (x, top + 120),
                (x + 120, top + 112),
                (x + 260, top + 96),
                (x + 360, top + 110),
                (x + width, top + 88),
            ],
            3,
        )
    )
    canvas.style(stroke=0.55, width=9)
    canvas.polyline(road.points)
    canvas.style(stroke=WHITE, width=6.5)
    canvas.polyline(road.points)
    for s_b, side, length in ((250.0, -1, 80.0), (370.0, 1, 90.0)):
        bx, by = road.at(s_b)
        canvas.style(stroke=0.55, width=7)
        canvas.line(bx, by, bx + 10, by + side * length)
        canvas.style(stroke=WHITE, width=4.5)
        canvas.line(bx, by, bx + 10, by + side * length)
    rng = random.Random(3)
    canvas.style(fill=0.7, stroke=0.35, width=0.4)
    for k in range(34):
        s_h = 95 + k * 9.5
        d = (-1) ** k * rng.uniform(11, 22)
        hx, hy = road.at(s_h, d)
        canvas.rect(hx - 3.5, hy - 3, 7, 6, stroke=True, fill=True)
    start, end = road.at(90.0), road.at(min(road.length - 10, 430.0))
    canvas.style(stroke=(0.8, 0.1, 0.1), width=1.2, dash=(5, 3))
    canvas.polyline(road.offset(-30, 90, 430) + road.offset(30, 90, 430)[::-1], close=True)
    canvas.style(dash=())
    canvas.text(x + 78, top + 170, "La Sauve", face=ITALIC, size=8, colour=(0.2, 0.4, 0.75))
    canvas.text(x + 6, top + 108, "vers Bourganeuf", size=7.5, colour=0.2)
    canvas.text(x + width - 6, top + 78, "vers Guéret", size=7.5, colour=0.2, align=RIGHT)
    canvas.text(
        start[0],
        start[1] - 36,
        "Périmètre de l'étude (650 m)",
        face=BOLD,
        size=7.5,
        colour=(0.8, 0.1, 0.1),
    )
    canvas.text(end[0] - 10, end[1] + 44, "RD 14", face=BOLD, size=8)
    bx, by = road.at(250.0)
    canvas.text(bx + 14, by - 70, "Église", size=7.5)
    canvas.text(bx - 10, by + 30, "École", size=7.5, align=RIGHT)
    canvas.style(fill=0.1, stroke=0.1, width=0.6)
    nx, ny = x + width - 26, top + 30
    canvas.polyline(
        [(nx, ny - 14), (nx + 5, ny + 6), (nx, ny + 2), (nx - 5, ny + 6)], close=True, fill=True
    )
    canvas.text(nx, ny - 17, "N", face=BOLD, size=8, align=CENTER)


def _cross_sections(canvas: Canvas, x: float, y: float, width: float) -> None:
    """Figure: the street between façades, today and as planned."""
    profiles = (
        (
            "État actuel",
            (
                ("trottoir", 1.2, 0.14),
                ("stationnement", 1.5, 0.0),
                ("chaussée", 7.0, 0.0),
                ("trottoir", 0.9, 0.14),
                ("jardin", 1.0, 0.3),
            ),
        ),
        (
            "État projeté (scénario B)",
            (
                ("trottoir", 1.8, 0.14),
                ("chaussée", 5.6, 0.0),
                ("bande plantée", 2.4, 0.14),
                ("trottoir", 1.8, 0.14),
            ),
        ),
    )
    canvas.text(
        x,
        y + 10,
        "Figure 4 — Profils en travers type, de façade à façade (11,60 m)",
        face=BOLD,
        size=9.5,
    )
    scale = (width - 40) / 11.6
    rng = random.Random(11)
    for index, (title, parts) in enumerate(profiles):
        top = y + 30 + index * 125
        ground = top + 78
        canvas.text(x, top + 6, title, face=ITALIC, size=9)
        left = x + 20
        # Façades.
        canvas.style(stroke=0.2, width=0.8, fill=0.88, dash=())
        canvas.rect(left - 16, ground - 70, 16, 70, stroke=True, fill=True)
        canvas.rect(left + 11.6 * scale, ground - 64, 16, 64, stroke=True, fill=True)
        cursor = left
        for name, metres, raise_ in parts:
            w = metres * scale
            h = 4 + raise_ * 20
            colour: Colour = (
                0.35 if name == "chaussée" else (0.6 if name == "stationnement" else 0.82)
            )
            if name in ("bande plantée", "jardin"):
                colour = (0.6, 0.78, 0.55)
            canvas.style(fill=colour, stroke=0.2, width=0.5)
            canvas.rect(cursor, ground - h, w, h, stroke=True, fill=True)
            if name == "chaussée":
                canvas.style(stroke=WHITE, width=1.0, dash=(6, 4))
                canvas.line(
                    cursor + w / 2 - 0.1, ground - h + 2, cursor + w / 2 + 0.1, ground - h + 2
                )
                canvas.style(dash=())
                for car_x in (cursor + w * 0.12, cursor + w * 0.58):
                    canvas.style(fill=(0.3, 0.45, 0.7), stroke=0.15, width=0.5)
                    canvas.rect(car_x, ground - h - 22, w * 0.3, 14, stroke=True, fill=True)
                    canvas.rect(
                        car_x + w * 0.06, ground - h - 32, w * 0.18, 10, stroke=True, fill=True
                    )
                    canvas.style(fill=0.1)
                    for wheel in (car_x + w * 0.06, car_x + w * 0.24):
                        canvas.circle(wheel, ground - h - 7, 4, stroke=False, fill=True)
            if name == "stationnement":
                canvas.style(fill=(0.6, 0.3, 0.3), stroke=0.15, width=0.5)
                canvas.rect(cursor + 2, ground - h - 20, w - 4, 14, stroke=True, fill=True)
            if name == "bande plantée":
                canvas.style(stroke=(0.4, 0.3, 0.2), width=2)
                canvas.line(cursor + w / 2, ground - h, cursor + w / 2, ground - h - 30)
                canvas.style(stroke=GREEN, fill=(0.75, 0.88, 0.7), width=0.6)
                tree(canvas, cursor + w / 2, ground - h - 44, 16, rng)
            if name == "trottoir":
                px = cursor + w / 2
                canvas.style(stroke=0.1, width=1.0)
                canvas.circle(px, ground - h - 27, 2.6, stroke=True, fill=False)
                canvas.line(px, ground - h - 24, px, ground - h - 12)
                canvas.line(px, ground - h - 12, px - 3, ground - h)
                canvas.line(px, ground - h - 12, px + 3, ground - h)
                canvas.line(px - 4, ground - h - 20, px + 4, ground - h - 20)
            dimension(canvas, (cursor, ground + 12), (cursor + w, ground + 12), "")
            canvas.text(
                cursor + w / 2,
                ground + 24,
                f"{metres:.2f}".replace(".", ",") + " m",
                size=7,
                colour=(0.75, 0.1, 0.1),
                align=CENTER,
            )
            canvas.text(cursor + w / 2, ground + 33, name, size=6.5, colour=0.3, align=CENTER)
            cursor += w


_HOURS = tuple(f"{h} h" for h in range(6, 22))
_TRAFFIC_EAST = (19, 48, 121, 98, 61, 54, 63, 72, 59, 57, 71, 101, 124, 86, 52, 29)
_TRAFFIC_WEST = (24, 62, 109, 84, 58, 56, 66, 75, 61, 60, 74, 92, 112, 80, 47, 25)
_SPEED_CLASSES = tuple(range(25, 95, 5))


def _speed_shares() -> list[float]:
    """Share of vehicles (%) in each 5 km/h class: normal law, mean 52.4, sd 10."""

    def cdf(v: float) -> float:
        return 0.5 * (1 + math.erf((v - 52.4) / (10.0 * math.sqrt(2))))

    return [100 * (cdf(v + 5) - cdf(v)) for v in _SPEED_CLASSES]


_ESTIMATE = (
    ("Installations de chantier et travaux préparatoires", 3_800_000),
    ("Terrassements et démolitions", 9_600_000),
    ("Réseau d'eaux pluviales et noues", 14_200_000),
    ("Chaussée et plateau surélevé", 18_600_000),
    ("Trottoirs, bordures et caniveaux", 15_800_000),
    ("Espaces verts et plantations", 4_100_000),
    ("Éclairage public", 7_200_000),
    ("Signalisation et mobilier urbain", 2_700_000),
    ("Enfouissement des réseaux aériens", 11_800_000),
)

STUDY_TITLE = "Étude d'aménagement de la traversée du bourg"


def build_study() -> bytes:
    commune = _commune()
    pdf = Pdf()
    flow = Flow(
        pdf,
        header=running_header(f"{STUDY_TITLE} — {commune.name}", "Atelier Terres & Voiries"),
    )
    flow.body_size, flow.body_leading = 11.0, 1.45
    cover = flow.canvas
    cover.style(fill=HEADING_COLOUR)
    cover.rect(0, 0, cover.width, 300, stroke=False, fill=True)
    cover.text(62, 120, f"Commune de {commune.name}", face=BOLD, size=14, colour=WHITE)
    cover.text(62, 160, "Étude d'aménagement", face=BOLD, size=26, colour=WHITE)
    cover.text(62, 190, "de la traversée du bourg", face=BOLD, size=26, colour=WHITE)
    cover.text(
        62, 222, "Diagnostic, scénarios et avant-projet du scénario retenu", size=13, colour=WHITE
    )
    cover.text(62, 262, "Rapport d'étude — octobre 2026", size=11, colour=WHITE)
    # A sketch of the street on the cover.
    sketch = Axis(catmull_rom([(40, 470), (180, 450), (300, 420), (420, 440), (555, 400)], step=4))
    cover.style(stroke=0.75, width=22, dash=())
    cover.polyline(sketch.points)
    cover.style(stroke=WHITE, width=16)
    cover.polyline(sketch.points)
    cover.style(stroke=0.6, width=0.8, dash=(6, 4))
    cover.polyline(sketch.points)
    cover.style(dash=())
    rng = random.Random(7)
    cover.style(stroke=GREEN, fill=(0.86, 0.94, 0.84), width=0.6)
    for k in range(14):
        s = 20 + k * sketch.length / 14
        tree(cover, *sketch.at(s, -24 if k % 2 else 24), 8, rng)
    for k, (sx, sy) in enumerate(
        ((110, 380), (240, 360), (380, 370), (470, 350), (150, 520), (330, 500))
    ):
        cover.style(fill=0.85, stroke=0.3, width=0.6)
        cover.rect(sx, sy, 46 + (k % 3) * 10, 30, stroke=True, fill=True)
    for index, line in enumerate(
        (
            f"Maître d'ouvrage : commune de {commune.name} ({commune.department})",
            "Avec le concours du Département de la Creuse et du CAUE de la Creuse",
            "Bureau d'études : Atelier Terres & Voiries — VRD, paysage, urbanisme — Limoges",
            "Document présenté au conseil municipal du 28 novembre 2026 (point 7, pour information)",
        )
    ):
        cover.text(62, 640 + index * 18, line, size=10, colour=0.2)
    flow.page_break()
    contents_page = flow.canvas
    contents: list[tuple[str, int]] = []

    def chapter(title: str, *, new_page: bool = False) -> None:
        if new_page:
            flow.page_break()
        flow.heading(title, 1)
        contents.append((title, flow.page_number))

    east, west = _TRAFFIC_EAST, _TRAFFIC_WEST
    daily = round((sum(east) + sum(west)) * 1.06)
    heavy = round(daily * 0.062)
    shares = _speed_shares()
    cumulative, v85 = 0.0, 0.0
    for v, share in zip(_SPEED_CLASSES, shares, strict=True):
        if cumulative + share >= 85:
            v85 = v + 5 * (85 - cumulative) / share
            break
        cumulative += share
    above_60 = sum(share for v, share in zip(_SPEED_CLASSES, shares, strict=True) if v >= 60)

    flow.page_break()
    chapter("1. Contexte et objectifs")
    flow.paragraph(
        "La route départementale 14 traverse le bourg de Val-de-Sauve sur environ 650 mètres, "
        "entre le pont sur la Sauve à l'ouest et le carrefour du chemin des Prés à l'est. Elle "
        "supporte l'essentiel des déplacements de la commune et un trafic de transit vers "
        "Bourganeuf et Guéret. Dans sa configuration actuelle — une chaussée de 7 mètres bordée "
        "de trottoirs étroits et discontinus — elle favorise des vitesses élevées et laisse peu "
        "de place aux piétons, alors qu'elle dessert l'école, la mairie, la boulangerie et la "
        "salle des fêtes."
    )
    flow.paragraph(
        "Par délibération du 13 décembre 2024, le conseil municipal a décidé d'engager une étude "
        "d'aménagement de la traversée du bourg, avec le soutien du Département et du conseil "
        "d'architecture, d'urbanisme et de l'environnement (CAUE) de la Creuse. La mission a été "
        "confiée en mars 2026 à l'Atelier Terres & Voiries, associant un ingénieur VRD et une "
        "paysagiste concepteur."
    )
    flow.paragraph("Les objectifs fixés par la commune sont les suivants :", after=4)
    flow.bullets(
        (
            "sécuriser les déplacements à pied, en particulier aux abords de l'école et sur le "
            "trajet vers l'arrêt du car scolaire ;",
            "ramener la vitesse effective des véhicules à 50 km/h dans le bourg et à 30 km/h "
            "devant l'école ;",
            "organiser le stationnement, aujourd'hui désordonné aux heures d'entrée et de sortie "
            "des classes ;",
            "mettre en valeur la place de l'Église et les façades anciennes de la Grande Rue ;",
            "gérer les eaux pluviales, dont le ruissellement inonde chaque année deux caves de la "
            "rue de l'Église ;",
            f"maîtriser le coût des travaux et de l'entretien pour une commune de "
            f"{commune.population} habitants.",
        )
    )
    chapter("2. Méthode et déroulement de l'étude")
    flow.paragraph(
        "L'étude s'est déroulée en trois phases : le diagnostic (de mars à mai 2026), "
        "l'élaboration de scénarios (de juin à août) et l'avant-projet du scénario retenu (de "
        "septembre à novembre). Le diagnostic repose sur un levé topographique complet de la "
        "rue, deux campagnes de comptage automatique d'une semaine, une enquête de stationnement "
        "à quatre moments de la journée, l'analyse des accidents recensés par les forces de "
        "l'ordre depuis 2016 et plusieurs visites de terrain avec les élus, les enseignants et "
        "les riverains."
    )
    flow.paragraph(
        "Un comité de pilotage réunissant le maire, deux adjoints, l'agence technique "
        "départementale de Bourganeuf, le CAUE et le syndicat intercommunal des eaux de la Sauve "
        "s'est réuni à trois reprises : le 24 mars, le 9 juillet et le 13 octobre 2026. Une "
        "réunion publique a été organisée le 19 juin 2026 à la salle des fêtes ; elle a "
        "rassemblé 64 personnes. Un questionnaire a été distribué avec le bulletin municipal de "
        "l'été."
    )

    chapter("3. Diagnostic", new_page=True)
    flow.block(240, _situation_map)
    flow.heading("3.1 Le trafic", 2)
    flow.paragraph(
        "Les comptages ont été réalisés du 7 au 13 avril 2026 en deux points : à l'entrée ouest "
        f"du bourg et devant l'école. Le trafic moyen journalier est de {number(daily)} véhicules "
        f"par jour, dont 6,2 % de poids lourds (environ {heavy} par jour), principalement des "
        "grumiers, des bétaillères et des camions de collecte de lait. Le trafic est équilibré "
        "entre les deux sens. Les pointes du matin (7 h 30 – 8 h 30) et du soir (16 h 30 – "
        "18 h 30) concentrent près d'un quart du trafic journalier."
    )
    flow.block(
        220,
        bar_chart(
            "Figure 1 — Trafic horaire moyen d'un jour ouvré, devant l'école (avril 2026)",
            _HOURS,
            (("Vers Guéret (est)", BLUE, east), ("Vers Bourganeuf (ouest)", ORANGE, west)),
            unit="véhicules / heure",
        ),
    )
    flow.table(
        (
            Col("Point de comptage", 3),
            Col("Sens", 2),
            Col("Jour ouvré", 1.3, RIGHT),
            Col("Samedi", 1.1, RIGHT),
            Col("Dimanche", 1.1, RIGHT),
            Col("Poids lourds", 1.2, RIGHT),
        ),
        [
            Row(("Entrée ouest (pont de la Sauve)", "Vers l'est", "921", "744", "512", "6,0 %")),
            Row(("Entrée ouest (pont de la Sauve)", "Vers l'ouest", "903", "731", "498", "6,4 %")),
            Row(
                (
                    "Devant l'école",
                    "Vers l'est",
                    number(round(sum(east) * 1.06)),
                    "752",
                    "520",
                    "6,1 %",
                )
            ),
            Row(
                (
                    "Devant l'école",
                    "Vers l'ouest",
                    number(round(sum(west) * 1.06)),
                    "738",
                    "507",
                    "6,3 %",
                )
            ),
        ],
        size=8.5,
    )
    flow.paragraph(
        "Ces volumes sont modestes et ne justifient aucun dispositif de régulation. Ils sont en "
        "revanche compatibles avec une chaussée ramenée à 5,60 mètres, largeur qui permet le "
        "croisement de deux poids lourds à vitesse réduite et le passage des engins agricoles."
    )
    flow.heading("3.2 Les vitesses", 2)
    flow.paragraph(
        "Les vitesses pratiquées sont élevées pour une traversée d'agglomération. Devant "
        "l'école, la vitesse moyenne mesurée est de 52 km/h et la vitesse en dessous de laquelle "
        f"roulent 85 % des véhicules (V85) atteint {round(v85)} km/h. "
        f"{round(above_60)} % des véhicules dépassent 60 km/h ; des pointes à plus de 90 km/h "
        "ont été relevées la nuit."
    )
    flow.block(
        220,
        bar_chart(
            "Figure 2 — Répartition des vitesses devant l'école, tous véhicules",
            [f"{v}–{v + 5}" for v in _SPEED_CLASSES],
            (("Part des véhicules (%)", BLUE, shares),),
            unit="% des véhicules",
            marker=((v85 - _SPEED_CLASSES[0]) / 5, f"V85 = {round(v85)} km/h"),
        ),
    )
    flow.paragraph(
        "La géométrie de la voie explique ce constat : la chaussée est large, rectiligne sur "
        "300 mètres après l'entrée ouest, et rien ne signale à l'automobiliste qu'il entre dans "
        "un lieu de vie. Les panneaux d'entrée d'agglomération sont placés 120 mètres avant les "
        "premières maisons, là où la route est encore bordée de prés."
    )
    flow.heading("3.3 La sécurité", 2)
    flow.paragraph(
        "Sept accidents corporels ont été recensés entre 2016 et 2025 sur la traversée, dont un "
        "accident mortel en 2019 : un piéton renversé de nuit près de la boulangerie. Quatre de "
        "ces accidents impliquent un piéton ou un cycliste. S'y ajoutent de nombreux accrochages "
        "sans blessé, signalés en mairie, au carrefour de la rue de l'Église, où la visibilité "
        "est masquée par le mur de l'ancien presbytère."
    )
    flow.heading("3.4 Le stationnement", 2)
    flow.paragraph(
        "L'enquête a dénombré 46 véhicules stationnés en journée, dont 31 sur la chaussée ou sur "
        "les trottoirs. Le stationnement est saturé aux heures d'école, lors des offices et des "
        "manifestations de la salle des fêtes ; il est presque vide le reste du temps. Le parking "
        "de la salle des fêtes (22 places) est sous-utilisé parce qu'aucun cheminement ne le "
        "relie à l'école."
    )
    flow.heading("3.5 Les cheminements piétons et l'accessibilité", 2)
    flow.paragraph(
        "Les trottoirs mesurent entre 0,60 et 1,20 mètre ; aucun n'atteint la largeur de "
        "1,40 mètre exigée pour les personnes à mobilité réduite. Ils sont interrompus au droit "
        "de six accès de riverains et encombrés de poteaux. Les enfants qui se rendent à l'école "
        "à pied marchent souvent sur la chaussée. L'arrêt du car scolaire, place de la Mairie, "
        "n'est pas accessible aux fauteuils roulants."
    )
    flow.heading("3.6 Les eaux pluviales et les réseaux", 2)
    flow.paragraph(
        "La rue est dépourvue de réseau d'eaux pluviales sur les deux tiers de sa longueur : "
        "l'eau ruisselle sur la chaussée et rejoint la Sauve par le fossé du chemin des Prés. "
        "Lors des orages, le carrefour de la rue de l'Église reçoit les eaux du coteau. Le réseau "
        "d'eau potable, renouvelé en 2011, ne nécessite pas d'intervention ; le syndicat des "
        "eaux prévoit en revanche de reprendre quatorze branchements en plomb avant les travaux. "
        "Les réseaux aériens d'électricité, de téléphone et d'éclairage pourraient être enfouis "
        "avec l'aide du syndicat départemental d'énergies."
    )
    flow.heading("3.7 Le paysage et le patrimoine", 2)
    flow.paragraph(
        "La Grande Rue conserve un bel ensemble de maisons de granit des XVIIIe et XIXe siècles, "
        "des murs de clôture en pierre sèche et, devant l'église, trois tilleuls remarquables. "
        "Les abords de l'église sont aujourd'hui un espace de stationnement enrobé, sans qualité "
        "particulière. Le végétal est absent de la rue elle-même, alors que les jardins qui la "
        "bordent sont nombreux et soignés."
    )

    flow.heading("3.8 Synthèse du diagnostic", 2)
    flow.table(
        (Col("Atouts", 1), Col("Faiblesses", 1)),
        [
            Row(
                (
                    "Un trafic modéré, sans saturation",
                    "Des vitesses excessives : V85 supérieure à 60 km/h",
                )
            ),
            Row(
                (
                    "Une rue courte et lisible, bordée de commerces et d'équipements",
                    "Des trottoirs étroits, interrompus, non accessibles",
                )
            ),
            Row(
                (
                    "Un patrimoine bâti de granit bien conservé",
                    "Un stationnement désordonné aux heures d'école",
                )
            ),
            Row(
                (
                    "Des emprises publiques suffisantes (11,60 m entre façades)",
                    "Un carrefour de la rue de l'Église dangereux",
                )
            ),
            Row(
                (
                    "Une forte attente des habitants",
                    "L'absence de réseau d'eaux pluviales sur 480 m",
                )
            ),
            Row(
                (
                    "Des financements mobilisables pour les traverses",
                    "Des réseaux aériens nombreux et vieillissants",
                )
            ),
        ],
        size=9,
    )
    flow.paragraph(
        "Le diagnostic conduit à traiter la traversée dans son ensemble plutôt que par des "
        "aménagements ponctuels : c'est la largeur de la chaussée, plus que la signalisation, qui "
        "détermine la vitesse des véhicules, et seul un nouveau partage de l'espace entre les "
        "voitures, les piétons et les plantations peut répondre aux attentes exprimées."
    )

    chapter("4. La concertation")
    flow.paragraph(
        "La réunion publique et le questionnaire (112 réponses, soit un foyer sur trois) font "
        "apparaître trois attentes fortes : la sécurité des enfants, citée par 78 % des "
        "répondants, la réduction de la vitesse (71 %) et le maintien d'un stationnement à "
        "proximité des commerces (54 %). Plusieurs habitants ont souhaité que la rue reste "
        "« vivante » et que les travaux ne la transforment pas en voie de contournement."
    )
    flow.paragraph(
        "Les agriculteurs ont rappelé la nécessité de laisser passer des engins larges de "
        "3,50 mètres ; le Département a demandé que les aménagements restent compatibles avec le "
        "passage des convois exceptionnels de première catégorie et avec l'itinéraire des cars "
        "scolaires. Les enseignants ont insisté sur la dépose des enfants le matin, qui se fait "
        "aujourd'hui en double file devant le portail."
    )
    chapter("5. Les scénarios étudiés")
    flow.paragraph(
        "Trois scénarios ont été présentés au comité de pilotage du 9 juillet 2026. Ils partagent "
        "un socle commun : déplacement des panneaux d'entrée d'agglomération au droit des "
        "premières maisons, création d'un réseau d'eaux pluviales et mise aux normes "
        "d'accessibilité de l'arrêt du car scolaire."
    )
    flow.heading("Scénario A — « sécurisation minimale »", 3)
    flow.paragraph(
        "Le scénario A conserve les bordures existantes et agit par la signalisation : écluses "
        "en balisettes, coussins berlinois devant l'école, marquage des places de "
        "stationnement. Il est peu coûteux mais son effet sur les vitesses est limité et il ne "
        "règle ni l'accessibilité des trottoirs ni la qualité des espaces."
    )
    flow.heading("Scénario B — « rue partagée »", 3)
    flow.paragraph(
        "Le scénario B recompose entièrement le profil de la rue : chaussée de 5,60 mètres, "
        "trottoirs d'au moins 1,80 mètre des deux côtés, bande plantée côté nord, plateau "
        "surélevé devant l'école et la rue de l'Église, stationnement longitudinal regroupé "
        "devant la salle des fêtes. Il traite la rue comme un espace public à part entière."
    )
    flow.heading("Scénario C — « zone de rencontre »", 3)
    flow.paragraph(
        "Le scénario C supprime la distinction entre chaussée et trottoirs sur la partie "
        "centrale du bourg, limitée à 20 km/h, avec un revêtement unique en pavés de granit. "
        "C'est le plus ambitieux et le plus coûteux ; le Département a émis des réserves sur son "
        "application à une route départementale supportant des poids lourds."
    )
    flow.table(
        (
            Col("Critère", 3),
            Col("Scénario A", 1.6, CENTER),
            Col("Scénario B", 1.6, CENTER),
            Col("Scénario C", 1.6, CENTER),
        ),
        [
            Row(("Réduction des vitesses", "faible", "forte", "très forte")),
            Row(("Sécurité des piétons", "moyenne", "bonne", "très bonne")),
            Row(("Accessibilité (PMR)", "non traitée", "conforme", "conforme")),
            Row(("Places de stationnement", "38", "32", "24")),
            Row(("Arbres plantés", "0", "24", "31")),
            Row(("Compatibilité poids lourds", "oui", "oui", "avec réserves")),
            Row(("Coût des travaux (HT)", "310 000 €", "878 000 €", "1 240 000 €"), bold=True),
            Row(("Entretien annuel estimé", "4 000 €", "7 500 €", "9 000 €")),
        ],
        size=8.5,
    )

    chapter("6. Le scénario retenu", new_page=True)
    flow.paragraph(
        "Le comité de pilotage du 13 octobre 2026 a retenu le scénario B, qui offre le meilleur "
        "équilibre entre la sécurité, le coût et la qualité des espaces publics. Ses principales "
        "dispositions sont représentées sur le plan PRO-02 joint au présent rapport :"
    )
    flow.bullets(
        (
            "une chaussée ramenée à 5,60 mètres sur toute la traversée, avec un axe marqué ;",
            "un plateau surélevé de 25 mètres devant l'école et le débouché de la rue de "
            "l'Église, limité à 30 km/h, encadré de deux passages piétons ;",
            "des trottoirs de 1,80 mètre au minimum des deux côtés, sans obstacle, et une bande "
            "plantée de 2,40 mètres côté nord ;",
            "six places de stationnement longitudinal devant la salle des fêtes, reliées à "
            "l'école par un cheminement continu, et une aire de dépose minute ;",
            "la plantation de vingt-quatre arbres d'alignement (érables champêtres et tilleuls) et "
            "la conservation des trois tilleuls de la place de l'Église ;",
            "un réseau d'eaux pluviales de 480 mètres avec douze regards et deux noues "
            "d'infiltration au chemin des Prés ;",
            "un éclairage public à LED sur vingt-six candélabres, avec abaissement de l'intensité "
            "au milieu de la nuit ;",
            "le déplacement des panneaux d'entrée d'agglomération de 120 mètres vers le bourg, "
            "associé à un effet de porte végétal.",
        )
    )
    flow.paragraph(
        "Les simulations réalisées sur des aménagements comparables en Limousin laissent attendre "
        "une baisse de la V85 de 12 à 15 km/h et la disparition du stationnement sur les "
        "trottoirs. La largeur de 5,60 mètres reste franchissable par les engins agricoles et les "
        "convois de première catégorie, les bordures étant basses et chanfreinées."
    )

    flow.heading("6.1 Les aménagements séquence par séquence", 2)
    for title, text in (
        (
            "Séquence 1 — L'entrée ouest, du pont de la Sauve à la mairie (180 m)",
            "Les panneaux d'entrée d'agglomération sont déplacés au droit du pont. Un îlot "
            "planté décale la trajectoire des véhicules entrant dans le bourg et marque la porte "
            "du village. Le trottoir nord est élargi à 1,80 mètre et relié au chemin de la "
            "Sauve ; l'impasse du Lavoir reçoit un revêtement différencié qui la signale comme "
            "une voie de desserte.",
        ),
        (
            "Séquence 2 — Le cœur de bourg, de la mairie à l'église (220 m)",
            "C'est la séquence la plus sensible. Le plateau surélevé s'étend devant l'école et le "
            "débouché de la rue de l'Église ; il est revêtu d'un béton désactivé de teinte claire "
            "et bordé de deux passages piétons. La place de la Mairie est réorganisée : "
            "l'arrêt du car scolaire devient accessible et une aire de dépose minute de quatre "
            "places est créée. Le mur de l'ancien presbytère est abaissé à un mètre sur six mètres "
            "pour dégager la visibilité du carrefour, avec l'accord de son propriétaire.",
        ),
        (
            "Séquence 3 — La salle des fêtes et la boulangerie (150 m)",
            "Six places de stationnement longitudinal sont aménagées devant la salle des fêtes, "
            "entre deux fosses d'arbres. Le parking de la salle des fêtes est relié à l'école par "
            "un cheminement continu de 1,80 mètre. Devant la boulangerie, deux places de courte "
            "durée sont maintenues et matérialisées.",
        ),
        (
            "Séquence 4 — L'entrée est, jusqu'au chemin des Prés (100 m)",
            "La chaussée retrouve un profil plus routier, mais les trottoirs et l'alignement "
            "d'arbres se prolongent jusqu'au carrefour du chemin des Prés, où deux noues "
            "recueillent les eaux pluviales avant leur rejet dans le fossé. Un passage piéton "
            "dessert l'arrêt du car de la ligne régionale.",
        ),
    ):
        flow.heading(title, 3)
        flow.paragraph(text)
    flow.table(
        (
            Col("Séquence", 2.2),
            Col("Longueur", 1.1, RIGHT),
            Col("Chaussée", 1.2, RIGHT),
            Col("Trottoirs", 1.3, RIGHT),
            Col("Arbres", 0.9, RIGHT),
            Col("Places", 0.9, RIGHT),
        ),
        [
            Row(("1 — Entrée ouest", "180 m", "1 010 m²", "650 m²", "7", "2")),
            Row(("2 — Cœur de bourg", "220 m", "1 230 m²", "910 m²", "6", "14")),
            Row(("3 — Salle des fêtes", "150 m", "840 m²", "600 m²", "7", "8")),
            Row(("4 — Entrée est", "100 m", "560 m²", "360 m²", "4", "0")),
            Row(("Total", "650 m", "3 640 m²", "2 520 m²", "24", "24"), bold=True, fill=0.85),
        ],
        size=9,
    )
    flow.block(290, _cross_sections)

    chapter("7. Estimation et financement", new_page=True)
    works = sum(amount for _, amount in _ESTIMATE)
    hazards = works * 5 // 100
    fees = works * 8 // 100
    flow.paragraph(
        "L'estimation a été établie à partir des prix unitaires observés sur les marchés de "
        "voirie du département en 2025 et 2026. Elle s'entend hors taxes, valeur octobre 2026, "
        "et comprend une provision pour aléas de 5 % et la maîtrise d'œuvre."
    )
    flow.block(
        30 + 17 * len(_ESTIMATE),
        hbar_chart("Figure 3 — Coût des travaux par poste (HT)", _ESTIMATE),
    )
    rows = [Row((label, euros(amount))) for label, amount in _ESTIMATE]
    rows += [
        Row(("Total des travaux", euros(works)), bold=True, fill=0.93),
        Row(("Aléas et imprévus (5 %)", euros(hazards))),
        Row(("Maîtrise d'œuvre, levés et contrôles (8 %)", euros(fees))),
        Row(("Total de l'opération (HT)", euros(works + hazards + fees)), bold=True, fill=0.85),
        Row(("Total de l'opération (TTC)", euros((works + hazards + fees) * 12 // 10)), bold=True),
    ]
    flow.table((Col("Poste", 5), Col("Montant HT", 2, RIGHT)), rows, size=9)
    total = works + hazards + fees
    funding = (
        ("État — DETR (30 % des travaux)", works * 30 // 100),
        ("Département — aménagement des traverses", 15_000_000),
        ("Région — programme de revitalisation des bourgs", 8_000_000),
        ("Syndicat départemental d'énergies — enfouissement (60 %)", 7_080_000),
        ("Agence de l'eau Loire-Bretagne — gestion des eaux pluviales (30 %)", 4_260_000),
    )
    own = total - sum(amount for _, amount in funding)
    rows = [
        Row((label, euros(amount), f"{amount * 100 / total:.1f} %".replace(".", ",")))
        for label, amount in funding
    ]
    rows.append(
        Row(
            (
                "Commune — autofinancement et emprunt",
                euros(own),
                f"{own * 100 / total:.1f} %".replace(".", ","),
            )
        )
    )
    rows.append(Row(("Total", euros(total), "100 %"), bold=True, fill=0.85))
    flow.heading("Plan de financement prévisionnel", 3)
    flow.table((Col("Financeur", 5), Col("Montant", 2, RIGHT), Col("Part", 1, RIGHT)), rows, size=9)
    flow.paragraph(
        "Les taux de subvention indiqués sont des hypothèses à confirmer auprès des financeurs. "
        "La commune récupérera en outre le FCTVA sur les dépenses éligibles, soit environ "
        "16,4 % du montant TTC, deux ans après la réalisation. Le reste à charge pourrait être "
        "réparti sur deux exercices grâce au phasage proposé ci-après."
    )
    chapter("8. Phasage et calendrier")
    flow.bullets(
        (
            "**Premier semestre 2027 :** consultation de maîtrise d'œuvre, dossiers de demande de "
            "subventions (DETR avant le 31 janvier 2027), reprise des branchements en plomb par "
            "le syndicat des eaux ;",
            "**Second semestre 2027 :** projet, dossier de consultation des entreprises, "
            "enfouissement des réseaux aériens ;",
            "**2028 — tranche 1 :** de l'entrée ouest à l'école, y compris le plateau surélevé, "
            "travaux pendant les vacances d'été ;",
            "**2029 — tranche 2 :** de l'école au chemin des Prés, stationnement de la salle des "
            "fêtes et plantations à l'automne.",
        )
    )
    chapter("9. Suites à donner")
    flow.paragraph(
        "Le présent rapport est présenté au conseil municipal pour information (point 7 de la "
        "séance du 28 novembre 2026). Le conseil sera appelé à se prononcer ultérieurement sur "
        "le lancement de la maîtrise d'œuvre, sur le plan de financement et sur les demandes de "
        "subventions. Les documents de l'étude sont consultables en mairie aux heures "
        "d'ouverture."
    )
    chapter("Annexes", new_page=True)
    flow.heading("Annexe 1 — Accidents corporels recensés (2016–2025)", 2)
    flow.table(
        (Col("Date", 1.3), Col("Lieu", 3), Col("Usagers impliqués", 3), Col("Gravité", 1.6)),
        [
            Row(
                (
                    "03/02/2016",
                    "Grande Rue, entrée ouest",
                    "Voiture seule, sortie de route",
                    "1 blessé léger",
                )
            ),
            Row(
                (
                    "14/09/2017",
                    "Carrefour de la rue de l'Église",
                    "Voiture et cyclomoteur",
                    "1 blessé hospitalisé",
                )
            ),
            Row(("22/11/2019", "Devant la boulangerie", "Voiture et piéton, de nuit", "1 tué")),
            Row(("07/06/2020", "Chemin des Prés", "Tracteur et voiture", "2 blessés légers")),
            Row(("18/03/2022", "Devant l'école", "Voiture et enfant piéton", "1 blessé léger")),
            Row(
                (
                    "30/08/2023",
                    "Grande Rue, près de la salle des fêtes",
                    "Motocyclette seule",
                    "1 blessé hospitalisé",
                )
            ),
            Row(
                (
                    "11/12/2025",
                    "Carrefour de la rue de l'Église",
                    "Voiture et cycliste",
                    "1 blessé léger",
                )
            ),
        ],
        size=8.5,
    )
    flow.heading("Annexe 2 — Résultats du questionnaire (112 réponses)", 2)
    answers = (
        ("Sécurité des enfants", 78),
        ("Vitesse des véhicules", 71),
        ("Stationnement près des commerces", 54),
        ("Largeur des trottoirs", 49),
        ("Plantations, fleurissement", 31),
        ("Éclairage public", 23),
        ("Bruit des poids lourds", 18),
    )
    flow.paragraph(
        "Question : « Quels sont, pour vous, les trois sujets prioritaires de l'aménagement de "
        "la Grande Rue ? » Part des répondants citant chaque sujet.",
        size=9.5,
        face=ITALIC,
    )
    flow.block(
        30 + 17 * len(answers),
        hbar_chart("Figure 5 — Priorités des habitants", answers, GREEN, fmt=lambda v: f"{v} %"),
    )
    flow.heading("Annexe 3 — Occupation du stationnement (mardi 14 avril 2026)", 2)
    flow.table(
        (
            Col("Secteur", 3),
            Col("Places", 1, RIGHT),
            Col("8 h 15", 1, RIGHT),
            Col("11 h 00", 1, RIGHT),
            Col("16 h 45", 1, RIGHT),
            Col("21 h 00", 1, RIGHT),
        ),
        [
            Row(("Place de la Mairie", "12", "14", "6", "15", "4")),
            Row(("Devant l'école (chaussée, trottoirs)", "0", "11", "2", "13", "1")),
            Row(("Abords de l'église", "10", "5", "3", "4", "2")),
            Row(("Parking de la salle des fêtes", "22", "4", "2", "5", "3")),
            Row(("Grande Rue, reste de la traversée", "0", "12", "7", "9", "11")),
            Row(("Total", "44", "46", "20", "46", "21"), bold=True, fill=0.85),
        ],
        size=8.5,
    )
    flow.heading("Annexe 4 — Glossaire", 2)
    for term, definition in (
        (
            "CAUE",
            "conseil d'architecture, d'urbanisme et de l'environnement, organisme départemental de conseil gratuit aux collectivités et aux particuliers.",
        ),
        (
            "DETR",
            "dotation d'équipement des territoires ruraux, subvention de l'État aux investissements des communes rurales, attribuée par le préfet après avis d'une commission d'élus.",
        ),
        (
            "FCTVA",
            "fonds de compensation de la taxe sur la valeur ajoutée, qui rembourse aux collectivités une partie de la TVA payée sur leurs investissements.",
        ),
        (
            "Noue",
            "fossé large et peu profond, enherbé, qui recueille les eaux de pluie et les laisse s'infiltrer dans le sol.",
        ),
        (
            "Plateau surélevé",
            "partie de chaussée rehaussée au niveau des trottoirs sur quelques dizaines de mètres, accessible par des rampes, qui impose une vitesse réduite.",
        ),
        (
            "PMR",
            "personnes à mobilité réduite : les règles d'accessibilité imposent notamment des cheminements d'au moins 1,40 mètre de large, sans obstacle.",
        ),
        (
            "TMJ",
            "trafic moyen journalier, nombre moyen de véhicules qui passent en un point en 24 heures, tous sens confondus.",
        ),
        (
            "V85",
            "vitesse en dessous de laquelle roulent 85 % des véhicules, indicateur usuel de la vitesse pratiquée.",
        ),
    ):
        flow.paragraph(f"**{term}** : {definition}", size=9.5)
    reduced = pdf.new_page((A4[1], A4[0]))
    contents.append(("Annexe 5 — Plan de l'état projeté (réduction)", len(pdf.pages)))
    reduced.text(
        50,
        40,
        "Annexe 5 — Plan de l'état projeté, réduction du plan PRO-02 (original au format A3, 1/500)",
        face=BOLD,
        size=10,
        colour=HEADING_COLOUR,
    )
    plan = plan_canvas(commune)
    scale = min((reduced.width - 100) / plan.width, (reduced.height - 110) / plan.height)
    reduced.embed(plan, (reduced.width - plan.width * scale) / 2, 54, scale)
    table_of_contents(contents_page, contents)
    flow.finish(running_footer("Atelier Terres & Voiries — octobre 2026", first=False))
    return pdf.tobytes(
        Meta(
            STUDY_TITLE,
            "Atelier Terres & Voiries",
            f"Commune de {commune.name} — rapport d'étude",
            date(2026, 10, 20),
        )
    )


# --------------------------------------------------------------------------- #
# The session's letters: convocation, procès-verbal, rates, administrative account
# --------------------------------------------------------------------------- #


def _convene() -> dict[str, Any]:
    """The demo script's convene command: date, time, place and agenda."""
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            command = json.loads(line)
            if command.get("cmd") == "convene":
                return dict(command)
    raise ValueError("le script de démonstration ne convoque aucune séance")


def _letter_flow(pdf: Pdf, commune: CommuneInfo, footer: str) -> Flow:
    flow = Flow(pdf, header=running_header(f"Commune de {commune.name}", footer))
    flow.y = letterhead(flow.canvas, commune) + 10
    return flow


def _signature_block(
    flow: Flow, lines: Sequence[str], seed: int, *, x: float | None = None
) -> None:
    flow.ensure(90)
    left = x if x is not None else flow.x + flow.width - 210
    for index, line in enumerate(lines):
        flow.canvas.text(
            left, flow.y + 12 + index * 13, line, face=BOLD if index == 0 else REGULAR, size=10
        )
    signature(flow.canvas, left + 10, flow.y + 30 + 13 * len(lines), seed=seed)
    flow.y += 50 + 13 * len(lines)


def build_convocation() -> bytes:
    commune = _commune()
    command = _convene()
    day = date.fromisoformat(str(command["date"]))
    convened = date.fromisoformat(str(command["convened_on"]))
    hour, minute = str(command["time"]).split(":")
    agenda = [str(item["title"]) for item in command["agenda"]]
    pdf = Pdf()
    flow = _letter_flow(pdf, commune, "Convocation du conseil municipal")
    flow.paragraph(f"{commune.name}, le {fr_date(convened)}", align=RIGHT, justify=False)
    flow.space(6)
    flow.paragraph("**Objet :** convocation à la séance du conseil municipal", justify=False)
    flow.space(8)
    flow.paragraph("Madame la conseillère municipale, Monsieur le conseiller municipal,")
    flow.paragraph(
        "En application des articles L2121-10 et L2121-11 du code général des collectivités "
        "territoriales, j'ai l'honneur de vous convoquer à la séance du conseil municipal qui se "
        f"tiendra le **{fr_date(day, weekday=True)} à {int(hour)} h {minute}**, "
        f"{str(command['place']).replace('Salle', 'salle')}."
    )
    flow.paragraph("L'ordre du jour est le suivant :", after=4)
    for number_, title in enumerate(agenda, start=1):
        flow.ensure(14)
        flow.canvas.text(
            flow.x + 14, flow.y + 9.66, f"{number_}.", face=BOLD, size=10.5, align=RIGHT
        )
        flow.paragraph(title, indent=22, after=3, justify=False)
    flow.canvas.text(
        flow.x + 14, flow.y + 9.66, f"{len(agenda) + 1}.", face=BOLD, size=10.5, align=RIGHT
    )
    flow.paragraph("Questions diverses.", indent=22, justify=False)
    flow.space(4)
    flow.paragraph(
        "Les documents préparatoires (projets de délibération, décision modificative, devis, "
        "étude de la traversée du bourg) sont consultables en mairie aux heures d'ouverture et "
        "sur la table du conseil. En cas d'empêchement, vous pouvez donner pouvoir écrit à un "
        "collègue de votre choix ; un conseiller ne peut détenir qu'un seul pouvoir."
    )
    flow.paragraph(
        "Je vous prie d'agréer, Madame la conseillère municipale, Monsieur le conseiller "
        "municipal, l'expression de mes salutations distinguées."
    )
    flow.space(6)
    _signature_block(flow, ("Le maire,", commune.mayor.name), seed=3)
    flow.paragraph(
        f"Convocation adressée aux conseillers municipaux et affichée en mairie le "
        f"{fr_date(convened)}.",
        size=8.5,
        face=ITALIC,
        colour=0.3,
    )
    return pdf.tobytes(
        Meta(
            f"Convocation au conseil municipal du {fr_date(day)}",
            commune.mayor.name,
            f"Commune de {commune.name}",
            convened,
        )
    )


def _attendance(
    flow: Flow, commune: CommuneInfo, day: date, absents: dict[str, str | None], secretary: str
) -> None:
    present = [p for p in commune.members if p.id not in absents]
    voters = len(present) + sum(1 for proxy in absents.values() if proxy)
    flow.paragraph(
        f"L'an {fr_number(day.year)}, le {'premier' if day.day == 1 else fr_number(day.day)} "
        f"{MONTHS[day.month - 1]} à vingt heures, le conseil municipal de la commune de "
        f"{commune.name}, dûment convoqué, s'est réuni en session ordinaire à la mairie, sous la "
        f"présidence de Mme {commune.mayor.name}, maire."
    )
    flow.paragraph(
        f"Membres en exercice : {len(commune.members)} — présents : {len(present)} — "
        f"votants : {voters}.",
        face=BOLD,
        justify=False,
    )
    flow.paragraph("**Présents :** " + ", ".join(p.name for p in present) + ".")
    excused = []
    for member_id, proxy in absents.items():
        name = commune.person(member_id).name
        excused.append(f"{name} (pouvoir à {commune.person(proxy).name})" if proxy else name)
    flow.paragraph("**Absents excusés :** " + ", ".join(excused) + ".")
    flow.paragraph(f"**Secrétaire de séance :** {commune.person(secretary).name}.")


def build_minutes() -> bytes:
    """The procès-verbal of the previous session, 24 October 2026 (three pages)."""
    commune = _commune()
    day = date(2026, 10, 24)
    pdf = Pdf()
    flow = _letter_flow(pdf, commune, "Procès-verbal de la séance du 24 octobre 2026")
    flow.body_size, flow.body_leading = 11.0, 1.42
    flow.paragraph(
        "Procès-verbal de la séance du conseil municipal du 24 octobre 2026",
        size=15,
        face=BOLD,
        colour=HEADING_COLOUR,
        justify=False,
        align=CENTER,
    )
    flow.paragraph(
        "Date de la convocation : 16 octobre 2026", align=CENTER, justify=False, size=9.5
    )
    _attendance(flow, commune, day, {"tlacroix": "brousseau", "odumas": None}, "arenaud")
    points = (
        (
            "1. Approbation du procès-verbal de la séance du 19 septembre 2026",
            "Le procès-verbal de la séance du 19 septembre 2026, transmis avec la convocation, "
            "n'appelle aucune observation.",
            "Adopté à l'unanimité (14 voix pour).",
        ),
        (
            "2. Rapport annuel sur le prix et la qualité du service de l'eau potable (2025)",
            "M. Jean-Luc Perrin, délégué de la commune au syndicat intercommunal des eaux de la "
            "Sauve, présente le rapport 2025. Le syndicat dessert 2 140 abonnés dans neuf "
            "communes ; le rendement du réseau atteint 78 % et le prix de l'eau s'établit à "
            "2,87 € TTC le mètre cube pour une consommation de référence de 120 m³. Toutes les "
            "analyses de l'agence régionale de santé ont été conformes. Le syndicat prévoit le "
            "remplacement des branchements en plomb restants, dont quatorze dans la Grande Rue.",
            "Le conseil municipal prend acte de la présentation du rapport.",
        ),
        (
            "3. Admission en non-valeur de créances irrécouvrables",
            "Sur proposition du comptable public, Mme le Maire propose d'admettre en non-valeur "
            "des titres de cantine et de location de la salle des fêtes émis entre 2019 et 2022, "
            "pour un montant total de 412,35 €, les poursuites étant restées sans effet. La "
            "dépense est imputée à l'article 6541 du budget principal.",
            "Adopté à l'unanimité (14 voix pour).",
        ),
        (
            "4. Recensement de la population 2027 : agent recenseur",
            "Le recensement de la population de la commune aura lieu du 21 janvier au "
            "20 février 2027. Mme le Maire propose de créer un emploi d'agent recenseur, "
            "rémunéré forfaitairement 1 150 € brut, formations comprises, et de désigner la "
            "secrétaire de mairie comme coordonnatrice communale. La dotation forfaitaire de "
            "l'État s'élève à 1 312 €.",
            "Adopté à l'unanimité (14 voix pour).",
        ),
        (
            "5. Convention de prêt du broyeur de végétaux de la communauté de communes",
            "M. Bernard Rousseau présente la convention par laquelle la communauté de communes "
            "met gratuitement à la disposition des communes un broyeur de végétaux, deux semaines "
            "par an, l'entretien courant et le carburant restant à la charge de la commune. Le "
            "broyat sera utilisé pour le paillage des massifs et du jardin de l'école.",
            "Adopté par 13 voix pour et 1 abstention (M. Christophe Meunier).",
        ),
        (
            "6. Motion pour le maintien des horaires de l'agence postale de Bourganeuf",
            "Mme Sylvie Garnier donne lecture d'un projet de motion demandant le maintien des "
            "horaires d'ouverture du bureau de poste de Bourganeuf, dont la réduction est "
            "annoncée pour le printemps 2027, et rappelant l'importance de ce service pour les "
            "habitants âgés du canton.",
            "Adoptée par 12 voix pour et 2 abstentions (Mme Isabelle Colin, M. Didier Vidal).",
        ),
        (
            "7. Rapport d'activité 2025 de la communauté de communes",
            "Mme le Maire présente le rapport d'activité 2025 de la communauté de communes, "
            "transmis à chaque conseiller. Elle en souligne les principaux chantiers : "
            "l'ouverture de la maison France services de Bourganeuf, la mise en service de la "
            "nouvelle déchetterie, la reprise de la compétence petite enfance et le lancement du "
            "plan local d'urbanisme intercommunal. M. Olivier Dumas étant absent, Mme Émilie "
            "Roche rend compte des travaux de la commission tourisme, à laquelle elle siège.",
            "Le conseil municipal prend acte de la présentation du rapport.",
        ),
        (
            "8. Contrat groupe d'assurance statutaire du centre de gestion (2027–2030)",
            "Le contrat qui couvre les risques statutaires des agents de la commune (maladie, "
            "accident de service, décès) arrive à échéance le 31 décembre 2026. Le centre de "
            "gestion de la Creuse a conduit une consultation pour le compte des collectivités du "
            "département ; l'offre retenue porte le taux de cotisation de 6,85 % à 7,10 % de la "
            "masse salariale, avec une franchise de dix jours en maladie ordinaire. Mme le Maire "
            "propose d'adhérer au contrat groupe pour quatre ans.",
            "Adopté à l'unanimité (14 voix pour).",
        ),
        (
            "9. Fonds de concours pour le remplacement de l'éclairage public",
            "M. Bernard Rousseau rappelle que 58 des 96 points lumineux de la commune utilisent "
            "encore des lampes à vapeur de sodium. Le remplacement par des luminaires à LED, "
            "estimé à 41 800 € HT, permettrait de réduire de 60 % la consommation d'électricité "
            "de l'éclairage public. Il propose de solliciter un fonds de concours de la "
            "communauté de communes au titre de la transition énergétique, à hauteur de 30 %.",
            "Adopté à l'unanimité (14 voix pour).",
        ),
    )
    for title, text, vote in points:
        flow.heading(title, 3)
        flow.paragraph(text)
        flow.paragraph(vote, face=ITALIC, justify=False)
    flow.heading("10. Informations du maire", 3)
    flow.bullets(
        (
            "Toiture de l'école : trois entreprises ont remis une offre. Le choix de l'entreprise "
            "et la décision modificative correspondante seront soumis au conseil du 28 novembre ; "
            "la DETR a été notifiée à hauteur de 30 % du montant hors taxes.",
            "Traversée du bourg : le comité de pilotage du 13 octobre a retenu le scénario "
            "« rue partagée ». Le rapport d'étude sera présenté au prochain conseil.",
            "Le repas des aînés aura lieu le dimanche 6 décembre à la salle des fêtes ; "
            "72 personnes sont inscrites.",
            "La cérémonie du 11 Novembre se tiendra à 11 h 30 au monument aux morts, avec les "
            "élèves de l'école.",
        )
    )
    flow.heading("11. Questions diverses", 3)
    flow.paragraph(
        "Mme Nathalie Bonnet demande si les illuminations de Noël pourront être installées "
        "avant le marché du 12 décembre ; M. Bernard Rousseau confirme que les agents "
        "techniques les poseront dans la semaine du 30 novembre. M. Christophe Meunier signale "
        "le mauvais état du chemin des Prés après les orages de septembre ; une reprise des "
        "nids-de-poule en enrobé à froid est prévue avant l'hiver, la réfection complète étant "
        "reportée à 2027."
    )
    flow.paragraph("L'ordre du jour étant épuisé, la séance est levée à 21 h 47.", face=BOLD)
    flow.space(10)
    flow.ensure(110)
    top = flow.y
    _signature_block(flow, ("Le maire,", commune.mayor.name), seed=3, x=flow.x + 10)
    flow.y = top
    _signature_block(flow, ("La secrétaire de séance,", commune.person("arenaud").name), seed=8)
    flow.paragraph(
        "Procès-verbal arrêté par le maire et la secrétaire de séance, soumis à l'approbation "
        "du conseil municipal lors de sa séance du 28 novembre 2026, puis publié sur le site "
        "internet de la commune (article L2121-15 du code général des collectivités "
        "territoriales).",
        size=8.5,
        face=ITALIC,
        colour=0.3,
    )
    flow.finish(running_footer("Procès-verbal de la séance du 24 octobre 2026"))
    return pdf.tobytes(
        Meta(
            "Procès-verbal de la séance du 24 octobre 2026",
            commune.mayor.name,
            f"Conseil municipal de {commune.name}",
            date(2026, 10, 30),
        )
    )


_RATES = (
    ("Habitants de la commune — week-end (du vendredi 18 h au lundi 9 h)", 14_000, 15_000),
    ("Habitants de la commune — journée en semaine", 8_000, 8_500),
    ("Personnes extérieures à la commune — week-end", 28_000, 30_000),
    ("Personnes extérieures à la commune — journée en semaine", 15_000, 16_000),
    ("Associations de la commune — journée (1re manifestation de l'année gratuite)", 5_500, 6_000),
    ("Associations extérieures — journée", 12_000, 13_000),
    ("Cuisine équipée (supplément)", 4_000, 4_500),
    ("Chauffage, du 15 octobre au 15 avril (par jour)", 2_500, 3_000),
    ("Vaisselle (par couvert)", 80, 100),
    ("Ménage non fait ou insuffisant (forfait)", 8_000, 10_000),
    ("Caution (chèque non encaissé)", 50_000, 50_000),
    ("Caution ménage", 15_000, 15_000),
)


def build_rates() -> bytes:
    commune = _commune()
    pdf = Pdf()
    flow = _letter_flow(pdf, commune, "Tarifs de la salle des fêtes")
    flow.paragraph(
        "Tarifs de location de la salle des fêtes à compter du 1er janvier 2027",
        size=14,
        face=BOLD,
        colour=HEADING_COLOUR,
        justify=False,
        align=CENTER,
    )
    flow.paragraph(
        "Projet soumis au conseil municipal du 28 novembre 2026 (point 6). Capacité : "
        "180 personnes assises, 250 debout ; cuisine équipée, vaisselle pour 200 couverts.",
        size=9.5,
        face=ITALIC,
        align=CENTER,
        justify=False,
    )
    rows = []
    for label, before, after in _RATES:
        change = (
            "—"
            if before == after
            else f"{(after - before) * 100 / before:+.1f} %".replace(".", ",")
        )
        rows.append(Row((label, euros(before), euros(after), change)))
    flow.table(
        (
            Col("Prestation", 5.4),
            Col("Tarif 2026", 1.4, RIGHT),
            Col("Tarif 2027", 1.4, RIGHT),
            Col("Évolution", 1.1, RIGHT),
        ),
        rows,
        size=9.5,
        pad=4,
    )
    flow.heading("Conditions de location", 3)
    flow.bullets(
        (
            "La réservation est faite en mairie ; elle devient ferme à la signature du contrat, "
            "accompagné d'une attestation d'assurance de responsabilité civile et des deux "
            "chèques de caution.",
            "Le paiement intervient à réception du titre émis par la mairie, après la location.",
            "L'état des lieux est établi à la remise des clés et à leur restitution ; la caution "
            "est restituée dans le mois qui suit, déduction faite des dégradations constatées.",
            "La salle est mise gratuitement à disposition de l'école, du centre communal d'action "
            "sociale et pour les cérémonies officielles.",
            "La musique amplifiée doit cesser à 2 heures ; le voisinage doit être respecté.",
        ),
        size=9.5,
    )
    return pdf.tobytes(
        Meta(
            "Tarifs de la salle des fêtes 2027",
            f"Mairie de {commune.name}",
            "Point 6 de la séance du 28 novembre 2026",
            date(2026, 11, 12),
        )
    )


_CA_COLUMNS = (
    Col("Article", 1.1),
    Col("Libellé", 4.2),
    Col("Prévisions totales", 1.8, RIGHT),
    Col("Réalisations", 1.8, RIGHT),
    Col("Restes à réaliser", 1.6, RIGHT),
)

# (section, chapter, article, label, planned, done, carried over) in cents.
_CA_LINES = (
    ("FD", "011", "6015", "Terrains à aménager", 0, 0, 0),
    ("FD", "011", "6045", "Achats d'études et prestations de services", 300_000, 240_000, 0),
    ("FD", "011", "605", "Achats de matériel, équipements et travaux", 4_500_000, 3_865_012, 0),
    (
        "FD",
        "011",
        "608",
        "Frais accessoires sur terrains en cours d'aménagement",
        150_000,
        118_040,
        0,
    ),
    ("FD", "66", "66111", "Intérêts réglés à l'échéance", 210_000, 184_377, 0),
    ("FD", "042", "71355", "Variation des stocks de terrains aménagés", 9_800_000, 9_612_490, 0),
    ("FR", "70", "7015", "Ventes de terrains aménagés", 7_200_000, 6_142_500, 0),
    ("FR", "75", "7552", "Prise en charge du déficit par le budget principal", 0, 0, 0),
    ("FR", "042", "71355", "Variation des stocks de terrains aménagés", 4_407_429, 4_407_429, 0),
    ("FR", "043", "796", "Transferts de charges financières", 210_000, 184_377, 0),
    ("FR", "002", "002", "Résultat de fonctionnement reporté", 3_142_571, 3_142_571, 0),
    ("ID", "040", "3555", "Terrains aménagés (stock final)", 4_407_429, 4_407_429, 0),
    ("ID", "16", "1641", "Remboursement du capital des emprunts", 1_180_000, 1_174_218, 0),
    (
        "ID",
        "16",
        "168741",
        "Remboursement de l'avance du budget principal",
        3_000_000,
        3_000_000,
        0,
    ),
    ("ID", "001", "001", "Solde d'exécution reporté", 1_212_571, 1_212_571, 0),
    ("IR", "040", "3555", "Terrains aménagés (sortie du stock initial)", 9_800_000, 9_612_490, 0),
    ("IR", "16", "1641", "Emprunts en euros", 0, 0, 0),
)

_CA_CHAPTERS = {
    "011": "Charges à caractère général",
    "66": "Charges financières",
    "042": "Opérations d'ordre entre sections",
    "043": "Opérations d'ordre à l'intérieur de la section",
    "70": "Produits des services, du domaine et ventes",
    "75": "Autres produits de gestion courante",
    "002": "Résultat de fonctionnement reporté",
    "040": "Opérations d'ordre entre sections",
    "16": "Emprunts et dettes assimilées",
    "001": "Solde d'exécution d'investissement reporté",
}

_LOTS = (
    ("1", 812, "vendu le 14/03/2023", "M. et Mme D."),
    ("2", 745, "vendu le 02/06/2023", "M. L."),
    ("3", 798, "vendu le 21/11/2023", "M. et Mme B."),
    ("4", 901, "vendu le 08/02/2024", "SCI des Prés"),
    ("5", 688, "vendu le 17/09/2024", "Mme R."),
    ("6", 702, "vendu le 04/03/2025", "M. et Mme G."),
    ("7", 730, "vendu le 26/06/2025", "M. T."),
    ("8", 845, "vendu le 12/12/2025", "M. et Mme C."),
    ("9", 910, "réservé (compromis du 05/10/2026)", "M. et Mme P."),
    ("10", 768, "disponible", ""),
    ("11", 822, "disponible", ""),
    ("12", 1_104, "disponible", ""),
)


def build_administrative_account() -> bytes:
    """The compte administratif 2025 of the housing estate's annex budget (8 pages)."""
    commune = _commune()
    pdf = Pdf()
    title = "Compte administratif 2025 — budget annexe du lotissement des Prés"
    flow = Flow(
        pdf, header=running_header(f"Commune de {commune.name} — {title}", "Nomenclature M57")
    )
    page = flow.canvas
    emblem(page, page.width / 2 - 40, 120, 2.0)
    page.text(page.width / 2, 250, f"Commune de {commune.name}", face=BOLD, size=20, align=CENTER)
    page.text(page.width / 2, 270, f"Département de la {commune.department}", size=11, align=CENTER)
    page.style(fill=HEADING_COLOUR)
    page.rect(62, 320, page.width - 124, 90, stroke=False, fill=True)
    page.text(
        page.width / 2,
        356,
        "Compte administratif 2025",
        face=BOLD,
        size=24,
        colour=WHITE,
        align=CENTER,
    )
    page.text(
        page.width / 2,
        388,
        "Budget annexe du lotissement des Prés",
        face=BOLD,
        size=15,
        colour=WHITE,
        align=CENTER,
    )
    for index, line in enumerate(
        (
            "Budget annexe assujetti à la TVA — comptabilité de stocks (inventaire intermittent)",
            "Lotissement communal de douze lots créé par délibération du 9 mars 2021",
            "Présenté au conseil municipal du 28 novembre 2026 (point 4)",
            f"Rapporteur : {commune.person('plemoine').name}, adjoint chargé des finances",
        )
    ):
        page.text(page.width / 2, 460 + index * 18, line, size=10.5, align=CENTER)

    def lines(section: str) -> list[Row]:
        rows: list[Row] = []
        chosen = [line for line in _CA_LINES if line[0] == section]
        for chapter in dict.fromkeys(line[1] for line in chosen):
            of_chapter = [line for line in chosen if line[1] == chapter]
            rows.append(
                Row(
                    (
                        chapter,
                        _CA_CHAPTERS[chapter],
                        euros(sum(line[4] for line in of_chapter)),
                        euros(sum(line[5] for line in of_chapter)),
                        euros(sum(line[6] for line in of_chapter)),
                    ),
                    bold=True,
                    fill=0.93,
                )
            )
            rows.extend(
                Row((article, label, euros(planned), euros(done), euros(carried)))
                for _, _, article, label, planned, done, carried in of_chapter
            )
        rows.append(
            Row(
                (
                    "",
                    "Total",
                    euros(sum(line[4] for line in chosen)),
                    euros(sum(line[5] for line in chosen)),
                    euros(sum(line[6] for line in chosen)),
                ),
                bold=True,
                fill=0.85,
            )
        )
        return rows

    def done(section: str) -> int:
        return sum(
            line[5] for line in _CA_LINES if line[0] == section and line[2] not in ("002", "001")
        )

    flow.page_break()
    flow.heading("I. Présentation générale", 1)
    flow.paragraph(
        "Le lotissement des Prés compte douze lots viabilisés d'une surface totale de "
        f"{number(sum(lot[1] for lot in _LOTS))} m², vendus au prix de 25 € TTC le mètre carré "
        "fixé par délibération du 9 mars 2021. Huit lots ont été vendus depuis 2023, dont trois "
        "en 2025 ; un neuvième fait l'objet d'un compromis de vente. Les travaux de finition de "
        "la voirie et des espaces verts ont été achevés en septembre 2025."
    )
    flow.paragraph(
        "Comme tout budget de lotissement, ce budget retrace les terrains en stock : la valeur "
        "des lots non vendus est inscrite en stock en fin d'exercice (recette de fonctionnement "
        "et dépense d'investissement d'ordre) et reprise en début d'exercice suivant. Les "
        "opérations d'ordre s'équilibrent et n'ont pas d'effet sur la trésorerie."
    )
    fr, fd, ir, id_ = done("FR"), done("FD"), done("IR"), done("ID")
    results = (
        ("Fonctionnement", fd, fr, 3_142_571),
        ("Investissement", id_, ir, -1_212_571),
    )
    rows = []
    for label, spent, received, carried in results:
        rows.append(
            Row(
                (
                    label,
                    euros(spent),
                    euros(received),
                    euros(received - spent),
                    euros(carried),
                    euros(received - spent + carried),
                )
            )
        )
    total = [fd + id_, fr + ir, 3_142_571 - 1_212_571]
    rows.append(
        Row(
            (
                "Total",
                euros(total[0]),
                euros(total[1]),
                euros(total[1] - total[0]),
                euros(total[2]),
                euros(total[1] - total[0] + total[2]),
            ),
            bold=True,
            fill=0.85,
        )
    )
    flow.heading("Vue d'ensemble de l'exécution 2025", 3)
    flow.table(
        (
            Col("Section", 1.6),
            Col("Dépenses réalisées", 1.6, RIGHT),
            Col("Recettes réalisées", 1.6, RIGHT),
            Col("Résultat de l'exercice", 1.6, RIGHT),
            Col("Résultat reporté", 1.6, RIGHT),
            Col("Résultat de clôture", 1.6, RIGHT),
        ),
        rows,
        size=8.5,
    )
    for section, heading in (
        ("FD", "II. Section de fonctionnement — dépenses"),
        ("FR", "III. Section de fonctionnement — recettes"),
        ("ID", "IV. Section d'investissement — dépenses"),
        ("IR", "V. Section d'investissement — recettes"),
    ):
        flow.page_break()
        flow.heading(heading, 1)
        flow.table(_CA_COLUMNS, lines(section), size=9)
        flow.paragraph(
            "Les montants réalisés concordent avec le compte de gestion établi par le comptable "
            "public du service de gestion comptable de Guéret.",
            size=9,
            face=ITALIC,
        )
    flow.page_break()
    flow.heading("VI. État des lots au 31 décembre 2025", 1)
    flow.table(
        (
            Col("Lot", 0.6, CENTER),
            Col("Surface", 1.1, RIGHT),
            Col("Prix TTC", 1.5, RIGHT),
            Col("Situation", 2.8),
            Col("Acquéreur", 1.8),
        ),
        [
            Row((lot, f"{number(area)} m²", euros(area * 2_500), status, buyer))
            for lot, area, status, buyer in _LOTS
        ],
        size=9,
        pad=4,
    )
    sold = sum(area for _, area, status, _ in _LOTS if status.startswith("vendu"))
    flow.paragraph(
        f"Surface vendue : {number(sold)} m² ; surface restant à vendre : "
        f"{number(sum(lot[1] for lot in _LOTS) - sold)} m². Le déficit prévisionnel de "
        "l'opération, estimé à 18 000 € en 2021, est ramené à 9 400 € compte tenu des ventes "
        "réalisées ; il sera couvert par le budget principal à la clôture du budget annexe."
    )
    flow.page_break()
    flow.heading("VII. Arrêté des comptes", 1)
    flow.paragraph(
        f"Le conseil municipal de {commune.name}, réuni sous la présidence de M. "
        f"{commune.person('brousseau').name}, premier adjoint, Mme "
        f"{commune.mayor.name}, maire, s'étant retirée au moment du vote (article L2121-14 du "
        "code général des collectivités territoriales), après s'être fait présenter le budget "
        "primitif et les décisions modificatives de l'exercice 2025 :"
    )
    flow.bullets(
        (
            "constate, pour la comptabilité du budget annexe, les identités de valeurs avec les "
            "indications du compte de gestion relatives au report à nouveau, au résultat de "
            "fonctionnement de l'exercice et au fonds de roulement du bilan ;",
            "reconnaît la sincérité des restes à réaliser ;",
            "vote et arrête les résultats définitifs tels que résumés ci-dessus.",
        )
    )
    flow.table(
        (Col("Membre", 3), Col("Qualité", 2.6), Col("Signature", 2.4)),
        [Row((p.name, role_label(p), "")) for p in commune.members if p.role != "maire"],
        size=9,
        pad=4.5,
    )
    flow.finish(running_footer(title, first=False))
    if len(pdf.pages) != 8:
        raise AssertionError(f"le compte administratif de démonstration a {len(pdf.pages)} pages")
    return pdf.tobytes(
        Meta(
            title,
            f"Mairie de {commune.name}",
            "Point 4 de la séance du 28 novembre 2026",
            date(2026, 11, 10),
        )
    )


# --------------------------------------------------------------------------- #
# Archives: deliberations of past sessions
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class PastSession:
    day: date
    convened: date
    absents: dict[str, str | None]
    secretary: str


@dataclass(frozen=True)
class Deliberation:
    number: str
    slug: str
    session: PastSession
    title: str
    matter: str
    rapporteur: str
    vus: tuple[str, ...]
    considerants: tuple[str, ...]
    articles: tuple[str, ...]
    votes: tuple[int, int, int]  # pour, contre, abstention
    note: str = ""


_DEC_2024 = PastSession(
    date(2024, 12, 13), date(2024, 12, 6), {"tlacroix": "mfabre", "cbarbier": None}, "nbonnet"
)
_MAR_2025 = PastSession(date(2025, 3, 14), date(2025, 3, 7), {"odumas": "eroche"}, "cmeunier")
_JUN_2025 = PastSession(
    date(2025, 6, 27),
    date(2025, 6, 20),
    {"plemoine": "hmarchand", "dvidal": None, "arenaud": None},
    "icolin",
)

_CGCT = "Vu le code général des collectivités territoriales"

DELIBERATIONS = (
    Deliberation(
        "2024-041",
        "credits-investissement-avant-budget-2025",
        _DEC_2024,
        "Autorisation d'engager les dépenses d'investissement avant le vote du budget primitif 2025",
        "7.1 — Décisions budgétaires",
        "plemoine",
        (
            f"{_CGCT}, notamment son article L1612-1,",
            "Vu le budget primitif 2024 et ses décisions modificatives,",
        ),
        (
            "Considérant que le budget primitif 2025 sera voté au plus tard le 15 avril 2025,",
            "Considérant la nécessité d'assurer la continuité des paiements d'investissement jusqu'à cette date,",
        ),
        (
            "Le maire est autorisé à engager, liquider et mandater les dépenses d'investissement "
            "dans la limite du quart des crédits ouverts au budget de l'exercice 2024, non compris "
            "les crédits afférents au remboursement de la dette, soit : chapitre 20 : 2 500,00 € ; "
            "chapitre 21 : 31 250,00 € ; chapitre 23 : 12 000,00 €.",
            "Ces crédits seront inscrits au budget primitif 2025.",
        ),
        (14, 0, 0),
    ),
    Deliberation(
        "2024-042",
        "etude-traversee-du-bourg",
        _DEC_2024,
        "Lancement d'une étude d'aménagement de la traversée du bourg et demandes de subventions",
        "8.3 — Voirie",
        "brousseau",
        (
            f"{_CGCT},",
            "Vu le code de la voirie routière,",
            "Vu le règlement départemental d'aide aux communes pour l'aménagement des traverses d'agglomération,",
        ),
        (
            "Considérant les vitesses excessives constatées dans la Grande Rue (route départementale 14) et les accidents survenus depuis 2016,",
            "Considérant l'absence de trottoirs accessibles aux abords de l'école,",
            "Considérant que la définition d'un programme d'aménagement nécessite une étude préalable associant le Département et le CAUE de la Creuse,",
        ),
        (
            "Le conseil municipal décide d'engager une étude d'aménagement de la traversée du bourg, "
            "dont le coût est estimé à 18 500 € HT.",
            "Le maire est autorisé à consulter des bureaux d'études selon une procédure adaptée et à "
            "signer le marché avec le candidat le mieux-disant.",
            "Le maire est autorisé à solliciter l'aide du Département de la Creuse au taux le plus "
            "élevé possible ainsi que l'accompagnement gratuit du CAUE.",
        ),
        (14, 0, 0),
    ),
    Deliberation(
        "2024-043",
        "tarifs-concessions-funeraires-2025",
        _DEC_2024,
        "Tarifs des concessions funéraires au 1er janvier 2025",
        "7.10 — Divers (tarifs)",
        "hmarchand",
        (f"{_CGCT}, notamment ses articles L2223-13 à L2223-15,",),
        ("Considérant que les tarifs des concessions n'ont pas été révisés depuis 2016,",),
        (
            "Les tarifs des concessions dans le cimetière communal sont fixés comme suit à compter "
            "du 1er janvier 2025 : concession trentenaire de 2 m² : 180 € ; concession cinquantenaire "
            "de 2 m² : 290 € ; case de columbarium pour quinze ans : 350 € ; dispersion des cendres "
            "au jardin du souvenir : gratuite.",
            "La délibération du 8 avril 2016 relative au même objet est abrogée.",
        ),
        (13, 0, 1),
    ),
    Deliberation(
        "2025-012",
        "taux-imposition-2025",
        _MAR_2025,
        "Vote des taux d'imposition des taxes directes locales pour 2025",
        "7.2 — Fiscalité",
        "plemoine",
        (
            f"{_CGCT},",
            "Vu le code général des impôts, notamment ses articles 1636 B sexies et 1639 A,",
            "Vu l'état 1259 de notification des bases prévisionnelles pour 2025,",
        ),
        (
            "Considérant que le produit attendu permet l'équilibre du budget primitif 2025 sans augmentation des taux,",
        ),
        (
            "Les taux d'imposition pour 2025 sont maintenus au niveau de 2024 : taxe foncière sur "
            "les propriétés bâties : 38,52 % ; taxe foncière sur les propriétés non bâties : 71,30 % ; "
            "taxe d'habitation sur les résidences secondaires : 9,86 %.",
            "Le produit fiscal attendu s'élève à 176 412 €.",
        ),
        (15, 0, 0),
    ),
    Deliberation(
        "2025-013",
        "subventions-associations-2025",
        _MAR_2025,
        "Attribution des subventions aux associations pour 2025",
        "7.5 — Subventions",
        "nbonnet",
        (
            f"{_CGCT}, notamment son article L2311-7,",
            "Vu les demandes présentées par les associations et les bilans qu'elles ont produits,",
        ),
        (
            "Considérant l'intérêt local des activités de ces associations,",
            "Considérant que Mme Nathalie Bonnet et M. Christophe Meunier, membres du bureau d'une association bénéficiaire, n'ont pris part ni aux débats ni au vote,",
        ),
        (
            "Les subventions suivantes sont attribuées pour 2025 : comité des fêtes : 1 200 € ; club "
            "des aînés « Les Genêts » : 450 € ; association des parents d'élèves : 600 € ; football "
            "club Sauve et Creuse : 900 € ; coopérative scolaire : 1 100 € ; autres associations, "
            "selon l'état annexé : 2 150 €.",
            "Les crédits sont inscrits à l'article 6574 du budget primitif 2025.",
        ),
        (13, 0, 0),
    ),
    Deliberation(
        "2025-014",
        "groupement-commandes-electricite",
        _MAR_2025,
        "Adhésion au groupement de commandes pour l'achat d'électricité",
        "1.4 — Autres contrats",
        "brousseau",
        (
            f"{_CGCT},",
            "Vu le code de la commande publique, notamment ses articles L2113-6 et L2113-7,",
        ),
        (
            "Considérant l'intérêt de mutualiser les achats d'énergie pour obtenir des prix plus avantageux,",
        ),
        (
            "La commune adhère au groupement de commandes coordonné par le syndicat départemental "
            "d'énergies de la Creuse pour l'achat d'électricité et de services associés, pour les "
            "années 2026 à 2028.",
            "Le maire est autorisé à signer la convention constitutive du groupement.",
        ),
        (15, 0, 0),
    ),
    Deliberation(
        "2025-027",
        "tarifs-restauration-scolaire-2025-2026",
        _JUN_2025,
        "Tarifs de la restauration scolaire pour l'année 2025-2026",
        "7.10 — Divers (tarifs)",
        "sgarnier",
        (f"{_CGCT},", "Vu le code de l'éducation, notamment son article R531-52,"),
        (
            "Considérant l'augmentation du coût des denrées alimentaires,",
            "Considérant l'aide de l'État au titre de la tarification sociale des cantines (« cantine à 1 € »),",
        ),
        (
            "Les tarifs de la restauration scolaire sont fixés comme suit à compter du 1er septembre "
            "2025 : repas enfant : 2,90 € ; repas enfant, quotient familial inférieur à 700 € : "
            "1,00 € ; repas adulte : 5,80 €.",
            "La commune sollicite l'aide de l'État au titre de la tarification sociale.",
        ),
        (12, 0, 1),
    ),
    Deliberation(
        "2025-028",
        "denomination-des-voies",
        _JUN_2025,
        "Dénomination et numérotation des voies communales",
        "8.3 — Voirie",
        "hmarchand",
        (
            f"{_CGCT}, notamment son article L2213-28,",
            "Vu la loi du 21 février 2022, dite loi 3DS, notamment son article 169,",
        ),
        (
            "Considérant l'obligation pour les communes de dénommer l'ensemble de leurs voies et de transmettre leur base adresse locale,",
            "Considérant l'intérêt de l'adressage pour les services de secours, la distribution du courrier et le déploiement de la fibre optique,",
        ),
        (
            "Les voies du bourg sont dénommées ainsi : Grande Rue ; rue de l'Église ; chemin des "
            "Prés ; impasse du Lavoir ; place de la Mairie ; route de Bourganeuf ; route de Guéret.",
            "La numérotation est métrique, les numéros pairs à droite dans le sens des distances "
            "croissantes depuis la place de la Mairie.",
            "Le maire est chargé de transmettre ces informations à la base adresse nationale.",
        ),
        (13, 0, 0),
    ),
)


def build_deliberation(deliberation: Deliberation) -> bytes:
    commune = _commune()
    session = deliberation.session
    pdf = Pdf()
    flow = Flow(
        pdf,
        header=running_header(
            f"Commune de {commune.name}", f"Délibération n° {deliberation.number}"
        ),
    )
    flow.body_size = 10.0
    flow.y = letterhead(flow.canvas, commune) + 6
    flow.paragraph(
        "Extrait du registre des délibérations du conseil municipal",
        size=13,
        face=BOLD,
        align=CENTER,
        justify=False,
        colour=HEADING_COLOUR,
    )
    flow.paragraph(
        f"Séance du {fr_date(session.day, weekday=True)} — date de la convocation : "
        f"{session.convened:%d/%m/%Y}",
        align=CENTER,
        justify=False,
        size=9.5,
    )
    _attendance(flow, commune, session.day, session.absents, session.secretary)
    flow.space(4)
    flow.paragraph(
        f"Délibération n° {deliberation.number} — {deliberation.title}",
        size=11.5,
        face=BOLD,
        justify=False,
    )
    flow.paragraph(
        f"Nomenclature : {deliberation.matter} — rapporteur : "
        f"{commune.person(deliberation.rapporteur).name}",
        size=9,
        face=ITALIC,
        justify=False,
        colour=0.3,
    )
    for line in deliberation.vus + deliberation.considerants:
        flow.paragraph(line, after=2)
    flow.space(4)
    flow.paragraph("Le conseil municipal, après en avoir délibéré, **DÉCIDE** :", after=4)
    for index, article in enumerate(deliberation.articles, start=1):
        flow.paragraph(f"**Article {index}.** {article}", after=3)
    pour, contre, abstention = deliberation.votes
    flow.space(4)
    flow.paragraph(
        f"**Vote :** pour : {pour} — contre : {contre} — abstention{'s' if abstention > 1 else ''} : {abstention}.",
        justify=False,
    )
    flow.paragraph(
        "Fait et délibéré les jour, mois et an susdits. Pour extrait conforme.", face=ITALIC
    )
    flow.space(4)
    flow.ensure(110)
    top = flow.y
    _signature_block(flow, ("Le maire,", commune.mayor.name), seed=3 + session.day.day)
    flow.y = top
    secretary = commune.person(session.secretary)
    _signature_block(
        flow,
        (
            "Le secrétaire de séance,"
            if secretary.id not in _WOMEN
            else "La secrétaire de séance,",
            secretary.name,
        ),
        seed=40 + session.day.day,
        x=flow.x + 10,
    )
    flow.paragraph(
        f"Acte rendu exécutoire après transmission au représentant de l'État le "
        f"{fr_date(session.day.replace(day=min(28, session.day.day + 4)))} et publication sur "
        "le site internet de la commune. Il peut faire l'objet d'un recours devant le tribunal "
        "administratif de Limoges dans un délai de deux mois à compter de sa publication.",
        size=8,
        face=ITALIC,
        colour=0.3,
    )
    flow.finish(running_footer(f"Délibération n° {deliberation.number}"))
    return pdf.tobytes(
        Meta(
            f"Délibération n° {deliberation.number} — {deliberation.title}",
            commune.mayor.name,
            f"Séance du conseil municipal du {fr_date(session.day)}",
            session.day.replace(day=min(28, session.day.day + 4)),
        )
    )


# --------------------------------------------------------------------------- #
# The finance commission's note and the newsletter
# --------------------------------------------------------------------------- #


def build_finance_note() -> bytes:
    commune = _commune()
    budget = make_budget()
    pdf = Pdf()
    flow = _letter_flow(pdf, commune, "Commission des finances")
    flow.paragraph(
        "Commission des finances — note préparatoire au budget primitif 2027",
        size=14,
        face=BOLD,
        colour=HEADING_COLOUR,
        justify=False,
    )
    members = ", ".join(
        commune.person(m).name for m in ("brousseau", "jlperrin", "cbarbier", "odumas")
    )
    flow.paragraph(
        f"Réunion du lundi 16 novembre 2026 à 18 h 30 — président : "
        f"{commune.person('plemoine').name} ; membres : {members}.",
        size=9.5,
        face=ITALIC,
    )
    flow.heading("1. Le cadre", 2)
    flow.paragraph(
        "Le budget 2027 se prépare dans un contexte de stabilité des dotations de l'État, après "
        "une année 2026 marquée par la hausse du prix de l'électricité et par l'engagement de la "
        "réfection de la toiture de l'école. La commission propose de reconduire les taux "
        "d'imposition, de contenir les charges de fonctionnement à l'inflation et de préserver "
        "une épargne suffisante pour préparer les travaux de la traversée du bourg."
    )
    flow.heading("2. Les grandes masses", 2)
    fd, fr = budget.total("FD"), budget.total("FR")
    opened = budget.opened
    real_in = sum(fr) - opened[("FR", "01", "002")]
    real_out = sum(fd) - opened[("FD", "01", "023")] - opened[("FD", "01", "6811")]
    capital = opened[("ID", "01", "1641")]
    in_2027 = _round(real_in * 1.02, 100_000)
    out_2027 = _round(real_out * 1.025, 100_000)
    flow.table(
        (
            Col("", 3.2),
            Col("CA 2025", 1.6, RIGHT),
            Col("BP 2026 + DM", 1.6, RIGHT),
            Col("Orientation 2027", 1.6, RIGHT),
        ),
        [
            Row(
                (
                    "Recettes réelles de fonctionnement",
                    "388 214,52 €",
                    euros(real_in),
                    euros(in_2027),
                )
            ),
            Row(
                (
                    "Dépenses réelles de fonctionnement",
                    "331 870,11 €",
                    euros(real_out),
                    euros(out_2027),
                )
            ),
            Row(
                (
                    "Épargne brute",
                    "56 344,41 €",
                    euros(real_in - real_out),
                    euros(in_2027 - out_2027),
                ),
                bold=True,
                fill=0.93,
            ),
            Row(
                (
                    "Remboursement du capital de la dette",
                    "27 940,00 €",
                    euros(capital),
                    "30 200,00 €",
                )
            ),
            Row(
                (
                    "Épargne nette",
                    "28 404,41 €",
                    euros(real_in - real_out - capital),
                    euros(in_2027 - out_2027 - 3_020_000),
                ),
                bold=True,
                fill=0.93,
            ),
            Row(
                (
                    "Encours de la dette au 31 décembre",
                    "189 340,00 €",
                    "181 400,00 €",
                    "171 340,00 €",
                )
            ),
            Row(("Encours par habitant", "280 €", "268 €", "253 €")),
        ],
        size=9,
    )
    flow.heading("3. Les projets d'investissement proposés pour 2027", 2)
    flow.table(
        (
            Col("Projet", 4.2),
            Col("Coût TTC", 1.6, RIGHT),
            Col("Subventions attendues", 1.8, RIGHT),
            Col("Priorité", 1, CENTER),
        ),
        [
            Row(("Maîtrise d'œuvre de la traversée du bourg", "84 300,00 €", "25 300,00 €", "1")),
            Row(
                (
                    "Remplacement de l'éclairage public par des LED",
                    "50 160,00 €",
                    "12 540,00 €",
                    "1",
                )
            ),
            Row(("Voirie : route des Prés (tranche 2 reportée)", "24 000,00 €", "6 000,00 €", "2")),
            Row(
                (
                    "Accessibilité de la mairie (rampe, sanitaires)",
                    "31 200,00 €",
                    "15 600,00 €",
                    "2",
                )
            ),
            Row(("Matériel technique (tondeuse autoportée)", "18 600,00 €", "—", "3")),
            Row(("Total", "208 260,00 €", "59 440,00 €", ""), bold=True, fill=0.85),
        ],
        size=9,
    )
    flow.heading("4. Questions soumises à la commission", 2)
    flow.bullets(
        (
            "Faut-il inscrire dès 2027 la totalité de la maîtrise d'œuvre de la traversée du bourg, "
            "ou seulement la phase projet ?",
            "Le recours à un emprunt de 60 000 € sur quinze ans est-il souhaitable, compte tenu de "
            "l'extinction en 2029 de l'emprunt de la salle des fêtes ?",
            "Les tarifs de la cantine et de la salle des fêtes doivent-ils suivre l'inflation "
            "chaque année ?",
            "Quelle enveloppe réserver aux subventions aux associations (6 850 € en 2026) ?",
        )
    )
    flow.paragraph(
        "Les propositions de la commission seront présentées au conseil municipal lors du débat "
        "budgétaire de février 2027. Document de travail, non définitif.",
        size=9,
        face=ITALIC,
    )
    flow.finish(running_footer("Commission des finances — document de travail"))
    return pdf.tobytes(
        Meta(
            "Note préparatoire au budget primitif 2027",
            commune.person("plemoine").name,
            "Commission des finances",
            date(2026, 11, 9),
        )
    )


def build_newsletter() -> bytes:
    commune = _commune()
    pdf = Pdf()

    def masthead(canvas: Canvas, page_no: int) -> None:
        if page_no == 1:
            canvas.style(fill=(0.16, 0.42, 0.2))
            canvas.rect(0, 0, canvas.width, 120, stroke=False, fill=True)
            emblem(canvas, 40, 30, 1.3)
            canvas.text(110, 62, "Le Petit Journal", face=BOLD, size=28, colour=WHITE)
            canvas.text(110, 88, f"de {commune.name}", face=BOLD, size=18, colour=WHITE)
            canvas.text(
                canvas.width - 40,
                62,
                "Bulletin municipal n° 58",
                size=10,
                colour=WHITE,
                align=RIGHT,
            )
            canvas.text(
                canvas.width - 40, 78, "Automne 2026", face=BOLD, size=12, colour=WHITE, align=RIGHT
            )
        else:
            canvas.text(
                40, 34, f"Le Petit Journal de {commune.name} — automne 2026", size=7.5, colour=0.35
            )
            canvas.style(stroke=(0.16, 0.42, 0.2), width=1.2, dash=())
            canvas.line(40, 42, canvas.width - 40, 42)

    flow = Flow(
        pdf,
        margins=(40.0, 60.0, 40.0, 54.0),
        columns=2,
        gutter=22.0,
        header=masthead,
        first_top=140.0,
    )
    flow.body_size, flow.body_leading = 9.5, 1.36
    green: Colour = (0.16, 0.42, 0.2)

    def title(text: str) -> None:
        flow.space(6)
        flow.ensure(90)
        flow.paragraph(text, size=13, face=BOLD, colour=green, justify=False, after=3, leading=1.2)

    title("Le mot du maire")
    flow.paragraph(
        "Chères habitantes, chers habitants, l'automne est la saison des bilans et des projets. "
        "L'été a vu l'achèvement du lotissement des Prés, où trois nouvelles familles se sont "
        "installées, et le succès de notre fête du 15 août, qui a réuni plus de quatre cents "
        "personnes autour du comité des fêtes. Je remercie tous les bénévoles qui font vivre "
        "notre commune."
    )
    flow.paragraph(
        "Deux chantiers occuperont le conseil municipal dans les mois qui viennent : la toiture "
        "de l'école, dont les infiltrations ne pouvaient plus attendre, et l'aménagement de la "
        "Grande Rue, pour lequel l'étude menée depuis le printemps arrive à son terme. Vous avez "
        "été nombreux à répondre au questionnaire et à venir à la réunion publique de juin : "
        "vos avis ont pesé dans le choix du scénario retenu."
    )
    flow.paragraph(
        f"Bonne lecture à toutes et à tous. — {commune.mayor.name}, maire",
        face=ITALIC,
        justify=False,
    )
    title("Travaux : la toiture de l'école")
    flow.paragraph(
        "Les ardoises de l'école, posées en 1962, sont arrivées en fin de vie : plusieurs fuites "
        "ont été constatées l'hiver dernier au-dessus de la classe des grands. Trois entreprises "
        "ont remis une offre pour la réfection complète des 420 m² de couverture. Le conseil "
        "municipal choisira l'entreprise lors de sa séance du 28 novembre ; les travaux auront "
        "lieu pendant les vacances de printemps et d'été 2027, sans gêne pour les élèves. L'État "
        "finance 30 % du montant hors taxes au titre de la DETR."
    )
    title("La Grande Rue de demain")
    flow.paragraph(
        "L'étude d'aménagement de la traversée du bourg propose une « rue partagée » : une "
        "chaussée plus étroite, des trottoirs larges et continus des deux côtés, un plateau "
        "devant l'école, vingt-quatre arbres et un vrai réseau d'eaux pluviales. Le rapport sera "
        "présenté au conseil municipal le 28 novembre et consultable en mairie. Les travaux, "
        "estimés à moins d'un million d'euros, pourraient être réalisés en deux tranches, en "
        "2028 et 2029, si les financements sont obtenus."
    )
    title("Rentrée scolaire")
    flow.paragraph(
        "Trente-huit élèves ont fait leur rentrée dans les deux classes de notre école, dont "
        "neuf en petite section. Mme Laurent accueille les petits, moyens et grands ; M. Aubry, "
        "nouveau directeur, les élèves du CP au CM2. La cantine sert chaque jour une quarantaine "
        "de repas préparés sur place avec des produits locaux ; le repas est facturé 2,90 €, ou "
        "1 € selon le quotient familial."
    )
    title("Recensement de la population")
    flow.paragraph(
        "Le recensement de la population aura lieu du 21 janvier au 20 février 2027. Un agent "
        "recenseur, muni d'une carte officielle, passera dans chaque foyer pour vous remettre vos "
        "codes de connexion ; vous pourrez répondre par internet ou sur papier. Vos réponses sont "
        "confidentielles. Le recensement détermine notamment la dotation de l'État à la commune : "
        "merci de lui réserver le meilleur accueil."
    )
    title("Vie associative")
    flow.paragraph(
        "**Comité des fêtes.** Le marché de Noël se tiendra le samedi 12 décembre sur la place de "
        "la Mairie, avec la venue du père Noël à 16 heures et un vin chaud offert. Les bénévoles "
        "sont les bienvenus pour l'installation des chalets."
    )
    flow.paragraph(
        "**Club des aînés « Les Genêts ».** Le club se réunit chaque jeudi après-midi à la salle "
        "des fêtes : jeux de cartes, scrabble et goûter. Le repas de fin d'année aura lieu le "
        "dimanche 6 décembre, offert par la commune aux habitants de plus de soixante-dix ans."
    )
    flow.paragraph(
        "**Football club Sauve et Creuse.** L'équipe première occupe la deuxième place de sa poule "
        "de départementale 3. Les matchs à domicile se jouent un dimanche sur deux à 15 heures au "
        "stade des Prés."
    )
    title("Urbanisme : un nouveau service")
    flow.paragraph(
        "Depuis le retrait des services de l'État, les permis de construire et les déclarations "
        "préalables de la commune sont instruits par un prestataire. Le conseil municipal "
        "examinera le 28 novembre l'adhésion au service commun d'instruction créé par la "
        "communauté de communes. Rien ne change pour vous : les demandes se déposent toujours "
        "en mairie, ou en ligne sur le guichet numérique des autorisations d'urbanisme."
    )
    title("Éclairage public : passage aux LED")
    flow.paragraph(
        "Cinquante-huit lampadaires de la commune fonctionnent encore avec des lampes à vapeur "
        "de sodium. Leur remplacement par des luminaires à LED, programmé en 2027, divisera "
        "par plus de deux la consommation d'électricité de l'éclairage public. L'extinction "
        "entre 23 heures et 5 heures, en vigueur depuis 2023, est maintenue, sauf dans la "
        "Grande Rue les soirs de manifestation."
    )
    title("Environnement : broyez vos branches")
    flow.paragraph(
        "Grâce à la convention signée avec la communauté de communes, un broyeur de végétaux "
        "sera à la disposition des habitants deux samedis par an, aux ateliers municipaux. Le "
        "prochain rendez-vous est fixé au samedi 21 novembre, de 9 heures à 12 heures. Le "
        "broyat obtenu, excellent paillage pour vos massifs, peut être emporté gratuitement. "
        "Rappelons que le brûlage des déchets verts est interdit toute l'année."
    )
    title("Bien vivre ensemble")
    flow.paragraph(
        "L'automne est la saison de la taille des haies : merci de veiller à ce que vos "
        "plantations ne débordent pas sur les trottoirs et ne masquent pas les panneaux. Les "
        "travaux de bricolage et de jardinage bruyants sont autorisés en semaine de 8 h 30 à "
        "19 h 30, le samedi de 9 heures à 12 heures et de 15 heures à 19 heures, le dimanche de "
        "10 heures à 12 heures. Les chiens doivent être tenus en laisse dans le bourg, et leurs "
        "déjections ramassées, en particulier aux abords de l'école."
    )
    title("Agenda")
    flow.table(
        (Col("Date", 1.3), Col("Événement", 3)),
        [
            Row(("Sam. 28 nov.", "Conseil municipal, 20 h, mairie")),
            Row(("Dim. 6 déc.", "Repas des aînés, salle des fêtes")),
            Row(("Sam. 12 déc.", "Marché de Noël, place de la Mairie")),
            Row(("Ven. 18 déc.", "Spectacle de Noël de l'école")),
            Row(("Sam. 9 janv.", "Vœux du maire, 11 h, salle des fêtes")),
            Row(("21 janv. – 20 févr.", "Recensement de la population")),
        ],
        size=8.5,
    )
    title("État civil")
    flow.paragraph(
        "**Naissances :** Léa Martin (2 juillet), Noé Faure (19 août), Jade Pichon (30 septembre)."
    )
    flow.paragraph("**Mariage :** Camille Giraud et Thomas Lefèvre (11 juillet).")
    flow.paragraph(
        "**Décès :** Marcel Dufour, 91 ans (14 juin) ; Germaine Lavergne, 88 ans (3 août) ; "
        "Robert Maury, 79 ans (22 septembre)."
    )
    title("Infos pratiques")
    flow.table(
        (Col("Service", 1.4), Col("Horaires et contacts", 3)),
        [
            Row(
                (
                    "Mairie",
                    "Lundi, mardi et jeudi de 9 h à 12 h, vendredi de 14 h à 18 h. Tél. 05 55 64 18 27",
                )
            ),
            Row(("Agence postale", "À Bourganeuf, du lundi au samedi matin")),
            Row(("Déchetterie", "Mercredi et samedi, de 9 h à 12 h et de 14 h à 17 h 30")),
            Row(("Ordures ménagères", "Collecte le mardi matin ; tri sélectif un lundi sur deux")),
            Row(("Bibliothèque", "Mercredi de 14 h à 17 h et samedi de 10 h à 12 h")),
            Row(
                (
                    "Urgences",
                    "SAMU 15 — pompiers 18 — gendarmerie 17 — appel d'urgence européen 112",
                )
            ),
        ],
        size=8.5,
    )
    flow.paragraph(
        "Directrice de la publication : Hélène Marchand. Rédaction : commission communication. "
        "Imprimé par nos soins, ne pas jeter sur la voie publique.",
        size=7.5,
        face=ITALIC,
        colour=0.35,
    )
    flow.finish(running_footer(f"Le Petit Journal de {commune.name} — n° 58"))
    return pdf.tobytes(
        Meta(
            f"Le Petit Journal de {commune.name} — automne 2026",
            f"Mairie de {commune.name}",
            "Bulletin municipal n° 58",
            date(2026, 10, 15),
        )
    )


# --------------------------------------------------------------------------- #
# The folder
# --------------------------------------------------------------------------- #

_TOITURE = f"{SESSION_DIR}/03 - Réfection de la toiture de l'école"
_TRAVERSEE = f"{SESSION_DIR}/07 - Étude d'aménagement de la traversée du bourg"


def _deliberation_files() -> list[tuple[str, Callable[[], bytes]]]:
    files: list[tuple[str, Callable[[], bytes]]] = []
    for deliberation in DELIBERATIONS:
        day = deliberation.session.day
        rel = f"Archives/{day.year}/{day.isoformat()}/deliberation-{deliberation.number}-{deliberation.slug}.pdf"
        files.append((rel, functools.partial(build_deliberation, deliberation)))
    return files


#: Every demo document: its path relative to the documents folder, and its builder.
DEMO_FILES: tuple[tuple[str, Callable[[], bytes]], ...] = (
    (f"{SESSION_DIR}/convocation.pdf", build_convocation),
    (f"{SESSION_DIR}/01 - Approbation du procès-verbal/pv-seance-2026-10-24.pdf", build_minutes),
    (f"{SESSION_DIR}/02 - Décision modificative n° 2/budget-principal-2026-dm2.pdf", build_budget),
    (f"{_TOITURE}/devis-couverture-vidal.jpg", lambda: build_quote_jpeg(0)),
    (f"{_TOITURE}/devis-charpentes-marchoises.jpg", lambda: build_quote_jpeg(2)),
    (f"{_TOITURE}/scan-devis-toitures-du-limousin.pdf", build_quote_scan_pdf),
    (
        f"{SESSION_DIR}/04 - Compte administratif 2025/compte-administratif-lotissement-2025.pdf",
        build_administrative_account,
    ),
    (f"{SESSION_DIR}/06 - Tarifs de la salle des fêtes/tarifs-2027.pdf", build_rates),
    (f"{_TRAVERSEE}/plan-traversee-du-bourg.pdf", build_plan),
    (f"{_TRAVERSEE}/etude-traversee-du-bourg.pdf", build_study),
    *_deliberation_files(),
    ("Commissions/Finances/note-preparatoire-budget-2027.pdf", build_finance_note),
    ("Divers/bulletin-municipal-automne-2026.pdf", build_newsletter),
)


def build_demo_documents(folder: Path) -> list[Path]:
    """Write the demo documents into ``folder``; returns the path of every one of them.

    Files already present are left as they are, so a second call writes nothing.
    Each file is written under a hidden temporary name (which the document watcher
    ignores) and renamed into place, so a watcher never sees half a file.
    """
    paths: list[Path] = []
    for rel, build in DEMO_FILES:
        target = folder / rel
        paths.append(target)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")
        partial.write_bytes(build())
        os.replace(partial, target)
    return paths
