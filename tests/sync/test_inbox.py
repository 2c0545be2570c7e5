"""Answers and proposals dropped in the synced folder: real folders, real
watchdog observers, the real engine on a real SQLite file."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

import pytest

from sync.inbox import (
    FolderInbox,
    InboxNote,
    NotUnderstood,
    find_member,
    parse_answer_text,
    parse_proposal,
    parse_proxy_form_name,
    where,
)
from sync.library import DocumentLibrary
from sync.search import search
from sync.service import DocumentSync
from sync.workers import ExtractionPool
from table_app.council.engine import SessionEngine
from table_app.council.state import AnswerKind, ItemStatus, Presence, Session
from table_app.journal import Journal
from table_app.store import Database
from tests.sync.conftest import FeedLog, make_pdf

SESSION = "2026-11-28"


# --- the conventions, read -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("présent\n", (AnswerKind.PRESENT, None, None, False)),
        ("Je serai présente.", (AnswerKind.PRESENT, None, None, False)),
        ("Absent excusé", (AnswerKind.EXCUSED, None, None, False)),
        (
            "EXCUSÉE\nDésolée, réunion à la communauté de communes",
            (AnswerKind.EXCUSED, None, None, False),
        ),
        (
            "procuration à Martine Fabre\nsignée le 25/11/2026",
            (AnswerKind.PROXY, "martine fabre", "2026-11-25", False),
        ),
        (
            "Procuration à Mme Fabre, signée le 25.11.2026 (maladie)",
            (AnswerKind.PROXY, "mme fabre", "2026-11-25", True),
        ),
        (
            "pouvoir à Thierry Lacroix 2026-11-26",
            (AnswerKind.PROXY, "thierry lacroix", "2026-11-26", False),
        ),
    ],
)
def test_answer_texts(text: str, expected: tuple[object, ...]) -> None:
    parsed = parse_answer_text(text)
    assert (parsed.answer, parsed.holder, parsed.signed_on, parsed.illness) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "le fichier est vide"),
        ("peut-être", "la première ligne « peut-être » n'est ni « présent »"),
        ("procuration à\n", "le nom du mandataire manque"),
        ("procuration à Martine Fabre le 31/11/2026", "la date « 31/11/2026 » n'existe pas"),
    ],
)
def test_answer_texts_not_understood(text: str, reason: str) -> None:
    with pytest.raises(NotUnderstood) as problem:
        parse_answer_text(text)
    assert reason in problem.value.reason


def test_proxy_form_names() -> None:
    form = parse_proxy_form_name("procuration-Martine Fabre 25-11-2026.pdf")
    assert (form.holder, form.signed_on) == ("Martine Fabre", "2026-11-25")
    form = parse_proxy_form_name("Procuration à Fabre.pdf")
    assert (form.holder, form.signed_on) == ("Fabre", None)
    form = parse_proxy_form_name("procuration_thierry_lacroix_2026-11-26.jpg")
    assert (form.holder, form.signed_on) == ("thierry lacroix", "2026-11-26")
    with pytest.raises(NotUnderstood, match="le nom du mandataire manque"):
        parse_proxy_form_name("procuration 25-11-2026.pdf")


def test_proposal_names_and_texts() -> None:
    pdf = parse_proposal("Olivier Dumas - Aire de jeux du bourg.pdf", None)
    assert (pdf.author, pdf.title, pdf.kind, pdf.text) == (
        "Olivier Dumas",
        "Aire de jeux du bourg",
        "deliberation",
        "",
    )
    text = parse_proposal(
        "idee.txt",
        "Élu : Céline Barbier\nObjet : Point sur la fibre\nNature : information\n\nOù en est le déploiement ?\n",
    )
    assert (text.author, text.title, text.kind, text.text) == (
        "Céline Barbier",
        "Point sur la fibre",
        "information",
        "Où en est le déploiement ?",
    )
    with pytest.raises(NotUnderstood, match="l'auteur de la proposition n'est pas indiqué"):
        parse_proposal("idee.txt", "Il faudrait un banc.")


def test_members_are_found_by_name_in_any_form(engine: SessionEngine, convened: object) -> None:
    members = engine.state.sessions["s"].members.values()
    for written in ("Martine Fabre", "FABRE Martine", "Mme fabre", "mfabre", "martine-fabre"):
        assert find_member(members, written).id == "mfabre", written
    with pytest.raises(NotUnderstood, match="n'est pas le nom d'un membre"):
        find_member(members, "Jean Dupont")


def test_which_files_follow_a_convention() -> None:
    assert where(PurePosixPath("Élus/Olivier Dumas/réponse.txt")) is not None
    assert where(PurePosixPath("ELUS/Olivier Dumas/Procuration Fabre.pdf")) is not None
    assert where(PurePosixPath("Élus/Olivier Dumas/Convocations/convocation.pdf")) is None
    assert where(PurePosixPath("Élus/Olivier Dumas/photo.jpg")) is None
    proposal = where(PurePosixPath("Séances/28-11-2026/Propositions/Dumas - Banc.txt"))
    assert proposal is not None
    assert proposal.session_date == SESSION
    assert where(PurePosixPath("Séances/2026-11-28/03 - Budget/Dumas - Banc.txt")) is None


# --- the folder, watched -----------------------------------------------------


@pytest.fixture
def session(engine: SessionEngine) -> Session:
    engine.execute(
        {
            "cmd": "convene",
            "id": SESSION,
            "date": SESSION,
            "convened_on": "2026-11-20",
            "agenda": [{"title": "Budget primitif 2027"}],
        }
    )
    return engine.state.sessions[SESSION]


class Notes:
    def __init__(self, inbox: FolderInbox) -> None:
        self.notes: list[InboxNote] = []
        inbox.subscribe(self.notes.append)


@pytest.fixture
def inbox(
    engine: SessionEngine, library: DocumentLibrary, session: Session
) -> Iterator[FolderInbox]:
    folder_inbox = FolderInbox(engine, library).start()
    yield folder_inbox
    folder_inbox.stop()


def _settle(
    sync: DocumentSync, inbox: FolderInbox, until: Callable[[], object] | None = None
) -> None:
    """Wait for the watcher, the service and the inbox to be done (``until``:
    for that to hold; inotify may not have told the watcher yet)."""
    deadline = time.monotonic() + 20
    while True:
        assert sync.wait_idle(20)
        assert inbox.wait_idle(20)
        if until is None or until():
            return
        assert time.monotonic() < deadline, "rien n'est arrivé"
        time.sleep(0.05)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_answer_dropped_in_the_members_folder_is_recorded_once(
    inbox: FolderInbox, sync: DocumentSync, folder: Path, session: Session, engine: SessionEngine
) -> None:
    notes = Notes(inbox)
    answer = _write(
        folder / "Élus" / "Olivier Dumas" / "réponse.txt",
        "Procuration à Martine Fabre\nle 25/11/2026\n",
    )
    _settle(sync, inbox, until=lambda: notes.notes)
    recorded = session.answer_of("odumas")
    assert recorded is not None
    assert (recorded.answer, recorded.holder, recorded.signed_on, recorded.source) == (
        AnswerKind.PROXY,
        "mfabre",
        "2026-11-25",
        "dossier",
    )
    assert recorded.document is not None
    assert recorded.document["path"] == "Élus/Olivier Dumas/réponse.txt"
    assert [(p.giver, p.holder) for p in session.proxies if p.active] == [("odumas", "mfabre")]
    assert [n.kind for n in notes.notes] == ["recorded"]
    assert "Olivier Dumas" in notes.notes[0].message
    assert "procuration à Martine Fabre, signée le 25/11/2026" in notes.notes[0].message
    # Touched again (same content): nothing new.
    answer.touch()
    sync.rescan()
    _settle(sync, inbox)
    assert len(session.answers) == 1
    # The member changes their mind: the new content replaces the answer.
    _write(answer, "absent excusé\n")
    _settle(sync, inbox, until=lambda: len(session.answers) == 2)
    assert session.answer_of("odumas") is not None
    assert session.attendance["odumas"].status is Presence.EXCUSED
    assert not any(p.active for p in session.proxies)
    assert len(session.answers) == 2


def test_an_unlawful_proxy_dropped_in_the_folder_is_refused_in_words(
    inbox: FolderInbox, sync: DocumentSync, folder: Path, session: Session, engine: SessionEngine
) -> None:
    notes = Notes(inbox)
    make_pdf(folder / "Élus" / "Olivier Dumas" / "procuration Martine Fabre 25-11-2026.pdf")
    _settle(sync, inbox, until=lambda: notes.notes)
    before = engine.journal.last_seq()
    make_pdf(folder / "Élus" / "Émilie Roche" / "procuration-Fabre 26-11-2026.pdf")
    _settle(sync, inbox, until=lambda: len(notes.notes) == 2)
    assert engine.journal.last_seq() == before  # nothing recorded
    assert session.answer_of("eroche") is None
    refused = notes.notes[-1]
    assert refused.kind == "refused"
    assert refused.message == (
        "Réponse d'Émilie Roche déposée dans son dossier, refusée : Martine Fabre détient déjà "
        "la procuration d'Olivier Dumas : un membre ne peut détenir qu'une seule procuration. "
        "Rien n'a été enregistré."
    )
    proxy = session.answer_of("odumas")
    assert proxy is not None
    assert proxy.document is not None
    assert proxy.document["path"].endswith("procuration Martine Fabre 25-11-2026.pdf")


def test_a_file_not_understood_is_said_and_nothing_recorded(
    inbox: FolderInbox, sync: DocumentSync, folder: Path, session: Session, engine: SessionEngine
) -> None:
    notes = Notes(inbox)
    before = engine.journal.last_seq()
    _write(folder / "Élus" / "Jean Inconnu" / "reponse.txt", "présent")
    _write(folder / "Élus" / "Céline Barbier" / "reponse.txt", "on verra")
    _settle(sync, inbox, until=lambda: len(notes.notes) == 2)
    assert engine.journal.last_seq() == before
    messages = sorted(n.message for n in notes.notes)
    assert [n.kind for n in notes.notes] == ["not_understood", "not_understood"]
    assert messages[0].startswith(
        "Fichier « Élus/Céline Barbier/reponse.txt » : la réponse n'a pas pu être comprise : "
        "la première ligne « on verra » n'est ni « présent »"
    )
    assert "« Jean Inconnu » n'est pas le nom d'un membre du conseil en exercice" in messages[1]
    assert "Pour répondre, l'élu dépose dans son dossier" in messages[1]


def test_an_answer_received_before_the_convocation_is_left_alone(
    engine: SessionEngine,
    library: DocumentLibrary,
    sync: DocumentSync,
    folder: Path,
    feed_log: FeedLog,
) -> None:
    """The file answered an earlier convocation: it says nothing of this one."""
    _write(folder / "Élus" / "Olivier Dumas" / "réponse.txt", "absent excusé")
    feed_log.wait_for("document.rejected", "Élus/Olivier Dumas/réponse.txt")  # a text: listed
    engine.execute({"cmd": "convene", "id": SESSION, "date": SESSION, "convened_on": "2026-11-20"})
    inbox = FolderInbox(engine, library).start()
    try:
        _settle(sync, inbox)
        assert engine.state.sessions[SESSION].answers == []
    finally:
        inbox.stop()


def test_a_proposal_dropped_in_the_folder_waits_for_the_mayor_once(
    inbox: FolderInbox,
    sync: DocumentSync,
    folder: Path,
    session: Session,
    engine: SessionEngine,
    library: DocumentLibrary,
    database: Database,
    pool: ExtractionPool,
    tmp_path: Path,
    feed_log: FeedLog,
) -> None:
    proposals = folder / "Séances" / SESSION / "Propositions"
    text = _write(
        proposals / "Céline Barbier - Éclairage du city-stade.txt",
        "Le conseil municipal décide d'installer un éclairage au city-stade.\n",
    )
    make_pdf(proposals / "Olivier Dumas - Aire de jeux.pdf", text="Aire de jeux : plan et devis")
    _settle(sync, inbox, until=lambda: len(session.items) == 3)
    proposed = {i.title: i for i in session.items if i.status is ItemStatus.PROPOSED}
    assert sorted(proposed) == ["Aire de jeux", "Éclairage du city-stade"]
    lighting = proposed["Éclairage du city-stade"]
    assert lighting.proposed_by == "cbarbier"
    assert lighting.text == "Le conseil municipal décide d'installer un éclairage au city-stade."
    assert [d["path"] for d in lighting.documents] == [
        f"Séances/{SESSION}/Propositions/Céline Barbier - Éclairage du city-stade.txt"
    ]
    events = engine.journal.events(session_id=SESSION)
    assert {e.author for e in events if e.type == "item.proposed"} == {"conseiller"}
    # Touched, edited, or seen again after a restart: still one proposal per file.
    text.touch()
    _write(text, "Le conseil décide d'éclairer le city-stade.\n")
    path = f"Séances/{SESSION}/Propositions/{text.name}"
    _settle(sync, inbox, until=lambda: feed_log.types(path).count("document.rejected") == 2)
    inbox.stop()
    sync.stop()
    # The table restarts: a new engine replays the journal, a new library and
    # service scan the folder again.
    again_library = DocumentLibrary(database, folder, tmp_path / "data", pool)
    again_sync = DocumentSync(again_library, quiet_s=0.3)
    again_engine = SessionEngine(Journal(database), engine.config)
    again = FolderInbox(again_engine, again_library).start()
    again_sync.start()
    try:
        _settle(again_sync, again)
    finally:
        again.stop()
        again_sync.stop()
    items = again_engine.state.sessions[SESSION].items
    assert sorted(i.title for i in items if i.status is ItemStatus.PROPOSED) == [
        "Aire de jeux",
        "Éclairage du city-stade",
    ]
    # Accepted by the mayor, the proposal joins the agenda, its file attached.
    again_engine.execute({"cmd": "accept_proposal", "session": SESSION, "item": lighting.id})
    agenda = again_engine.state.sessions[SESSION].agenda()
    assert [i.title for i in agenda] == ["Budget primitif 2027", "Éclairage du city-stade"]
    assert agenda[1].documents[0]["id"] == lighting.documents[0]["id"]


def test_a_proposal_dropped_before_its_convocation_waits_for_it(
    engine: SessionEngine, library: DocumentLibrary, sync: DocumentSync, folder: Path
) -> None:
    inbox = FolderInbox(engine, library).start()
    notes = Notes(inbox)
    try:
        _write(folder / "Séances" / SESSION / "Propositions" / "Dumas - Banc public.txt", "")
        _settle(sync, inbox, until=lambda: notes.notes)
        assert notes.notes[-1].kind == "not_understood"
        assert "elle sera proposée dès la convocation de cette séance" in notes.notes[-1].message
        engine.execute(
            {"cmd": "convene", "id": SESSION, "date": SESSION, "convened_on": "2026-11-20"}
        )
        _settle(sync, inbox, until=lambda: engine.state.sessions[SESSION].items)
        items = engine.state.sessions[SESSION].items
        assert [(i.title, i.proposed_by, i.status) for i in items] == [
            ("Banc public", "odumas", ItemStatus.PROPOSED)
        ]
    finally:
        inbox.stop()


def test_a_members_own_folder_is_not_searched_at_the_seats(
    sync: DocumentSync, folder: Path, feed_log: FeedLog, database: Database
) -> None:
    form = "Élus/Olivier Dumas/procuration Martine Fabre 25-11-2026.pdf"
    make_pdf(folder / form, text="Pouvoir signé zanzibar")
    make_pdf(folder / "Commissions" / "Finances" / "note.pdf", text="Note zanzibar")
    feed_log.wait_for("document.indexed", form)
    feed_log.wait_for("document.indexed", "Commissions/Finances/note.pdf")
    assert feed_log.wait_for("document.added", form).payload["category"] == "elu"
    assert [h.path for h in search(database, "zanzibar")] == ["Commissions/Finances/note.pdf"]
