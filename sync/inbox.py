"""What councillors drop in the synced folder before the session, turned into commands.

Two conventions, written for a councillor who only knows how to save a file
(README, "Avant la séance : réponses et propositions"):

* **An answer to the convocation**, in the member's own folder ``Élus/<Nom>/``:

  - ``réponse.txt`` (or ``reponse.txt``, ``Réponse Olivier Dumas.txt``…) whose
    first line is ``présent``, ``absent excusé`` or ``procuration à <Nom du
    mandataire>``; for a procuration, the date it was signed (``25/11/2026``)
    on that line or the next, and ``maladie`` if it is given for illness;
  - or the signed proxy form, scanned or exported: ``procuration <Nom du
    mandataire> <date de signature>.pdf`` (``procuration-Martine Fabre
    25-11-2026.pdf``; a JPEG or PNG scan too). Without a date in the name,
    the day the table received the file is taken, and the secretary is told.

  The answer goes to the next session convened and not yet opened, as the
  ``answer`` command (source ``dossier``), checked by the same rules as the
  secretary's screen: an unlawful procuration is refused, in words, and
  nothing is recorded. A file the table received before that session was
  convened is an answer to an earlier one and is left alone.

* **A proposal for the agenda**, in ``Séances/<date>/Propositions/``: a text
  file or a PDF named ``<Nom> - <objet>.txt`` / ``.pdf``. In a text file,
  lines ``Élu : <Nom>``, ``Objet : <objet>`` and ``Nature : information`` may
  say the same instead of the name; the rest is the text proposed. It becomes
  ``propose_item`` by a councillor (author ``conseiller``, as from a seat),
  with the file attached: it waits for the mayor.

Each file is recorded once: a proposal is tied to its document (a renamed,
touched or re-scanned file is still the same proposal), an answer to the
content of its file. Both hold across restarts, since the journal says what
was recorded. A file that cannot be understood, or a refusal of the engine,
is told to the listeners (the master screen's banner) in French.

Work runs on the inbox's own thread: the ingest thread only enqueues, and the
engine's feed is never re-entered from its own subscribers.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select

from sync.classify import MEMBER_FOLDERS, PROPOSALS_FOLDERS, fold, parse_date
from sync.feed import DocumentEvent
from sync.library import DocumentLibrary
from table_app.council.decide import answer_text
from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.events import EventType
from table_app.council.state import AnswerKind, MemberInfo, Session, SessionStatus
from table_app.french import of, short_date
from table_app.journal import Event
from table_app.store.models import Document

log = logging.getLogger("sync.inbox")

_documents: Table = Document.__table__  # type: ignore[assignment]

#: A text answer or proposal longer than this is not read (a misplaced file).
MAX_TEXT_BYTES = 64 * 1024
ANSWER_TEXT_SUFFIXES = (".txt",)
PROXY_FORM_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")
PROPOSAL_SUFFIXES = (".txt", ".pdf")
#: The feed events that may bring a new file, or a file to a new place.
_DOCUMENT_EVENTS = (
    DocumentEvent.ADDED,
    DocumentEvent.UPDATED,
    DocumentEvent.REJECTED,
    DocumentEvent.MOVED,
)
_OPEN = (SessionStatus.CONVENED, SessionStatus.OPEN, SessionStatus.SUSPENDED)
_CIVILITIES = {"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle"}
_DATES = (
    re.compile(r"(?<!\d)(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
)


class NotUnderstood(Exception):
    """A file that follows no convention closely enough: ``reason`` in French."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboxNote:
    """What the inbox did with one file, for the master screen.

    ``kind``: "recorded" (a command was accepted), "refused" (the engine
    refused it: nothing recorded) or "not_understood" (no command was made).
    """

    kind: str
    path: str
    message: str


Listener = Callable[[InboxNote], None]


# --- reading names and texts -----------------------------------------------


def _words(text: str) -> list[str]:
    """Folded words, civilities dropped: "Mme Martine FABRE" → ["martine", "fabre"]."""
    words = re.split(r"[\s\-_.,;:'’()]+", fold(text))
    return [w for w in words if w and w not in _CIVILITIES]


