"""The ordre du jour's rows: as tall as their wrapped text, whatever list and
style sheet they are drawn with (their sizes are shared between the seats)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from screens.widgets import (
    AgendaList,
    DeliberationPanel,
    NameChips,
    OpaqueRowsList,
    WrappedLabel,
    WrappedRows,
    stylesheet,
)
from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from tests.screens.paints import Paints
from tests.support import MEMBERS, Run

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


def _shown_list(qtbot: QtBot, rows: list[str]) -> AgendaList:
    agenda = AgendaList()
    qtbot.addWidget(agenda)
    for text in rows:
        agenda.addItem(QListWidgetItem(text))
    agenda.resize(420, 600)
    agenda.show()
    qtbot.waitExposed(agenda)
    agenda.doItemsLayout()
    return agenda


def _colour_inside(agenda: AgendaList, row: int) -> str:
    """The colour of the list's pixels just inside a row's left edge."""
    rect = agenda.visualItemRect(agenda.item(row))
    image = agenda.viewport().grab().toImage()
    return image.pixelColor(rect.left() + 2, rect.center().y()).name()


def test_a_row_redrawn_after_it_changes_and_sized_again_when_the_style_sheet_does(
    qtbot: QtBot, qapp: QApplication
) -> None:
    """Rows are painted from pictures kept while they do not change (a repaint
    of the ordre du jour took ~2 ms in each view): a row that changes, or a new
    style sheet, must show at once."""
    qapp.setStyleSheet(stylesheet())
    agenda = _shown_list(qtbot, [TITLE, "4. Tarifs de la salle des fêtes\n      À l'étude"])
    yellow = QColor("#fff0a8")
    agenda.item(0).setBackground(yellow)
    qtbot.waitUntil(lambda: _colour_inside(agenda, 0) == yellow.name())
    assert _colour_inside(agenda, 1) != yellow.name()

    # The point under discussion moves on: the highlight follows, in place.
    agenda.item(0).setBackground(QBrush())
    agenda.item(1).setBackground(yellow)
    assert _colour_inside(agenda, 1) == yellow.name()
    assert _colour_inside(agenda, 0) != yellow.name()

    # The same list, shown, under a new style sheet: its rows sized again.
    before = agenda.visualItemRect(agenda.item(0)).height()
    qapp.setStyleSheet(stylesheet() + "\nQListWidget::item { padding: 40px; }")
    try:
        agenda.doItemsLayout()
        assert agenda.visualItemRect(agenda.item(0)).height() >= before + 60
    finally:
        qapp.setStyleSheet(stylesheet())


def _geometry(agenda: AgendaList) -> list[tuple[str, int, int]]:
    """Each row's text, top and height in the list (scrolled to its top)."""
    agenda.verticalScrollBar().setValue(0)
    rows = [agenda.item(n) for n in range(agenda.count())]
    return [
        (row.text(), agenda.visualItemRect(row).top(), agenda.visualItemRect(row).height())
        for row in rows
    ]


def _first_point_taken_up(run: Run, agenda: list[dict[str, str]]) -> None:
    """Session "s" with ``agenda``, opened with a quorum, its first point taken up."""
    run("convene", id="s", date="2026-11-28", convened_on="2026-11-20", agenda=agenda)
    for member in MEMBERS[:11]:
        run("arrive", member=member)
    run("open")
    run("name_secretaries", members=[MEMBERS[0]])
    run("take_up", item="p1")


def _made_anew(qtbot: QtBot, session: Session) -> AgendaList:
    agenda = AgendaList()
    qtbot.addWidget(agenda)
    agenda.resize(420, 500)
    agenda.show()
    qtbot.waitExposed(agenda)
    agenda.show_session(session)
    agenda.doItemsLayout()
    return agenda


