"""The seat and master views on the real engine and a real SQLite file, driven
by qtbot as the mayor and the councillors would."""

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from demo import DEMO_SCRIPT
from screens.app import TableViews
from screens.master_view import MasterScreen
from screens.pacing import pacer
from screens.seat_view import SeatScreen
from screens.session_model import SessionModel
from screens.widgets import item_line, stylesheet
from table_app.config import Config
from table_app.council import rules
from table_app.council.engine import SessionEngine
from table_app.council.state import Item, ItemStatus, Presence, Session, SessionStatus
from table_app.journal import Journal
from table_app.store import open_database

QUORUM = [
    "hmarchand",
    "brousseau",
    "sgarnier",
    "plemoine",
    "mfabre",
    "jlperrin",
    "nbonnet",
    "cmeunier",
]


def current(model: SessionModel) -> Session:
    """The model's session (asserted present, for the type checker too)."""
    session = model.session
    assert session is not None
    return session


def item(model: SessionModel, item_id: str) -> Item:
    found = current(model).item(item_id)
    assert found is not None
    return found


@pytest.fixture
def model(qapp, engine: SessionEngine) -> SessionModel:
    qapp.setStyleSheet(stylesheet())
    engine.execute(
        {
            "cmd": "convene",
            "id": "s",
            "date": "2026-11-28",
            "convened_on": "2026-11-20",
            "agenda": [
                {"title": "Budget primitif 2027", "text": "Le conseil adopte."},
                {"title": "Voirie communale"},
                {"title": "Point d'information", "kind": "information"},
            ],
        }
    )
    return SessionModel(engine)


@pytest.fixture
def master(qtbot: QtBot, model: SessionModel, config: Config) -> MasterScreen:
    screen = MasterScreen(model, config.commune.name)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    return screen


@pytest.fixture
def seat(qtbot: QtBot, model: SessionModel, config: Config) -> SeatScreen:
    screen = SeatScreen(config.seats[2], model, config.commune.name)
    qtbot.addWidget(screen)
    return screen


def _roll_call(qtbot: QtBot, master: MasterScreen, members: list[str]) -> None:
    for member in members:
        qtbot.mouseClick(
            master.roll_call._rows[member]["buttons"]["present"], Qt.MouseButton.LeftButton
        )


