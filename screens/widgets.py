"""Widgets shared by the seat and master screens: header, agenda, deliberation."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QPainter,
    QPalette,
    QPixmap,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from table_app.council import rules
from table_app.council.state import (
    ITEM_KIND_LABELS,
    ITEM_STATUS_LABELS,
    SESSION_STATUS_LABELS,
    Item,
    ItemKind,
    ItemStatus,
    Session,
)
from table_app.french import long_date

THEME = Path(__file__).resolve().parent.parent / "resources" / "theme" / "table.qss"


def stylesheet() -> str:
    return THEME.read_text(encoding="utf-8")


def fr_date(iso: str) -> str:
    return long_date(iso)


def dialog_buttons(dialog: QDialog, accept: str) -> QDialogButtonBox:
    """The two buttons of a dialog: the action, in words, and "Annuler"."""
    buttons = QDialogButtonBox()
    buttons.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def cover_parent_window(dialog: QWidget) -> None:
    """Lay a kiosk dialog exactly over the window it belongs to (there is no
    window manager to place it), or over the primary screen without a parent.

    ``QWidget.screen()`` is avoided on purpose: the Python wrapper it returns
    dies with the window that asked, while Qt's screen lives on.
    """
    parent = dialog.parentWidget()
    if parent is not None:
        dialog.setGeometry(parent.window().geometry())
    elif (screen := QGuiApplication.primaryScreen()) is not None:
        dialog.setGeometry(screen.geometry())


def nbsp(text: str) -> str:
    """No line break just inside « … » (French typography)."""
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def repolish(widget: QWidget) -> None:
    """Apply the style sheet again to a widget whose object name changed.

    ``unpolish`` and ``polish`` alone give a shown label its new colours but
    not its padding: the text then runs into the edges of its pill (the
    quorum, a refusal). The style change event lays the padding out again.
    """
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.StyleChange))


def restyle(widget: QWidget, name: str) -> None:
    if widget.objectName() != name:
        widget.setObjectName(name)
        repolish(widget)


def card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(32, 20, 32, 24)
    layout.setSpacing(14)
    return frame, layout


class ConfirmDialog(QDialog):
    """A question before an action that cannot be undone by a touch.

    Window-modal and centred over its window (kiosk: no window manager).
    ``accepted`` is emitted when the action's button is touched.
    """

    def __init__(self, title: str, text: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")  # framed: it lies over a panel of the same grey
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(24)
        self.title = label(nbsp(title), "sectionTitle", wrap=True)
        self.text = label(text, wrap=True)
        self.text.setMinimumWidth(900)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        row.setSpacing(32)  # apart enough for a finger
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton(action)
        self.confirm_button.setObjectName("danger")
        self.confirm_button.clicked.connect(self.accept)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.confirm_button)
        layout.addLayout(row)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        parent = self.parentWidget()
        self.adjustSize()
        if parent is not None:
            self.move(parent.window().geometry().center() - self.rect().center())
        super().showEvent(event)


def _keep(kept: OrderedDict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """Keep ``value`` under ``key``, the oldest kept dropped past ``limit``."""
    kept[key] = value
    if len(kept) > limit:
        kept.popitem(last=False)


class WrappedLabel(QLabel):
    """A word-wrapped label whose sizes are measured once per text, font,
    margins and width, for every label of the table.

    ``QLabel`` lays its text out again for each size a layout asks (its size
    hints, and, not kept at all, its height for a width, asked twice per width
    by a box layout and at two widths by a scroll area, with and without its
    scroll bar): at each edit of the deliberation's text, a fifth of a seat's
    work went there, and the master's views measured the same texts at the
    same widths. What it measured is kept here, shared: a text laid out once.
    """

    _heights: ClassVar[OrderedDict[tuple[object, ...], int]] = OrderedDict()
    _hints: ClassVar[OrderedDict[tuple[object, ...], tuple[QSize, QSize]]] = OrderedDict()
    _KEPT = 4096

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        #: what decides its sizes besides the width (read again after any change)
        self._measured_as: tuple[object, ...] | None = None

    def _identity(self) -> tuple[object, ...]:
        if self._measured_as is None:
            margins = self.contentsMargins()
            self._measured_as = (
                self.text(),
                self.font().key(),
                self.textFormat().value,
                self.alignment().value,
                self.wordWrap(),
                self.margin(),
                self.indent(),
                self.frameWidth(),
                margins.left(),
                margins.top(),
                margins.right(),
                margins.bottom(),
            )
        return self._measured_as

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._measured_as = None
        super().setText(text)

    def clear(self) -> None:
        self._measured_as = None
        super().clear()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        self._measured_as = None  # a font, a style sheet, margins: measured again
        super().changeEvent(event)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        key = (width, self._identity())
        known = self._heights.get(key)
        if known is None:
            known = super().heightForWidth(width)
            _keep(self._heights, key, known, self._KEPT)
        return known

    def _size_hints(self) -> tuple[QSize, QSize]:
        key = (self.maximumWidth(), self.sizePolicy().verticalPolicy().value, self._identity())
        known = self._hints.get(key)
        if known is None:
            known = (super().sizeHint(), super().minimumSizeHint())
            _keep(self._hints, key, known, self._KEPT)
        return known

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._size_hints()[0])

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._size_hints()[1])


def label(text: str, name: str | None = None, wrap: bool = False) -> QLabel:
    widget = WrappedLabel(text) if wrap else QLabel(text)
    if name:
        widget.setObjectName(name)
    return widget


class QuorumBadge(QLabel):
    """ "Quorum atteint : 11 présents / 8 requis", green, red or orange."""

    def show_session(self, session: Session | None) -> None:
        if session is None:
            self.setText("")
            return
        check = rules.quorum(session)
        if check.met:
            name = "quorumOk"
            text = f"Quorum atteint : {check.present} présents / {check.required} requis"
        elif check.reconvened:
            name = "quorumReconvened"
            text = f"Séance reconvoquée : {check.present} présents, pas de quorum requis"
        else:
            name = "quorumKo"
            text = f"Quorum non atteint : {check.present} présents / {check.required} requis"
        self.setText(text)
        # The style sheet applied again only when the colour changes: on every
        # event it was most of a seat's redraw (repolish: 3 to 5 ms).
        restyle(self, name)


class HeaderBar(QWidget):
    """The commune, the session and its state, the quorum: always visible."""

    def __init__(self, commune: str, place: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 10, 24, 10)
        layout.setSpacing(20)
        self._title = label(commune, "headerTitle")
        self._session = label("")
        self._place = label(place, "seatName", wrap=True)  # on two lines rather than cut
        self._status = label("", "statusBadge")
        self.quorum = QuorumBadge()
        # A long place name wraps rather than widening the window past its screen.
        self._place.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self._title)
        layout.addWidget(self._session)
        layout.addWidget(self._place, 1)
        layout.addWidget(self._status)
        layout.addWidget(self.quorum)

    def set_place(self, text: str) -> None:
        self._place.setText(text)

    def show_session(self, session: Session | None) -> None:
        if session is None:
            self._session.setText("Aucune séance convoquée")
            self._status.setText("")
            self.quorum.show_session(None)
            return
        self._session.setText(fr_date(session.date))
        self._status.setText(f"Séance {SESSION_STATUS_LABELS[session.status]}")
        self.quorum.show_session(session)


class MessageBanner(QLabel):
    """A refusal or a warning, in words, until it is read (or 12 s pass)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)

    def show_refusal(self, message: str) -> None:
        self._show(message, "refusal")

    def show_notice(self, message: str) -> None:
        self._show(message, "notice")

    def _show(self, message: str, kind: str) -> None:
        self.setObjectName(kind)
        self.setText(message)
        repolish(self)
        self.show()
        self._timer.start(12_000)

    def mousePressEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self.hide()


