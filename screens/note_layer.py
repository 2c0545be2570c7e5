"""A member's private notes drawn over the page, and the gestures that make them.

The notes are kept in the page's points as displayed (``table_app.notes``), so
they stay on the words they were written on whatever the zoom, the fit or the
screen: the layer maps them onto the page's rectangle in the viewport at each
paint. Ink is drawn with the page (its width follows the zoom); a pinned text
is drawn at a readable size whatever the zoom, beside its pin.

The layer belongs to the viewer's canvas (``document_viewer._PageCanvas``),
which hands it the pointer while a tool is chosen: one finger or the stylus
writes, highlights, pins a note or erases; two fingers still pinch to zoom.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from table_app.notes import HIGHLIGHT_COLOUR, INK_COLOUR, MAX_POINTS, TEXT_COLOUR, Note


class NoteTool(enum.Enum):
    """What a finger does on the page while annotating."""

    INK = "ink"  # writes
    HIGHLIGHT = "highlight"  # highlights the rectangle swept
    TEXT = "text"  # pins a text, typed in a dialog, where it touches
    ERASE = "erase"  # erases each note it touches


def _qcolor(rgb: tuple[float, float, float], alpha: int = 255) -> QColor:
    return QColor(round(rgb[0] * 255), round(rgb[1] * 255), round(rgb[2] * 255), alpha)


_INK = _qcolor(INK_COLOUR)
_HIGHLIGHT = _qcolor(HIGHLIGHT_COLOUR)
_PIN = _qcolor(TEXT_COLOUR)
_NOTE_PAPER = QColor("#fff6d5")
_NOTE_TEXT = QColor("#1e1e1e")
#: Ink width in the page's points (it grows with the zoom, as ink on paper).
_INK_WIDTH_PT = 2.0
#: A highlight swept along a line of text is at least this tall (points).
_MIN_HIGHLIGHT_PT = 14.0
_PIN_PX = 44  # the pin of a text note, a touch target
_NOTE_WIDTH_PX = 320
_NOTE_FONT_PX = 22
#: How far from a note a finger still touches it (logical pixels).
_TOUCH_PX = 18.0


class NoteLayer(QObject):
    """The notes of the page shown, and the gesture in progress.

    Attributes:
        notes: the member's notes on this page (empty while their notes are locked).
        tool: what a finger does, or None: the canvas navigates (swipe, pan).
        page: the page shown (1-based), stamped on the notes drawn.

    Signals:
        note_drawn(object): a stroke or a highlight finished (a ``Note``).
        text_requested(int, float, float): a text is to be pinned at this
            page and point (the dialog asks for it).
        erase_requested(int): the note with this id was touched with the eraser.
    """

    note_drawn = Signal(object)
    text_requested = Signal(int, float, float)
    erase_requested = Signal(int)

    def __init__(self, surface: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._surface = surface  # the widget painted on (the canvas's viewport)
        self.notes: list[Note] = []
        self.tool: NoteTool | None = None
        self.page = 0
        self._page_rect = QRectF()
        self._page_size = QSizeF()
        self._gesture: list[QPointF] | None = None  # page points of the gesture in progress
        self._erased: set[int] = set()
        self._font = QFont(surface.font())
        self._font.setPixelSize(_NOTE_FONT_PX)

    # --- geometry ------------------------------------------------------------------

    def place(self, page_rect: QRectF, page_size: QSizeF) -> None:
        """Where the page is drawn (viewport pixels) and its size (points)."""
        self._page_rect = QRectF(page_rect)
        self._page_size = QSizeF(page_size)

    def _scale(self) -> float:
        if self._page_size.width() <= 0:
            return 1.0
        return self._page_rect.width() / self._page_size.width()

    def to_view(self, x: float, y: float) -> QPointF:
        scale = self._scale()
        return QPointF(self._page_rect.x() + x * scale, self._page_rect.y() + y * scale)

    def to_page(self, point: QPointF) -> QPointF:
        scale = self._scale()
        x = (point.x() - self._page_rect.x()) / scale
        y = (point.y() - self._page_rect.y()) / scale
        return QPointF(
            min(max(0.0, x), self._page_size.width()), min(max(0.0, y), self._page_size.height())
        )

    def text_rects(self, note: Note) -> tuple[QRectF, QRectF]:
        """Where a text note's pin and its paper are drawn (viewport pixels)."""
        assert note.point is not None
        anchor = self.to_view(*note.point)
        pin = QRectF(anchor.x() - _PIN_PX / 2, anchor.y() - _PIN_PX / 2, _PIN_PX, _PIN_PX)
        metrics = QFontMetricsF(self._font)
        flags = int(Qt.TextFlag.TextWordWrap)
        text = metrics.boundingRect(QRectF(0, 0, _NOTE_WIDTH_PX, 10_000), flags, note.text)
        paper = QRectF(pin.right() + 6, pin.top(), text.width() + 28, text.height() + 20)
        view = QRectF(self._surface.rect())
        if paper.right() > view.right() - 4:  # no room on the right: on the left of its pin
            paper.moveRight(pin.left() - 6)
        return pin, paper

    # --- painting ---------------------------------------------------------------------

    def paint(self, painter: QPainter) -> QRect:
        """Draw the notes; the area the pinned texts took (they may go past the page)."""
        if not self.notes and self._gesture is None:
            return QRect()
        area = QRectF()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for note in self.notes:
            if note.kind == "highlight":
                self._paint_highlight(painter, note)
        for note in self.notes:
            if note.kind == "ink":
                self._paint_ink(painter, note.strokes)
        if self._gesture is not None and self.tool is NoteTool.INK:
            self._paint_ink(painter, [tuple((p.x(), p.y()) for p in self._gesture)])
        if self._gesture is not None and self.tool is NoteTool.HIGHLIGHT:
            sweep = self._highlight_rect()
            if sweep is not None:
                self._paint_highlight(painter, Note("highlight", self.page, rect=sweep))
        for note in self.notes:
            if note.kind == "text":
                pin, paper = self._paint_text(painter, note)
                area = area.united(pin).united(paper)
        painter.restore()
        return area.toAlignedRect().adjusted(-2, -2, 2, 2) if not area.isEmpty() else QRect()

    def _paint_highlight(self, painter: QPainter, note: Note) -> None:
        assert note.rect is not None
        x0, y0, x1, y1 = note.rect
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        painter.fillRect(QRectF(self.to_view(x0, y0), self.to_view(x1, y1)), _HIGHLIGHT)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)

    def _paint_ink(
        self, painter: QPainter, strokes: Sequence[Sequence[tuple[float, float]]]
    ) -> None:
        pen = QPen(_INK, max(2.0, _INK_WIDTH_PT * self._scale()))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        for stroke in strokes:
            points = [self.to_view(x, y) for x, y in stroke]
            if len(points) == 1:
                painter.drawPoint(points[0])
            else:
                painter.drawPolyline(QPolygonF(points))

    def _paint_text(self, painter: QPainter, note: Note) -> tuple[QRectF, QRectF]:
        pin, paper = self.text_rects(note)
        painter.setPen(QPen(_PIN.darker(130), 2))
        painter.setBrush(_PIN)
        painter.drawRoundedRect(pin, 8, 8)
        painter.setPen(QPen(QColor("white"), 3))
        for k in range(3):  # three lines: a note
            y = pin.top() + 13 + k * 9
            painter.drawLine(QPointF(pin.left() + 11, y), QPointF(pin.right() - 11, y))
        painter.setPen(QPen(_PIN, 2))
        painter.setBrush(_NOTE_PAPER)
        painter.drawRoundedRect(paper, 8, 8)
        painter.setPen(_NOTE_TEXT)
        painter.setFont(self._font)
        painter.drawText(paper.adjusted(14, 10, -14, -10), int(Qt.TextFlag.TextWordWrap), note.text)
        return pin, paper

    # --- gestures ----------------------------------------------------------------------

    def press(self, position: QPointF) -> None:
        if self.tool is None or self._page_size.isEmpty():
            return
        self._gesture = [self.to_page(position)]
        self._erased = set()
        if self.tool is NoteTool.ERASE:
            self._erase_at(position)

    def move(self, position: QPointF) -> None:
        gesture = self._gesture
        if gesture is None:
            return
        point = self.to_page(position)
        if self.tool is NoteTool.ERASE:
            self._erase_at(position)
            return
        if self.tool is NoteTool.HIGHLIGHT:
            if len(gesture) == 1:
                gesture.append(point)
            else:
                gesture[-1] = point
            self._surface.update()
            return
        last = gesture[-1]
        if (
            len(gesture) >= MAX_POINTS
            or math.hypot(point.x() - last.x(), point.y() - last.y()) * self._scale() < 1.5
        ):
            return  # closer than a pixel and a half to the last point: nothing to draw
        gesture.append(point)
        width = max(2.0, _INK_WIDTH_PT * self._scale()) + 2
        a, b = self.to_view(last.x(), last.y()), self.to_view(point.x(), point.y())
        self._surface.update(
            QRectF(a, b).normalized().adjusted(-width, -width, width, width).toAlignedRect()
        )

    def release(self, position: QPointF) -> None:
        if self._gesture is None or self.tool is None:
            self._gesture = None
            return
        if self.tool in (NoteTool.INK, NoteTool.HIGHLIGHT):
            self.move(position)
        sweep = self._highlight_rect() if self.tool is NoteTool.HIGHLIGHT else None
        gesture, self._gesture = self._gesture, None
        if self.tool is NoteTool.INK:
            stroke = tuple((round(p.x(), 2), round(p.y(), 2)) for p in gesture)
            self.note_drawn.emit(Note("ink", self.page, strokes=(stroke,)))
        elif self.tool is NoteTool.HIGHLIGHT and sweep is not None:
            self.note_drawn.emit(Note("highlight", self.page, rect=sweep))
        elif self.tool is NoteTool.TEXT:
            start = gesture[0]
            self.text_requested.emit(self.page, round(start.x(), 2), round(start.y(), 2))
        self._surface.update()

    def cancel(self) -> None:
        """A second finger came: the gesture was a pinch, not a note."""
        if self._gesture is not None:
            self._gesture = None
            self._surface.update()

    def _highlight_rect(self) -> tuple[float, float, float, float] | None:
        gesture = self._gesture
        if not gesture or len(gesture) < 2:
            return None
        a, b = gesture[0], gesture[-1]
        x0, x1 = sorted((a.x(), b.x()))
        y0, y1 = sorted((a.y(), b.y()))
        if x1 - x0 < 4:
            return None  # a tap, not a sweep
        if y1 - y0 < _MIN_HIGHLIGHT_PT:  # swept along a line of text: the line's height
            middle = (y0 + y1) / 2
            y0 = max(0.0, middle - _MIN_HIGHLIGHT_PT / 2)
            y1 = min(self._page_size.height(), y0 + _MIN_HIGHLIGHT_PT)
        return (round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))

    def _erase_at(self, position: QPointF) -> None:
        """Erase the note nearest the finger (a stroke over a highlight: the stroke)."""
        nearest: tuple[float, int] | None = None
        for note in self.notes:
            if note.id is None or note.id in self._erased:
                continue
            distance = self.distance(note, position)
            if distance <= _TOUCH_PX and (nearest is None or distance <= nearest[0]):
                nearest = (distance, note.id)
        if nearest is not None:
            self._erased.add(nearest[1])
            self.erase_requested.emit(nearest[1])

    def touches(self, note: Note, position: QPointF) -> bool:
        """Whether a finger at ``position`` (viewport) is on ``note``."""
        return self.distance(note, position) <= _TOUCH_PX

    def distance(self, note: Note, position: QPointF) -> float:
        """How far ``position`` (viewport) is from ``note``, in pixels (0: on it)."""
        if note.kind == "text":
            pin, paper = self.text_rects(note)
            return min(_distance_to_rect(position, pin), _distance_to_rect(position, paper))
        if note.kind == "highlight":
            assert note.rect is not None
            x0, y0, x1, y1 = note.rect
            area = QRectF(self.to_view(x0, y0), self.to_view(x1, y1))
            # Under a stroke, a highlight is a little further than the stroke.
            return _distance_to_rect(position, area) + 1.0
        best = math.inf
        for stroke in note.strokes:
            points = [self.to_view(x, y) for x, y in stroke]
            for a, b in zip(points, points[1:] or points, strict=False):
                best = min(best, _distance_to_segment(position, a, b))
        return best


def _distance_to_rect(p: QPointF, rect: QRectF) -> float:
    dx = max(rect.left() - p.x(), 0.0, p.x() - rect.right())
    dy = max(rect.top() - p.y(), 0.0, p.y() - rect.bottom())
    return math.hypot(dx, dy)


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = dx * dx + dy * dy
    t = (
        0.0
        if length == 0
        else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length))
    )
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))


__all__ = ["NoteLayer", "NoteTool"]
