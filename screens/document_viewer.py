"""One document on a seat or master screen: the page, its thumbnails, flipping and zoom.

The viewer never renders anything itself: it asks the shared ``PageRenderer``
for the page at the canvas's real device-pixel size, shows what the cache
already holds at once (a flip to a prefetched page is a cache lookup and a
paint), and otherwise shows a placeholder, the page's thumbnail scaled up or a
heavy page's preview until the full render arrives.  Once the current page is
on screen, the previous and next pages are requested in the background.

Beyond a few megapixels (zoomed in on a plan), only the visible part of the
page plus a margin is rendered, on a grid so that small pans reuse it; the
page at its fitted size, scaled, fills in around it meanwhile.

Seven viewers in one process may flip at once (the mayor projects a page to
every seat that follows): their repaints and their strips' scrolling go through
one ``Pacer`` (``screens.pacing``), which runs a piece per pass of the event loop, so the GUI
thread is never held for seven windows' repaints in a row.
"""

from __future__ import annotations

import enum
import math
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTouchEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScroller,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from screens.note_layer import NoteLayer, NoteTool
from screens.pacing import Pacer, pacer
from screens.render import (
    PRIORITY_PREFETCH,
    PRIORITY_THUMBNAIL,
    PRIORITY_VISIBLE,
    DocumentId,
    DocumentInfo,
    PageRenderer,
    RenderKey,
)
from table_app.notes import Note

LOADING_PAGE = "Chargement de la page…"
LOADING_DOCUMENT = "Chargement du document…"
ZOOM_MIN = 1.0
ZOOM_MAX = 4.0
ZOOM_STEP = 1.25
#: A zoomed page larger than this is rendered by visible tiles, not whole.
MAX_WHOLE_PAGE_PIXELS = 8 * 2**20
_TILE = 512  # tiles of a zoomed page snap to this grid (device pixels)
_THUMB_SIZE = QSize(130, 174)  # logical pixels; rendered at the device pixel ratio
_BUTTON_HEIGHT = 72  # ≥ 12 mm on a 23" 1920x1080 screen (≈ 0.265 mm a pixel)
_THUMB_NUMBER_PX = 22  # capitals 4.2 mm high (4 mm at least, tests/screens/readability.py)
_BACKGROUND = QColor("#4a4d52")
_STRIP = QColor("#2f3237")
_MESSAGE_FLAGS = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
_STRIP_SELECTED = QColor("#1f5fa8")
_THUMB_PLACEHOLDER = QColor("#d9d9d9")
_THUMB_NUMBER = QColor("white")
#: The strip follows the page this long after a flip, once, in its own repaint.
_STRIP_FOLLOW_MS = 120


class FitMode(enum.Enum):
    """How the page is fitted to the canvas before zooming."""

    WIDTH = "width"
    PAGE = "page"


# --- work spread over passes of the event loop ---------------------------------------------


def _pacer() -> Pacer:
    return pacer()


# --- the page canvas --------------------------------------------------------------------------


