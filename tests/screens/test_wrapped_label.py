"""Wrapped labels measured once per text, font, margins and width, for every
label of the table: what they measure must follow each of these at once."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from screens.widgets import WrappedLabel, stylesheet

TEXT = (
    "Le conseil municipal retient l'offre de l'entreprise Couverture Vidal et Fils, "
    "économiquement la plus avantageuse au regard des critères de la consultation."
)


def _shown(qtbot: QtBot, text: str) -> WrappedLabel:
    widget = WrappedLabel(text)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_wrapped_label_measures_as_qt_s_own_and_follows_text_font_and_margins(
    qtbot: QtBot, qapp: QApplication
) -> None:
    qapp.setStyleSheet(stylesheet())
    plain = QLabel(TEXT)
    plain.setWordWrap(True)
    qtbot.addWidget(plain)
    plain.show()
    first = _shown(qtbot, TEXT)
    for width in (300, 600, 1200):
        assert first.heightForWidth(width) == plain.heightForWidth(width)
    assert first.sizeHint() == plain.sizeHint()
    assert first.minimumSizeHint() == plain.minimumSizeHint()

    one_line = first.heightForWidth(600)
    first.setText(TEXT + " " + TEXT)
    assert first.heightForWidth(600) > one_line  # a longer text: taller at once

    # Another label of the same text, with its own margins and font: its own sizes.
    second = _shown(qtbot, TEXT)
    second.setContentsMargins(0, 20, 0, 20)
    assert second.heightForWidth(600) == one_line + 40
    big = QFont(second.font())
    big.setPixelSize(second.font().pixelSize() * 2 if second.font().pixelSize() > 0 else 40)
    second.setFont(big)
    assert second.heightForWidth(600) > one_line + 40
    assert second.sizeHint().height() > plain.sizeHint().height()

    # A style sheet changing the labels' font: measured again.
    before = _shown(qtbot, TEXT).heightForWidth(600)
    qapp.setStyleSheet(stylesheet() + "\nQLabel { font-size: 44px; }")
    try:
        assert _shown(qtbot, TEXT).heightForWidth(600) > before
        assert first.heightForWidth(600) > one_line
    finally:
        qapp.setStyleSheet(stylesheet())
