"""The ordre du jour's rows: as tall as their wrapped text, whatever list and
style sheet they are drawn with (their sizes are shared between the seats)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QListWidgetItem
from pytestqt.qtbot import QtBot

from screens.widgets import AgendaList, stylesheet

TITLE = (
    "3. Travaux de réfection de la toiture de l'école communale : choix de "
    "l'entreprise et demande de subvention au titre de la DETR\n      À l'étude"
)


def _row_height(qtbot: QtBot, width: int) -> int:
    agenda = AgendaList()
    qtbot.addWidget(agenda)
    agenda.addItem(QListWidgetItem(TITLE))
    agenda.resize(width, 600)
    agenda.show()
    qtbot.waitExposed(agenda)
    agenda.doItemsLayout()
    return agenda.visualItemRect(agenda.item(0)).height()


def test_a_row_is_as_tall_as_its_text_at_each_width_and_style_sheet(
    qtbot: QtBot, qapp: QApplication
) -> None:
    qapp.setStyleSheet(stylesheet())
    wide, narrow = _row_height(qtbot, 1400), _row_height(qtbot, 420)
    assert narrow > wide  # more lines in a narrow list: not the wide list's size
    assert _row_height(qtbot, 420) == narrow  # the same list again: the same size
    qapp.setStyleSheet(stylesheet() + "\nQListWidget::item { padding: 40px; }")
    try:
        assert _row_height(qtbot, 420) >= narrow + 60  # the style sheet's padding counts
    finally:
        qapp.setStyleSheet(stylesheet())