class _PageCanvas(QAbstractScrollArea):
    """Paints the current page (fitted, zoomed, scrolled) and turns gestures into requests.

    Attributes:
        page_size: the page's size in points, None before a document is open.
        fit, zoom: how large the page is drawn.
        note_layer: a member's private notes over the page; while it has a
            tool, one finger writes instead of panning and swiping.

    Signals:
        flip_requested(int): +1 or -1, from a horizontal swipe.
        zoom_requested(float, QPointF): multiply the zoom, keeping the point still.
        view_changed(): scrolled or resized: the visible part may need new pixels.
        pressed(): touched or clicked.
    """

    flip_requested = Signal(int)
    zoom_requested = Signal(float, QPointF)
    view_changed = Signal()
    pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page_size: QSizeF | None = None
        self.fit = FitMode.PAGE
        self.zoom = 1.0
        self.pinching = False
        self._base: QImage | None = None  # the whole page (fitted, zoom 1), or its stand-in
        self._base_exact = False  # a full render, not a preview or a thumbnail
        self._detail: tuple[QRect, QSize, QImage] | None = None  # clip, content size, pixels
        self._message = ""
        self._failed = False
        self._painted = QRect()  # what the last paint covered besides the background
        self._dirty = QRect()  # what waits for its paced repaint
        self._ranges_for: tuple[QSize, int, int, float] | None = None
        self._message_layout_for: tuple[object, ...] | None = None
        self._message_layout_cached: tuple[QFont, QRectF, QRectF] | None = None
        self._drag_start: QPointF | None = None
        self._drag_last = QPointF()
        self._drag_scroll_start = QPoint()
        self._pinch_start: tuple[float, float] | None = None  # distance, zoom
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.horizontalScrollBar().valueChanged.connect(self._on_scroll_bar_value_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_scroll_bar_value_changed)
        self.note_layer = NoteLayer(self.viewport(), self)

    # --- geometry ------------------------------------------------------------------------

    def device_ratio(self) -> float:
        return self.viewport().devicePixelRatioF()

    def fitted_size(self, page_size: QSizeF | None = None) -> QSize:
        """A page's size in device pixels at zoom 1 (the current page by default)."""
        size = page_size or self.page_size
        if size is None or size.width() <= 0 or size.height() <= 0:
            return QSize()
        ratio = self.device_ratio()
        width = max(1.0, self.viewport().width() * ratio)
        height = max(1.0, self.viewport().height() * ratio)
        scale = width / size.width()
        if self.fit is FitMode.PAGE:
            scale = min(scale, height / size.height())
        return QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))

    def content_size(self) -> QSize:
        """The page's size in device pixels as drawn now (fitted, then zoomed)."""
        fitted = self.fitted_size()
        return QSize(round(fitted.width() * self.zoom), round(fitted.height() * self.zoom))

    def visible_rect(self) -> QRect:
        """The part of the drawn page in view, in its device pixels."""
        ratio = self.device_ratio()
        content = self.content_size()
        origin = self._page_origin()
        x = -origin.x() * ratio
        y = -origin.y() * ratio
        view = QRect(
            math.floor(x),
            math.floor(y),
            math.ceil(self.viewport().width() * ratio),
            math.ceil(self.viewport().height() * ratio),
        )
        return view.intersected(QRect(QPoint(0, 0), content))

    def _page_origin(self) -> QPointF:
        """Where the page's top-left corner is in the viewport (logical pixels)."""
        ratio = self.device_ratio()
        content = self.content_size()
        width, height = content.width() / ratio, content.height() / ratio
        view = self.viewport()
        x = (
            (view.width() - width) / 2
            if width <= view.width()
            else -self.horizontalScrollBar().value()
        )
        y = (
            (view.height() - height) / 2
            if height <= view.height()
            else -self.verticalScrollBar().value()
        )
        return QPointF(round(x * ratio) / ratio, round(y * ratio) / ratio)  # whole device pixels

    def update_ranges(self) -> None:
        ratio = self.device_ratio()
        content = self.content_size()
        view = self.viewport()
        state = (content, view.width(), view.height(), ratio)
        if state == self._ranges_for:
            return  # flipping between pages of one size: nothing to change
        self._ranges_for = state
        h_range = max(0, math.ceil(content.width() / ratio - view.width()))
        v_range = max(0, math.ceil(content.height() / ratio - view.height()))
        self.horizontalScrollBar().setRange(0, h_range)
        self.verticalScrollBar().setRange(0, v_range)
        self.horizontalScrollBar().setPageStep(view.width())
        self.verticalScrollBar().setPageStep(view.height())
        self.verticalScrollBar().setSingleStep(max(20, view.height() // 10))
        self.horizontalScrollBar().setSingleStep(max(20, view.width() // 10))

    # --- what is shown -------------------------------------------------------------------

    def show_page(self, page_size: QSizeF, stand_in: QImage | None) -> None:
        """A new page: nothing rendered yet; ``stand_in`` (a thumbnail) meanwhile."""
        self.page_size = page_size
        self._base = stand_in
        self._base_exact = False
        self._detail = None
        self._message = LOADING_PAGE
        self._failed = False
        self.update_ranges()
        self.horizontalScrollBar().setValue(0)
        self.verticalScrollBar().setValue(0)
        self._refresh()

    def set_base(self, image: QImage, *, exact: bool) -> None:
        if self._base_exact and not exact:
            return  # never replace a full render by a preview
        self._base = image
        self._base_exact = exact
        if exact:
            self._message = ""
        self._refresh()

    def set_detail(self, clip: QRect, image: QImage) -> None:
        self._detail = (clip, self.content_size(), image)
        self._refresh()

    def detail_covers(self, rect: QRect) -> bool:
        if self._detail is None:
            return False
        clip, content, _image = self._detail
        return content == self.content_size() and clip.contains(rect)

    def set_message(self, text: str, *, failed: bool) -> None:
        self._message = text
        self._failed = failed
        self._refresh()

    def clear(self, message: str, *, failed: bool = False) -> None:
        self.page_size = None
        self._base = None
        self._base_exact = False
        self._detail = None
        self.set_message(message, failed=failed)

    def base_image(self) -> QImage | None:
        return self._base

    def base_is_exact(self) -> bool:
        return self._base_exact

    def detail_image(self) -> QImage | None:
        return None if self._detail is None else self._detail[2]

    def message(self) -> str:
        return self._message

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Change the zoom, keeping the page point under ``anchor`` (viewport) still."""
        if anchor is None:
            anchor = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        before = self.content_size()
        origin = self._page_origin()
        ratio = self.device_ratio()
        fx = (anchor.x() - origin.x()) * ratio / max(1, before.width())
        fy = (anchor.y() - origin.y()) * ratio / max(1, before.height())
        self.zoom = zoom
        if self._detail is not None and self._detail[1] != self.content_size():
            self._detail = None
        self.update_ranges()
        after = self.content_size()
        self.horizontalScrollBar().setValue(round(fx * after.width() / ratio - anchor.x()))
        self.verticalScrollBar().setValue(round(fy * after.height() / ratio - anchor.y()))
        self.viewport().update()

    def set_fit(self, fit: FitMode) -> None:
        self.fit = fit
        self.zoom = 1.0
        self._detail = None
        self.update_ranges()
        self.viewport().update()

    # --- painting ------------------------------------------------------------------------

    def _page_rect(self) -> QRectF:
        """Where the page is drawn in the viewport (logical pixels)."""
        ratio = self.device_ratio()
        content = self.content_size()
        return QRectF(
            self._page_origin(), QSizeF(content.width() / ratio, content.height() / ratio)
        )

    def page_point(self, x: float, y: float) -> QPointF:
        """Where the page's point (x, y) is in the viewport now (logical pixels)."""
        page = self._page_rect()
        size = self.page_size
        scale = page.width() / size.width() if size is not None and size.width() > 0 else 1.0
        return QPointF(page.x() + x * scale, page.y() + y * scale)

    def _refresh(self) -> None:
        """Repaint what a new page, image or message touches: on a flip between pages
        of one size, the page and not the background around it; paced (``Pacer``)."""
        if self.page_size is None:
            area = self.viewport().rect()
        else:
            area = self._page_rect().toAlignedRect()
            if self._message:
                area = area.united(self._message_layout()[1].toAlignedRect())
            area = area.united(self._painted)
        self._dirty = self._dirty.united(area)
        _pacer().post(self, "repaint", self._on_pacer_repaint)

    def _on_pacer_repaint(self) -> None:
        dirty, self._dirty = self._dirty, QRect()
        if not dirty.isEmpty():
            self.viewport().update(dirty)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        # Seven windows may repaint in one pass of the event loop: every pixel is
        # painted once (background around the page, the page's image over it).
        painter = QPainter(self.viewport())
        ratio = self.device_ratio()
        origin = self._page_origin()
        if self.page_size is None:
            painter.fillRect(event.rect(), _BACKGROUND)
            self._painted = self.viewport().rect()
        else:
            content = self.content_size()
            page = self._page_rect()
            self._painted = page.toAlignedRect()
            for rect in _around(event.rect(), page.toAlignedRect()):
                painter.fillRect(rect, _BACKGROUND)
            base = self._base
            if base is None or base.isNull():
                painter.fillRect(page, Qt.GlobalColor.white)
            elif (
                abs(base.width() - content.width()) <= 2
                and abs(base.height() - content.height()) <= 2
            ):
                # Rendered at this size: one device pixel per pixel, a plain copy.
                if base.size() != content:
                    painter.fillRect(page, Qt.GlobalColor.white)  # a pixel of rounding apart
                if ratio == 1.0:
                    painter.drawImage(origin, base)
                else:
                    painter.drawImage(QRectF(origin, QSizeF(base.size()) / ratio), base)
            else:
                painter.fillRect(page, Qt.GlobalColor.white)
                painter.drawImage(page, base)  # a stand-in, scaled: fast, not smooth
            if self._detail is not None and self._detail[1] == content:
                clip, _content, image = self._detail
                target = QRectF(
                    origin.x() + clip.x() / ratio,
                    origin.y() + clip.y() / ratio,
                    clip.width() / ratio,
                    clip.height() / ratio,
                )
                painter.drawImage(target, image)
            self.note_layer.place(page, self.page_size)
            self._painted = self._painted.united(self.note_layer.paint(painter))
        if self._message:
            self._paint_message(painter)
        painter.end()

    def _message_layout(self) -> tuple[QFont, QRectF, QRectF]:
        """The message's font, its box, and the area its text is laid out in."""
        view = self.viewport().rect()
        key = (self._message, self._failed, view, self.font().key())
        if key == self._message_layout_for and self._message_layout_cached is not None:
            return self._message_layout_cached  # "Chargement de la page…" on every flip
        font = QFont(self.font())
        font.setPixelSize(30)
        font.setBold(self._failed)
        area = QRectF(view).adjusted(80, 80, -80, -80)
        text_rect = QFontMetrics(font).boundingRect(area.toRect(), _MESSAGE_FLAGS, self._message)
        layout = (font, QRectF(text_rect).adjusted(-28, -20, 28, 20), area)
        self._message_layout_for, self._message_layout_cached = key, layout
        return layout

    def _paint_message(self, painter: QPainter) -> None:
        font, box, area = self._message_layout()
        self._painted = self._painted.united(box.toAlignedRect())
        painter.setFont(font)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#fbe9e7") if self._failed else QColor(255, 255, 255, 235))
        painter.drawRoundedRect(box, 12, 12)
        painter.setPen(QColor("#8e1b10") if self._failed else QColor("#333333"))
        painter.drawText(area, _MESSAGE_FLAGS, self._message)

    # --- input -----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.update_ranges()
        self.view_changed.emit()

    def _on_scroll_bar_value_changed(self, _value: int) -> None:
        self.viewport().update()
        self.view_changed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_requested.emit(ZOOM_STEP**steps, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
            QEvent.Type.TouchCancel,
        ):
            assert isinstance(event, QTouchEvent)
            self._touch(event)
            event.accept()
            return True
        return super().viewportEvent(event)

    def _touch(self, event: QTouchEvent) -> None:
        points = event.points()
        kind = event.type()
        if kind == QEvent.Type.TouchCancel:
            self._drag_start = None
            self._end_pinch()
            return
        if len(points) >= 2:
            self._drag_start = None  # a pinch is not a swipe, nor a stroke
            self.note_layer.cancel()
            a, b = points[0].position(), points[1].position()
            distance = math.hypot(a.x() - b.x(), a.y() - b.y())
            if self._pinch_start is None:
                self._pinch_start = (max(distance, 1.0), self.zoom)
                self.pinching = True
            elif kind != QEvent.Type.TouchEnd:
                start_distance, start_zoom = self._pinch_start
                target = start_zoom * distance / start_distance
                center = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
                self.zoom_requested.emit(target / self.zoom, center)
            if kind == QEvent.Type.TouchEnd:
                self._end_pinch()
            return
        if not points:
            return
        position = points[0].position()
        if kind == QEvent.Type.TouchBegin or self._drag_start is None:
            if self._pinch_start is None:
                self._press(position)
        else:
            self._move(position)
        if kind == QEvent.Type.TouchEnd:
            self._release(position)
            self._end_pinch()

    def _end_pinch(self) -> None:
        if self._pinch_start is not None:
            self._pinch_start = None
            self.pinching = False
            self.view_changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press(event.position())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._drag_start is not None:
            self._move(event.position())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self._drag_start is not None:
            self._release(event.position())
        super().mouseReleaseEvent(event)

    def _writing(self) -> bool:
        """A note tool is chosen and a page is shown: one finger writes."""
        if self.note_layer.tool is None or self.page_size is None:
            return False
        self.note_layer.place(self._page_rect(), self.page_size)
        return True

    def _press(self, position: QPointF) -> None:
        self.pressed.emit()
        self._drag_start = position
        self._drag_last = position
        if self._writing():
            self.note_layer.press(position)
            return
        self._drag_scroll_start = QPoint(
            self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        )

    def _move(self, position: QPointF) -> None:
        if self._writing():
            self.note_layer.move(position)
            return
        delta = position - self._drag_last
        self._drag_last = position
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))

    def _release(self, position: QPointF) -> None:
        start = self._drag_start
        self._drag_start = None
        if start is None:
            return
        if self._writing():
            self.note_layer.release(position)
            return
        dx = position.x() - start.x()
        dy = position.y() - start.y()
        threshold = max(80.0, self.viewport().width() * 0.08)
        if abs(dx) < threshold or abs(dx) < 1.5 * abs(dy):
            return
        bar = self.horizontalScrollBar()
        # A swipe flips only once the page cannot move further that way.
        if dx < 0 and self._drag_scroll_start.x() >= bar.maximum():
            self.flip_requested.emit(+1)
        elif dx > 0 and self._drag_scroll_start.x() <= bar.minimum():
            self.flip_requested.emit(-1)


def _around(outer: QRect, inner: QRect) -> list[QRect]:
    """The parts of ``outer`` outside ``inner``: up to four bands."""
    inside = outer.intersected(inner)
    if inside.isEmpty():
        return [outer]
    bands = [
        QRect(outer.left(), outer.top(), outer.width(), inside.top() - outer.top()),
        QRect(outer.left(), inside.bottom() + 1, outer.width(), outer.bottom() - inside.bottom()),
        QRect(outer.left(), inside.top(), inside.left() - outer.left(), inside.height()),
        QRect(inside.right() + 1, inside.top(), outer.right() - inside.right(), inside.height()),
    ]
    return [band for band in bands if not band.isEmpty()]


# --- the thumbnail strip ----------------------------------------------------------------------


class _ThumbnailModel(QAbstractListModel):
    """One row a page; the image of a row is asked of the viewer when the strip paints it."""

    ImageRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, viewer: DocumentViewer) -> None:
        super().__init__(viewer)
        # Weak: a cycle of Qt wrappers would be freed by the garbage collector, on
        # whichever thread it runs (a render thread), which Qt objects do not survive.
        self._viewer = weakref.ref(viewer)
        self._count = 0

    def reset(self, count: int) -> None:
        self.beginResetModel()
        self._count = count
        self.endResetModel()

    def refresh(self, row: int) -> None:
        if 0 <= row < self._count:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [self.ImageRole])

    def rowCount(  # noqa: N802 (Qt override)
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else self._count

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid():
            return None
        if role == self.ImageRole:
            viewer = self._viewer()
            return None if viewer is None else viewer._thumbnail(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return str(index.row() + 1)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Page {index.row() + 1}"
        return None


class _ThumbnailDelegate(QStyledItemDelegate):
    """A thumbnail: the page (or a blank page while it renders) and its number."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fonts: dict[tuple[str, bool], QFont] = {}

    def sizeHint(  # noqa: N802 (Qt override)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(_THUMB_SIZE.width() + 24, _THUMB_SIZE.height() + 44)

    def _number_font(self, base: QFont, bold: bool) -> QFont:
        """The page number's font, made once per base font."""
        key = (base.key(), bold)
        font = self._fonts.get(key)
        if font is None:
            font = QFont(base)
            font.setPixelSize(_THUMB_NUMBER_PX)
            font.setBold(bold)
            self._fonts[key] = font
        return font

    def text_font(self, base: QFont) -> QFont:
        """The font the page numbers are drawn in (measured by the screenshot tests)."""
        return self._number_font(base, False)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect: QRect = option.rect
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.fillRect(rect, _STRIP_SELECTED if selected else _STRIP)
        image = index.data(_ThumbnailModel.ImageRole)
        box = QRect(rect.x() + 12, rect.y() + 8, _THUMB_SIZE.width(), _THUMB_SIZE.height())
        if isinstance(image, QImage) and not image.isNull():
            widget = option.widget
            ratio = widget.devicePixelRatioF() if widget is not None else 1.0
            if ratio == 1.0:
                # Whole pixels, unscaled: a plain copy (a fractional target takes
                # Qt's transformed path, ten times slower; seven strips scroll at once).
                x = box.x() + (box.width() - image.width()) // 2
                y = box.y() + (box.height() - image.height()) // 2
                painter.drawImage(QPoint(x, y), image)
            else:
                size = QSizeF(image.width(), image.height()) / ratio
                target = QRectF(
                    box.x() + (box.width() - size.width()) / 2,
                    box.y() + (box.height() - size.height()) / 2,
                    size.width(),
                    size.height(),
                )
                painter.drawImage(target, image)
        else:
            painter.fillRect(box.adjusted(20, 0, -20, 0), _THUMB_PLACEHOLDER)
        painter.setPen(_THUMB_NUMBER)
        painter.setFont(self._number_font(painter.font(), selected))
        label = QRect(rect.x(), box.bottom() + 4, rect.width(), 32)
        painter.drawText(label, int(Qt.AlignmentFlag.AlignCenter), str(index.row() + 1))
        painter.restore()


# --- the viewer -----------------------------------------------------------------------------


class DocumentViewer(QWidget):
    """Shows one document: page, thumbnails, page number, flipping, fit and zoom.

    Attributes:
        renderer: the shared ``PageRenderer``.
        prefetch_pages: how many pages before and after the current one are
            rendered in advance once it is shown (0: none).

    Signals:
        page_changed(int): the current page (1-based) changed.
        document_opened(str): the document's pages are known; its title.
        document_failed(str): the document cannot be shown; the reason, in French.
        page_displayed(int): the full render of the current page is on screen.
        preview_displayed(int): a heavy page's quick preview is on screen.
        page_failed(int, str): the current page cannot be shown; the reason.
        navigation_requested(): a person moves in the document: a swipe, a key,
            a button, a thumbnail, a pinch or the wheel (never ``set_page`` or
            ``open_document`` called by the program, e.g. following the mayor).
        note_drawn(object): a stroke or a highlight was drawn on the page (a
            ``table_app.notes.Note``), while a note tool is chosen.
        note_text_requested(int, float, float): a text is to be pinned at this
            page and point (in the page's points).
        note_erase_requested(int): the note with this id was touched with the eraser.
        reading_mode_changed(bool): the viewer took its whole window (True) or
            went back to its place (False): "Plein écran".
    """

    navigation_requested = Signal()
    page_changed = Signal(int)
    document_opened = Signal(str)
    document_failed = Signal(str)
    page_displayed = Signal(int)
    preview_displayed = Signal(int)
    page_failed = Signal(int, str)
    note_drawn = Signal(object)
    note_text_requested = Signal(int, float, float)
    note_erase_requested = Signal(int)
    reading_mode_changed = Signal(bool)

    def __init__(self, renderer: PageRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.prefetch_pages = 1
        self._path: Path | None = None
        self._title = ""
        self._document: DocumentId | None = None
        self._info: DocumentInfo | None = None
        self._page = 0  # 0-based
        self._wanted_page = 0
        self._base_key: RenderKey | None = None  # the current page at the current size
        self._shown_key: RenderKey | None = None  # the full render on screen
        self._detail_key: RenderKey | None = None
        self._requested: set[RenderKey] = set()
        self._thumb_keys: dict[RenderKey, int] = {}
        self._thumb_failed: set[int] = set()
        self._thumb_rows: set[int] = set()  # arrived, waiting for their paced refresh
        self._thumb_key_of: dict[int, RenderKey] = {}  # by page, for the document shown
        self._thumb_ratio = 0.0
        self._notes: list[Note] = []  # the member's notes on this document (all pages)
        # Largeur or Page entière touched for this document; until then a
        # portrait page is fitted to the width, any other to the page.
        self._fit_chosen = False
        # In the reading mode: where the viewer was, what holds its place, the
        # cover over the window that holds the viewer now.
        self._reading: tuple[QWidget, QWidget, QWidget] | None = None
        self._update_timer = QTimer(self)
        self._update_timer.setSingleShot(True)
        self._update_timer.setInterval(0)
        self._update_timer.timeout.connect(self._on_update_timer_timeout)
        self._strip_timer = QTimer(self)
        self._strip_timer.setSingleShot(True)
        self._strip_timer.setInterval(_STRIP_FOLLOW_MS)
        self._strip_timer.timeout.connect(self._on_strip_timer_timeout)

        self._build()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        renderer.page_rendered.connect(self._on_renderer_page_rendered)
        renderer.page_previewed.connect(self._on_renderer_page_previewed)
        renderer.page_failed.connect(self._on_renderer_page_failed)
        renderer.document_loaded.connect(self._on_renderer_document_loaded)
        renderer.document_failed.connect(self._on_renderer_document_failed)
        self._update_controls()

    def _build(self) -> None:
        # A long title wraps onto a second line rather than ending in "…".
        self.title_label = QLabel(self)
        self.title_label.setWordWrap(True)
        title_font = QFont(self.font())
        title_font.setPixelSize(26)
        self.title_label.setFont(title_font)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.page_label = QLabel(self)
        page_font = QFont(self.font())
        page_font.setPixelSize(34)
        page_font.setBold(True)
        self.page_label.setFont(page_font)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Wide enough for any count, so a flip repaints the label, not the whole header.
        widest = self.page_label.fontMetrics().horizontalAdvance("Page 0000 / 0000")
        self.page_label.setFixedWidth(widest + 8)
        header = QHBoxLayout()
        header.setContentsMargins(16, 8, 16, 8)
        header.addWidget(self.title_label, 1)
        header.addWidget(self.page_label)

        self.canvas = _PageCanvas(self)
        self.canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.canvas.pressed.connect(self._on_canvas_pressed)
        self.canvas.flip_requested.connect(self._on_canvas_flip_requested)
        self.canvas.zoom_requested.connect(self._on_canvas_zoom_requested)
        self.canvas.view_changed.connect(self._on_canvas_view_changed)
        self.canvas.note_layer.note_drawn.connect(self.note_drawn)
        self.canvas.note_layer.text_requested.connect(self.note_text_requested)
        self.canvas.note_layer.erase_requested.connect(self.note_erase_requested)

        self._thumbnails = _ThumbnailModel(self)
        self.thumbnail_strip = QListView(self)
        self.thumbnail_strip.setModel(self._thumbnails)
        self.thumbnail_strip.setItemDelegate(_ThumbnailDelegate(self.thumbnail_strip))
        self.thumbnail_strip.setUniformItemSizes(True)
        self.thumbnail_strip.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.thumbnail_strip.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.thumbnail_strip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Scrolled by touch (QScroller) or the wheel, and painted without a style
        # sheet: seven strips may scroll in the same pass of the event loop.
        self.thumbnail_strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.thumbnail_strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.thumbnail_strip.setFrameShape(QFrame.Shape.NoFrame)
        self.thumbnail_strip.setFixedWidth(_THUMB_SIZE.width() + 24)
        palette = self.thumbnail_strip.palette()
        palette.setColor(QPalette.ColorRole.Base, _STRIP)
        self.thumbnail_strip.setPalette(palette)
        self.thumbnail_strip.clicked.connect(self._on_thumbnail_strip_clicked)
        QScroller.grabGesture(
            self.thumbnail_strip.viewport(), QScroller.ScrollerGestureType.TouchGesture
        )
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.thumbnail_strip)
        body.addWidget(self.canvas, 1)
        self._body = body

        # Short labels: the viewer shares a seat screen with the agenda; the
        # accessible name says the whole action.
        self.previous_button = self._button(
            "◀ Page", self._by_hand(self.previous_page), "Page précédente"
        )
        self.next_button = self._button("Page ▶", self._by_hand(self.next_page), "Page suivante")
        self.fit_width_button = self._button(
            "Largeur", self._on_fit_width_button_clicked, "Ajuster à la largeur"
        )
        self.fit_page_button = self._button(
            "Page entière", self._on_fit_page_button_clicked, "Page entière"
        )
        self.zoom_out_button = self._button("−", self._by_hand(self.zoom_out), "Zoom −")
        self.zoom_in_button = self._button("+", self._by_hand(self.zoom_in), "Zoom +")
        # One touch in, one out: the page over the whole screen, to read a
        # table of figures (not a move in the document: a seat keeps following).
        self.reading_button = self._button(
            "Plein écran", self._on_reading_button_clicked, "Plein écran"
        )
        self.reading_button.setCheckable(True)
        for button in (self.fit_width_button, self.fit_page_button):
            button.setCheckable(True)
        self._fit_group = QButtonGroup(self)
        self._fit_group.setExclusive(True)
        self._fit_group.addButton(self.fit_width_button)
        self._fit_group.addButton(self.fit_page_button)
        self.fit_page_button.setChecked(True)
        footer = QHBoxLayout()
        footer.setContentsMargins(12, 8, 12, 8)
        footer.setSpacing(10)
        footer.addWidget(self.previous_button)
        footer.addWidget(self.next_button)
        footer.addStretch(1)
        footer.addWidget(self.fit_width_button)
        footer.addWidget(self.fit_page_button)
        footer.addStretch(1)
        footer.addWidget(self.zoom_out_button)
        footer.addWidget(self.zoom_in_button)
        footer.addWidget(self.reading_button)

        self._footer = footer
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(body, 1)
        layout.addLayout(footer)

    def _by_hand(self, move: Callable[[], None]) -> Callable[[], None]:
        """``move``, done by a person: told first (``navigation_requested``)."""

        def moved() -> None:
            self.navigation_requested.emit()
            move()

        return moved

    def _button(self, text: str, slot: Callable[[], None], name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName("viewerButton")
        button.setToolTip(name)
        font = QFont(button.font())
        font.setPixelSize(22)
        button.setFont(font)
        button.setMinimumHeight(_BUTTON_HEIGHT)
        button.setMinimumWidth(_BUTTON_HEIGHT)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        return button

    def install_note_tools(self, tools: QWidget) -> None:
        """A seat's private notes: the tool column, beside the thumbnail strip
        (one or the other is shown: the page keeps its size)."""
        self._body.insertWidget(1, tools)

    # --- the reading mode ------------------------------------------------------------------

    def reading_mode(self) -> bool:
        """Whether the viewer covers its whole window ("Plein écran")."""
        return self._reading is not None

    def set_reading_mode(self, on: bool) -> None:
        """Lay the viewer over the whole of its window, the page read at the
        screen's size, or put it back in its place (the button, or Échap).

        The viewer moves into a cover over its window; a blank widget keeps its
        place in its layout meanwhile, so nothing else moves or resizes.
        """
        if on == self.reading_mode():
            return
        if on:
            host = self.parentWidget()
            layout = host.layout() if host is not None else None
            if host is None or layout is None:
                self.reading_button.setChecked(False)
                return  # a window of its own: it has its screen already
            placeholder = QWidget(host)
            placeholder.setSizePolicy(self.sizePolicy())
            if layout.replaceWidget(self, placeholder) is None:
                placeholder.deleteLater()
                self.reading_button.setChecked(False)
                return
            window = self.window()
            cover = QWidget(window)
            cover.setObjectName("readingMode")
            cover.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            cover_layout = QVBoxLayout(cover)
            cover_layout.setContentsMargins(0, 0, 0, 0)
            cover_layout.addWidget(self)
            cover.setGeometry(window.rect())
            window.installEventFilter(self)  # the cover follows the window's size
            self._reading = (host, placeholder, cover)
            cover.show()
            cover.raise_()
        else:
            assert self._reading is not None
            host, placeholder, cover = self._reading
            self._reading = None
            self.window().removeEventFilter(self)
            covering = cover.layout()
            if covering is not None:
                covering.removeWidget(self)
            self.setParent(host)
            host_layout = host.layout()
            if host_layout is not None:
                host_layout.replaceWidget(placeholder, self)
            placeholder.deleteLater()
            cover.deleteLater()
        self.show()
        self.reading_button.setChecked(on)
        self.reading_button.setText("Quitter le plein écran" if on else "Plein écran")
        self.reading_button.setAccessibleName("Quitter le plein écran" if on else "Plein écran")
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.reading_mode_changed.emit(on)

    def _on_reading_button_clicked(self) -> None:
        self.set_reading_mode(not self.reading_mode())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if self._reading is not None and event.type() == QEvent.Type.Resize:
            cover = self._reading[2]
            if watched is cover.parentWidget() and isinstance(watched, QWidget):
                cover.setGeometry(watched.rect())
        return super().eventFilter(watched, event)

    # --- a member's private notes -------------------------------------------------------------

    def set_notes(self, notes: list[Note]) -> None:
        """The notes to draw over this document's pages ([]: none, locked)."""
        self._notes = list(notes)
        self._show_page_notes()

    def notes(self) -> list[Note]:
        return list(self._notes)

    def shown_notes(self) -> list[Note]:
        """The notes drawn over the page shown."""
        return list(self.canvas.note_layer.notes)

    def set_note_tool(self, tool: NoteTool | None) -> None:
        """What a finger does on the page: write, highlight, pin a text, erase;
        None: turn pages and pan, as usual."""
        self.canvas.note_layer.cancel()
        self.canvas.note_layer.tool = tool

    def note_tool(self) -> NoteTool | None:
        return self.canvas.note_layer.tool

    def _show_page_notes(self, repaint: bool = True) -> None:
        """The notes of the page shown to the layer; repainted only if there are
        notes to draw or to take away (a flip repaints through its own pace)."""
        page = self._page + 1 if self._info is not None else 0
        layer = self.canvas.note_layer
        before = layer.notes
        layer.page = page
        layer.notes = [note for note in self._notes if note.page == page]
        if repaint and (before or layer.notes):
            self.canvas.viewport().update()

    # --- the API -----------------------------------------------------------------------------

    def open_document(self, path: Path, title: str, page: int = 1) -> None:
        """Show ``path``, at ``page`` (1-based) once its pages are known."""
        self._cancel_all()
        self._path = path
        self._title = title
        self._info = None
        self._page = 0
        self._wanted_page = max(0, page - 1)
        self._base_key = self._shown_key = self._detail_key = None
        self._thumb_failed.clear()
        self._thumb_rows.clear()
        self._thumb_key_of.clear()
        self._thumbnails.reset(0)
        self._notes = []
        self._show_page_notes()
        self._fit_chosen = False
        self.canvas.zoom = 1.0
        self.canvas.clear(LOADING_DOCUMENT)
        self.title_label.setText(title)
        self._document = self.renderer.request_document(path)
        self._update_controls()

    def set_page(self, n: int) -> None:
        """Go to page ``n`` (1-based, clamped to the document)."""
        if self._info is None:
            self._wanted_page = max(0, n - 1)
            return
        index = min(max(0, n - 1), self._info.page_count - 1)
        if index == self._page and self.canvas.page_size is not None:
            return
        self._show_page(index)

    def current_page(self) -> int:
        """The page shown, 1-based (0 before a document is open)."""
        return self._page + 1 if self._info is not None else 0

    def page_count(self) -> int:
        return self._info.page_count if self._info is not None else 0

    def title(self) -> str:
        return self._title

    def next_page(self) -> None:
        if self._info is not None:
            self.set_page(self.current_page() + 1)

    def previous_page(self) -> None:
        if self._info is not None:
            self.set_page(self.current_page() - 1)

    def fit_mode(self) -> FitMode:
        return self.canvas.fit

    def set_fit_mode(self, fit: FitMode) -> None:
        """Fit the pages to the width or whole, as a person chose: kept for the
        rest of the document (a new document starts from the default again)."""
        self._fit_chosen = True
        (self.fit_width_button if fit is FitMode.WIDTH else self.fit_page_button).setChecked(True)
        if fit is self.canvas.fit and self.canvas.zoom == 1.0:
            return
        self.canvas.set_fit(fit)
        self._restart_page()

    def zoom(self) -> float:
        return self.canvas.zoom

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        if abs(zoom - self.canvas.zoom) < 1e-6:
            return
        self.canvas.set_zoom(zoom, anchor)
        self._detail_key = None
        self._update_controls()
        if not self.canvas.pinching:
            self._schedule_update()

    def zoom_in(self) -> None:
        self.set_zoom(self.canvas.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.canvas.zoom / ZOOM_STEP)

    def displayed_image(self) -> QImage | None:
        """The image the page is drawn from now (a full render, a preview or a stand-in)."""
        return self.canvas.base_image()

    def displayed_is_exact(self) -> bool:
        """Whether ``displayed_image`` is the full render of the current page."""
        return self.canvas.base_is_exact()

    def detail_image(self) -> QImage | None:
        """The zoomed render (whole page or visible tiles), if zoomed and arrived."""
        return self.canvas.detail_image()

    def message(self) -> str:
        """The placeholder or failure text over the page ("" when the page is shown)."""
        return self.canvas.message()

    def close_document(self) -> None:
        """Show nothing and withdraw every request."""
        self._cancel_all()
        self._path = self._document = self._info = None
        self._base_key = self._shown_key = self._detail_key = None
        self._thumbnails.reset(0)
        self._notes = []
        self._show_page_notes()
        self.canvas.clear("")
        self.title_label.setText("")
        self._update_controls()

    # --- keys --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        vertical = self.canvas.verticalScrollBar()
        if key == Qt.Key.Key_Escape and self.reading_mode():
            self.set_reading_mode(False)
            event.accept()
            return
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_Right, Qt.Key.Key_Space):
            self.next_page()
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_Left):
            self.previous_page()
        elif key == Qt.Key.Key_Home:
            self.set_page(1)
        elif key == Qt.Key.Key_End:
            self.set_page(self.page_count())
        elif key == Qt.Key.Key_Down:
            if vertical.value() < vertical.maximum():
                vertical.setValue(vertical.value() + vertical.singleStep())
            else:
                self.next_page()
        elif key == Qt.Key.Key_Up:
            if vertical.value() > vertical.minimum():
                vertical.setValue(vertical.value() - vertical.singleStep())
            else:
                self.previous_page()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
        self.navigation_requested.emit()

    # --- pages ---------------------------------------------------------------------------------

    def _page_size(self, index: int) -> QSizeF:
        assert self._info is not None
        width, height = self._info.page_sizes[index]
        return QSizeF(width, height)

    def _show_page(self, index: int) -> None:
        assert self._info is not None
        changed = index != self._page or self.canvas.page_size is None
        self._page = index
        self._base_key = self._shown_key = self._detail_key = None
        if not self._fit_chosen:
            self._default_fit(index)
        stand_in = self._cached_thumbnail(index)
        self._show_page_notes(repaint=False)  # show_page repaints, paced
        self.canvas.show_page(self._page_size(index), stand_in)
        self._update_controls()
        self._strip_timer.start()
        if changed:
            self.page_changed.emit(index + 1)
        self._update_renders()

    def _default_fit(self, index: int) -> None:
        """A portrait page fitted to the width (the text of an A4 page then at
        least its printed size at a seat), a landscape one (a plan) whole."""
        size = self._page_size(index)
        fit = FitMode.WIDTH if size.height() > size.width() else FitMode.PAGE
        (self.fit_width_button if fit is FitMode.WIDTH else self.fit_page_button).setChecked(True)
        if fit is not self.canvas.fit:
            self.canvas.fit = fit
            self.canvas.zoom = 1.0

    def _restart_page(self) -> None:
        """Same page, new fit: everything requested for the old size is stale."""
        if self._info is None:
            return
        self._base_key = self._detail_key = None
        self._update_controls()
        self._update_renders()

    def _schedule_update(self) -> None:
        if not self._update_timer.isActive():
            self._update_timer.start()

    def _on_update_timer_timeout(self) -> None:
        self._update_renders()

    def _page_key(self, index: int) -> RenderKey | None:
        assert self._document is not None
        size = self.canvas.fitted_size(self._page_size(index))
        if size.isEmpty():
            return None
        return RenderKey(self._document, index, size.width(), size.height())

    def _update_renders(self) -> None:
        """Ask for what the canvas needs now; withdraw what it no longer needs (paced)."""
        if self._info is None or self._path is None:
            return
        self.canvas.update_ranges()
        base_key = self._page_key(self._page)
        if base_key is None:
            return
        if base_key != self._base_key:
            self._base_key = base_key
            image = self.renderer.cached(base_key)
            if image is not None:
                self._display_base(base_key, image)
            else:
                self._request(base_key, PRIORITY_VISIBLE)
        detail_key = self._wanted_detail_key()
        if detail_key is not None:
            if detail_key != self._detail_key:
                self._detail_key = detail_key
                image = self.renderer.cached(detail_key)
                if image is not None:
                    self._display_detail(detail_key, image)
                else:
                    self._request(detail_key, PRIORITY_VISIBLE)
        else:
            self._detail_key = None
        # The neighbours and the withdrawals can wait a pass: seven viewers flip
        # in one go when the mayor projects a page.
        _pacer().post(self, "requests", self._on_pacer_requests)

    def _on_pacer_requests(self) -> None:
        """Prefetch the neighbours of a page on screen; withdraw what is no longer needed."""
        if self._info is None or self._path is None:
            return
        wanted = {key for key in (self._base_key, self._detail_key) if key is not None}
        if self._shown_key is not None and self._shown_key == self._base_key:
            wanted |= self._prefetch()
        stale = [
            key for key in self._requested if key not in wanted and key not in self._thumb_keys
        ]
        for key in stale:
            self._requested.discard(key)
            self.renderer.cancel(key)

    def _wanted_detail_key(self) -> RenderKey | None:
        """The zoomed render the canvas needs: the whole page, or the visible tiles."""
        if self.canvas.zoom <= 1.0 or self._document is None:
            return None
        content = self.canvas.content_size()
        if content.width() * content.height() <= MAX_WHOLE_PAGE_PIXELS:
            return RenderKey(self._document, self._page, content.width(), content.height())
        visible = self.canvas.visible_rect()
        if self._detail_key is not None and self.canvas.detail_covers(visible):
            return self._detail_key
        margin = _TILE // 2
        left = max(0, (visible.left() - margin) // _TILE * _TILE)
        top = max(0, (visible.top() - margin) // _TILE * _TILE)
        right = min(content.width(), -(-(visible.right() + 1 + margin) // _TILE) * _TILE)
        bottom = min(content.height(), -(-(visible.bottom() + 1 + margin) // _TILE) * _TILE)
        clip = (left, top, max(1, right - left), max(1, bottom - top))
        return RenderKey(self._document, self._page, content.width(), content.height(), clip)

    def _prefetch(self) -> set[RenderKey]:
        """Request the neighbours of the current page; their keys."""
        keys: set[RenderKey] = set()
        if self._info is None:
            return keys
        for distance in range(1, self.prefetch_pages + 1):
            for index in (self._page + distance, self._page - distance):
                if not 0 <= index < self._info.page_count:
                    continue
                key = self._page_key(index)
                if key is None:
                    continue
                keys.add(key)
                if key not in self._requested and self.renderer.cached(key) is None:
                    self._request(key, PRIORITY_PREFETCH)
        return keys

    def _request(self, key: RenderKey, priority: int) -> None:
        if key in self._requested:
            return
        self._requested.add(key)
        self.renderer.request_key(key, priority)

    def _cancel_all(self) -> None:
        for key in self._requested:
            self.renderer.cancel(key)
        self._requested.clear()
        self._thumb_keys.clear()

    def _display_base(self, key: RenderKey, image: QImage) -> None:
        self._shown_key = key
        self.canvas.set_base(image, exact=True)
        self.page_displayed.emit(self._page + 1)

    def _display_detail(self, key: RenderKey, image: QImage) -> None:
        clip = key.clip or (0, 0, key.width, key.height)
        self.canvas.set_detail(QRect(*clip), image)

    # --- thumbnails ----------------------------------------------------------------------------

    def _thumbnail_key(self, index: int) -> RenderKey | None:
        if self._info is None:
            return None
        ratio = self.thumbnail_strip.devicePixelRatioF()
        key = self._thumb_key_of.get(index)
        if key is None or self._thumb_ratio != ratio:
            if self._thumb_ratio != ratio:
                self._thumb_key_of.clear()
                self._thumb_ratio = ratio
            width = round(_THUMB_SIZE.width() * ratio)
            height = round(_THUMB_SIZE.height() * ratio)
            page_w, page_h = self._info.page_sizes[index]
            scale = min(width / page_w, height / page_h)
            size = (max(1, round(page_w * scale)), max(1, round(page_h * scale)))
            key = self._thumb_key_of[index] = RenderKey(self._info.document, index, *size)
        return key

    def _cached_thumbnail(self, index: int) -> QImage | None:
        key = self._thumbnail_key(index)
        return None if key is None else self.renderer.cached(key)

    def _thumbnail(self, index: int) -> QImage | None:
        """The thumbnail of a page the strip is painting, requested the first time."""
        key = self._thumbnail_key(index)
        if key is None:
            return None
        image = self.renderer.cached(key)
        if image is not None:
            return image
        if key not in self._thumb_keys and index not in self._thumb_failed:
            self._thumb_keys[key] = index
            self._request(key, PRIORITY_THUMBNAIL)
        return None

    # --- from the renderer -------------------------------------------------------------------

    def _on_renderer_document_loaded(self, info: DocumentInfo) -> None:
        if info.document != self._document or self._info is not None:
            return
        self._info = info
        self._thumbnails.reset(info.page_count)
        title = self._title or info.title or Path(info.document.path).stem
        self._title = title
        self.title_label.setText(title)
        self._show_page(min(self._wanted_page, info.page_count - 1))
        self.document_opened.emit(title)

    def _on_renderer_document_failed(self, document: DocumentId, reason: str) -> None:
        if document != self._document or self._info is not None:
            return
        self.canvas.clear(f"Ce document ne peut pas être affiché.\n{reason}", failed=True)
        self._update_controls()
        self.document_failed.emit(reason)

    def _on_renderer_page_rendered(self, key: RenderKey, image: QImage) -> None:
        self._requested.discard(key)
        row = self._thumb_keys.pop(key, None)
        if row is not None:
            # Paced: viewers of one document get the same thumbnail at once.
            self._thumb_rows.add(row)
            _pacer().post(self, "thumbnails", self._on_pacer_thumbnails)
        if key == self._base_key and key != self._shown_key:
            self._display_base(key, image)
            self._update_renders()  # now the neighbours
        elif key == self._detail_key:
            self._display_detail(key, image)

    def _on_pacer_thumbnails(self) -> None:
        rows, self._thumb_rows = self._thumb_rows, set()
        for row in rows:
            self._thumbnails.refresh(row)

    def _on_renderer_page_previewed(self, key: RenderKey, image: QImage) -> None:
        if key == self._base_key and key != self._shown_key:
            self.canvas.set_base(image, exact=False)
            self.preview_displayed.emit(self._page + 1)

    def _on_renderer_page_failed(self, key: RenderKey, reason: str) -> None:
        self._requested.discard(key)
        row = self._thumb_keys.pop(key, None)
        if row is not None:
            self._thumb_failed.add(row)
        if key == self._base_key:
            self.canvas.set_message(
                f"La page {self._page + 1} ne peut pas être affichée.\n{reason}", failed=True
            )
            self.page_failed.emit(self._page + 1, reason)

    # --- from the widgets ----------------------------------------------------------------------

    def _on_canvas_pressed(self) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # the keys go to the viewer

    def _on_canvas_flip_requested(self, step: int) -> None:
        self.navigation_requested.emit()  # a swipe
        self.set_page(self.current_page() + step)

    def _on_canvas_zoom_requested(self, factor: float, anchor: QPointF) -> None:
        self.navigation_requested.emit()  # a pinch or the wheel
        self.set_zoom(self.canvas.zoom * factor, anchor)

    def _on_canvas_view_changed(self) -> None:
        if not self.canvas.pinching:
            self._schedule_update()

    def _on_strip_timer_timeout(self) -> None:
        _pacer().post(self, "strip", self._follow_strip)

    def _follow_strip(self) -> None:
        if self._info is None:
            return
        selection = self._thumbnails.index(self._page, 0)
        self.thumbnail_strip.setCurrentIndex(selection)
        self.thumbnail_strip.scrollTo(selection)

    def _on_thumbnail_strip_clicked(self, index: QModelIndex) -> None:
        self.navigation_requested.emit()
        self.set_page(index.row() + 1)

    def _on_fit_width_button_clicked(self) -> None:
        self.navigation_requested.emit()
        self.set_fit_mode(FitMode.WIDTH)

    def _on_fit_page_button_clicked(self) -> None:
        self.navigation_requested.emit()
        self.set_fit_mode(FitMode.PAGE)

    def _update_controls(self) -> None:
        count = self.page_count()
        current = self.current_page()
        self.page_label.setText(f"Page {current} / {count}" if count else "")
        self.previous_button.setEnabled(count > 0 and current > 1)
        self.next_button.setEnabled(count > 0 and current < count)
        self.zoom_out_button.setEnabled(count > 0 and self.canvas.zoom > ZOOM_MIN + 1e-6)
        self.zoom_in_button.setEnabled(count > 0 and self.canvas.zoom < ZOOM_MAX - 1e-6)
        self.fit_width_button.setEnabled(count > 0)
        self.fit_page_button.setEnabled(count > 0)
        self.reading_button.setEnabled(count > 0 or self.reading_mode())