def find_member(members: Iterable[MemberInfo], text: str) -> MemberInfo:
    """The member ``text`` names: full name in any order, case or accents, the
    surname alone when no other member has it, or the member's id."""
    wanted = _words(text)
    if not wanted:
        raise NotUnderstood("aucun nom d'élu n'est écrit")
    everyone = list(members)
    for member in everyone:
        if fold(text.strip()) == fold(member.id) or sorted(_words(member.name)) == sorted(wanted):
            return member
    partial = [m for m in everyone if set(wanted) <= set(_words(m.name))]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(m.name for m in partial)
        raise NotUnderstood(
            f"« {text.strip()} » peut désigner plusieurs élus ({names}) : écrivez le prénom et le nom"
        )
    raise NotUnderstood(f"« {text.strip()} » n'est pas le nom d'un membre du conseil en exercice")


def find_date(text: str) -> str | None:
    """The first date written in ``text`` (25/11/2026, 25-11-2026, 25.11.2026,
    2026-11-25), as AAAA-MM-JJ."""
    for pattern in _DATES:
        match = pattern.search(text)
        if match is None:
            continue
        a, b, c = (int(g) for g in match.groups())
        day, month, year = (c, b, a) if a > 31 else (a, b, c)
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise NotUnderstood(f"la date « {match.group(0)} » n'existe pas") from None
    return None


def _without_dates(text: str) -> str:
    for pattern in _DATES:
        text = pattern.sub(" ", text)
    return text


@dataclass(frozen=True)
class ParsedAnswer:
    answer: AnswerKind
    holder: str | None = None  # as written: the member is found afterwards
    signed_on: str | None = None
    illness: bool = False


_PROXY_LINE = re.compile(
    r"^(?:je\s+donne\s+)?(?:ma\s+)?(?:procuration|pouvoir)\b\s*(?:a\b|au\b|pour\b)?\s*(.*)$"
)