def test_the_point_taken_up_moves_the_highlight_and_leaves_the_list_where_it_was_read(
    qtbot: QtBot, qapp: QApplication, run: Run, engine: SessionEngine
) -> None:
    """A councillor reading the end of a long ordre du jour: the mayor takes up
    the next point, the highlight and the bold title move to it, the list stays
    where it was read. The rows are restyled in place, only those that changed
    (a rebuild measured and painted every row again, in each view): the row
    left behind must not keep its old picture."""
    qapp.setStyleSheet(stylesheet())
    _first_point_taken_up(run, [{"title": f"Point n° {n} : {TITLE[3:60]}"} for n in range(1, 15)])
    agenda = _made_anew(qtbot, engine.state.sessions["s"])
    yellow = QColor("#fff0a8").name()
    qtbot.waitUntil(lambda: _colour_inside(agenda, 0) == yellow)
    scroll = agenda.verticalScrollBar()
    scroll.setValue(scroll.maximum())  # the end of the ordre du jour, being read
    read_at = scroll.value()
    assert read_at > 0

    before = _geometry(agenda)
    scroll.setValue(read_at)
    run("vote", item="p1", pour=11, contre=0, abstention=0)
    run("take_up", item="p2")
    agenda.show_session(engine.state.sessions["s"])
    qtbot.waitUntil(lambda: agenda.item(1).text().startswith("▶ 2."))
    assert not agenda.item(0).text().startswith("▶")
    assert not agenda.item(0).font().bold()
    assert agenda.item(1).font().bold()
    assert scroll.value() == read_at
    # In bold, after « ▶ », the title takes one more line than in a row drawn
    # plainly; each row keeps the height of its bolder self, so none moves:
    # the rows keep their tops and heights, none overlaps or is cut, as in a
    # list made anew.
    plainly = QListWidget()
    qtbot.addWidget(plainly)
    plainly.setItemDelegate(WrappedRows(plainly))
    plainly.setWordWrap(True)
    plainly.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    plainly.setSpacing(agenda.spacing())
    plainly.resize(agenda.size())
    plainly.addItem(agenda.item(2).clone())
    plainly.show()
    qtbot.waitExposed(plainly)
    assert (
        plainly.visualItemRect(plainly.item(0)).height()
        < agenda.visualItemRect(agenda.item(2)).height()
    )
    assert [(top, height) for _text, top, height in _geometry(agenda)] == [
        (top, height) for _text, top, height in before
    ]
    assert _geometry(agenda) == _geometry(_made_anew(qtbot, engine.state.sessions["s"]))
    scroll.setValue(0)
    qtbot.waitUntil(lambda: _colour_inside(agenda, 1) == yellow)
    assert _colour_inside(agenda, 0) != yellow  # voted: green text, no highlight

    # A point added at the end of the ordre du jour: its row comes.
    proposed = run("propose_item", author="conseiller", member=MEMBERS[3], title="Éclairage")
    run("accept_proposal", item=proposed.event.payload["item"]["id"], position=15)
    agenda.show_session(engine.state.sessions["s"])
    assert agenda.count() == 15
    assert agenda.item(14).text().startswith("15. Éclairage")
    assert _geometry(agenda) == _geometry(_made_anew(qtbot, engine.state.sessions["s"]))


