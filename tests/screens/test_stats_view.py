"""« Statistiques » on the mayor's screen: the demo commune's two sessions
(tests/test_stats.py), the year chosen with its buttons, the bars as counted
by hand, their patterns, and a session held since read when it opens again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from screens.master_view import MasterScreen
from screens.session_model import SessionModel
from screens.stats_view import PARTS, StatsDialog, StatsPanel, pattern_brush
from screens.widgets import stylesheet
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.stats import CACHE_FILE
from table_app.store import Database
from tests.support import QUORUM, Run
from tests.test_stats import HAND_COUNT, after_barbier_left, play_two_sessions


@pytest.fixture
def model(qapp: QApplication, database: Database, config: Config) -> Iterator[SessionModel]:
    qapp.setStyleSheet(stylesheet())
    play_two_sessions(database, config)
    model = SessionModel(SessionEngine(Journal(database), after_barbier_left(config)))
    yield model
    model.close()


@pytest.fixture
def master(qtbot: QtBot, model: SessionModel, config: Config) -> MasterScreen:
    screen = MasterScreen(model, config.commune.name, config.admin_pin, config=config)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def open_stats(qtbot: QtBot, master: MasterScreen) -> StatsDialog:
    assert master.stats_button.isVisible()  # the session shown is closed
    dialog = master.stats_dialog
    if dialog is None:
        master.stats_button.click()
        dialog = master.stats_dialog
        assert dialog is not None
        with qtbot.waitSignal(dialog.panel.updated, timeout=10_000):
            pass
    else:
        with qtbot.waitSignal(dialog.panel.updated, timeout=10_000):
            master.stats_button.click()
    assert dialog.isVisible()
    assert dialog.geometry() == master.window().geometry()  # over the whole window
    return dialog


def year_shown(panel: StatsPanel) -> int | None:
    return panel.year


def bar_image(dialog: StatsDialog) -> QImage:
    return dialog.panel.chart.grab().toImage()


def share(image: QImage, rect: QRectF, colour: str) -> float:
    """How much of ``rect`` is (nearly) ``colour``."""
    wanted = QColor(colour)
    hits = total = 0
    for x in range(int(rect.left()) + 2, int(rect.right()) - 2, 2):
        for y in range(int(rect.top()) + 2, int(rect.bottom()) - 2, 2):
            c = image.pixelColor(QPoint(x, y))
            total += 1
            near = (
                abs(c.red() - wanted.red())
                + abs(c.green() - wanted.green())
                + abs(c.blue() - wanted.blue())
            )
            hits += near < 40
    return hits / total


def test_the_latest_year_first_then_every_year_as_counted_by_hand(
    qtbot: QtBot, master: MasterScreen
) -> None:
    dialog = open_stats(qtbot, master)
    panel = dialog.panel
    assert [b.text() for b in panel.year_buttons.values()] == ["2026", "2027", "Toutes les années"]
    assert year_shown(panel) == 2027
    assert panel.year_buttons[2027].isChecked()
    assert panel.stats is not None
    assert [m.id for m in panel.stats.members][-3:] == ["odumas", "eroche", "lgirard"]
    assert panel.summary.text() == (
        "En 2027 : 1 séance tenue, 2 délibérations ; présence moyenne 80 %."
    )
    assert panel.sessions.count() == 1
    assert panel.sessions.item(0).text().splitlines() == [
        "16 janvier 2027 · 2 délibérations",
        "12 présents · 1 représenté · 2 absents",
        "Quorum : 10 présents pour 8, marge +2",
    ]

    qtbot.mouseClick(panel.year_buttons[None], Qt.MouseButton.LeftButton)
    assert year_shown(panel) is None
    assert panel.year_buttons[None].isChecked()
    shown = panel.stats
    assert shown is not None
    assert {
        m.id: (m.sessions, m.present, m.represented, m.excused, m.unexcused, m.late)
        for m in shown.members
    } == {mid: figures[:6] for mid, figures in HAND_COUNT.items()}
    assert panel.sessions.count() == 2
    # Each bar is as long as the member's sessions: Lucie Girard's and Céline
    # Barbier's (one session each) half of the others'.
    bars = {m.id: rect for m, rect in panel.chart.row_rects()}
    assert bars["lgirard"].width() == pytest.approx(bars["hmarchand"].width() / 2)
    assert bars["cbarbier"].width() == pytest.approx(bars["hmarchand"].width() / 2)
    assert bars["cbarbier"].top() > bars["lgirard"].top()  # the former member last

    qtbot.mouseClick(panel.year_buttons[2026], Qt.MouseButton.LeftButton)
    assert panel.stats is not None
    assert "lgirard" not in {m.id for m in panel.stats.members}
    assert panel.summary.text().startswith("En 2026 : 1 séance tenue, 6 délibérations")

    dialog.close_button.click()
    assert not dialog.isVisible()


def test_each_part_has_its_pattern_besides_its_colour(qtbot: QtBot, master: MasterScreen) -> None:
    textures = [pattern_brush(part).texture().toImage() for part in PARTS]
    assert len({t.cacheKey() for t in textures}) == 4
    for part, texture in zip(PARTS, textures, strict=True):
        whites = sum(
            texture.pixelColor(x, y) == QColor("#ffffff")
            for x in range(texture.width())
            for y in range(texture.height())
        )
        assert (whites == 0) == (part.pattern == "solid"), part  # stripes, dots, grid in white

    dialog = open_stats(qtbot, master)
    qtbot.mouseClick(dialog.panel.year_buttons[None], Qt.MouseButton.LeftButton)
    image = bar_image(dialog)
    bars = {m.id: rect for m, rect in dialog.panel.chart.row_rects()}
    # Émilie Roche: represented at both sessions, light blue striped with white.
    assert share(image, bars["eroche"], "#56b4e9") > 0.4
    assert share(image, bars["eroche"], "#ffffff") > 0.1
    # Olivier Dumas: represented once, excused once (orange with white dots).
    left, right = bars["odumas"], bars["odumas"].translated(bars["odumas"].width() / 2, 0)
    right.setWidth(bars["odumas"].width() / 2)
    assert share(image, right, "#e69f00") > 0.4
    assert share(image, right, "#ffffff") > 0.05
    assert share(image, left, "#56b4e9") > 0.2
    # Hélène Marchand: present at both, solid dark blue.
    assert share(image, bars["hmarchand"], "#1d4f91") > 0.8


def test_a_session_held_since_is_read_when_it_opens_again(
    qtbot: QtBot, master: MasterScreen, model: SessionModel, config: Config
) -> None:
    dialog = open_stats(qtbot, master)
    dialog.close_button.click()
    engine = model.engine
    assert isinstance(engine, SessionEngine)
    engine.execute(
        {"cmd": "convene", "id": "fevrier", "date": "2027-02-20", "convened_on": "2027-02-10"}
    )
    for member in QUORUM:
        engine.execute({"cmd": "arrive", "session": "fevrier", "member": member, "at": "19:55"})
    engine.execute({"cmd": "open", "session": "fevrier", "at": "20:00"})
    engine.execute({"cmd": "close", "session": "fevrier", "at": "20:30"})

    again = open_stats(qtbot, master)
    assert again is dialog  # kept, with its cache
    assert dialog.panel.cache.last.kind == "incrémental"
    assert dialog.panel.cache.last.recomputed == ["fevrier"]
    assert dialog.panel.stats is not None
    assert [s.id for s in dialog.panel.stats.sessions] == ["2027-01-16", "fevrier"]
    assert dialog.panel.sessions.item(0).text().startswith("20 février 2027 · 0 délibération\n")
    assert (config.data_dir / CACHE_FILE).exists()


def test_no_statistics_button_while_a_session_is_live(
    qtbot: QtBot, qapp: QApplication, opened: Run, engine: SessionEngine, config: Config
) -> None:
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine)
    screen = MasterScreen(model, config.commune.name, config.admin_pin, config=config)
    qtbot.addWidget(screen)
    screen.show()
    assert not screen.stats_button.isVisible()  # the bottom row is the session's
    opened("close", at="21:00")
    assert screen.stats_button.isVisible()
    model.close()