def parse_answer_text(text: str) -> ParsedAnswer:
    """The first line of a ``réponse.txt``: présent, absent excusé, or
    procuration à <Nom> (with its date on that line or the next)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise NotUnderstood("le fichier est vide")
    first = fold(lines[0]).rstrip(" .!")
    rest = " ".join(lines[1:])
    if re.match(r"^(?:je\s+serai\s+)?present(?:e)?\b", first):
        return ParsedAnswer(AnswerKind.PRESENT)
    if re.match(r"^(?:je\s+serai\s+)?(?:absente?(?:\s+excusee?)?|excusee?)\b", first):
        return ParsedAnswer(AnswerKind.EXCUSED)
    match = _PROXY_LINE.match(first)
    if match:
        signed_on = find_date(lines[0]) or find_date(rest)
        illness = "maladie" in fold(text)
        holder = re.sub(
            r"\b(?:signee?|le|du|pour\s+cause\s+de|maladie)\b", " ", _without_dates(match.group(1))
        )
        holder = " ".join(holder.split()).strip(" ,.;:()")
        if not holder:
            raise NotUnderstood("le nom du mandataire manque après « procuration à »")
        return ParsedAnswer(AnswerKind.PROXY, holder, signed_on, illness)
    raise NotUnderstood(
        f"la première ligne « {lines[0][:60]} » n'est ni « présent », ni « absent excusé », "
        "ni « procuration à <Nom> »"
    )


def parse_proxy_form_name(name: str) -> ParsedAnswer:
    """``procuration-Martine Fabre 25-11-2026.pdf`` → holder and signed date."""
    stem = PurePosixPath(name).stem
    match = re.match(
        r"^\s*(?:procuration|pouvoir)(?![^\W_])[\s\-_]*(?:[àa](?![^\W_]))?(.*)$",
        stem,
        re.IGNORECASE,
    )
    if match is None:
        raise NotUnderstood("le nom du fichier doit commencer par « procuration »")
    signed_on = find_date(match.group(1))
    holder = " ".join(_without_dates(match.group(1)).replace("_", " ").split()).strip(" -–,.")
    holder = re.sub(r"^(?:[àa]|du|le)\s+", "", holder, flags=re.IGNORECASE)
    holder = re.sub(r"\s+(?:du|le)$", "", holder, flags=re.IGNORECASE)
    if not holder:
        raise NotUnderstood(
            "le nom du mandataire manque : nommez le fichier « procuration <Nom du mandataire> "
            "<date>.pdf »"
        )
    return ParsedAnswer(AnswerKind.PROXY, holder, signed_on, "maladie" in fold(stem))


@dataclass(frozen=True)
class ParsedProposal:
    author: str  # as written: the member is found afterwards
    title: str
    kind: str = "deliberation"
    text: str = ""


_HEADER = re.compile(r"^\s*(elue?|de|auteur|propose\s+par|nom|objet|titre|nature)\s*:\s*(.*)$")


def parse_proposal(name: str, text: str | None) -> ParsedProposal:
    """``<Nom> - <objet>.txt`` (or ``.pdf``); header lines of a text file may
    give the author (``Élu :``), the object (``Objet :``) and ``Nature :
    information``; the rest of the text is the text proposed."""
    stem = " ".join(PurePosixPath(name).stem.replace("_", " ").split())
    parts = re.split(r"\s+[-–—]\s+", stem, maxsplit=1)
    author, title = (parts[0], parts[1]) if len(parts) == 2 else ("", stem)
    kind = "deliberation"
    body: list[str] = []
    for line in (text or "").splitlines():
        header = _HEADER.match(fold(line)) if not body else None
        if header is not None:
            value = line.split(":", 1)[1].strip()
            key = header.group(1)
            if key in ("objet", "titre") and value:
                title = value
            elif key == "nature":
                kind = "information" if fold(value).startswith("info") else "deliberation"
            elif value:
                author = value
            continue
        if body or line.strip():
            body.append(line.rstrip())
    if not author.strip():
        raise NotUnderstood(
            "l'auteur de la proposition n'est pas indiqué : nommez le fichier « <Nom> - <objet> »"
        )
    if not title.strip():
        raise NotUnderstood(
            "l'objet de la proposition manque : nommez le fichier « <Nom> - <objet> »"
        )
    return ParsedProposal(author.strip(), title.strip(), kind, "\n".join(body).strip())


def read_text(path: Path) -> str:
    """A councillor's text file: UTF-8 (with or without BOM), else Windows-1252."""
    data = path.read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise NotUnderstood(
            f"le fichier est trop long ({len(data) // 1024} Kio) pour une réponse ou une proposition"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- the inbox ---------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """Which convention a path follows."""

    kind: str  # "answer" or "proposal"
    member_folder: str | None = None
    session_date: str | None = None


def where(rel: PurePosixPath) -> _Where | None:
    """``Élus/<Nom>/<file>`` → an answer; ``Séances/<date>/Propositions/<file>`` → a proposal."""
    parts = rel.parts
    if len(parts) == 3 and fold(parts[0]) in MEMBER_FOLDERS:
        name = fold(rel.name)
        suffix = rel.suffix.lower()
        if name.startswith("reponse") and suffix in ANSWER_TEXT_SUFFIXES:
            return _Where("answer", member_folder=parts[1])
        if name.startswith(("procuration", "pouvoir")) and suffix in PROXY_FORM_SUFFIXES:
            return _Where("answer", member_folder=parts[1])
        return None
    if (
        len(parts) == 4
        and fold(parts[0]) in ("seances", "seance")
        and fold(parts[2].strip()) in PROPOSALS_FOLDERS
        and rel.suffix.lower() in PROPOSAL_SUFFIXES
    ):
        day = parse_date(parts[1])
        return _Where("proposal", session_date=day.isoformat()) if day else None
    return None


_CATCH_UP = "catch-up"
_STOP = "stop"


class FolderInbox:
    """Turns answers and proposals dropped in the folder into the engine's commands.

    ``start`` subscribes to the document feed and to the engine (a new
    convocation picks up the proposals already waiting in its folder), then
    looks once at the files already listed (a file whose command was lost
    to a crash, a proposal that waited for its convocation).
    """

    def __init__(self, engine: SessionEngine, library: DocumentLibrary) -> None:
        self.engine = engine
        self.library = library
        self._tasks: queue.Queue[Event | str] = queue.Queue()
        self._listeners: list[Listener] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self._busy = 0
        self._idle = threading.Condition()
        self._convened_at: dict[str, str] = {}
        self.notes: list[InboxNote] = []

    # --- lifecycle ---------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each note, on the inbox's thread."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def start(self) -> FolderInbox:
        self._unsubscribe = [
            self.library.feed.subscribe(self._on_document),
            self.engine.subscribe(self._on_session_event),
        ]
        self._thread = threading.Thread(target=self._loop, name="sync-inbox", daemon=True)
        self._thread.start()
        self._put(_CATCH_UP)
        return self

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._thread is not None:
            self._put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued file is handled (tests, command line)."""
        with self._idle:
            return self._idle.wait_for(
                lambda: self._busy == 0 and self._tasks.empty(), timeout=timeout
            )

    def _put(self, task: Event | str) -> None:
        with self._idle:
            self._busy += 1
        self._tasks.put(task)

    def _on_document(self, event: Event) -> None:
        if event.type in _DOCUMENT_EVENTS:
            rel = PurePosixPath(str(event.payload.get("path", "")))
            if where(rel) is not None:
                self._put(event)

    def _on_session_event(self, event: Event) -> None:
        if event.type == EventType.SESSION_CONVENED:
            self._put(_CATCH_UP)

    def _loop(self) -> None:
        while True:
            task = self._tasks.get()
            try:
                if task == _STOP:
                    return
                if task == _CATCH_UP:
                    self.catch_up()
                elif isinstance(task, Event):
                    self.consider(task.payload)
            except Exception:
                log.exception("Dossier des élus : un fichier n'a pas pu être traité")
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    # --- the work ----------------------------------------------------------

    def catch_up(self) -> None:
        """Look at every file already listed that follows a convention."""
        with self.library.db.engine.connect() as conn:
            rows = conn.execute(
                select(_documents.c.id, _documents.c.path).where(_documents.c.status != "removed")
            ).all()
        for row in rows:
            if where(PurePosixPath(row.path)) is None:
                continue
            doc = self.library.document(int(row.id))
            if doc is not None:
                self.consider(doc, live=False)

    def consider(self, doc: dict[str, Any], live: bool = True) -> InboxNote | None:
        """Handle one document (a feed payload); None when there was nothing to do.

        ``live``: the file just arrived; otherwise (``catch_up``) a file that
        belongs to no session is left alone rather than reported again."""
        rel = PurePosixPath(str(doc["path"]))
        place = where(rel)
        if place is None or doc.get("status") == "removed":
            return None
        try:
            if place.kind == "answer":
                return self._answer(doc, rel, place, live)
            return self._proposal(doc, rel, place, live)
        except NotUnderstood as problem:
            what = "la réponse" if place.kind == "answer" else "la proposition"
            return self._note(
                "not_understood",
                rel,
                f"Fichier « {rel} » : {what} n'a pas pu être comprise : {problem.reason}. "
                + _HOW_TO[place.kind],
            )

    def _answer(
        self, doc: dict[str, Any], rel: PurePosixPath, place: _Where, live: bool
    ) -> InboxNote | None:
        session = self._next_convened()
        if session is None:
            if not live:
                return None
            raise NotUnderstood(
                "aucune séance n'est convoquée et en attente de l'ouverture : une réponse se "
                "dépose après la convocation"
            )
        if str(doc.get("updated_at") or "") < self._convened_at_of(session):
            return None  # received before this session was convened: an earlier answer
        assert place.member_folder is not None
        member = find_member(session.members.values(), place.member_folder)
        if any(
            a.member == member.id and (a.document or {}).get("hash") == doc["hash"]
            for a in session.answers
        ):
            return None  # this very file is already recorded
        previous = session.answer_of(member.id)
        if rel.suffix.lower() in ANSWER_TEXT_SUFFIXES:
            parsed = parse_answer_text(read_text(self.library.blob_path(str(doc["hash"]))))
        else:
            if doc.get("status") != "viewable":
                raise NotUnderstood(
                    f"le formulaire ne peut pas être lu ({doc.get('reason') or 'fichier illisible'})"
                )
            parsed = parse_proxy_form_name(rel.name)
        command: dict[str, Any] = {
            "cmd": "answer",
            "session": session.id,
            "member": member.id,
            "answer": parsed.answer.value,
            "source": "dossier",
            "document": _reference(doc),
        }
        guessed_date = False
        holder_id = signed_on = None
        if parsed.answer is AnswerKind.PROXY:
            assert parsed.holder is not None
            holder_id = find_member(session.members.values(), parsed.holder).id
            signed_on = parsed.signed_on
            if signed_on is None:
                signed_on = _received_day(str(doc["updated_at"]), session.timezone)
                guessed_date = True
            command.update(holder=holder_id, signed_on=signed_on)
            if parsed.illness:
                command["illness"] = True
        if (
            previous is not None
            and previous.document is not None
            and previous.document.get("path") == str(rel)
            and (previous.answer, previous.holder, previous.signed_on, previous.illness)
            == (parsed.answer, holder_id, signed_on, parsed.illness)
        ):
            return None  # the same file saved again, saying the same
        who = f"{member.name} ({rel})"
        try:
            accepted = self.engine.execute(command, author="secretaire")
        except CommandRefused as refusal:
            return self._note(
                "refused",
                rel,
                f"Réponse {of(member.name)} déposée dans son dossier, refusée : {refusal.message}."
                " Rien n'a été enregistré.",
            )
        answer = session.answer_of(member.id)
        said = answer_text(session, answer) if answer is not None else parsed.answer.value
        message = f"Réponse reçue par le dossier de l'élu : {who}, {said}"
        if guessed_date:
            message += (
                " ; la date de signature, absente du nom du fichier, est celle de sa réception "
                "(à corriger dans « Réponses avant la séance » si le formulaire en porte une autre)"
            )
        if accepted.warnings:
            message += ". " + " ; ".join(accepted.warnings)
        return self._note("recorded", rel, message)

    def _proposal(
        self, doc: dict[str, Any], rel: PurePosixPath, place: _Where, live: bool
    ) -> InboxNote | None:
        session = self._session_on(str(place.session_date))
        if session is None:
            if not live:
                return None
            raise NotUnderstood(
                f"aucune séance n'est convoquée le {short_date(str(place.session_date))} : elle "
                "sera proposée dès la convocation de cette séance"
            )
        if any(d["id"] == doc["document_id"] for i in session.items for d in i.documents):
            return None  # already proposed: the same file, renamed or touched again
        text = None
        if rel.suffix.lower() == ".txt":
            text = read_text(self.library.blob_path(str(doc["hash"])))
        parsed = parse_proposal(rel.name, text)
        member = find_member(session.members.values(), parsed.author)
        command: dict[str, Any] = {
            "cmd": "propose_item",
            "session": session.id,
            "member": member.id,
            "title": parsed.title,
            "kind": parsed.kind,
            "document": _reference(doc),
        }
        if parsed.text:
            command["text"] = parsed.text
        try:
            self.engine.execute(command, author="conseiller")
        except CommandRefused as refusal:
            return self._note(
                "refused",
                rel,
                f"Proposition {of(member.name)} ({rel}) refusée : {refusal.message}",
            )
        return self._note(
            "recorded",
            rel,
            f"Proposition de point déposée dans le dossier par {member.name} : « {parsed.title} »,"
            " en attente du maire (onglet « Ordre du jour »)",
        )

    def _note(self, kind: str, rel: PurePosixPath, message: str) -> InboxNote:
        note = InboxNote(kind, str(rel), message)
        self.notes.append(note)
        (log.info if kind == "recorded" else log.warning)("%s", message)
        for listener in list(self._listeners):
            try:
                listener(note)
            except Exception:
                log.exception("Un abonné du dossier des élus a échoué")
        return note

    # --- sessions ------------------------------------------------------------

    def _next_convened(self) -> Session | None:
        """The session the answers are for: the earliest convened and not yet opened."""
        waiting = [
            s for s in self.engine.state.sessions.values() if s.status is SessionStatus.CONVENED
        ]
        return min(waiting, key=lambda s: (s.date, s.id), default=None)

    def _session_on(self, day: str) -> Session | None:
        sessions = [
            s for s in self.engine.state.sessions.values() if s.date == day and s.status in _OPEN
        ]
        return min(sessions, key=lambda s: s.id, default=None)

    def _convened_at_of(self, session: Session) -> str:
        """When the table recorded the convocation (the journal's UTC time)."""
        if session.id not in self._convened_at:
            events = self.engine.journal.events(session_id=session.id)
            first = next((e for e in events if e.type == EventType.SESSION_CONVENED), None)
            self._convened_at[session.id] = first.recorded_at if first else ""
        return self._convened_at[session.id]


_HOW_TO = {
    "answer": (
        "Pour répondre, l'élu dépose dans son dossier « Élus/<Nom>/ » un fichier « réponse.txt » "
        "dont la première ligne est « présent », « absent excusé » ou « procuration à <Nom du "
        "mandataire> » suivie de la date de signature, ou le formulaire signé nommé "
        "« procuration <Nom du mandataire> <date>.pdf »"
    ),
    "proposal": (
        "Une proposition se dépose dans « Séances/<date>/Propositions/ », nommée « <Nom de "
        "l'élu> - <objet>.txt » ou « .pdf »"
    ),
}


def _reference(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(doc["document_id"]), "path": str(doc["path"]), "hash": str(doc["hash"])}


def _received_day(updated_at: str, timezone: str) -> str:
    """The commune's day on which the table received the file."""
    moment = datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


__all__ = [
    "FolderInbox",
    "InboxNote",
    "NotUnderstood",
    "find_member",
    "parse_answer_text",
    "parse_proposal",
    "parse_proxy_form_name",
    "where",
]
