"""The signature pad and its dialog, driven by real mouse drags and real touch
events (a touch screen device made by QTest), then saved and drawn into a PDF."""

from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPointingDevice, QTouchEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from screens.signature_pad import SignatureDialog, SignaturePad
from screens.widgets import stylesheet
from table_app.handwriting import (
    HandwritingError,
    draw_handwriting,
    handwriting_path,
    load_handwriting,
    save_handwriting,
)
from tests.test_handwriting import BOX, dark_pixels, signature_strokes


def in_pixels(widget: QWidget, stroke: tuple[tuple[float, float], ...]) -> list[QPoint]:
    return [QPoint(round(x * widget.width()), round(y * widget.height())) for x, y in stroke]


def mouse_drag(widget: QWidget, points: list[QPoint]) -> None:
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for point in points[1:]:
        QTest.mouseMove(widget, point)
    QTest.mouseRelease(
        widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1]
    )


def sign_with_mouse(widget: QWidget) -> None:
    for stroke in signature_strokes():
        mouse_drag(widget, in_pixels(widget, stroke))


def touch_drag(widget: QWidget, device: QPointingDevice, points: list[QPoint]) -> None:
    QTest.touchEvent(widget, device).press(0, points[0], widget).commit()
    for point in points[1:]:
        QTest.touchEvent(widget, device).move(0, point, widget).commit()
    QTest.touchEvent(widget, device).release(0, points[-1], widget).commit()


@pytest.fixture
def touchscreen() -> QPointingDevice:
    return QTest.createTouchDevice()


@pytest.fixture
def pad(qtbot: QtBot, qapp: QApplication) -> SignaturePad:
    qapp.setStyleSheet(stylesheet())
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_mouse_drag_draws_one_stroke(qtbot: QtBot, pad: SignaturePad) -> None:
    assert pad.is_empty()
    line = in_pixels(pad, signature_strokes()[1])
    with qtbot.waitSignal(pad.changed, timeout=1000):
        mouse_drag(pad, line)
    assert not pad.is_empty()
    (stroke,) = pad.strokes()
    assert len(stroke) > 10
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in stroke)
    assert stroke[0] == pytest.approx((0.12, 0.8), abs=0.005)
    assert stroke[-1] == pytest.approx((0.9, 0.8), abs=0.005)
    assert pad.aspect() == pytest.approx(3.0)
    with qtbot.waitSignal(pad.changed, timeout=1000):
        pad.clear()
    assert pad.is_empty()
    assert pad.strokes() == ()


def test_a_finger_draws_once_not_twice(
    qtbot: QtBot, pad: SignaturePad, touchscreen: QPointingDevice
) -> None:
    line = in_pixels(pad, signature_strokes()[1])
    with qtbot.waitSignal(pad.changed, timeout=1000):
        touch_drag(pad, touchscreen, line)
    (stroke,) = pad.strokes()  # no second stroke from mouse events made out of the touch
    assert stroke[0] == pytest.approx((0.12, 0.8), abs=0.005)
    assert stroke[-1] == pytest.approx((0.9, 0.8), abs=0.005)
    touch_drag(pad, touchscreen, in_pixels(pad, signature_strokes()[0]))
    assert len(pad.strokes()) == 2


def test_mouse_events_made_out_of_a_touch_are_ignored(
    pad: SignaturePad, touchscreen: QPointingDevice
) -> None:
    """What Qt sends a widget that did not take the touch: it must not draw again."""
    events = [
        (QEvent.Type.MouseButtonPress, 100),
        (QEvent.Type.MouseMove, 500),
        (QEvent.Type.MouseButtonRelease, 800),
    ]
    for kind, x in events:
        position = QPointF(x, 150)
        QApplication.sendEvent(
            pad,
            QMouseEvent(
                kind,
                position,
                pad.mapToGlobal(position),
                Qt.MouseButton.LeftButton,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
                touchscreen,
            ),
        )
    assert pad.is_empty()


def test_a_second_finger_is_ignored(pad: SignaturePad, touchscreen: QPointingDevice) -> None:
    QTest.touchEvent(pad, touchscreen).press(0, QPoint(100, 150), pad).commit()
    QTest.touchEvent(pad, touchscreen).move(0, QPoint(200, 150), pad).press(
        1, QPoint(600, 50), pad
    ).commit()
    QTest.touchEvent(pad, touchscreen).move(0, QPoint(300, 160), pad).move(
        1, QPoint(700, 250), pad
    ).commit()
    QTest.touchEvent(pad, touchscreen).release(0, QPoint(400, 160), pad).release(
        1, QPoint(750, 250), pad
    ).commit()
    (stroke,) = pad.strokes()
    assert all(y < 0.6 for _, y in stroke)  # the palm's track at y 50..250 px is not there
    assert stroke[-1] == pytest.approx((400 / 900, 160 / 300), abs=0.002)