def item_line(position: int, item: Item) -> str:
    kind = "" if item.kind is ItemKind.DELIBERATION else f" ({ITEM_KIND_LABELS[item.kind]})"
    state = ITEM_STATUS_LABELS[item.status]
    if item.number:
        state = f"{state} — n° {item.number}"
    return f"{position}. {item.title}{kind}\n      {state}"


#: The palette's colours a list's row is drawn with (its text, its selection).
_ROW_COLOURS = (
    QPalette.ColorRole.Text,
    QPalette.ColorRole.HighlightedText,
    QPalette.ColorRole.Highlight,
    QPalette.ColorRole.Base,
    QPalette.ColorRole.AlternateBase,
)

#: What a row shows, in one value (its text, font, colours), where a list sets
#: it: its picture and size are then kept by what it shows, not by its place
#: (``PicturedRows``), and a row changed to a look prepared ahead finds it.
ROW_LOOK = Qt.ItemDataRole.UserRole + 1

#: What a row of the ordre du jour holds besides its point's id.
_ROW_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ForegroundRole,
    ROW_LOOK,
)


@cache
def _row_brush(colour: str) -> QBrush:
    """A row's colour, made once (rows restyled at each take-up and vote)."""
    return QBrush(QColor(colour))


@cache
def _bold_row_font() -> QFont:
    """The font of the row under discussion: the list's own, bold (only the
    weight is set: the rest comes from the list's font when it is drawn)."""
    font = QFont()
    font.setBold(True)
    return font


def _row_key(index: QModelIndex | QPersistentModelIndex) -> object:
    """What a row's own kept picture and size go by: what it shows, where
    its list says it (``ROW_LOOK``), else its place."""
    look = index.data(ROW_LOOK)
    return index.row() if look is None else look


