"""The pad on which the mayor and the secretary draw their handwritten signature,
with a finger, a stylus or the mouse, and the dialog of the master screen around it.

The strokes leave the pad normalised to its size (see ``table_app.handwriting``),
so the export draws them at any size without stretching them.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QEvent, QLineF, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QEventPoint,
    QFont,
    QInputDevice,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QShowEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.widgets import MessageBanner, cover_parent_window, dialog_buttons, label
from table_app.handwriting import (
    INK,
    MAX_POINTS,
    ROLE_LABELS,
    ROLES,
    Handwriting,
    HandwritingError,
    Stroke,
)

log = logging.getLogger("screens")

PAPER = QColor("#ffffff")
RULE = QColor("#929292")
HINT = QColor("#b8b8c8")
INK_COLOR = QColor.fromRgbF(*INK)

#: Points closer than this (pixels) to the last one add nothing but noise.
MIN_STEP_PX = 3.0
#: A first stroke smaller than this (pixels) is a stray touch, not the start of a signature.
TINY_STROKE_PX = 8.0
#: Where the baseline runs, as a share of the pad's height.
BASELINE = 0.72

_TOUCH_EVENTS = (
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TouchEnd,
    QEvent.Type.TouchCancel,
)


class SignaturePad(QWidget):
    """A white drawing surface with a baseline, drawn on by touch or mouse.

    One finger draws; other fingers (a palm, a second hand) are ignored. Mouse
    events that Qt synthesizes from touch are ignored too, so a touch never
    draws twice.

    Signals:
        changed(): a stroke was added, or the pad was cleared.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signaturePad")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(600, 240)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[tuple[float, float]]] = []
        self._current: list[tuple[float, float]] | None = None
        self._touch_id: int | None = None
        self._points = 0

    # --- what was drawn -----------------------------------------------------

    def is_empty(self) -> bool:
        return not self._strokes and not self._current

    def strokes(self) -> tuple[Stroke, ...]:
        """The finished strokes, x and y in 0..1 of the pad's width and height."""
        return tuple(
            tuple((round(x, 5), round(y, 5)) for x, y in stroke) for stroke in self._strokes
        )

    def aspect(self) -> float:
        """Width / height of the pad, to keep the signature's proportions."""
        return self.width() / max(1, self.height())

    def clear(self) -> None:
        had_ink = not self.is_empty()
        self._strokes.clear()
        self._current = None
        self._touch_id = None
        self._points = 0
        self.update()
        if had_ink:
            self.changed.emit()

    # --- drawing ------------------------------------------------------------

    def _normalised(self, position: QPointF) -> tuple[float, float]:
        x = min(max(position.x() / max(1, self.width()), 0.0), 1.0)
        y = min(max(position.y() / max(1, self.height()), 0.0), 1.0)
        return (x, y)

    def _pixels(self, point: tuple[float, float]) -> QPointF:
        return QPointF(point[0] * self.width(), point[1] * self.height())

    def _begin(self, position: QPointF) -> None:
        if self._points >= MAX_POINTS:
            return
        self._current = [self._normalised(position)]
        self._points += 1
        self.update()

    def _extend(self, position: QPointF) -> None:
        if self._current is None or self._points >= MAX_POINTS:
            return
        point = self._normalised(position)
        last = self._pixels(self._current[-1])
        here = self._pixels(point)
        if QLineF(last, here).length() < MIN_STEP_PX:
            return
        self._current.append(point)
        self._points += 1
        pad = math.ceil(self._pen_width()) + 2
        self.update(QRectF(last, here).normalized().toAlignedRect().adjusted(-pad, -pad, pad, pad))

    def _end(self) -> None:
        stroke, self._current = self._current, None
        if stroke is None:
            return
        pixels = [self._pixels(p) for p in stroke]
        xs, ys = [p.x() for p in pixels], [p.y() for p in pixels]
        extent = max(max(xs) - min(xs), max(ys) - min(ys))
        if not self._strokes and extent < TINY_STROKE_PX:
            # a brush of the finger before signing; once ink is there, a dot is the dot of an i
            self._points -= len(stroke)
            self.update()
            return
        self._strokes.append(stroke)
        self.changed.emit()

    def _cancel(self) -> None:
        if self._current is not None:
            self._points -= len(self._current)
            self._current = None
            self.update()

    # --- input --------------------------------------------------------------

    @staticmethod
    def _from_touch(event: QMouseEvent) -> bool:
        device = event.device()
        return device is not None and device.type() == QInputDevice.DeviceType.TouchScreen

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton or self._from_touch(event):
            event.ignore()
            return
        if self._touch_id is None:
            self._begin(event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._touch_id is None and not self._from_touch(event):
            self._extend(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self._touch_id is None
            and not self._from_touch(event)
        ):
            self._extend(event.position())
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() in _TOUCH_EVENTS and isinstance(event, QTouchEvent):
            self._on_touch(event)
            event.accept()
            return True
        return super().event(event)

    def _on_touch(self, event: QTouchEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.TouchCancel:
            self._touch_id = None
            self._cancel()
            return
        points = event.points()
        if self._touch_id is None:
            if kind != QEvent.Type.TouchBegin or not points:
                return
            self._touch_id = points[0].id()
            self._begin(points[0].position())
            return
        point = next((p for p in points if p.id() == self._touch_id), None)
        if point is None:
            if kind == QEvent.Type.TouchEnd:  # our finger left without a last report
                self._touch_id = None
                self._end()
            return
        self._extend(point.position())
        if point.state() == QEventPoint.State.Released or kind == QEvent.Type.TouchEnd:
            self._touch_id = None
            self._end()

    # --- painting -----------------------------------------------------------

    def _pen_width(self) -> float:
        return max(3.0, min(self.width(), self.height()) * 0.008)

    def _path(self, stroke: list[tuple[float, float]]) -> QPainterPath:
        """A smooth path through the pen's points: quadratic curves between midpoints."""
        points = [self._pixels(p) for p in stroke]
        path = QPainterPath(points[0])
        for here, after in pairwise(points[1:]):
            path.quadTo(here, (here + after) / 2)
        path.lineTo(points[-1])
        return path

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        width, height = self.width(), self.height()
        painter.setPen(QPen(RULE, 2))
        painter.setBrush(PAPER)
        painter.drawRoundedRect(QRectF(1, 1, width - 2, height - 2), 12, 12)
        baseline = round(height * BASELINE)
        left, right = round(width * 0.06), round(width * 0.94)
        painter.drawLine(left, baseline, right, baseline)
        cross = max(10, height // 30)
        painter.drawLine(left, baseline - 3 * cross, left + cross, baseline - 2 * cross)
        painter.drawLine(left, baseline - 2 * cross, left + cross, baseline - 3 * cross)
        if self.is_empty():
            font = QFont(self.font())
            font.setPixelSize(max(28, height // 9))
            font.setItalic(True)
            painter.setFont(font)
            painter.setPen(HINT)
            painter.drawText(
                QRect(0, 0, width, baseline - 2 * cross),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                "Signez ici",
            )
            return
        pen = QPen(INK_COLOR, self._pen_width())
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        strokes = [*self._strokes, self._current] if self._current else self._strokes
        for stroke in strokes:
            if len(stroke) == 1:
                painter.drawPoint(self._pixels(stroke[0]))
            else:
                painter.drawPath(self._path(stroke))


class SignatureDialog(QDialog):
    """Where the mayor or the secretary signs by hand, on the master screen.

    Frameless and laid over the master screen's window (or its whole screen),
    so it shows the same with or without a window manager. ``accept`` keeps
    the signature only if it is a real one; ``result_handwriting`` gives it.
    """

    def __init__(
        self, role: str, signer: str, signer_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        if role not in ROLES:
            raise HandwritingError(
                f"Rôle de signataire inconnu : « {role} » (attendu : maire ou secretaire)."
            )
        self.role, self.signer, self.signer_name = role, signer, signer_name
        self._result: Handwriting | None = None
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setModal(True)
        title = f"Signature {ROLE_LABELS[role]} — {signer_name}"
        self.setWindowTitle(title)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QWidget()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(32, 10, 32, 10)
        self.title = label(title, "headerTitle")
        header_layout.addWidget(self.title)
        layout.addWidget(header)

        body = QVBoxLayout()
        body.setContentsMargins(40, 24, 40, 28)
        body.setSpacing(18)
        body.addWidget(
            label(
                "Signez dans le cadre blanc, avec le doigt ou le stylet. La signature sera "
                f"placée dans la case {ROLE_LABELS[role]} des délibérations et du procès-verbal.",
                wrap=True,
            )
        )
        self.banner = MessageBanner()
        body.addWidget(self.banner)
        self.pad = SignaturePad()
        self.pad.changed.connect(self._on_pad_changed)
        body.addWidget(self.pad, 1)

        row = QHBoxLayout()
        row.setSpacing(24)
        self.clear_button = QPushButton("Effacer")
        self.clear_button.setObjectName("danger")
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        self.buttons = dialog_buttons(self, "Valider la signature")
        row.addWidget(self.buttons)
        body.addLayout(row)
        layout.addLayout(body, 1)

        self.accept_button = next(
            b
            for b in self.buttons.buttons()
            if self.buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.accept_button.setObjectName("primary")
        self.accept_button.style().unpolish(self.accept_button)  # polished before it was named
        self.accept_button.style().polish(self.accept_button)
        if (box_layout := self.buttons.layout()) is not None:
            box_layout.setSpacing(24)  # apart enough for a finger
        self._on_pad_changed()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Cover the master screen's window (kiosk: no window manager to place us)."""
        cover_parent_window(self)
        super().showEvent(event)

    def _on_pad_changed(self) -> None:
        empty = self.pad.is_empty()
        self.accept_button.setEnabled(not empty)
        self.clear_button.setEnabled(not empty)
        if not empty:
            self.banner.hide()

    def _on_clear_button_clicked(self) -> None:
        self.pad.clear()

    def _handwriting(self) -> Handwriting:
        return Handwriting(
            role=self.role,
            signer=self.signer,
            signer_name=self.signer_name,
            drawn_at=datetime.now().astimezone().isoformat(timespec="seconds"),
            strokes=self.pad.strokes(),
            aspect=self.pad.aspect(),
        )

    def accept(self) -> None:
        try:
            self._result = self._handwriting()
        except HandwritingError as error:
            self.banner.show_refusal(error.message)
            return
        log.info("Signature manuscrite %s dessinée (%s)", self.role, self.signer)
        super().accept()

    def result_handwriting(self) -> Handwriting:
        """The signature validated, or the one on the pad now.

        Raises:
            HandwritingError: the pad holds no real signature.
        """
        return self._result if self._result is not None else self._handwriting()
