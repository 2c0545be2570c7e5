"""Readable at arm's length: text and touch targets of a view, measured in millimetres.

The views are read from 60 to 80 cm on 23" 1920x1080 screens
(``screens.app.SCREEN_DIAGONAL_INCHES``, ``VIEW_SIZE``): one pixel is
``mm_per_pixel()`` (about 0.265 mm). ``check_view`` walks every widget a
person sees in a view and reports, in words and numbers:

- text under ``MIN_TEXT_MM`` high. A text's height is its capital letters'
  height (``QFontMetricsF.capHeight``), the "character height" of ISO 9241-303;
  4 mm is 17 to 20 minutes of arc from 70 to 80 cm;
- a touch target (button, tab, list row, combo box, field, spin box arrow,
  scroll bar) whose smaller side is under ``MIN_TARGET_MM``;
- a text that does not fit its widget (elided, cut, or wrapped past the
  bottom), measured with ``QFontMetrics`` against the rect Qt gives the text;
- a widget cut by its window or a parent (outside a scroll area's viewport,
  where it is only scrolled out of sight);
- a document page drawn smaller than it is printed: 11 pt text on the page
  would look smaller than 11 pt on paper (``MIN_PAGE_SCALE``).

Nothing here is exempted by class or name; ``EXEMPT`` lists the few widgets
that are not measured, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollBar,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionSpinBox,
    QStyleOptionViewItem,
    QTabBar,
    QTextEdit,
    QTreeView,
    QWidget,
)

from screens.app import mm_per_pixel

MIN_TEXT_MM = 4.0
MIN_TARGET_MM = 12.0
#: A page's millimetres on screen per printed millimetre, at least.
MIN_PAGE_SCALE = 1.0
#: 1 pt = 1/72 inch.
MM_PER_POINT = 25.4 / 72
#: Rounding of Qt's layouts and font metrics, in pixels.
TOLERANCE_PX = 1.0

#: Widgets not measured, by class name, and why. (Hidden scroll bars, and
#: shown ones with nothing to scroll, are not targets: they are skipped, not
#: exempted.)
EXEMPT = {
    # Dragging the seat's splitter is not a councillor's task and no one is
    # told of it: the columns have their size, and « Plein écran » gives the
    # document the whole screen.
    "QSplitterHandle": "not offered as a control: the seat's columns keep their size",
}


@dataclass(frozen=True)
class Failure:
    """One thing too small or cut, in the view's pixels and in millimetres."""

    widget: str  # the widget's path in its window, with its object name
    text: str  # what it shows ("" for an unlabelled target)
    problem: str  # what is wrong, with the measure and the limit
    rect: QRect  # where, in the window's pixels

    def __str__(self) -> str:
        r = self.rect
        where = f"at ({r.x()}, {r.y()}) {r.width()}x{r.height()} px"
        text = f" {self.text!r}" if self.text else ""
        return f"{self.widget}{text} {where}: {self.problem}"


def mm(pixels: float) -> float:
    return pixels * mm_per_pixel()


def text_height_mm(font: QFont) -> float:
    """The height of the font's capital letters on the screen, in millimetres."""
    return mm(QFontMetricsF(font).capHeight())


def _name(widget: QWidget) -> str:
    name = widget.objectName()
    kind = type(widget).__name__
    return f"{kind}#{name}" if name and not name.startswith("qt_") else kind


def widget_path(widget: QWidget) -> str:
    """``MasterScreen > RollCallPanel > QPushButton#present``: the widget and the
    named or custom widgets above it (Qt's own containers left out)."""
    parts = [_name(widget)]
    parent = widget.parentWidget()
    while parent is not None:
        custom = not type(parent).__module__.startswith("PySide6")
        named = parent.objectName() and not parent.objectName().startswith("qt_")
        if custom or named or parent.parentWidget() is None:
            parts.append(_name(parent))
        parent = parent.parentWidget()
    return " > ".join(reversed(parts))


