"""The dialogs of the master and seat screens, driven as a user would: the
button that opens them, typing and touches inside them while they are modal,
then "confirm" or "Annuler"; the outcome read from the real engine and on the
views.

The dialogs open with ``QDialog.open()`` (modal to their own screen only, so
the other screens of the table keep working): the test finds the dialog the
application shows, fills it in and presses its buttons, with no nested event
loop to escape from.
"""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QPushButton,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from screens.master_view import AddItemDialog, MasterScreen, MembersDialog
from screens.seat_view import ProposeDialog, SeatScreen
from screens.session_model import SessionModel
from table_app.council.engine import SessionEngine
from table_app.council.state import ItemKind, ItemStatus, SessionStatus
from tests.screens import test_views
from tests.screens.test_views import _open, current, item
from tests.support import MEMBERS

# The views' fixtures: a convened session of three points on a real SQLite
# file, its SessionModel, the master screen and the seat "Siège 3".
model = test_views.model
master = test_views.master
seat = test_views.seat

D = TypeVar("D", bound=QDialog)
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def shown(qtbot: QtBot, master: MasterScreen, seat: SeatScreen) -> tuple[MasterScreen, SeatScreen]:
    """The master and a seat on screen, as at the table."""
    for view in (master, seat):
        view.resize(1920, 1080)
        view.show()
        qtbot.waitExposed(view)
    return master, seat


def tap_tab(qtbot: QtBot, tabs: QTabWidget, page: QWidget) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(tabs.indexOf(page)).center())
    assert tabs.currentWidget() is page


def dialog_shown(qtbot: QtBot, view: QWidget, kind: type[D]) -> D:
    """The dialog of ``kind`` that ``view`` shows, modal to its window only."""
    qtbot.waitUntil(lambda: any(d.isVisible() for d in view.findChildren(kind)), timeout=10_000)
    (dialog,) = [d for d in view.findChildren(kind) if d.isVisible()]
    assert QApplication.activeModalWidget() is dialog
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    return dialog


def press(qtbot: QtBot, dialog: QDialog, text: str) -> None:
    """Touch the dialog's button that reads ``text``."""
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    (button,) = [b for b in box.findChildren(QPushButton) if b.text() == text]
    qtbot.mouseClick(button, LEFT)


def closed(qtbot: QtBot, view: QWidget, kind: type[QDialog]) -> None:
    """The dialog is gone (hidden, then deleted) and nothing is modal any more."""
    qtbot.waitUntil(lambda: not view.findChildren(kind), timeout=10_000)
    assert QApplication.activeModalWidget() is None


def tap_row(qtbot: QtBot, rows: QListWidget, text: str) -> None:
    """Touch a row of a list, by its text."""
    (row,) = rows.findItems(text, Qt.MatchFlag.MatchExactly)
    rows.scrollToItem(row)
    centre: QPoint = rows.visualItemRect(row).center()
    qtbot.mouseClick(rows.viewport(), LEFT, pos=centre)


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type ``text`` key by key. QTest maps only ASCII characters to keys (it
    aborts on "è"): the others go as key events carrying their text, as a
    keyboard layout with accents sends them."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click,
                widget,
                Qt.Key.Key_unknown,
                char,
                Qt.KeyboardModifier.NoModifier,
            )


def events(engine: SessionEngine) -> int:
    return engine.journal.last_seq()


# --- the master: "Ajouter un point" --------------------------------------


def test_adding_a_point_through_its_dialog(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, seat = shown
    for member in MEMBERS:  # the convocation already sent: a point added is not on it
        engine.execute(
            {
                "cmd": "record_convocation",
                "session": "s",
                "member": member,
                "channel": "dossier",
                "sha256": "3f" * 32,
            },
            author="secretaire",
        )
    tap_tab(qtbot, master.tabs, master.agenda)
    qtbot.mouseClick(master.agenda.buttons["Ajouter un point"], LEFT)
    dialog = dialog_shown(qtbot, master.agenda, AddItemDialog)
    assert [dialog.kind.itemText(n) for n in range(dialog.kind.count())] == [
        "Délibération",
        "Information",
    ]
    type_text(qtbot, dialog.title, "Columbarium du cimetière")
    press(qtbot, dialog, "Ajouter")
    closed(qtbot, master.agenda, AddItemDialog)

    added = current(model).agenda()[-1]
    assert (added.title, added.kind, added.status) == (
        "Columbarium du cimetière",
        ItemKind.DELIBERATION,
        ItemStatus.PENDING,
    )
    assert master.agenda.agenda.item(3).text().startswith("4. Columbarium du cimetière")
    assert seat.agenda.item(3).text().startswith("4. Columbarium du cimetière")
    # A deliberation not on the convocation sent: the engine's warning, in words.
    assert master.banner.isVisible()
    assert "ne figurait pas sur la convocation déjà envoyée" in master.banner.text()


def test_adding_an_information_point_chosen_in_the_dialog(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
) -> None:
    master, seat = shown
    qtbot.mouseClick(master.agenda.buttons["Ajouter un point"], LEFT)
    dialog = dialog_shown(qtbot, master.agenda, AddItemDialog)
    type_text(qtbot, dialog.title, "Calendrier des vœux")
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)
    assert dialog.kind.currentText() == "Information"
    press(qtbot, dialog, "Ajouter")
    closed(qtbot, master.agenda, AddItemDialog)
    added = current(model).agenda()[-1]
    assert (added.title, added.kind) == ("Calendrier des vœux", ItemKind.INFORMATION)
    assert seat.agenda.item(3).text().startswith("4. Calendrier des vœux (information)")
    assert not master.banner.isVisible()  # an information point needs no warning