def test_a_stray_tap_before_signing_is_ignored(
    qtbot: QtBot, pad: SignaturePad, touchscreen: QPointingDevice
) -> None:
    with qtbot.assertNotEmitted(pad.changed):
        touch_drag(pad, touchscreen, [QPoint(300, 100), QPoint(302, 101)])
        QTest.mouseClick(pad, Qt.MouseButton.LeftButton, pos=QPoint(500, 200))
    assert pad.is_empty()
    touch_drag(pad, touchscreen, in_pixels(pad, signature_strokes()[0]))
    touch_drag(pad, touchscreen, [QPoint(495, 54)])  # the dot of an i, after the name
    assert [len(s) for s in pad.strokes()][-1] == 1


def test_a_cancelled_touch_leaves_no_ink(pad: SignaturePad, touchscreen: QPointingDevice) -> None:
    QTest.touchEvent(pad, touchscreen).press(0, QPoint(100, 150), pad).commit()
    QTest.touchEvent(pad, touchscreen).move(0, QPoint(400, 150), pad).commit()
    QApplication.sendEvent(pad, QTouchEvent(QEvent.Type.TouchCancel, touchscreen))
    assert pad.is_empty()


@pytest.fixture
def dialog(qtbot: QtBot, qapp: QApplication) -> SignatureDialog:
    qapp.setStyleSheet(stylesheet())
    widget = SignatureDialog("maire", "hmarchand", "M. Hervé Marchand")
    qtbot.addWidget(widget)
    widget.show()
    widget.setGeometry(0, 0, 1920, 1080)
    qtbot.waitExposed(widget)
    return widget


def test_the_dialog_signs_the_mayor(qtbot: QtBot, dialog: SignatureDialog, tmp_path: Path) -> None:
    assert dialog.title.text() == "Signature du maire — M. Hervé Marchand"
    assert not dialog.accept_button.isEnabled()  # nothing to validate yet
    assert dialog.accept_button.text() == "Valider la signature"
    assert not dialog.clear_button.isEnabled()
    assert dialog.accept_button.height() >= 64  # ≥ 17 mm on the 23" screen
    sign_with_mouse(dialog.pad)
    assert dialog.accept_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        QTest.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    hw = dialog.result_handwriting()
    assert (hw.role, hw.signer, hw.signer_name) == ("maire", "hmarchand", "M. Hervé Marchand")
    assert len(hw.strokes) == 3
    assert hw.aspect == pytest.approx(dialog.pad.width() / dialog.pad.height())

    path = handwriting_path(tmp_path, "s", "maire")
    save_handwriting(path, hw)
    loaded = load_handwriting(path)
    assert loaded == hw
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    draw_handwriting(page, BOX, loaded)
    assert page.get_images() == []
    dark = dark_pixels(page.get_pixmap(dpi=72))
    assert dark
    assert all(pymupdf.Point(x + 0.5, y + 0.5) in BOX for x, y in dark)
    doc.close()


def test_clear_then_cancel(qtbot: QtBot, dialog: SignatureDialog) -> None:
    sign_with_mouse(dialog.pad)
    QTest.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert dialog.pad.is_empty()
    assert not dialog.accept_button.isEnabled()
    with pytest.raises(HandwritingError, match="La signature est vide"):
        dialog.result_handwriting()
    cancel = next(b for b in dialog.buttons.buttons() if b.text() == "Annuler")
    with qtbot.waitSignal(dialog.rejected, timeout=1000):
        QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)


def test_a_scribble_too_small_is_refused_in_the_dialog(
    dialog: SignatureDialog, touchscreen: QPointingDevice
) -> None:
    touch_drag(dialog.pad, touchscreen, [QPoint(400, 200), QPoint(410, 205), QPoint(415, 200)])
    assert dialog.accept_button.isEnabled()
    QTest.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # still open: the mayor signs again
    assert dialog.banner.isVisible()
    assert "trop petite" in dialog.banner.text()


def test_the_dialog_covers_the_master_window(qtbot: QtBot, qapp: QApplication) -> None:
    """No window manager on the kiosk: the dialog lays itself over its parent's window."""
    master = QWidget()
    qtbot.addWidget(master)
    master.setGeometry(0, 0, 1920, 1080)
    master.show()
    dialog = SignatureDialog("secretaire", "arenaud", "Mme Agnès Renaud", master)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.geometry() == master.geometry()
    assert dialog.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert dialog.title.text() == "Signature du secrétaire de séance — Mme Agnès Renaud"
    dialog.reject()


def test_an_unknown_role_is_refused(qtbot: QtBot) -> None:
    with pytest.raises(HandwritingError, match="Rôle de signataire inconnu"):
        SignatureDialog("adjoint", "brousseau", "M. Bernard Rousseau")
