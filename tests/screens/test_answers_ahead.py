"""Before the session, on the mayor's screen: the answers noted ahead open the
roll call pre-filled, an unlawful procuration is refused ahead, and what the
members drop in the synced folder (answers, proposals) appears on the screen,
through a real watchdog observer, once, even after the table restarts."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from screens.master_view import MasterScreen
from screens.seat_view import SeatScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from sync.inbox import FolderInbox
from sync.library import DocumentLibrary
from sync.service import DocumentSync
from sync.workers import ExtractionPool
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.council.state import AnswerKind, ItemStatus, Presence, Session
from table_app.journal import Journal
from table_app.store import Database
from tests.screenshots import save_shot
from tests.support import QUORUM
from tests.sync.conftest import make_pdf

SESSION = "2026-11-28"


def _session(model: SessionModel) -> Session:
    session = model.session
    assert session is not None
    return session


@pytest.fixture
def seance(engine: SessionEngine) -> SessionEngine:
    engine.execute(
        {
            "cmd": "convene",
            "id": SESSION,
            "date": SESSION,
            "convened_on": "2026-11-20",
            "agenda": [{"title": "Budget primitif 2027"}, {"title": "Voirie communale"}],
        }
    )
    return engine


@pytest.fixture
def model(qapp, seance: SessionEngine) -> SessionModel:
    qapp.setStyleSheet(stylesheet())
    return SessionModel(seance)


@pytest.fixture
def master(qtbot: QtBot, model: SessionModel, config: Config) -> MasterScreen:
    screen = MasterScreen(model, config.commune.name)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    return screen


def _state(master: MasterScreen, member: str) -> tuple[str, str, str]:
    """A member's state at the roll call: its word, its colour's name, its detail."""
    row = master.roll_call._rows[member]
    return (row["state"].text(), row["state"].objectName(), row["detail"].text())


def _procuration(qtbot: QtBot, master: MasterScreen, giver: str, holder: str, day: QDate) -> None:
    row = master.answers.rows[giver]
    row["holder"].setCurrentIndex(row["holder"].findData(holder))
    row["signed_on"].setDate(day)
    qtbot.mouseClick(row["buttons"][AnswerKind.PROXY], Qt.MouseButton.LeftButton)


def test_a_procuration_answered_ahead_is_at_the_roll_call_and_a_second_one_refused(
    qtbot: QtBot, master: MasterScreen, model: SessionModel, seance: SessionEngine
) -> None:
    master.tabs.setCurrentWidget(master.answers)
    _procuration(qtbot, master, "odumas", "mfabre", QDate(2026, 11, 25))
    assert not master.banner.isVisibleTo(master)
    assert master.answers.rows["odumas"]["buttons"][AnswerKind.PROXY].isChecked()
    assert master.answers.rows["odumas"]["answer"].text() == "procuration signée le 25/11/2026"
    # The roll call opens with the procuration listed: Olivier Dumas is represented.
    roll_call = master.roll_call
    assert _state(master, "odumas") == ("Représenté", "stateRepresented", "par M. Fabre")
    assert not roll_call._rows["odumas"]["proxy"].isHidden()  # to withdraw or change it
    assert roll_call.answers_summary.text() == (
        "Réponses avant la séance : 0 présent annoncé, 0 absent excusé, "
        "1 procuration vérifiée (une par mandataire)."
    )

    # A second procuration to the same holder: refused ahead, in words, nothing recorded.
    before = seance.journal.last_seq()
    _procuration(qtbot, master, "eroche", "mfabre", QDate(2026, 11, 26))
    refusal = (
        "Martine Fabre détient déjà la procuration d'Olivier Dumas : un membre ne peut "
        "détenir qu'une seule procuration"
    )
    assert master.banner.isVisibleTo(master)
    assert master.banner.objectName() == "refusal"
    assert master.banner.text() == refusal
    assert seance.journal.last_seq() == before
    assert not any(b.isChecked() for b in master.answers.rows["eroche"]["buttons"].values())
    assert _state(master, "eroche") == ("Absent", "stateAbsent", "")
    assert [(p.giver, p.holder) for p in _session(model).proxies if p.active] == [
        ("odumas", "mfabre")
    ]

    # On the evening: the procuration counts from the opening.
    for member in QUORUM:
        qtbot.mouseClick(roll_call._rows[member]["buttons"]["present"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(roll_call.open_button, Qt.MouseButton.LeftButton)
    session = _session(model)
    assert session.opening is not None
    assert not master.answers.rows["cbarbier"]["buttons"][AnswerKind.EXCUSED].isEnabled()


def test_an_excuse_answered_ahead_shows_as_excused_at_the_roll_call(
    qtbot: QtBot, master: MasterScreen, model: SessionModel
) -> None:
    row = master.answers.rows["cbarbier"]
    qtbot.mouseClick(row["buttons"][AnswerKind.EXCUSED], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(
        master.answers.rows["nbonnet"]["buttons"][AnswerKind.PRESENT], Qt.MouseButton.LeftButton
    )
    assert _session(model).attendance["cbarbier"].status is Presence.EXCUSED
    buttons = master.roll_call._rows["cbarbier"]["buttons"]
    assert buttons["excused"].isChecked()
    assert not buttons["present"].isChecked()
    assert not buttons["absent"].isChecked()
    assert _state(master, "cbarbier") == ("Excusé", "stateExcused", "a répondu")
    # Présent announced: nobody is marked present before they arrive.
    assert not any(b.isChecked() for b in master.roll_call._rows["nbonnet"]["buttons"].values())
    assert _state(master, "nbonnet") == ("Absent", "stateAbsent", "attendu")
    assert master.roll_call.answers_summary.text() == (
        "Réponses avant la séance : 1 présent annoncé, 1 absent excusé, 0 procuration vérifiée."
    )
    # A procuration without its holder is asked for, not sent.
    qtbot.mouseClick(
        master.answers.rows["odumas"]["buttons"][AnswerKind.PROXY], Qt.MouseButton.LeftButton
    )
    assert master.banner.text().startswith("Choisissez d'abord le mandataire")


def test_the_answers_noted_ahead_as_the_mayor_sees_them(
    qtbot: QtBot, master: MasterScreen, model: SessionModel, tmp_path: Path
) -> None:
    """Five answers noted, one procuration refused: the answers' tab and the
    roll call pre-filled, as the README shows them."""
    master.show()
    qtbot.waitExposed(master)
    master.tabs.setCurrentWidget(master.answers)
    rows = master.answers.rows
    for member, kind in (
        ("nbonnet", AnswerKind.PRESENT),
        ("icolin", AnswerKind.PRESENT),
        ("cbarbier", AnswerKind.EXCUSED),
    ):
        qtbot.mouseClick(rows[member]["buttons"][kind], Qt.MouseButton.LeftButton)
    _procuration(qtbot, master, "odumas", "mfabre", QDate(2026, 11, 24))
    _procuration(qtbot, master, "eroche", "tlacroix", QDate(2026, 11, 25))
    _procuration(qtbot, master, "dvidal", "mfabre", QDate(2026, 11, 26))
    assert master.banner.text() == (
        "Martine Fabre détient déjà la procuration d'Olivier Dumas : un membre ne peut "
        "détenir qu'une seule procuration"
    )
    assert rows["icolin"]["answer"].text() == "présent"
    assert rows["odumas"]["answer"].text() == "procuration signée le 24/11/2026"
    qtbot.wait(50)
    save_shot(master, tmp_path, "avant-seance-reponses")

    master.tabs.setCurrentWidget(master.roll_call)
    assert master.roll_call.answers_summary.text() == (
        "Réponses avant la séance : 2 présents annoncés, 1 absent excusé, "
        "2 procurations vérifiées (une par mandataire)."
    )
    assert _state(master, "icolin") == ("Absent", "stateAbsent", "attendu")
    assert _state(master, "cbarbier") == ("Excusé", "stateExcused", "a répondu")
    assert _state(master, "odumas") == ("Représenté", "stateRepresented", "par M. Fabre")
    assert _state(master, "eroche") == ("Représenté", "stateRepresented", "par T. Lacroix")
    assert _state(master, "dvidal") == ("Absent", "stateAbsent", "")
    qtbot.wait(50)  # the tab shown laid out, as on the screen
    save_shot(master, tmp_path, "avant-seance-appel-pre-rempli")


def test_the_mayors_screen_fits_its_display_on_every_tab_with_a_message_shown(
    qtbot: QtBot, master: MasterScreen
) -> None:
    """A 1920x1080 display: every tab, a refusal said at the top, and the buttons
    at the bottom of the screen still on it (nine buttons in one column made
    the screen 1,135 lines tall)."""
    master.show()
    qtbot.waitExposed(master)
    qtbot.mouseClick(
        master.answers.rows["odumas"]["buttons"][AnswerKind.PROXY], Qt.MouseButton.LeftButton
    )
    assert master.banner.isVisibleTo(master)
    assert master.minimumSizeHint().height() <= 1080
    for index in range(master.tabs.count()):
        master.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        assert master.height() == 1080, master.tabs.tabText(index)
        bottom = master.stats_button.mapTo(master, master.stats_button.rect().bottomLeft())
        assert bottom.y() < 1080, master.tabs.tabText(index)


# --- the folder, watched -----------------------------------------------------


class Table:
    """What ``table-app run`` starts for the folder: library, watcher, inbox, views."""

    def __init__(
        self,
        qtbot: QtBot,
        database: Database,
        config: Config,
        pool: ExtractionPool,
    ) -> None:
        self.engine = SessionEngine(Journal(database), config)
        self.library = DocumentLibrary(database, config.documents_folder, config.data_dir, pool)
        self.service = DocumentSync(self.library, quiet_s=0.3)
        self.model = SessionModel(self.engine, library=self.library)
        qtbot.waitUntil(lambda: self.model.documents.loaded)  # listed on a worker thread
        self.inbox = FolderInbox(self.engine, self.library)
        self.model.follow_inbox(self.inbox)
        self.master = MasterScreen(self.model, config.commune.name)
        qtbot.addWidget(self.master)
        self.master.resize(1920, 1080)
        self.inbox.start()
        self.service.start()

    def settle(self, qtbot: QtBot) -> None:
        for _ in range(3):
            assert self.service.wait_idle(20)
            assert self.inbox.wait_idle(20)
            qtbot.wait(50)  # the notes and events queued for the GUI thread

    def stop(self) -> None:
        self.inbox.stop()
        self.service.stop()
        self.model.close()


@pytest.fixture
def pool() -> Iterator[ExtractionPool]:
    with ExtractionPool(processes=1) as workers:
        yield workers


def _proposals(master: MasterScreen) -> list[str]:
    rows = master.agenda.proposals
    return [rows.item(n).text() for n in range(rows.count())]


def test_what_members_drop_in_the_folder_appears_on_the_masters_screen_once(
    qtbot: QtBot,
    qapp,
    seance: SessionEngine,
    database: Database,
    config: Config,
    pool: ExtractionPool,
) -> None:
    qapp.setStyleSheet(stylesheet())
    table = Table(qtbot, database, config, pool)
    folder = config.documents_folder
    try:
        proposal = make_pdf(
            folder / "Séances" / SESSION / "Propositions" / "Olivier Dumas - Aire de jeux.pdf",
            text="Aire de jeux du bourg : plan et devis",
        )
        answer = folder / "Élus" / "Céline Barbier" / "réponse.txt"
        answer.parent.mkdir(parents=True)
        answer.write_text("Absente excusée\n", encoding="utf-8")

        master = table.master
        qtbot.waitUntil(
            lambda: _proposals(master) == ["Aire de jeux — proposé par Olivier Dumas"],
            timeout=20_000,
        )
        qtbot.waitUntil(
            lambda: master.roll_call._rows["cbarbier"]["buttons"]["excused"].isChecked(),
            timeout=20_000,
        )
        qtbot.waitUntil(lambda: master.answers.files.count() == 2, timeout=20_000)
        received = sorted(
            master.answers.files.item(n).text() for n in range(master.answers.files.count())
        )
        assert received[0].startswith(
            "✓ Proposition de point déposée dans le dossier par Olivier Dumas : « Aire de jeux »"
        )
        assert received[1] == (
            "✓ Réponse reçue par le dossier de l'élu : Céline Barbier "
            "(Élus/Céline Barbier/réponse.txt), absent excusé"
        )
        assert master.roll_call._rows["cbarbier"]["detail"].text() == "a répondu"
        item = next(i for i in _session(table.model).items if i.status is ItemStatus.PROPOSED)
        assert item.documents[0]["path"] == (
            f"Séances/{SESSION}/Propositions/Olivier Dumas - Aire de jeux.pdf"
        )
        # The file touched again: still one proposal.
        proposal.touch()
        table.service.rescan()
        table.settle(qtbot)
        assert _proposals(master) == ["Aire de jeux — proposé par Olivier Dumas"]
    finally:
        table.stop()

    # The table restarts on the same database and folder.
    again = Table(qtbot, database, config, pool)
    try:
        again.settle(qtbot)
        assert _proposals(again.master) == ["Aire de jeux — proposé par Olivier Dumas"]
        assert again.master.answers.files.count() == 0  # nothing new to say
        session = _session(again.model)
        assert [i.title for i in session.items if i.status is ItemStatus.PROPOSED] == [
            "Aire de jeux"
        ]
        assert len(session.answers) == 1
        # The mayor accepts it: it goes onto the agenda, after the convocation's points.
        again.master.agenda.proposals.setCurrentRow(0)
        qtbot.mouseClick(
            again.master.agenda.buttons["Accepter la proposition"], Qt.MouseButton.LeftButton
        )
        agenda = _session(again.model).agenda()
        assert [i.title for i in agenda] == [
            "Budget primitif 2027",
            "Voirie communale",
            "Aire de jeux",
        ]
        # At a seat, the point shows the file its author dropped.
        seat = SeatScreen(config.seats[0], again.model, config.commune.name)
        qtbot.addWidget(seat)
        seat._on_agenda_item_chosen(agenda[2].id)
        shown = seat.documents.list
        assert seat.documents.heading.text() == "Documents du point 3"
        assert [
            shown.item(n).data(Qt.ItemDataRole.UserRole)["path"] for n in range(shown.count())
        ] == [f"Séances/{SESSION}/Propositions/Olivier Dumas - Aire de jeux.pdf"]
    finally:
        again.stop()