def test_cancelling_the_add_dialog_changes_nothing(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, seat = shown
    before = events(engine)
    qtbot.mouseClick(master.agenda.buttons["Ajouter un point"], LEFT)
    dialog = dialog_shown(qtbot, master.agenda, AddItemDialog)
    type_text(qtbot, dialog.title, "Columbarium du cimetière")
    press(qtbot, dialog, "Annuler")
    closed(qtbot, master.agenda, AddItemDialog)
    assert events(engine) == before
    assert [i.title for i in current(model).agenda()] == [
        "Budget primitif 2027",
        "Voirie communale",
        "Point d'information",
    ]
    assert seat.agenda.count() == 3
    assert not master.banner.isVisible()


def test_the_add_dialog_keeps_a_refused_point_with_its_message(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, _seat = shown
    _open(qtbot, master)
    qtbot.mouseClick(master.close_button, LEFT)
    assert current(model).status is SessionStatus.CLOSED
    before = events(engine)

    qtbot.mouseClick(master.agenda.buttons["Ajouter un point"], LEFT)
    dialog = dialog_shown(qtbot, master.agenda, AddItemDialog)
    press(qtbot, dialog, "Ajouter")  # nothing typed
    assert dialog.isVisible()
    assert dialog.refusal.isVisible()
    assert dialog.refusal.text() == "Écrivez l'objet du point à ajouter"

    type_text(qtbot, dialog.title, "Columbarium du cimetière")
    press(qtbot, dialog, "Ajouter")  # the session is closed: the engine refuses
    assert dialog.isVisible()
    assert dialog.title.text() == "Columbarium du cimetière"  # what was typed stays
    refusal = dialog.refusal.text()
    assert "ajouter un point" in refusal
    assert master.banner.text() == refusal  # at the top of the screen too
    assert events(engine) == before

    press(qtbot, dialog, "Annuler")
    closed(qtbot, master.agenda, AddItemDialog)
    assert events(engine) == before


# --- a seat: "Proposer un point" ------------------------------------------


def test_a_councillor_proposes_a_point_the_mayor_accepts(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
) -> None:
    master, seat = shown
    qtbot.mouseClick(seat.propose_button, LEFT)
    dialog = dialog_shown(qtbot, seat, ProposeDialog)
    # Who sits at this seat (Siège 3), and only them.
    assert [dialog.member.itemText(n) for n in range(dialog.member.count())] == [
        "Christophe Meunier",
        "Isabelle Colin",
    ]
    # Nobody chosen yet: two councillors share the seat.
    assert dialog.member.currentIndex() == -1
    assert dialog.member.placeholderText() == "Choisissez qui propose"
    type_text(qtbot, dialog.title, "Éclairage du terrain de sport")
    press(qtbot, dialog, "Proposer")
    assert dialog.refusal.text() == "Choisissez d'abord qui propose ce point, dans la liste"
    dialog.member.setCurrentIndex(dialog.member.findText("Isabelle Colin"))
    press(qtbot, dialog, "Proposer")
    closed(qtbot, seat, ProposeDialog)

    proposed = current(model).items[-1]
    assert (proposed.title, proposed.status, proposed.proposed_by) == (
        "Éclairage du terrain de sport",
        ItemStatus.PROPOSED,
        "icolin",
    )
    assert seat.banner.isVisible()
    assert seat.banner.text() == (
        "Point proposé : « Éclairage du terrain de sport ». Il attend l'accord du maire."
    )
    assert seat.agenda.count() == 3  # not on the agenda before the mayor agrees
    # It waits on the master screen, with who proposed it.
    assert master.agenda.proposals.count() == 1
    row = master.agenda.proposals.item(0)
    assert row is not None
    assert row.text() == "Éclairage du terrain de sport — proposé par Isabelle Colin"

    tap_tab(qtbot, master.tabs, master.agenda)
    tap_row(qtbot, master.agenda.proposals, row.text())
    qtbot.mouseClick(master.agenda.buttons["Accepter la proposition"], LEFT)
    assert item(model, proposed.id).status is ItemStatus.PENDING
    assert current(model).agenda()[-1].title == "Éclairage du terrain de sport"
    assert seat.agenda.item(3).text().startswith("4. Éclairage du terrain de sport")
    assert master.agenda.proposals.count() == 0


def test_cancelling_a_proposal_changes_nothing(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, seat = shown
    before = events(engine)
    qtbot.mouseClick(seat.propose_button, LEFT)
    dialog = dialog_shown(qtbot, seat, ProposeDialog)
    type_text(qtbot, dialog.title, "Éclairage du terrain de sport")
    press(qtbot, dialog, "Annuler")
    closed(qtbot, seat, ProposeDialog)
    assert events(engine) == before
    assert len(current(model).items) == 3
    assert master.agenda.proposals.count() == 0
    assert not seat.banner.isVisible()


def test_a_refused_proposal_is_told_at_the_seat(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, seat = shown
    _open(qtbot, master)
    qtbot.mouseClick(master.close_button, LEFT)
    master.banner.hide()
    before = events(engine)

    qtbot.mouseClick(seat.propose_button, LEFT)
    dialog = dialog_shown(qtbot, seat, ProposeDialog)
    type_text(qtbot, dialog.title, "   ")
    press(qtbot, dialog, "Proposer")
    assert dialog.isVisible()
    assert dialog.refusal.text() == "Écrivez l'objet du point que vous proposez"

    dialog.title.clear()
    type_text(qtbot, dialog.title, "Éclairage du terrain de sport")
    dialog.member.setCurrentIndex(0)
    press(qtbot, dialog, "Proposer")  # the session is closed: the engine refuses
    assert dialog.isVisible()
    assert dialog.refusal.isVisible()
    assert "proposer un point" in dialog.refusal.text()
    assert not master.banner.isVisible()  # the seat's business, not the mayor's
    assert events(engine) == before

    press(qtbot, dialog, "Annuler")
    closed(qtbot, seat, ProposeDialog)
    assert events(engine) == before


# --- the master: "Scrutin public / secret demandé…" -----------------------


def test_a_ballot_request_recorded_through_its_dialog(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, _seat = shown
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], LEFT)
    assert master.tabs.currentWidget() is master.vote

    qtbot.mouseClick(master.vote.public_request, LEFT)
    dialog = dialog_shown(qtbot, master.vote, MembersDialog)
    assert dialog.windowTitle() == "Qui demande le scrutin public ?"
    assert dialog.list.count() == 8  # the members present
    tap_row(qtbot, dialog.list, "Nathalie Bonnet")
    assert dialog.chosen() == ["nbonnet"]
    before = events(engine)
    press(qtbot, dialog, "Enregistrer la demande")  # one is not a quarter of eight
    assert dialog.isVisible()
    assert dialog.refusal.text() == (
        "Scrutin public non demandé valablement : 1 demandeur(s), il en faut 2 "
        "(le quart des 8 membres présents)"
    )
    assert events(engine) == before

    tap_row(qtbot, dialog.list, "Jean-Luc Perrin")
    tap_row(qtbot, dialog.list, "Christophe Meunier")
    tap_row(qtbot, dialog.list, "Jean-Luc Perrin")  # a second touch unticks
    assert dialog.chosen() == ["nbonnet", "cmeunier"]
    press(qtbot, dialog, "Enregistrer la demande")
    closed(qtbot, master.vote, MembersDialog)

    assert item(model, "p1").ballot_requests == [
        {"mode": "public", "members": ["nbonnet", "cmeunier"]}
    ]
    assert master.vote.mode.text().startswith("Scrutin public")
    assert master.vote.ballots.isVisible()  # the vote is now taken by name


def test_cancelling_a_ballot_request_changes_nothing(
    qtbot: QtBot,
    shown: tuple[MasterScreen, SeatScreen],
    model: SessionModel,
    engine: SessionEngine,
) -> None:
    master, _seat = shown
    _open(qtbot, master)
    qtbot.mouseClick(master.agenda.buttons["Point suivant"], LEFT)
    before = events(engine)
    qtbot.mouseClick(master.vote.secret_request, LEFT)
    dialog = dialog_shown(qtbot, master.vote, MembersDialog)
    assert dialog.windowTitle() == "Qui demande le scrutin secret ?"
    for name in ("Nathalie Bonnet", "Christophe Meunier", "Martine Fabre"):
        tap_row(qtbot, dialog.list, name)
    press(qtbot, dialog, "Annuler")
    closed(qtbot, master.vote, MembersDialog)
    assert events(engine) == before
    assert item(model, "p1").ballot_requests == []
    assert master.vote.mode.text().startswith("Vote à main levée")


def test_a_ballot_request_needs_a_point_under_discussion(
    qtbot: QtBot, shown: tuple[MasterScreen, SeatScreen]
) -> None:
    master, _seat = shown
    tap_tab(qtbot, master.tabs, master.vote)
    qtbot.mouseClick(master.vote.public_request, LEFT)
    assert not master.vote.findChildren(MembersDialog)
    assert master.banner.text() == "Mettez d'abord un point en discussion"