def test_a_point_added_or_moved_brings_its_rows_alone_and_the_list_is_as_made_anew(
    qtbot: QtBot,
    qapp: QApplication,
    run: Run,
    engine: SessionEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A councillor's proposal accepted at the end of the ordre du jour adds
    its row: the rows already there are neither measured nor pictured again
    (a rebuild made every row anew, in every view). Placed or moved before
    others, the rows renumbered change with it. Either way the list then
    shows what a list made anew shows, the councillor's selection kept."""
    qapp.setStyleSheet(stylesheet())
    _first_point_taken_up(run, [{"title": f"Point n° {n} : {TITLE[3:60]}"} for n in range(1, 7)])
    agenda = _made_anew(qtbot, engine.state.sessions["s"])
    agenda.item(4).setSelected(True)  # a councillor reading point 5
    agenda.viewport().grab()
    looked_up: list[str] = []  # what the rows pictured or measured anew show
    look, measure = agenda._rows._look, agenda._rows._measure

    def pictured(option: QStyleOptionViewItem, index: QModelIndex, ratio: float) -> QPixmap:
        looked_up.append(index.data())
        return look(option, index, ratio)

    def measured(option: QStyleOptionViewItem, index: QModelIndex, *args: object) -> QSize:
        looked_up.append(index.data())
        return measure(option, index, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(agenda._rows, "_look", pictured)
    monkeypatch.setattr(agenda._rows, "_measure", measured)

    def added(title: str, position: int) -> str:
        proposed = run("propose_item", author="conseiller", member=MEMBERS[3], title=title)
        item = proposed.event.payload["item"]["id"]
        run("accept_proposal", item=item, position=position)
        agenda.show_session(engine.state.sessions["s"])
        return str(item)

    def as_made_anew() -> None:
        shown = agenda.viewport().grab().toImage()
        anew = _made_anew(qtbot, engine.state.sessions["s"])
        anew.resize(agenda.size())
        anew.item(agenda.row(agenda.selectedItems()[0])).setSelected(True)
        assert _geometry(agenda) == _geometry(anew)
        assert shown == anew.viewport().grab().toImage()

    added("Éclairage du stade", 7)
    agenda.viewport().grab()
    assert [agenda.item(n).text()[:3] for n in range(7)] == [
        "▶ 1",
        "2. ",
        "3. ",
        "4. ",
        "5. ",
        "6. ",
        "7. ",
    ]
    assert looked_up
    assert all(text.startswith("7. Éclairage") for text in looked_up)
    assert agenda.selected_id() == "p5"
    as_made_anew()

    looked_up.clear()
    vines = added("Chemin des vignes", 3)
    agenda.viewport().grab()
    assert agenda.item(2).text().startswith("3. Chemin des vignes")
    assert {text[:2] for text in looked_up} == {"3.", "4.", "5.", "6.", "7.", "8."}
    assert agenda.selected_id() == "p5"
    as_made_anew()

    run("move_item", item=vines, position=8)
    agenda.show_session(engine.state.sessions["s"])
    assert agenda.item(7).text().startswith("8. Chemin des vignes")
    assert agenda.selected_id() == "p5"
    as_made_anew()


def test_the_rows_of_the_next_point_taken_up_are_pictured_ahead(
    qtbot: QtBot,
    qapp: QApplication,
    run: Run,
    engine: SessionEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once a change is shown, the list prepares the rows the mayor's likely
    next action changes (the point under discussion voted; the next point
    taken up, the point left for it): taking up the next point, then voting
    it, repaints from pictures already made, found by what the rows show
    (no picture looked up again at the repaint)."""
    qapp.setStyleSheet(stylesheet())
    _first_point_taken_up(run, [{"title": f"Point n° {n} : {TITLE[3:60]}"} for n in range(1, 6)])
    WrappedRows._looks.clear()  # kept for every list: none from the tests before
    agenda = _made_anew(qtbot, engine.state.sessions["s"])
    # The session's first vote too: its number is the table's next (its state's).
    agenda.register = lambda: engine.state.last_number
    agenda.viewport().grab()
    agenda._prepare_ahead()
    pictured = set(WrappedRows._looks)
    looked_up: list[int] = []  # the rows a repaint had to look a picture up for
    look = agenda._rows._look

    def counted(option: QStyleOptionViewItem, index: QModelIndex, ratio: float) -> QPixmap:
        looked_up.append(index.row())
        return look(option, index, ratio)

    monkeypatch.setattr(agenda._rows, "_look", counted)
    run("vote", item="p1", pour=11, contre=0, abstention=0)
    agenda.show_session(engine.state.sessions["s"])
    agenda.viewport().grab()
    assert "n° 2026-001" in agenda.item(0).text()
    assert set(WrappedRows._looks) == pictured
    assert looked_up == []
    qtbot.waitUntil(lambda: not agenda._ahead.isActive())
    pictured = set(WrappedRows._looks)
    looked_up.clear()  # those of the rows prepared, and of a repaint meanwhile

    run("take_up", item="p2")
    agenda.show_session(engine.state.sessions["s"])
    agenda.viewport().grab()
    assert agenda.item(1).text().startswith("▶ 2.")
    assert set(WrappedRows._looks) == pictured  # no row pictured anew
    assert looked_up == []
    # The point now under discussion voted: its row was pictured ahead too.
    qtbot.waitUntil(lambda: not agenda._ahead.isActive())
    pictured = set(WrappedRows._looks)
    looked_up.clear()
    run("vote", item="p2", pour=11, contre=0, abstention=0)
    agenda.show_session(engine.state.sessions["s"])
    shown = agenda.viewport().grab()
    assert "n° 2026-002" in agenda.item(1).text()
    assert set(WrappedRows._looks) == pictured
    assert looked_up == []

    # The pictures made ahead are the rows as the list draws them anew.
    WrappedRows._looks.clear()
    agenda._rows.forget_rows()
    assert agenda.viewport().grab().toImage() == shown.toImage()
    assert len(WrappedRows._looks) >= 2


def test_the_next_points_title_and_text_are_measured_ahead(
    qtbot: QtBot, qapp: QApplication, run: Run, engine: SessionEngine
) -> None:
    """The deliberation a seat shows measures ahead the title and the text of
    the next point: at its take-up the panel is laid out from sizes found,
    and so is its scroll area's check after the repaint (whether the text
    needs its scroll bar)."""
    qapp.setStyleSheet(stylesheet())
    _first_point_taken_up(
        run,
        [
            {
                "title": f"Point n° {n} : {TITLE[3:90]}",
                "text": f"Le conseil décide ({n}) : {TITLE[3:]}",
            }
            for n in range(1, 4)
        ],
    )
    WrappedLabel._heights.clear()
    WrappedLabel._hints.clear()
    panel = DeliberationPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    qtbot.waitExposed(panel)
    session = engine.state.sessions["s"]
    panel.show_item(session, session.item("p1"))
    assert panel._ahead.isActive()  # the next point to be measured, once p1 is drawn
    panel._ahead.stop()
    for _ in range(5):  # p1 laid out, its scroll bar settled, as 150 ms later
        qapp.processEvents()
    panel.grab()
    panel._prepare_ahead()
    measured = (set(WrappedLabel._heights), set(WrappedLabel._hints))

    run("vote", item="p1", pour=11, contre=0, abstention=0)
    run("take_up", item="p2")
    panel.show_item(session, session.item("p2"))
    assert panel.title.text().startswith("Point n° 2")
    qapp.processEvents()  # the panel laid out for its new texts
    panel.grab()
    for _ in range(3):  # what the scroll area checks after the repaint
        qapp.processEvents()
    assert panel.text.height() >= panel.text.heightForWidth(panel.text.width())
    assert (set(WrappedLabel._heights), set(WrappedLabel._hints)) == measured


def test_a_point_taken_up_paints_its_rows_alone_and_the_frame_keeps_its_round_corners(
    qtbot: QtBot, qapp: QApplication, run: Run, engine: SessionEngine
) -> None:
    """The rows are drawn on an opaque viewport: a point taken up repaints
    its rows and nothing under them (the screen's background, the list's
    rounded frame), and the frame's rounded corners still show the screen
    around them, not the rows' white."""
    qapp.setStyleSheet(stylesheet())
    _first_point_taken_up(run, [{"title": f"Point n° {n} : {TITLE[3:60]}"} for n in range(1, 6)])
    screen = QWidget()
    screen.setObjectName("screen")  # the seat's background, from the style sheet
    screen.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    qtbot.addWidget(screen)
    layout = QVBoxLayout(screen)
    layout.setContentsMargins(20, 20, 20, 20)
    agenda = AgendaList()
    layout.addWidget(agenda)
    screen.resize(460, 700)
    screen.show()
    qtbot.waitExposed(screen)
    agenda.show_session(engine.state.sessions["s"])
    for _ in range(3):  # shown, painted
        qapp.processEvents()
    qtbot.wait(50)

    screen_paints, frame_paints, rows_paints = (
        Paints(widget) for widget in (screen, agenda, agenda.viewport())
    )
    run("vote", item="p1", pour=11, contre=0, abstention=0)
    run("take_up", item="p2")
    agenda.show_session(engine.state.sessions["s"])
    qtbot.waitUntil(lambda: rows_paints.count > 0)
    for _ in range(3):
        qapp.processEvents()
    assert screen_paints.count == 0
    assert frame_paints.count == 0

    image = screen.grab().toImage()
    background = image.pixelColor(5, 5)
    corner = agenda.geometry().topLeft()
    # Just inside the frame's rectangle, outside its rounded corner: the screen.
    assert image.pixelColor(corner.x() + 1, corner.y() + 1) == background
    assert image.pixelColor(corner.x() + 1, corner.y() + 1).name() != "#ffffff"
    # Along its side, inside the frame's border: the list's white.
    assert image.pixelColor(corner.x() + 2, corner.y() + agenda.height() // 2).name() == "#ffffff"


def test_the_mayors_name_chips_look_and_measure_as_the_style_draws_them(
    qtbot: QtBot, qapp: QApplication
) -> None:
    """The names to touch are painted from kept pictures, measured once: each
    must look as Qt's own drawing of it, selected or not, and take its size."""
    qapp.setStyleSheet(stylesheet())
    names = ["Hélène Marchand", "Bernard Rousseau", "Émilie Roche", "Jean-Luc Perrin"]
    NameChips._looks.clear()  # kept for every list: none from the tests before
    NameChips._sizes.clear()

    def chips(pictured: bool) -> QListWidget:
        chips = OpaqueRowsList()
        chips.setObjectName("memberChips")
        chips.setFlow(QListView.Flow.LeftToRight)
        chips.setWrapping(True)
        chips.setSpacing(4)
        chips.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        if pictured:
            chips.setItemDelegate(NameChips(chips))
        qtbot.addWidget(chips)
        chips.addItems(names)
        chips.item(1).setSelected(True)
        chips.resize(700, 160)
        chips.show()
        qtbot.waitExposed(chips)
        return chips

    drawn, kept = chips(False), chips(True)
    for _ in range(2):  # the second time from the pictures and sizes kept
        assert [drawn.visualItemRect(drawn.item(n)) for n in range(len(names))] == [
            kept.visualItemRect(kept.item(n)) for n in range(len(names))
        ]
        assert drawn.viewport().grab().toImage() == kept.viewport().grab().toImage()
    assert len(NameChips._looks) == len(names)  # one picture a name, made once
    assert len(NameChips._sizes) == len(names)