class PicturedRows(QStyledItemDelegate):
    """A list's rows painted from a picture of each, kept while the row does
    not change.

    The style shapes the text of a row anew at each paint (0.2 to 0.3 ms a
    row), and draws the rounded border of the mayor's « ne prennent pas
    part » names with arcs: a point taken up repaints rows of the ordre du
    jour in every view, and all of the names. Pictures are kept twice: by
    row, until the list's model changes, and by what decides them (the list,
    its style sheets, the text, font, width, state...), shared by the lists
    of every view of the table, which show the same rows at the same widths.
    A list whose rows say what they show (``ROW_LOOK``) has its own kept by
    that, not by row: a row restyled finds the picture made ahead for it
    (``WrappedRows.prepare``) without the shared key built again (~0.1 ms a
    row, each row a take-up or a vote changes, in every view).
    """

    #: Rows as painted, by what decides their look: 0.2 to 0.25 MB a row of
    #: a seat's list, so a few states of a long ordre du jour in two or three
    #: widths (512 kept up to 110 MB in a process, most of it rows no longer
    #: shown as they were).
    _looks: ClassVar[OrderedDict[tuple[object, ...], QPixmap]] = OrderedDict()
    _LOOKS_KEPT = 128
    #: This list's pictures (shared with the above while both keep them): a
    #: row shown by what it shows has a few looks in a session (to examine,
    #: under discussion, voted), each kept while the model is the same.
    _ROW_LOOKS_KEPT = 64

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self._view = view
        self._sheets_key: int | None = None
        #: (row or what it shows, width, height, state, pixel ratio) → picture
        self._row_looks: OrderedDict[tuple[object, int, int, int, float], QPixmap] = OrderedDict()
        model = view.model()
        model.dataChanged.connect(self._forget_changed)
        model.modelReset.connect(self.forget_rows)
        for moved in (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.layoutChanged):
            moved.connect(self._forget_placed)

    def forget_rows(self, *_changed: object) -> None:
        """The list's rows changed: their pictures are made again."""
        self._row_looks.clear()

    def _forget_placed(self, *_changed: object) -> None:
        """Rows came, went or moved: what was kept by place is no longer
        theirs; what was kept by what a row shows still is (``ROW_LOOK``)."""
        for placed in [key for key in self._row_looks if isinstance(key[0], int)]:
            del self._row_looks[placed]

    def _forget_changed(self, first: QModelIndex, last: QModelIndex, *_roles: object) -> None:
        """Rows ``first`` to ``last`` changed: theirs are asked again, not the others'."""
        changed = range(first.row(), last.row() + 1)
        for look in [key for key in self._row_looks if key[0] in changed]:
            del self._row_looks[look]

    def _sheets(self) -> int:
        """What the style sheets say of a row's padding and colours is part of
        its size and look (read again after ``style_changed``)."""
        if self._sheets_key is None:
            app = QApplication.instance()
            self._sheets_key = hash(
                (app.styleSheet() if isinstance(app, QApplication) else "", self._view.styleSheet())
            )
        return self._sheets_key

    def style_changed(self) -> None:
        """The view's or the application's style sheet changed (the view's ``StyleChange``)."""
        self._sheets_key = None
        self.forget_rows()

    def _shown(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QStyleOptionViewItem:
        """The row's option as the style gets it (its text, font, colours)."""
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        return shown

    def _list_key(self) -> tuple[str, int]:
        """The list and its style sheets, for what is kept for every list."""
        return (self._view.objectName() or type(self._view).__name__, self._sheets())

    def _decided_by(self, shown: QStyleOptionViewItem) -> tuple[str, int, str, str]:
        """What decides a row's size and look besides its width: the list, its
        style sheets, the row's text and font."""
        return (*self._list_key(), shown.text, shown.font.key())

    def paint(  # Qt override
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect = option.rect
        ratio = painter.device().devicePixelRatioF()
        mine = (_row_key(index), rect.width(), rect.height(), option.state.value, ratio)
        look = self._row_looks.get(mine)
        if look is None:
            look = self._look(option, index, ratio)
            _keep(self._row_looks, mine, look, self._ROW_LOOKS_KEPT)
        painter.drawPixmap(rect.topLeft(), look)

    def _look(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        ratio: float,
    ) -> QPixmap:
        """The row as the style paints it, on a picture of its size filled with
        the list's background."""
        shown = self._shown(option, index)
        rect = option.rect
        viewport = self._view.viewport()
        background = viewport.palette().color(viewport.backgroundRole())
        brush, palette = shown.backgroundBrush, shown.palette  # (each read is a copy)
        key = (
            *self._decided_by(shown),
            background.rgba(),
            rect.width(),
            rect.height(),
            ratio,
            shown.state.value,
            shown.features.value,
            brush.color().rgba(),
            brush.style().value,
            tuple(palette.color(role).rgba() for role in _ROW_COLOURS),
        )
        look = self._looks.get(key)
        if look is not None:
            self._looks.move_to_end(key)
            return look
        look = QPixmap(QSize(round(rect.width() * ratio), round(rect.height() * ratio)))
        look.setDevicePixelRatio(ratio)
        # On the list's own background, opaque: its text antialiased as the
        # rest of the screen's (on a transparent picture, grey antialiasing).
        look.fill(background)
        at_origin = QStyleOptionViewItem(option)
        at_origin.rect = QRect(0, 0, rect.width(), rect.height())
        drawing = QPainter(look)
        try:
            super().paint(drawing, at_origin, index)
        finally:
            drawing.end()
        _keep(self._looks, key, look, self._LOOKS_KEPT)
        return look


class WrappedRows(PicturedRows):
    """A list's rows as tall as their text wrapped at the width it is drawn at,
    painted from kept pictures (``PicturedRows``).

    Qt's own estimate may wrap a row a few pixels wider than it paints it: a
    title then takes one more line than its row has, and the last line (the
    point's state) is cut.

    A list asks a row's size many times a repaint: a point taken up or voted
    rebuilds the ordre du jour, repainted in every view. Sizes are kept, as
    the pictures are, by row and by what decides them.
    """

    #: A row's size by what decides it (the list, its text, font and width):
    #: a row's size took 0.5 to 1 ms to measure (12 ms a list of nine points).
    _sizes: ClassVar[OrderedDict[tuple[str, int, str, str, int], QSize]] = OrderedDict()
    _SIZES_KEPT = 2048

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        #: this list's rows, until its model changes: (row or what it shows, width) → size
        self._row_sizes: dict[tuple[object, int], QSize] = {}

    def forget_rows(self, *_changed: object) -> None:
        """The list's rows changed: their sizes and pictures are asked again."""
        super().forget_rows()
        self._row_sizes.clear()

    def _forget_changed(self, first: QModelIndex, last: QModelIndex, *_roles: object) -> None:
        super()._forget_changed(first, last)
        changed = range(first.row(), last.row() + 1)
        for size in [key for key in self._row_sizes if key[0] in changed]:
            del self._row_sizes[size]

    def _forget_placed(self, *_changed: object) -> None:
        super()._forget_placed()
        for placed in [key for key in self._row_sizes if isinstance(key[0], int)]:
            del self._row_sizes[placed]

    def row_sizes(self, index: QModelIndex | QPersistentModelIndex) -> dict[int, QSize]:
        """What is kept of the size of the row at ``index`` (by width), to give
        back with ``keep_row_sizes`` when a change of the row leaves its size
        as it was."""
        mine = _row_key(index)
        return {width: size for (row, width), size in self._row_sizes.items() if row == mine}

    def keep_row_sizes(
        self, index: QModelIndex | QPersistentModelIndex, sizes: dict[int, QSize]
    ) -> None:
        """The row at ``index``, as it is now, has ``sizes`` (``row_sizes``)."""
        mine = _row_key(index)
        for width, size in sizes.items():
            self._row_sizes[(mine, width)] = size

    def prepare(self, row: QListWidgetItem, position: int) -> None:
        """Measure and picture ``row`` ahead, as this list would show it at
        ``position`` (selected, with the focus, as that row is now; at the
        list's present width), into the sizes and pictures shared by every
        list: when the list comes to show it, it is found, not made.

        A row pictured anew costs the style two layouts of its text (~1 ms):
        for the rows a take-up will change, that was a sixth of a seat's work
        between the event and its repaint.
        """
        view = self._view
        width = view.viewport().width() - 2 * view.spacing()
        if width <= 0:
            return
        # The row in a model of its own: the delegate reads a row through its index.
        scratch = QStandardItemModel(1, 1)
        cell = QStandardItem()
        for role in _ROW_ROLES:
            cell.setData(row.data(role), role)
        scratch.setItem(0, 0, cell)
        index = scratch.index(0, 0)
        # The option the list paints a row with (QListView::paintEvent).
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        if view.isEnabled():
            option.palette.setCurrentColorGroup(QPalette.ColorGroup.Normal)
        there = view.model().index(position, 0)
        if view.selectionModel().isSelected(there):
            option.state |= QStyle.StateFlag.State_Selected
        if (view.hasFocus() or view.viewport().hasFocus()) and view.currentIndex() == there:
            option.state |= QStyle.StateFlag.State_HasFocus
        size = self._size(option, index, width)
        option.rect = QRect(0, 0, size.width(), size.height())
        ratio = view.viewport().devicePixelRatioF()
        look = self._look(option, index, ratio)
        shows = index.data(ROW_LOOK)
        if shows is not None:  # this list's own, found by what the row will show
            self._row_sizes[(shows, width)] = QSize(size)
            mine = (shows, size.width(), size.height(), option.state.value, ratio)
            _keep(self._row_looks, mine, look, self._ROW_LOOKS_KEPT)

    def sizeHint(  # noqa: N802 (Qt override)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        row = self._view.viewport().width() - 2 * self._view.spacing()
        mine = (_row_key(index), row)
        known = self._row_sizes.get(mine)
        if known is None:
            known = self._row_sizes[mine] = self._size(option, index, row)
        return QSize(known)

    def _size(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        row: int,
    ) -> QSize:
        return self._size_shown(option, index, self._shown(option, index), row)

    def _size_shown(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        shown: QStyleOptionViewItem,
        row: int,
    ) -> QSize:
        """The size of a row showing ``shown``'s text and font, ``row`` wide."""
        key = (*self._decided_by(shown), row)
        known = self._sizes.get(key)
        if known is None:
            known = self._measure(option, index, shown, row)
            _keep(self._sizes, key, known, self._SIZES_KEPT)
        return known

    def _measure(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        shown: QStyleOptionViewItem,
        row: int,
    ) -> QSize:
        if not shown.text:
            return super().sizeHint(option, index)
        padding, room = self._frame(shown, row)
        if room <= 0:
            return super().sizeHint(option, index)
        flags = int(Qt.TextFlag.TextWordWrap)
        text = QFontMetrics(shown.font).boundingRect(QRect(0, 0, room, 100_000), flags, shown.text)
        return QSize(row, max(padding[0], text.height() + padding[1]))

    #: (list, style sheets, font, features, width) → (one line's row height,
    #: the row's height around its text), and the text's room in the row
    _frames: ClassVar[OrderedDict[tuple[object, ...], tuple[tuple[int, int], int]]] = OrderedDict()

    def _frame(self, shown: QStyleOptionViewItem, row: int) -> tuple[tuple[int, int], int]:
        """What a row puts around its text, whatever the text: the style's size
        of a one-line row and its text's room, in a row as wide as the view.

        The style's own size of the row's text would lay the text out once more
        (wrapped at its own width, the one this delegate does not trust), for
        each new row: two of a point taken up, in each list of each view.
        """
        key = (*self._list_key(), shown.font.key(), shown.features.value, row)
        known = self._frames.get(key)
        if known is None:
            probe = QStyleOptionViewItem(shown)
            probe.text = "x"
            style = self._view.style()
            one_line = style.sizeFromContents(
                QStyle.ContentsType.CT_ItemViewItem, probe, QSize(), self._view
            )
            # The text's room in a row as wide as the view, as the style paints it.
            probe.rect = QRect(0, 0, row, one_line.height())
            room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, probe, self._view)
            # The style lays the text out that much inside its room (QCommonStyle).
            margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, probe, self._view)
            room.adjust(margin + 1, 0, -margin - 1, 0)
            known = ((one_line.height(), one_line.height() - room.height()), room.width())
            _keep(self._frames, key, known, self._SIZES_KEPT)  # a splitter dragged: many widths
        return known


class NameChips(PicturedRows):
    """Names side by side to touch (the mayor's « ne prennent pas part »),
    painted from kept pictures: the style drew each name's rounded border
    anew, 1.4 ms for the list at each point taken up, where the names are
    the same. Kept apart from the ordre du jour's rows, not to push them out.
    """

    _looks: ClassVar[OrderedDict[tuple[object, ...], QPixmap]] = OrderedDict()
    _LOOKS_KEPT = 96
    #: A name's size by the list, its style sheets, the name and font: Qt's
    #: list asks each name's size to place it at every paint, and the style
    #: laid its text out for each (a quarter of the list's repaint).
    _sizes: ClassVar[OrderedDict[tuple[object, ...], QSize]] = OrderedDict()
    _SIZES_KEPT = 96

    def sizeHint(  # noqa: N802 (Qt override)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        key = (*self._list_key(), index.data(), option.font.key())
        known = self._sizes.get(key)
        if known is None:
            known = super().sizeHint(option, index)
            _keep(self._sizes, key, known, self._SIZES_KEPT)
        return QSize(known)


#: What marks the point under discussion in the ordre du jour, before its line.
UNDER_DISCUSSION_MARK = "▶ "


def _unmarked(line: str) -> str:
    return line.removeprefix(UNDER_DISCUSSION_MARK)


class AgendaRows(WrappedRows):
    """The ordre du jour's rows, each as tall as it is under discussion.

    The point under discussion is bold, after « ▶ »: its title may take one
    more line than when it is not. Each row keeps the height of its bolder
    self whatever its state, so taking up a point changes no row's height:
    the rows below do not move under a councillor's finger as the mayor goes
    from point to point, and the list is not laid out again. A relayout
    repainted the whole list in every view (each row through this delegate,
    on the backgrounds of the five widgets under it) where the two rows
    restyled are repainted now.
    """

    def _size(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        row: int,
    ) -> QSize:
        shown = self._shown(option, index)
        size = self._size_shown(option, index, shown, row)
        if not shown.text or shown.font.bold():
            return size  # the point under discussion, or no point
        taken = QStyleOptionViewItem(shown)
        taken.text = UNDER_DISCUSSION_MARK + shown.text
        bold = QFont(shown.font)
        bold.setBold(True)
        taken.font = bold
        return size.expandedTo(self._size_shown(option, index, taken, row))


class OpaqueRowsList(QListWidget):
    """A list whose rows are drawn on an opaque viewport.

    The viewport is filled with the list's background: Qt then paints
    nothing under it when rows change (the screen's background, the list's
    rounded frame drawn by the style sheet, the widgets between): a sixth of
    a seat's repaint at a point taken up, a fifth of the repaint of the
    mayor's names to touch. The style sheet turns a viewport's filling off
    when it polishes the list (the frame paints the background, rounded): on
    again after. The viewport is inset from the frame (radius 8 px), whose
    rounded corners its square ones would cover.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewportMargins(3, 3, 3, 3)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # After the style polished the list, or again (a style sheet set).
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange):
            viewport = self.viewport()
            if not viewport.autoFillBackground():
                viewport.setAutoFillBackground(True)
        return handled


class AgendaList(OpaqueRowsList):
    """The ordre du jour, the point under discussion highlighted.

    Signals:
        item_chosen(str): an item id was tapped.
    """

    item_chosen = Signal(str)

    #: How long after a change the rows the next take-up would change are
    #: prepared: once this list and the table's other screens have repainted
    #: the change (a mayor's next action comes seconds later).
    AHEAD_MS = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The rows are wrapped at the width they are drawn at: with a scroll bar
        # that came after they were laid out, a point's last line would be cut.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self._rows = AgendaRows(self)
        self.setItemDelegate(self._rows)
        self.itemClicked.connect(self._on_self_item_clicked)
        #: (point, its line, under discussion, its state) of each row shown
        self._shown: list[tuple[str, str, bool, ItemStatus]] = []
        #: the session shown, for the rows prepared ahead (``_prepare_ahead``)
        self._session: Session | None = None
        #: the table's last register number of each year (its state's), for
        #: the number the next vote takes: without it, the session's first
        #: vote is not prepared ahead (its number is guessed from the session's)
        self.register: Callable[[], Mapping[int, int]] | None = None
        self._ahead = QTimer(self)
        self._ahead.setSingleShot(True)
        self._ahead.setInterval(self.AHEAD_MS)
        self._ahead.timeout.connect(self._prepare_ahead)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.StyleChange:
            self._rows.style_changed()
        super().changeEvent(event)

    def show_session(self, session: Session | None) -> None:
        agenda = [] if session is None else session.agenda()
        rows = [
            (i.id, item_line(n, i), session is not None and i.id == session.current_item, i.status)
            for n, i in enumerate(agenda, start=1)
        ]
        if rows == self._shown:
            return  # nothing changed: no rebuild, no repaint
        before, self._shown = self._shown, rows
        self._session = session
        if session is None:
            self.clear()
            return
        self._ahead.start()
        if [row[0] for row in rows] != [row[0] for row in before]:
            if not self._rearrange(session, agenda, before):
                self._rebuild(session, agenda)
            return
        # The same points in the same order (a point taken up, voted, a title
        # edited): only the rows that changed are restyled and repainted. A
        # rebuild made every row measured and painted again, in each view, at
        # each take-up.
        taller_or_shorter = False
        for position, (item, now, then) in enumerate(zip(agenda, rows, before, strict=True)):
            if now != then:
                fresh = self._row_data(position + 1, item, session.current_item)
                taller_or_shorter |= self._restyle(position, fresh)
        # The list is laid out again only when a changed row's height did (the
        # bold title of the point taken up may take one more line, a title
        # edited one less): see ``dataChanged``. At once, not at the list's
        # next timer: that came after the window's repaint under way, which
        # then drew the old list (a seat reported its repaint done before its
        # ordre du jour's: the seven-seat benchmark measured too early).
        if taller_or_shorter:
            self.doItemsLayout()

    def _rearrange(
        self,
        session: Session,
        agenda: list[Item],
        before: list[tuple[str, str, bool, ItemStatus]],
    ) -> bool:
        """Points added to the ordre du jour, withdrawn from it or moved (a
        councillor's proposal accepted): their rows come and go, the rows whose
        line changed (a number after a point placed before them) are restyled,
        and the others stay as they were, neither measured nor pictured again.
        A rebuild made and painted every row anew, in every view. False when
        no point of the ordre du jour shown is still there (another session).
        """
        rows = self._shown
        then = [row[0] for row in before]
        now = [row[0] for row in rows]
        steps = SequenceMatcher(None, then, now, autojunk=False).get_opcodes()
        if not any(step == "equal" for step, *_places in steps):
            return False
        selected = self.selected_id()
        made: set[str] = set()
        # From the end: the rows before a step are still those shown before.
        for step, first, last, new_first, new_last in reversed(steps):
            if step == "equal":
                continue
            for place in reversed(range(first, last)):
                self.takeItem(place)
            for place, position in enumerate(range(new_first, new_last), start=first):
                item = agenda[position]
                fresh = self._row(position + 1, item, session.current_item)
                self.insertItem(place, fresh)
                if item.id == selected:
                    fresh.setSelected(True)
                made.add(item.id)
        kept = dict(zip(then, before, strict=True))
        for position, (item, row) in enumerate(zip(agenda, rows, strict=True)):
            if item.id not in made and kept[item.id] != row:
                self._restyle(position, self._row_data(position + 1, item, session.current_item))
        # Rows came or went: the list is laid out again at once (see ``_rebuild``).
        self.doItemsLayout()
        return True

    def _restyle(self, position: int, data: dict[int, object]) -> bool:
        """Row ``position`` shows ``data`` (``_row_data``); whether its height changed."""
        mine = self.item(position)
        index = self.indexFromItem(mine)
        # The same words, marked or not as under discussion: the same height
        # (``AgendaRows``), not measured again.
        same_words = _unmarked(mine.text()) == _unmarked(str(data[Qt.ItemDataRole.DisplayRole]))
        height = None if same_words else self.sizeHintForIndex(index).height()
        # Its size is asked at each of its rectangle's uses (Qt's list measures
        # a row to place it): kept, not measured anew.
        sizes = self._rows.row_sizes(index) if same_words else {}
        # One change told for the row, not one a role: the view asks the row's
        # size at each (a new text measured four times).
        model = self.model()
        blocked = model.blockSignals(True)
        try:
            for role, value in data.items():
                mine.setData(role, value)
        finally:
            model.blockSignals(blocked)
        model.dataChanged.emit(index, index, list(_ROW_ROLES))
        self._rows.keep_row_sizes(index, sizes)
        return height is not None and self.sizeHintForIndex(index).height() != height

    def _prepare_ahead(self) -> None:
        """Prepare the rows the mayor's likely next actions change: the point
        under discussion voted, or left for the next point on the ordre du
        jour, taken up (``WrappedRows.prepare``). A guess: another action
        finds its rows made as before."""
        session = self._session
        if session is None or not self.isVisible():
            return
        agenda = session.agenda()
        ids = [item.id for item in agenda]
        current = session.current_item
        after = ids.index(current) + 1 if current in ids else 0
        if current in ids:
            under_way = agenda[after - 1]
            self._rows.prepare(self._row(after, under_way, None), after - 1)
            number = _next_number(session, self.register() if self.register else None)
            if under_way.status is ItemStatus.UNDER_DISCUSSION and number is not None:
                voted = copy.copy(under_way)
                voted.status, voted.number = ItemStatus.VOTED, number
                self._rows.prepare(self._row(after, voted, current), after - 1)
        coming = next_point(session)
        if coming is not None:
            taken = copy.copy(agenda[coming])
            taken.status = (
                ItemStatus.PRESENTED
                if taken.kind is ItemKind.INFORMATION
                else ItemStatus.UNDER_DISCUSSION
            )
            self._rows.prepare(self._row(coming + 1, taken, taken.id), coming)

    def dataChanged(  # noqa: N802 (Qt override)
        self,
        first: QModelIndex | QPersistentModelIndex,
        last: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """A row's data changed: that row is repainted, the list not laid out.

        Qt 6's list lays itself out again at its next timer and then repaints
        every row, through this delegate (~50 µs a row), at any change of a
        row's data: at a take-up or a vote, in every view. The item view's own
        handling repaints the changed rows alone; ``show_session`` lays the
        list out again when a changed row's height changed.
        """
        QAbstractItemView.dataChanged(self, first, last, roles)

    def _rebuild(self, session: Session, agenda: list[Item]) -> None:
        selected = self.selected_id()
        self.clear()
        for position, item in enumerate(agenda, start=1):
            row = self._row(position, item, session.current_item)
            self.addItem(row)
            if item.id == selected:
                row.setSelected(True)
        # Laid out at once, not at the view's next timer: the window's repaint
        # under way then draws the new ordre du jour, not the old one first.
        self.doItemsLayout()

    @classmethod
    def _row(cls, position: int, item: Item, current: str | None) -> QListWidgetItem:
        """A point's row (``_row_data``)."""
        row = QListWidgetItem()
        row.setData(Qt.ItemDataRole.UserRole, item.id)
        for role, value in cls._row_data(position, item, current).items():
            if value is not None:
                row.setData(role, value)
        return row

    @staticmethod
    def _row_data(position: int, item: Item, current: str | None) -> dict[int, object]:
        """What a point's row shows, by role (``_ROW_ROLES``): its line, bold
        and highlighted when under discussion, coloured by its state.

        Given to a row restyled as values, not as a row made for it and read
        back (its colours parsed, its font copied, each role read): a take-up's
        ordre du jour 0.55–0.62 → 0.48–0.57 ms in-process, in every view."""
        text = item_line(position, item)
        font: QFont | None = None
        background: QBrush | None = None
        colour = ""
        if item.id == current:
            font = _bold_row_font()
            text = UNDER_DISCUSSION_MARK + text
            background = _row_brush("#fff0a8")
            colour = "#000091"
        elif item.status in (ItemStatus.WITHDRAWN, ItemStatus.DEFERRED):
            colour = "#666666"
        elif item.status is ItemStatus.VOTED:
            colour = "#18753c"
        foreground = _row_brush(colour) if colour else None
        # The text says whether it is under discussion (bold, highlighted).
        return {
            Qt.ItemDataRole.DisplayRole: text,
            Qt.ItemDataRole.FontRole: font,
            Qt.ItemDataRole.BackgroundRole: background,
            Qt.ItemDataRole.ForegroundRole: foreground,
            ROW_LOOK: f"{colour} {text}",
        }

    def selected_id(self) -> str | None:
        rows = self.selectedItems()
        return str(rows[0].data(Qt.ItemDataRole.UserRole)) if rows else None

    def _on_self_item_clicked(self, row: QListWidgetItem) -> None:
        self.item_chosen.emit(str(row.data(Qt.ItemDataRole.UserRole)))


def next_point(session: Session) -> int | None:
    """Where the point the mayor will likely take up next stands in the ordre
    du jour (0 for the first): the first still to examine after the point
    under discussion, from the start before any; None after the last."""
    agenda = session.agenda()
    ids = [item.id for item in agenda]
    after = ids.index(session.current_item) + 1 if session.current_item in ids else 0
    return next(
        (n for n in range(after, len(agenda)) if agenda[n].status is ItemStatus.PENDING), None
    )


def _deliberation_text(item: Item) -> str:
    """The text of the point as a seat shows it, its version when edited."""
    version = f" (version {item.texts[-1].version})" if len(item.texts) > 1 else ""
    return item.text + version if item.text else "Pas de projet de texte."


def _next_number(session: Session, last_numbers: Mapping[int, int] | None = None) -> str | None:
    """The register number the session's next deliberation voted will likely
    take (``decide._numbered``: the year's last one, plus one): from the
    table's last numbers by year when given (``AgendaList.register``), else
    guessed from the session's own, None before its first."""
    year = session.date[:4]
    if last_numbers is not None and year.isdigit():
        return f"{year}-{last_numbers.get(int(year), 0) + 1:03d}"
    taken = [
        int(item.number[5:])
        for item in session.items
        if item.number and item.number.startswith(f"{year}-") and item.number[5:].isdigit()
    ]
    return f"{year}-{max(taken) + 1:03d}" if taken else None


def vote_summary(session: Session, item: Item) -> tuple[str, str]:
    """The result as a seat may show it (totals; names only for a public ballot)."""
    if item.rounds:
        last = item.rounds[-1]
        if last["elected"]:
            return (f"Élu(e) : {session.name(last['elected'])} — {last['reason']}", "adopted")
        return (f"Tour {last['round']} : {last['reason']}", "muted")
    vote = item.vote
    if vote is None:
        return ("", "muted")
    abst = "blancs ou nuls" if vote["mode"] == "secret" else "abstentions"
    result = "ADOPTÉ" if vote["result"] == "adopte" else "REJETÉ"
    text = (
        f"{result} — {vote['pour']} pour, {vote['contre']} contre, {vote['abstention']} "
        f"{abst} ({vote['votants']} votants)"
    )
    if vote["mode"] == "public":
        by_choice: dict[str, list[str]] = {}
        for member, choice in vote["ballots"].items():
            by_choice.setdefault(choice, []).append(session.name(member))
        for choice in ("pour", "contre", "abstention"):
            if by_choice.get(choice):
                text += f"\n{choice.capitalize()} : {', '.join(by_choice[choice])}"
    for member, why in vote["set_aside"]:
        text += f"\nNe prend pas part au vote : {session.name(member)} ({why})"
    return (text, "adopted" if vote["result"] == "adopte" else "rejected")


class _DeliberationBody(QWidget):
    """The deliberation panel's contents, hinting its layout's size.

    ``QWidget.sizeHint`` adds the height for the hint's width: the scroll
    area asks the hint after each change of a text (to bound the contents'
    minimum size, which takes its width and height from the minimum hint
    here), and each wrapped text was laid out once more, at its natural
    width, after the repaint: at a point taken up, a vote, each edit, in
    every view. The layout's own hint comes from its items' hints, each
    label's at its own natural width (kept): no text wrapped at one more
    width. The panel's own hint, bounded by Qt, is the only other use.
    """

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        return super().sizeHint() if layout is None else layout.sizeHint()


class DeliberationPanel(QScrollArea):
    """The point under discussion: object, rapporteur, the text as edited, the result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = _DeliberationBody()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(14)
        self.kind = label("", "sectionTitle")
        self.title = label("", "itemTitle", wrap=True)
        self.rapporteur = label("", "muted")
        # Not selectable: on a touch seat a finger's drag only highlighted words,
        # and a selectable label lays its text out twice as often (1.7 ms a
        # redraw instead of 0.7, in every view, on each edit the mayor makes).
        self.text = label("", wrap=True)
        self.result = label("", wrap=True)
        for widget in (self.kind, self.title, self.rapporteur, self.text, self.result):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)
        #: the session shown, for the next point measured ahead, and (session, point)
        self._session: Session | None = None
        self._shown: tuple[str, str] | None = None
        #: hidden twins of the title and the text, styled as they are, which
        #: measure the next point's into the sizes every wrapped label shares
        self._twins: dict[int, WrappedLabel] = {}
        self._ahead = QTimer(self)
        self._ahead.setSingleShot(True)
        self._ahead.setInterval(AgendaList.AHEAD_MS)
        self._ahead.timeout.connect(self._prepare_ahead)

    def show_item(self, session: Session | None, item: Item | None) -> None:
        if session is None or item is None:
            self.kind.setText("Aucun point en discussion")
            for widget in (self.title, self.rapporteur, self.text, self.result):
                widget.setText("")
            return
        position = next((n for n, i in enumerate(session.agenda(), 1) if i.id == item.id), 0)
        self.kind.setText(
            f"Point {position} — délibération n° {item.number}"
            if item.number
            else f"Point {position} — {ITEM_KIND_LABELS[item.kind]}"
        )
        self.title.setText(item.title)
        self.rapporteur.setText(
            f"Rapporteur : {session.name(item.rapporteur)}" if item.rapporteur else ""
        )
        self.text.setText(_deliberation_text(item))
        if (session.id, item.id) != self._shown:
            self._ahead.start()  # another point: the next one measured ahead
        self._session, self._shown = session, (session.id, item.id)
        text, style = vote_summary(session, item)
        self.result.setText(text)
        # The style sheet again only for a new colour, and not for no text (a
        # point taken up, not voted yet): applied again, it was ~0.6 ms of a
        # seat's take-up, and as much at the vote to give the colour back.
        if text:
            restyle(self.result, style)

    def _prepare_ahead(self) -> None:
        """Measure the title and the text of the point the mayor will likely
        take up next (``next_point``), at the width they are shown: when it
        is, the panel is laid out from sizes found, not measured (each new
        wrapped text laid out once more, in every seat, at the take-up)."""
        session = self._session
        if session is None or not self.isVisible():
            return
        coming = next_point(session)
        if coming is None:
            return
        item = session.agenda()[coming]
        # At the width shown, and at the width the scroll bar would make it if
        # the next point's text brought it, or took it away.
        bar = self.verticalScrollBar().sizeHint().width()
        turn = bar if self.verticalScrollBar().isVisible() else -bar
        for shown, text in ((self.title, item.title), (self.text, _deliberation_text(item))):
            twin = self._twins.get(id(shown))
            if twin is None:
                twin = self._twins[id(shown)] = WrappedLabel("", shown.parentWidget())
                twin.setObjectName(shown.objectName())
                twin.hide()
            twin.setText(text)
            twin.ensurePolished()
            twin.heightForWidth(shown.width())
            twin.heightForWidth(shown.width() + turn)
            twin.sizeHint()
            twin.minimumSizeHint()