@dataclass
class Measures:
    """What a view shows, measured: its smallest text and touch target, its pages.

    Each is (millimetres, the widget and its text), None if the view has none.
    """

    smallest_text: tuple[float, str] | None = None
    smallest_target: tuple[float, str] | None = None
    pages: list[tuple[float, str]] | None = None  # (scale to the printed page, viewer)

    def __str__(self) -> str:
        parts = []
        if self.smallest_text is not None:
            parts.append(f"smallest text {self.smallest_text[0]:.2f} mm ({self.smallest_text[1]})")
        if self.smallest_target is not None:
            mm_, what = self.smallest_target
            parts.append(f"smallest touch target {mm_:.1f} mm ({what})")
        for scale, what in self.pages or []:
            parts.append(f"page at {scale:.2f} x its printed size ({what})")
        return "; ".join(parts)


class _Checker:
    def __init__(self, root: QWidget) -> None:
        self.root = root
        self.failures: list[Failure] = []
        self.measures = Measures(pages=[])

    def _smallest(self, kind: str, value: float, widget: QWidget, text: str) -> None:
        current = getattr(self.measures, kind)
        if current is None or value < current[0]:
            short = text if len(text) <= 40 else text[:39] + "…"
            setattr(self.measures, kind, (value, f"{_name(widget)} {short!r}"))

    # --- helpers ------------------------------------------------------------------------

    def window_rect(self, widget: QWidget, rect: QRect | None = None) -> QRect:
        rect = widget.rect() if rect is None else rect
        return QRect(widget.mapTo(self.root, rect.topLeft()), rect.size())

    def fail(self, widget: QWidget, text: str, problem: str, rect: QRect | None = None) -> None:
        self.failures.append(
            Failure(widget_path(widget), text, problem, self.window_rect(widget, rect))
        )

    def text_size(self, widget: QWidget, text: str, font: QFont, rect: QRect | None = None) -> None:
        height = text_height_mm(font)
        if text.strip():
            self._smallest("smallest_text", height, widget, text)
        if text.strip() and height < MIN_TEXT_MM - 1e-9:
            self.fail(
                widget,
                text,
                f"text {height:.2f} mm high (capitals {QFontMetricsF(font).capHeight():.1f} px, "
                f"font {font.pixelSize()} px), under {MIN_TEXT_MM:g} mm",
                rect,
            )

    def target(self, widget: QWidget, text: str, rect: QRect, what: str = "touch target") -> None:
        side = min(rect.width(), rect.height())
        if side <= 0:
            return
        self._smallest("smallest_target", mm(side), widget, text or what)
        if mm(side) < MIN_TARGET_MM - 1e-9:
            self.fail(
                widget,
                text,
                f"{what} {mm(rect.width()):.1f} x {mm(rect.height()):.1f} mm "
                f"({rect.width()}x{rect.height()} px), a side under {MIN_TARGET_MM:g} mm",
                rect,
            )

    def fits_line(
        self,
        widget: QWidget,
        text: str,
        font: QFont,
        room: QRect,
        what: str = "text",
        at: QRect | None = None,
    ) -> None:
        """One line (or a few, on explicit line breaks) that must fit ``room``."""
        metrics = QFontMetricsF(font)
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        height = metrics.height() * len(lines)
        if width > room.width() + TOLERANCE_PX:
            self.fail(
                widget,
                text,
                f"{what} elided or cut: needs {width:.0f} px ({mm(width):.1f} mm) wide, "
                f"has {room.width()} px ({mm(room.width()):.1f} mm)",
                at,
            )
        elif height > room.height() + TOLERANCE_PX + metrics.descent():
            self.fail(
                widget,
                text,
                f"{what} cut: needs {height:.0f} px ({mm(height):.1f} mm) high, "
                f"has {room.height()} px ({mm(room.height()):.1f} mm)",
                at,
            )

    def fits_wrapped(
        self, widget: QWidget, text: str, font: QFont, room: QRect, at: QRect | None = None
    ) -> None:
        metrics = QFontMetrics(font)
        flags = int(Qt.TextFlag.TextWordWrap)
        needed = metrics.boundingRect(QRect(0, 0, room.width(), 100_000), flags, text)
        if needed.width() > room.width() + TOLERANCE_PX:
            self.fail(
                widget,
                text,
                f"a word does not fit: needs {needed.width()} px "
                f"({mm(needed.width()):.1f} mm) wide, has {room.width()} px",
                at,
            )
        elif needed.height() > room.height() + TOLERANCE_PX:
            self.fail(
                widget,
                text,
                f"wrapped text cut: needs {needed.height()} px ({mm(needed.height()):.1f} mm) "
                f"high, has {room.height()} px ({mm(room.height()):.1f} mm)",
                at,
            )

    # --- the walk ----------------------------------------------------------------------

    def widgets(self) -> Iterator[QWidget]:
        yield self.root
        for widget in self.root.findChildren(QWidget):
            if widget.isWindow() or not widget.isVisibleTo(self.root):
                continue
            if widget.width() <= 0 or widget.height() <= 0:
                continue
            yield widget

    def run(self) -> list[Failure]:
        for widget in self.widgets():
            if type(widget).__name__ in EXEMPT:
                continue
            self.clipped(widget)
            if isinstance(widget, QLabel):
                self.label(widget)
            elif isinstance(widget, QAbstractButton):
                self.button(widget)
            elif isinstance(widget, QComboBox):
                self.combo(widget)
            elif isinstance(widget, QTabBar):
                self.tabs(widget)
            elif isinstance(widget, QAbstractSpinBox):
                self.spin_box(widget)
            elif isinstance(widget, QLineEdit):
                self.line_edit(widget)
            elif isinstance(widget, QTextEdit | QPlainTextEdit):
                self.text_size(widget, "(text field)", widget.font())
            elif isinstance(widget, QAbstractItemView):
                self.item_view(widget)
                self.sideways(widget)
            elif isinstance(widget, QScrollBar):
                self.scroll_bar(widget)
            elif isinstance(widget, QAbstractScrollArea):
                self.sideways(widget)
            self.page(widget)
        return self.failures

    # --- cut by a parent -------------------------------------------------------------------

    def clipped(self, widget: QWidget) -> None:
        if widget is self.root:
            return
        size = widget.rect().size()
        parent = widget.parentWidget()
        while parent is not None:
            scroll = parent.parentWidget()
            if isinstance(scroll, QAbstractScrollArea) and scroll.viewport() is parent:
                return  # scrolled out of sight, not cut
            shown = QRect(widget.mapTo(parent, QPoint(0, 0)), size).intersected(parent.rect())
            if shown.width() < size.width() - TOLERANCE_PX or (
                shown.height() < size.height() - TOLERANCE_PX
            ):
                self.fail(
                    widget,
                    _text_of(widget),
                    f"cut by {_name(parent)}: {shown.width()}x{shown.height()} px of "
                    f"{size.width()}x{size.height()} px shown",
                )
                return
            if parent is self.root:
                return
            parent = parent.parentWidget()

    # --- widgets -----------------------------------------------------------------------------

    def label(self, label: QLabel) -> None:
        text = label.text()
        if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
            return
        font = label.font()
        room = label.contentsRect()
        margin = label.margin()
        room = room.adjusted(margin, margin, -margin, -margin)
        indent = label.indent()
        if indent > 0:
            room = room.adjusted(indent, 0, 0, 0)
        rich = label.textFormat() == Qt.TextFormat.RichText or (
            label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
        )
        if rich:
            document = QTextDocument()
            document.setDefaultFont(font)
            document.setDocumentMargin(0)
            document.setHtml(text)
            plain = document.toPlainText()
            self.text_size(label, plain, font)
            if label.wordWrap():
                document.setTextWidth(room.width())
            size = document.size()
            if size.width() > room.width() + TOLERANCE_PX or (
                size.height() > room.height() + TOLERANCE_PX
            ):
                self.fail(
                    label,
                    plain,
                    f"text cut: needs {size.width():.0f}x{size.height():.0f} px, "
                    f"has {room.width()}x{room.height()} px",
                )
            return
        self.text_size(label, text, font)
        if label.wordWrap():
            self.fits_wrapped(label, text, font, room)
        else:
            self.fits_line(label, text, font, room)

    def button(self, button: QAbstractButton) -> None:
        text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        self.target(button, text, button.rect())
        if not text:
            return
        font = button.font()
        self.text_size(button, text, font)
        if isinstance(button, QPushButton):
            option = QStyleOptionButton()
            button.initStyleOption(option)
            room = button.style().subElementRect(
                QStyle.SubElement.SE_PushButtonContents, option, button
            )
            if not button.icon().isNull():
                room.setWidth(room.width() - button.iconSize().width() - 4)
            self.fits_line(button, text, font, room)
        else:
            self.fits_line(button, text, font, button.contentsRect())

    def combo(self, combo: QComboBox) -> None:
        text = combo.currentText() or combo.placeholderText()
        self.target(combo, text, combo.rect())
        self.text_size(combo, text or "(combo box)", combo.font())
        if not text:
            return
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        room = combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            combo,
        )
        self.fits_line(combo, text, combo.font(), room)

    def tabs(self, bar: QTabBar) -> None:
        for index in range(bar.count()):
            if not bar.isTabVisible(index):
                continue
            rect = bar.tabRect(index)
            text = bar.tabText(index)
            self.target(bar, text, rect, "tab")
            font = QFont(bar.font())
            self.text_size(bar, text, font, rect)
            hint = bar.tabSizeHint(index)
            if rect.width() < hint.width() - TOLERANCE_PX:
                self.fail(
                    bar,
                    text,
                    f"tab elided: needs {hint.width()} px ({mm(hint.width()):.1f} mm), "
                    f"has {rect.width()} px",
                    rect,
                )
            if not bar.rect().contains(rect):
                self.fail(bar, text, "tab outside its bar (scrolled tabs)", rect)

    def spin_box(self, spin: QAbstractSpinBox) -> None:
        self.target(spin, "", spin.rect(), "field")
        self.text_size(spin, spin.text() or "(spin box)", spin.font())
        if spin.buttonSymbols() == QAbstractSpinBox.ButtonSymbols.NoButtons:
            return
        if isinstance(spin, QDateTimeEdit) and spin.calendarPopup():
            return  # no arrows: the field opens its calendar (measured as a field above)
        option = QStyleOptionSpinBox()
        spin.initStyleOption(option)
        field = spin.style().subControlRect(
            QStyle.ComplexControl.CC_SpinBox, option, QStyle.SubControl.SC_SpinBoxEditField, spin
        )
        # Room for the widest value it takes, not only the one it shows now.
        widest = max(
            (spin.textFromValue(v) for v in (spin.minimum(), spin.maximum()))
            if isinstance(spin, QSpinBox)
            else [spin.text()],
            key=len,
        )
        self.fits_line(spin, widest, spin.font(), field, "spin box value")
        for control, what in (
            (QStyle.SubControl.SC_SpinBoxUp, "spin box arrow (up)"),
            (QStyle.SubControl.SC_SpinBoxDown, "spin box arrow (down)"),
        ):
            rect = spin.style().subControlRect(
                QStyle.ComplexControl.CC_SpinBox, option, control, spin
            )
            self.target(spin, "", rect, what)

    def sideways(self, area: QAbstractScrollArea) -> None:
        """Content wider than its area, to be scrolled sideways: cut at the right
        for whoever does not think of it (a page panned by the finger, whose
        scroll bars are off, is not)."""
        bar = area.horizontalScrollBar()
        if area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            return
        if bar.maximum() > bar.minimum():
            width = area.viewport().width()
            self.fail(
                area,
                "",
                f"scrolls sideways: its content is {bar.maximum() - bar.minimum()} px "
                f"({mm(bar.maximum() - bar.minimum()):.1f} mm) wider than its {width} px",
            )

    def line_edit(self, edit: QLineEdit) -> None:
        text = edit.text() or edit.placeholderText()
        self.target(edit, text, edit.rect(), "field")
        self.text_size(edit, text or "(field)", edit.font())

    def scroll_bar(self, bar: QScrollBar) -> None:
        if bar.maximum() <= bar.minimum():
            return  # nothing to scroll: shown but not a control
        self.target(bar, "", bar.rect(), "scroll bar")

    def item_view(self, view: QAbstractItemView) -> None:
        model = view.model()
        viewport = view.viewport().rect()
        delegate = view.itemDelegate()
        text_font = getattr(delegate, "text_font", None)
        wrap = bool(getattr(view, "wordWrap", lambda: False)())
        for index in _indexes(view, model, QModelIndex()):
            rect = view.visualRect(index)
            if rect.isEmpty() or not viewport.intersects(rect):
                continue
            shown = QRect(view.viewport().mapTo(view, rect.topLeft()), rect.size())
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            if model.flags(index) & Qt.ItemFlag.ItemIsEnabled:  # touched to choose it
                self.target(view, text, shown, "list row")
            if not text:
                continue
            base = text_font(view.font()) if callable(text_font) else view.font()
            font = index.data(Qt.ItemDataRole.FontRole)
            # An item's font holds only what was set on it (bold): the rest is the view's.
            font = font.resolve(base) if isinstance(font, QFont) else base
            self.text_size(view, text, font, shown)
            room = _text_room(view, index, rect)
            if wrap:
                self.fits_wrapped(view, text, font, room, shown)
            else:
                self.fits_line(view, text, font, room, "list row text", shown)

    # --- a document page ------------------------------------------------------------------

    def page(self, widget: QWidget) -> None:
        """A document viewer's page: drawn at least at its printed size."""
        canvas = getattr(widget, "canvas", None)
        page_size = getattr(canvas, "page_size", None)
        if canvas is None or page_size is None or page_size.width() <= 0:
            return
        content = canvas.content_size()
        ratio = canvas.device_ratio()
        px_per_point = content.width() / ratio / page_size.width()
        scale = mm(px_per_point) / MM_PER_POINT
        title = getattr(widget, "title", lambda: "")()
        assert self.measures.pages is not None
        self.measures.pages.append((scale, f"{widget_path(widget)} {title!r}"))
        if scale < MIN_PAGE_SCALE - 1e-6:
            self.fail(
                widget,
                title,
                f"page drawn at {scale:.2f} of its printed size: 11 pt text looks like "
                f"{11 * scale:.1f} pt ({mm(px_per_point) * 11:.2f} mm per 11 pt, "
                f"{px_per_point:.2f} px a point)",
                canvas.geometry(),
            )