def test_roll_call_quorum_and_opening(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    _roll_call(qtbot, master, QUORUM[:7])
    assert master.header.quorum.text() == "Quorum non atteint : 7 présents / 8 requis"
    qtbot.mouseClick(master.roll_call.open_button, Qt.MouseButton.LeftButton)
    assert master.banner.isVisibleTo(master)
    assert master.banner.text().startswith(
        "Quorum non atteint : 7 présents sur 15 membres en exercice, 8 requis"
    )
    assert current(model).status is SessionStatus.CONVENED
    _roll_call(qtbot, master, QUORUM[7:])
    qtbot.mouseClick(master.roll_call.rows_excused("cbarbier"), Qt.MouseButton.LeftButton)
    assert current(model).attendance["cbarbier"].status is Presence.EXCUSED
    qtbot.mouseClick(master.roll_call.open_button, Qt.MouseButton.LeftButton)
    assert current(model).status is SessionStatus.OPEN
    assert master.header.quorum.text() == "Quorum atteint : 8 présents / 8 requis"


def test_procuration_chosen_in_the_roll_call(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    rows = master.roll_call._rows
    qtbot.mouseClick(rows["odumas"]["proxy"], Qt.MouseButton.LeftButton)
    dialog = master.roll_call.proxy_dialog
    assert dialog is not None
    assert "hmarchand" in dialog.choices  # every other member, the mayor too
    assert "odumas" not in dialog.choices
    qtbot.mouseClick(dialog.choices["mfabre"], Qt.MouseButton.LeftButton)  # one touch
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # recorded and closed
    proxies = [(p.giver, p.holder) for p in current(model).proxies if p.active]
    assert proxies == [("odumas", "mfabre")]
    assert (rows["odumas"]["state"].text(), rows["odumas"]["detail"].text()) == (
        "Représenté",
        "par M. Fabre",
    )
    assert rows["odumas"]["state"].objectName() == "stateRepresented"

    qtbot.mouseClick(rows["eroche"]["proxy"], Qt.MouseButton.LeftButton)
    other = master.roll_call.proxy_dialog
    assert other is not None
    qtbot.mouseClick(other.choices["mfabre"], Qt.MouseButton.LeftButton)  # one holder, one
    assert "détient déjà la procuration d'Olivier Dumas" in master.banner.text()
    assert other.isVisible()  # the refusal is said there too, the dialog stays open
    assert "détient déjà la procuration d'Olivier Dumas" in other.refusal.text()
    assert not other.choices["mfabre"].isChecked()  # the refused choice is undone
    assert rows["eroche"]["state"].text() == "Absent"
    qtbot.mouseClick(other.cancel_button, Qt.MouseButton.LeftButton)

    # "Pas de procuration" withdraws it.
    qtbot.mouseClick(rows["odumas"]["proxy"], Qt.MouseButton.LeftButton)
    again = master.roll_call.proxy_dialog
    assert again is not None
    assert again.choices["mfabre"].isChecked()
    qtbot.mouseClick(again.none_button, Qt.MouseButton.LeftButton)
    assert not [p for p in current(model).proxies if p.active]
    assert rows["odumas"]["state"].text() == "Absent"


def _open(qtbot: QtBot, master: MasterScreen) -> None:
    _roll_call(qtbot, master, QUORUM)
    qtbot.mouseClick(master.roll_call.open_button, Qt.MouseButton.LeftButton)
    secretary = master.roll_call.secretary
    secretary.setCurrentIndex(secretary.findData("brousseau"))
    qtbot.mouseClick(master.roll_call.secretary_button, Qt.MouseButton.LeftButton)


def test_take_up_edit_preview_and_record_a_vote(
    qtbot: QtBot, master: MasterScreen, seat: SeatScreen, model: SessionModel
) -> None:
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    session = model.session
    assert session is not None
    assert session.current_item == "p1"
    assert master.tabs.currentWidget() is master.vote
    assert seat.deliberation.title.text() == "Budget primitif 2027"
    master.vote.text.setPlainText("Le conseil adopte le budget primitif 2027, amendé.")
    qtbot.mouseClick(master.vote.save_text, Qt.MouseButton.LeftButton)
    assert seat.deliberation.text.text().startswith(
        "Le conseil adopte le budget primitif 2027, amendé."
    )
    master.vote.spins["pour"].setValue(5)
    master.vote.spins["contre"].setValue(2)
    qtbot.mouseClick(master.vote.preview_button, Qt.MouseButton.LeftButton)
    assert (
        "Le décompte ne correspond pas : 5 pour + 2 contre + 0 abstention(s) = 7, mais 8 votants"
        in master.banner.text()
    )
    master.vote.spins["abstention"].setValue(1)
    qtbot.mouseClick(master.vote.preview_button, Qt.MouseButton.LeftButton)
    assert master.vote.preview.text() == "Résultat si vous confirmez : adopté (5 pour, 2 contre)"
    assert item(model, "p1").vote is None  # not recorded yet
    qtbot.mouseClick(master.vote.confirm, Qt.MouseButton.LeftButton)
    assert item(model, "p1").status is ItemStatus.VOTED
    assert seat.deliberation.result.text() == "ADOPTÉ — 5 pour, 2 contre, 1 abstentions (8 votants)"
    assert "n° 2026-001" in seat.deliberation.kind.text()


def test_the_next_point_clears_who_did_not_take_part_and_keeps_the_names(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    """A councillor set aside for point 1 (an interest in it) takes part in
    point 2: the mayor's tick must not carry over to the next vote."""
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    chips = master.vote.not_taking
    names = [chips.item(n).text() for n in range(chips.count())]
    assert len(names) == 8
    chips.item(2).setSelected(True)
    master.vote.member.setCurrentIndex(1)
    master.vote.spins["pour"].setValue(7)
    qtbot.mouseClick(master.vote.confirm, Qt.MouseButton.LeftButton)
    first = item(model, "p1").vote
    assert first is not None
    assert first["not_taking_part"] == [chips.item(2).data(Qt.ItemDataRole.UserRole)]
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    assert model.session is not None
    assert model.session.current_item == "p2"
    assert [chips.item(n).text() for n in range(chips.count())] == names
    assert chips.selectedItems() == []
    assert master.vote.member.currentIndex() == -1


def test_a_member_interested_in_a_point_has_no_chip_for_it_and_gets_it_back(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    """Who may not vote on a point (an interest declared) is not offered as
    « ne prend pas part »: no chip of theirs is shown for that point, the
    mayor's tick on it is dropped, and it is back at the next point."""
    _open(qtbot, master)
    # One more than the quorum: the point is voted without the interested member.
    assert model.execute({"cmd": "arrive", "member": "odumas"}) is not None
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    chips = master.vote.not_taking

    def shown() -> list[str]:
        return [chips.item(n).text() for n in range(chips.count()) if not chips.isRowHidden(n)]

    everyone = shown()
    assert len(everyone) == 9
    interested = chips.item(2)
    name, member_id = interested.text(), interested.data(Qt.ItemDataRole.UserRole)
    interested.setSelected(True)
    master.vote.member.setCurrentIndex(master.vote.member.findText(name))
    qtbot.mouseClick(master.vote.interest_button, Qt.MouseButton.LeftButton)
    assert item(model, "p1").interested == [member_id]
    qtbot.waitUntil(lambda: name not in shown())
    assert shown() == [other for other in everyone if other != name]
    assert chips.selectedItems() == []
    # Laid out: no hidden chip keeps a place, each shown one has its own.
    places = [chips.visualItemRect(chips.item(n)) for n in range(chips.count())]
    tops_lefts = [(r.top(), r.left()) for n, r in enumerate(places) if not chips.isRowHidden(n)]
    assert len(set(tops_lefts)) == len(everyone) - 1

    qtbot.mouseClick(master.vote.unanimity, Qt.MouseButton.LeftButton)
    assert item(model, "p1").vote is not None
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    assert current(model).current_item == "p2"
    qtbot.waitUntil(lambda: shown() == everyone)


def test_unanimity_in_one_touch_and_closing(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(master.vote.unanimity, Qt.MouseButton.LeftButton)
    assert (item(model, "p1").vote or {})["unanimous"] is True
    qtbot.mouseClick(master.suspend_button, Qt.MouseButton.LeftButton)
    assert current(model).status is SessionStatus.SUSPENDED
    qtbot.mouseClick(master.resume_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(master.close_button, Qt.MouseButton.LeftButton)
    assert current(model).status is SessionStatus.CLOSED
    assert "Points non examinés : Voirie communale, Point d'information" in master.banner.text()


def test_agenda_reorder_withdraw_and_a_seats_proposal(
    qtbot: QtBot, master: MasterScreen, seat: SeatScreen, model: SessionModel
) -> None:
    master.agenda.agenda.setCurrentRow(1)
    qtbot.mouseClick(master.agenda.buttons["Monter"], Qt.MouseButton.LeftButton)
    assert [i.title for i in current(model).agenda()][:2] == [
        "Voirie communale",
        "Budget primitif 2027",
    ]
    assert seat.agenda.item(0).text().startswith("1. Voirie communale")
    qtbot.mouseClick(master.agenda.buttons["Retirer"], Qt.MouseButton.LeftButton)
    assert item(model, "p2").status is ItemStatus.WITHDRAWN
    answers: list[str | None] = []
    seat.propose("cmeunier", "Éclairage du terrain de sport", answers.append)
    assert answers == [None]
    assert "attend l'accord du maire" in seat.banner.text()
    assert master.agenda.proposals.count() == 1
    master.agenda.proposals.setCurrentRow(0)
    qtbot.mouseClick(master.agenda.buttons["Accepter la proposition"], Qt.MouseButton.LeftButton)
    assert current(model).agenda()[-1].title == "Éclairage du terrain de sport"


def test_seven_views_agree_with_the_engine(
    qtbot: QtBot, engine: SessionEngine, config: Config
) -> None:
    model = SessionModel(engine)
    views = TableViews(config, model, windowed=True)
    for view in views.views.values():
        qtbot.addWidget(view.widget)
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            command = json.loads(line)
            assert model.execute(command, author=command.pop("by", "president"))
    session = model.session
    assert session is not None
    # The seats redraw one per pass of the event loop (screens.pacing); the
    # mayor's screen redraws a tab when it is shown, in a pass of its own.
    qtbot.waitUntil(lambda: pacer().pending() == 0)
    master: Any = views.views["master"].widget
    master.tabs.setCurrentWidget(master.agenda)
    qtbot.waitUntil(lambda: pacer().pending() == 0)
    expected = [item_line(n, i).split("\n")[0] for n, i in enumerate(session.agenda(), 1)]
    for role, view in views.views.items():
        widget: Any = view.widget
        assert widget.header._status.text() == "Séance close", role
        agenda = widget.agenda.agenda if role == "master" else widget.agenda
        texts = [agenda.item(n).text().split("\n")[0] for n in range(agenda.count())]
        assert texts == expected, role
    assert len(views.views) == 7


def test_a_display_unplugged_and_plugged_back(
    qtbot: QtBot, engine: SessionEngine, config: Config
) -> None:
    screen = QGuiApplication.primaryScreen()
    from dataclasses import replace

    config = replace(config, master_display=screen.name())
    views = TableViews(config, SessionModel(engine))
    for view in views.views.values():
        qtbot.addWidget(view.widget)
    views.show()
    master = views.views["master"]
    assert master.widget.isVisible()
    assert master.screen is screen
    views._on_app_screen_removed(screen)
    assert not master.widget.isVisible()  # not dropped onto another screen
    views._on_app_screen_added(screen)
    assert master.widget.isVisible()
    assert master.screen is screen


def test_leaving_the_kiosk_needs_the_admin_pin(
    qtbot: QtBot, master_with_pin: MasterScreen, config: Config
) -> None:
    pin = config.admin_pin
    assert pin is not None
    assert master_with_pin.quit_button.isVisibleTo(master_with_pin)
    assert not master_with_pin.leave_kiosk("0000")
    assert master_with_pin.banner.text() == "Code administrateur incorrect : la table reste ouverte"
    # By touch, on the keypad (the table has no keyboard).
    master_with_pin.show()
    qtbot.mouseClick(master_with_pin.quit_button, Qt.MouseButton.LeftButton)
    pad = master_with_pin.pin_dialog
    assert pad is not None
    qtbot.waitExposed(pad)
    assert pad.isModal()  # window-modal: the seats' windows are not blocked
    assert pad.windowModality() is Qt.WindowModality.WindowModal
    for digit in "1234":
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)
    assert pad.display.text() == "● ● ● ●"
    qtbot.mouseClick(pad.ok_button, Qt.MouseButton.LeftButton)
    assert pad.isVisible()
    assert "Code administrateur incorrect" in pad.banner.text()
    for digit in pin:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.erase_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.keys[pin[-1]], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.ok_button, Qt.MouseButton.LeftButton)
    assert pad.result() == QDialog.DialogCode.Accepted  # the right code: the table quits


def test_seats_have_no_way_out(seat: SeatScreen) -> None:
    texts = {b.text() for b in seat.findChildren(QPushButton)}
    assert not any("Quitter" in t for t in texts)


@pytest.fixture
def master_with_pin(qtbot: QtBot, model: SessionModel, config: Config) -> MasterScreen:
    screen = MasterScreen(model, config.commune.name, config.admin_pin)
    qtbot.addWidget(screen)
    return screen


def test_the_archive_by_year_and_date(qtbot: QtBot, seat: SeatScreen) -> None:
    seat.archive.show_documents(
        [
            {
                "category": "archive",
                "archive_year": 2025,
                "archive_date": "2025-03-14",
                "path": "Archives/2025/2025-03-14/a.pdf",
                "title": "a",
                "content_title": "Taux 2025",
            },
            {
                "category": "archive",
                "archive_year": 2024,
                "archive_date": None,
                "path": "Archives/2024/b.pdf",
                "title": "Rapport 2024",
                "content_title": None,
            },
            {
                "category": "autre",
                "archive_year": None,
                "archive_date": None,
                "path": "Divers/c.pdf",
                "title": "Bulletin",
                "content_title": None,
            },
        ]
    )
    tops = [seat.archive.topLevelItem(n).text(0) for n in range(seat.archive.topLevelItemCount())]  # type: ignore[union-attr]
    assert tops == ["Archives 2025", "Archives 2024", "Autres documents"]
    year = seat.archive.topLevelItem(0)
    assert year is not None
    assert year.child(0).text(0) == "Séance du 14 mars 2025"  # type: ignore[union-attr]
    assert year.child(0).child(0).text(0) == "Taux 2025"  # type: ignore[union-attr]


@pytest.fixture
def nomination_model(qapp, engine: SessionEngine) -> SessionModel:
    qapp.setStyleSheet(stylesheet())
    engine.execute(
        {
            "cmd": "convene",
            "id": "s",
            "date": "2026-11-28",
            "convened_on": "2026-11-20",
            "agenda": [
                {"title": "Tarifs 2027"},
                {"title": "Délégué au syndicat des eaux", "kind": "nomination"},
            ],
        }
    )
    return SessionModel(engine)


def test_public_ballot_by_name(qtbot: QtBot, model: SessionModel, config: Config) -> None:
    master = MasterScreen(model, config.commune.name)
    qtbot.addWidget(master)
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    master.vote.request_ballot("public", ["nbonnet"])
    assert "il en faut 2 (le quart des 8 membres présents)" in master.banner.text()
    master.vote.request_ballot("public", ["nbonnet", "cmeunier"])
    assert master.vote.mode.text().startswith("Scrutin public")
    assert not master.vote.ballots.isHidden()
    master.vote.ballots.set_all("pour")
    master.vote.ballots.set_choice("jlperrin", "contre")
    qtbot.mouseClick(master.vote.confirm, Qt.MouseButton.LeftButton)
    vote = item(model, "p1").vote
    assert vote is not None
    assert vote["mode"] == "public"
    assert vote["ballots"]["jlperrin"] == "contre"
    assert (vote["pour"], vote["contre"]) == (7, 1)


def test_secret_ballot_requested_and_nomination_rounds(
    qtbot: QtBot, nomination_model: SessionModel, config: Config
) -> None:
    model = nomination_model
    master = MasterScreen(model, config.commune.name)
    qtbot.addWidget(master)
    _open(qtbot, master)
    master.agenda.agenda.setCurrentRow(1)
    qtbot.mouseClick(master.agenda.buttons["Mettre en discussion"], Qt.MouseButton.LeftButton)
    box = master.vote.nomination
    assert box.isVisibleTo(master)
    assert box.round.text().startswith("Nomination — tour 1")
    box.add_candidate("sgarnier", "Sylvie Garnier").setValue(4)
    box.add_candidate("nbonnet", "Nathalie Bonnet").setValue(4)
    qtbot.mouseClick(box.record_button, Qt.MouseButton.LeftButton)
    assert item(model, "p2").rounds[0]["elected"] is None
    assert box.round.text().startswith("Nomination — tour 2")
    box.spins["sgarnier"].setValue(6)
    box.spins["nbonnet"].setValue(1)
    master.vote.spins["abstention"].setValue(1)
    qtbot.mouseClick(box.record_button, Qt.MouseButton.LeftButton)
    assert item(model, "p2").rounds[-1]["elected"] == "sgarnier"
    assert item(model, "p2").number == "2026-001"


def test_the_mayors_screen_of_the_table_redraws_a_hidden_tab_when_shown(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    # As TableViews sets it: the tab shown is redrawn on each event, in the
    # next pass of the event loop, the others when the mayor touches them.
    master.paced = True
    master.tabs.setCurrentWidget(master.agenda)
    assert model.execute({"cmd": "arrive", "member": "hmarchand"}) is not None
    state = master.roll_call._rows["hmarchand"]["state"]
    assert state.text() == "Absent"  # hidden: not redrawn yet
    assert master.header.quorum.text().startswith("Quorum non atteint : 1 présent")
    master.tabs.setCurrentWidget(master.roll_call)
    qtbot.waitUntil(lambda: state.text() == "Présent")
    # The tab shown: redrawn a pass after the event, not in the engine's call.
    assert model.execute({"cmd": "leave", "member": "hmarchand"}) is not None
    assert state.text() == "Présent"
    qtbot.waitUntil(lambda: state.text() != "Présent")


def test_the_roll_call_follows_the_council_of_the_session_shown(
    qtbot: QtBot, master: MasterScreen, model: SessionModel, config: Config, tmp_path: Path
) -> None:
    # A session convened after the council changed (a member resigned, the next
    # on the list took the seat): its roll call lists its own members, never
    # the rows of the session before.
    session = current(model)
    master.roll_call.show_session(session)
    leaving = config.members[-1]
    newcomer = dataclasses.replace(leaving, id="nnouvelle", name="Nadia Nouvelle")
    changed = dataclasses.replace(config, members=(*config.members[:-1], newcomer))
    other = SessionEngine(Journal(open_database(f"sqlite:///{tmp_path / 'autre.db'}")), changed)
    other.execute({"cmd": "convene", "id": "s2", "date": "2026-12-12", "convened_on": "2026-12-04"})
    master.roll_call.show_session(other.state.sessions["s2"])
    rows = master.roll_call._rows
    assert set(rows) == {m.id for m in changed.members}
    assert rows["nnouvelle"]["name"].text() == "Nadia Nouvelle"
    # The rows of the session before are gone from the grid: a name, three
    # presence buttons and « Procuration… » for each member of this council.
    assert master.roll_call.grid.count() == 5 * len(changed.members)


def test_a_public_ballot_keeps_the_mayors_screen_within_its_1080_pixels(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    # The ballot's rows (one per votant) and the nomination's candidates used to
    # grow the window past the screen: « Enregistrer le vote » and « Clore la
    # séance » were then below its edge. They scroll in the vote panel instead.
    master.show()
    qtbot.waitExposed(master)
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], Qt.MouseButton.LeftButton)
    master.vote.request_ballot("public", ["nbonnet", "cmeunier"])
    assert not master.vote.ballots.isHidden()
    qtbot.wait(50)  # the layout's pass
    assert master.height() == 1080
    assert master.minimumSizeHint().height() <= 1080
    for button in (master.vote.confirm, master.close_button):
        bottom = button.mapTo(master, button.rect().bottomLeft()).y()
        assert button.isVisible(), button.text()
        assert bottom < 1080, button.text()
    # The votants' rows are all there, under the one scroll bar of the panel.
    assert master.vote.body.verticalScrollBar().maximum() > 0
    voters = _ballot_names(master)
    session = current(model)
    assert len(voters) == len(rules.electorate(session, _item_shown(master, session)).voters)
    # A votant leaves: their row goes, the others stay, and the grid is shown.
    leaving = current(model).members["hmarchand"].name
    assert leaving in voters
    assert model.execute({"cmd": "leave", "member": "hmarchand"}) is not None
    qtbot.waitUntil(lambda: _ballot_names(master) == voters - {leaving})
    assert master.vote.ballots.isVisible()


def _ballot_names(master: MasterScreen) -> set[str]:
    """The names on the public ballot's rows shown."""
    grid = master.vote.ballots
    return {w.text() for w in grid.findChildren(QLabel) if w.isVisibleTo(grid)}


def _item_shown(master: MasterScreen, session: Session) -> Item:
    item = session.item(master.vote._item or "")
    assert item is not None
    return item