def _indexes(view: QAbstractItemView, model: object, parent: QModelIndex) -> Iterator[QModelIndex]:
    rows = model.rowCount(parent)  # type: ignore[attr-defined]
    for row in range(rows):
        index = model.index(row, 0, parent)  # type: ignore[attr-defined]
        if isinstance(view, QTreeView) and view.isRowHidden(row, parent):
            continue
        yield index
        if isinstance(view, QTreeView) and view.isExpanded(index):
            yield from _indexes(view, model, index)


def _text_room(view: QAbstractItemView, index: QModelIndex, rect: QRect) -> QRect:
    """Where the style draws a row's text: the row less its margins (and icon)."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = rect
    delegate = view.itemDelegateForIndex(index)
    if isinstance(delegate, QStyledItemDelegate):
        delegate.initStyleOption(option, index)
    else:
        return rect.adjusted(4, 0, -4, 0)
    style = view.style()
    room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
    # QCommonStyle lays the text out this much inside its room.
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option, view) + 1
    return room.adjusted(margin, 0, -margin, 0)


def _text_of(widget: QWidget) -> str:
    for attribute in ("text", "currentText", "title"):
        value = getattr(widget, attribute, None)
        if callable(value):
            try:
                text = value()
            except TypeError:
                continue
            if isinstance(text, str):
                return text
    return ""


def page_scale(viewer: QWidget) -> float:
    """A viewer's page on screen per printed millimetre (1.0: its printed size)."""
    canvas = getattr(viewer, "canvas")  # noqa: B009 (a DocumentViewer, duck-typed)
    content = canvas.content_size()
    px_per_point = content.width() / canvas.device_ratio() / canvas.page_size.width()
    return mm(px_per_point) / MM_PER_POINT


def check_view(root: QWidget) -> list[Failure]:
    """Everything too small or cut in ``root`` (a view or a dialog), as shown now."""
    return _Checker(root).run()


def measure_view(root: QWidget) -> tuple[list[Failure], Measures]:
    """``check_view``, and the smallest text and target it found, the pages' scale."""
    checker = _Checker(root)
    return checker.run(), checker.measures
