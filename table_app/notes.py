"""A councillor's private notes on the documents: ink, highlights, pinned texts.

At a seat, a councillor writes on a page with a finger or a stylus. The notes
belong to the member, not to the seat (two or three councillors share one):
each is stored with the member who wrote it, the content it was written on
(its SHA-256, so the notes stay with the version of the file they were made
on) and the page, in the page's points as displayed (origin at the top left,
rotation applied: what the viewer shows).

**The notes are not journal events.** The journal is the council's record:
append-only, hash-chained, served to every seat and exported. A note is the
opposite: private to one member, shown to no one else, erased for good when
its member erases it. So notes live in their own table
(``private_notes``, migration 0004), every operation here asks for the
member's code (``table_app.member_pin``), and nothing in the session's
exports (``table_app.export``) can reach them: an import contract forbids it
(pyproject.toml) and a test exports a session while notes exist.

A member takes their notes home as a copy of the document with real PDF
annotations (ink, highlight, text), which any PDF reader shows, written to
their own folder of the synced cloud: ``Élus/<nom>/Notes/<document> - annoté.pdf``
(never ingested as a document: sync/classify.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select

from table_app.atomic_files import atomic_write_bytes
from table_app.config import Member
from table_app.journal import utc_now_iso
from table_app.member_pin import PinChecker
from table_app.store import Database
from table_app.store.models import Content, Document, DocumentVersion, PrivateNoteRecord

log = logging.getLogger("table_app.notes")

NOTE_KINDS = ("ink", "highlight", "text")
#: The members' folders in the synced folder, and each one's notes folder.
MEMBERS_FOLDER = "Élus"
NOTES_FOLDER = "Notes"
#: Bounds of one note (a seat's frame carries one, at most 64 KiB).
MAX_STROKES = 20
MAX_POINTS = 2000
MAX_TEXT = 2000
MAX_PAGE = 100_000
#: PDF user space ends at 14,400 points (200 inches).
MAX_COORD = 14_400.0
#: Notes one member may keep on one content.
MAX_NOTES_PER_DOCUMENT = 2000
_HASH = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')

Point = tuple[float, float]


class NoteInvalid(ValueError):
    """A note that breaks the rules of its kind; the message is French."""


class NotesRefused(Exception):
    """An operation refused (wrong code, another member's note…); French, for the seat."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Note:
    """One note on one page (1-based), in the page's points as displayed.

    Attributes:
        kind: ``ink`` (``strokes``), ``highlight`` (``rect``: x0, y0, x1, y1)
            or ``text`` (``text`` pinned at ``point``).
        id: its row, once stored.
    """

    kind: str
    page: int
    strokes: tuple[tuple[Point, ...], ...] = ()
    rect: tuple[float, float, float, float] | None = None
    point: Point | None = None
    text: str = ""
    id: int | None = None

    def data(self) -> dict[str, Any]:
        """The note's geometry and text (what the ``data`` column holds)."""
        if self.kind == "ink":
            return {"strokes": [[list(p) for p in stroke] for stroke in self.strokes]}
        if self.kind == "highlight":
            assert self.rect is not None
            return {"rect": list(self.rect)}
        assert self.point is not None
        return {"point": list(self.point), "text": self.text}

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"kind": self.kind, "page": self.page, **self.data()}
        if self.id is not None:
            payload["id"] = self.id
        return payload

    def bounds(self) -> tuple[float, float, float, float]:
        """The smallest rectangle holding the note (a text: its pin)."""
        if self.kind == "highlight":
            assert self.rect is not None
            return self.rect
        points = [p for s in self.strokes for p in s] if self.kind == "ink" else [self.point]
        xs = [p[0] for p in points if p is not None]
        ys = [p[1] for p in points if p is not None]
        return (min(xs), min(ys), max(xs), max(ys))


_FIELDS = {"ink": {"strokes"}, "highlight": {"rect"}, "text": {"point", "text"}}


def parse_note(raw: object, *, with_id: bool = False) -> Note:
    """A note from its JSON form, checked field by field; ``NoteInvalid`` otherwise.

    What a seat on the network sends goes through here before anything else
    reads it (sync/net/protocol.py): every field, its type and its bounds.
    """
    if not isinstance(raw, dict):
        raise NoteInvalid("note invalide : un objet est attendu")
    kind = raw.get("kind")
    if kind not in NOTE_KINDS:
        raise NoteInvalid(f"note invalide : genre inconnu {str(kind)[:20]!r}")
    expected = {"kind", "page", *_FIELDS[str(kind)]} | ({"id"} if with_id else set())
    if set(raw) != expected:
        missing = sorted(expected - set(raw))
        extra = sorted(str(k)[:20] for k in set(raw) - expected)
        raise NoteInvalid(
            f"note invalide : champs manquants {missing or 'aucun'}, inconnus {extra or 'aucun'}"
        )
    page = raw["page"]
    if not _is_int(page) or not 1 <= page <= MAX_PAGE:
        raise NoteInvalid("note invalide : numéro de page hors limites")
    note_id: int | None = None
    if with_id:
        note_id = raw["id"]
        if not _is_int(note_id) or not 1 <= note_id < 2**53:
            raise NoteInvalid("note invalide : identifiant hors limites")
    if kind == "ink":
        strokes_raw = raw["strokes"]
        if not isinstance(strokes_raw, list) or not 1 <= len(strokes_raw) <= MAX_STROKES:
            raise NoteInvalid(f"note invalide : de 1 à {MAX_STROKES} traits")
        strokes: list[tuple[Point, ...]] = []
        total = 0
        for stroke in strokes_raw:
            if not isinstance(stroke, list) or not stroke:
                raise NoteInvalid("note invalide : un trait est une liste de points")
            total += len(stroke)
            if total > MAX_POINTS:
                raise NoteInvalid(f"note invalide : plus de {MAX_POINTS} points")
            strokes.append(tuple(_point(p) for p in stroke))
        return Note("ink", page, strokes=tuple(strokes), id=note_id)
    if kind == "highlight":
        rect_raw = raw["rect"]
        if not isinstance(rect_raw, list) or len(rect_raw) != 4:
            raise NoteInvalid("note invalide : un surlignage est un rectangle de 4 nombres")
        x0, y0, x1, y1 = (_coordinate(v) for v in rect_raw)
        if not (x1 > x0 and y1 > y0):
            raise NoteInvalid("note invalide : rectangle vide ou à l'envers")
        return Note("highlight", page, rect=(x0, y0, x1, y1), id=note_id)
    text = raw["text"]
    if not isinstance(text, str):
        raise NoteInvalid("note invalide : le texte doit être du texte")
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise NoteInvalid(f"note invalide : le texte a de 1 à {MAX_TEXT} caractères")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise NoteInvalid("note invalide : caractères de contrôle dans le texte")
    return Note("text", page, point=_point(raw["point"]), text=text, id=note_id)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _coordinate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NoteInvalid("note invalide : une coordonnée doit être un nombre")
    number = float(value)
    if not math.isfinite(number) or not -MAX_COORD <= number <= MAX_COORD:
        raise NoteInvalid("note invalide : coordonnée hors de la page")
    return round(number, 2)


def _point(value: object) -> Point:
    if not isinstance(value, list) or len(value) != 2:
        raise NoteInvalid("note invalide : un point est une paire de nombres")
    return (_coordinate(value[0]), _coordinate(value[1]))


def safe_file_name(text: str, limit: int = 120) -> str:
    """``text`` as a file or folder name on any system the cloud syncs to."""
    name = _UNSAFE_NAME.sub("-", unicodedata.normalize("NFC", text)).strip(" .-")
    return name[:limit].rstrip(" .-") or "document"


def member_notes_folder(documents_folder: Path, member: Member) -> Path:
    """``Élus/<nom>/Notes`` in the synced folder: the member's own."""
    return documents_folder / MEMBERS_FOLDER / safe_file_name(member.name) / NOTES_FOLDER


class PrivateNotes:
    """The members' private notes, stored in the database, each operation
    checked against the member's code.

    Attributes:
        members: the members in office, by id (their ``pin`` setting).
        documents_folder: the synced folder (the exports go to ``Élus/``).
        source: the viewable file of a content, by hash (the library's blob).
        pins: the code checker (shared by every seat of the table).
    """

    def __init__(
        self,
        db: Database,
        members: Iterable[Member],
        documents_folder: Path,
        source: Callable[[str], Path | None],
        pins: PinChecker | None = None,
    ) -> None:
        self.db = db
        self.members: Mapping[str, Member] = {m.id: m for m in members}
        self.documents_folder = documents_folder
        self.source = source
        self.pins = pins or PinChecker(self._stored_pin)

    def _stored_pin(self, member_id: str) -> str | None:
        member = self.members.get(member_id)
        return None if member is None else member.pin

    # --- who is asking ---------------------------------------------------------

    def unlock(self, member_id: str, pin: str) -> Member:
        """The member, if ``pin`` is their code; ``NotesRefused`` in words otherwise."""
        member = self.members.get(member_id)
        if member is None:
            raise NotesRefused("Cet élu n'est pas membre du conseil en exercice")
        if member.pin is None:
            raise NotesRefused(
                f"Aucun code personnel n'est enregistré pour {member.name} : la mairie le "
                "crée à l'écran du maire (Administration, « Codes des élus ») ou avec la "
                f"commande table-app pin {member.id}"
            )
        refusal = self.pins.check(member_id, pin)
        if refusal is not None:
            log.info("Code personnel refusé pour %s", member_id)
            raise NotesRefused(refusal)
        return member

    # --- the notes -------------------------------------------------------------

    def notes(self, member_id: str, pin: str, content_hash: str) -> list[Note]:
        """Every note of the member on that content, oldest first."""
        self.unlock(member_id, pin)
        _check_hash(content_hash)
        return self._notes(member_id, content_hash)

    def _notes(self, member_id: str, content_hash: str) -> list[Note]:
        query = (
            select(
                PrivateNoteRecord.id,
                PrivateNoteRecord.kind,
                PrivateNoteRecord.page_no,
                PrivateNoteRecord.data,
            )
            .where(
                PrivateNoteRecord.member_id == member_id,
                PrivateNoteRecord.content_hash == content_hash,
            )
            .order_by(PrivateNoteRecord.id)
        )
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        notes = []
        for row in rows:
            raw = {"kind": row.kind, "page": row.page_no, "id": row.id, **json.loads(row.data)}
            notes.append(parse_note(raw, with_id=True))
        return notes

    def save(self, member_id: str, pin: str, content_hash: str, note: Note) -> Note:
        """Store a new note of the member; the note with its id."""
        self.unlock(member_id, pin)
        _check_hash(content_hash)
        with self.db.writing() as conn:
            known = conn.execute(
                select(Content.hash).where(Content.hash == content_hash)
            ).scalar_one_or_none()
            if known is None:
                raise NotesRefused("Document inconnu de la table : la note n'est pas gardée")
            count = conn.execute(
                select(func.count())
                .select_from(PrivateNoteRecord)
                .where(
                    PrivateNoteRecord.member_id == member_id,
                    PrivateNoteRecord.content_hash == content_hash,
                )
            ).scalar_one()
            if count >= MAX_NOTES_PER_DOCUMENT:
                raise NotesRefused(
                    f"Déjà {MAX_NOTES_PER_DOCUMENT} notes sur ce document : effacez-en avant "
                    "d'en ajouter"
                )
            data = json.dumps(note.data(), ensure_ascii=False, separators=(",", ":"))
            note_id = conn.execute(
                insert(PrivateNoteRecord).values(
                    member_id=member_id,
                    content_hash=content_hash,
                    page_no=note.page,
                    kind=note.kind,
                    data=data,
                    created_at=utc_now_iso(),
                )
            ).inserted_primary_key
        assert note_id is not None
        return Note(
            note.kind, note.page, note.strokes, note.rect, note.point, note.text, note_id[0]
        )

    def erase(self, member_id: str, pin: str, content_hash: str, note_id: int | None) -> int:
        """Erase one note of the member (``note_id``), or all of theirs on that
        content (None); how many were erased. Another member's note is refused."""
        self.unlock(member_id, pin)
        _check_hash(content_hash)
        mine = (
            PrivateNoteRecord.member_id == member_id,
            PrivateNoteRecord.content_hash == content_hash,
        )
        with self.db.writing() as conn:
            if note_id is None:
                erased = conn.execute(delete(PrivateNoteRecord).where(*mine)).rowcount
                log.info("Notes privées effacées : %d (%s)", erased, member_id)
                return int(erased)
            owner = conn.execute(
                select(PrivateNoteRecord.member_id).where(PrivateNoteRecord.id == note_id)
            ).scalar_one_or_none()
            if owner is None:
                return 0  # already erased (twice touched, or from another seat)
            if owner != member_id:
                log.warning("Effacement refusé : la note %d n'est pas de %s", note_id, member_id)
                raise NotesRefused("Cette note n'est pas la vôtre : elle n'est pas effacée")
            return int(
                conn.execute(
                    delete(PrivateNoteRecord).where(PrivateNoteRecord.id == note_id, *mine)
                ).rowcount
            )

    def answer(self, kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """One request as a seat frames it (sync/net/protocol.py ``notes_*``,
        checked already): the answer's fields, or ``message`` with the refusal.

        The seats of the table's own computer go through here too, so a seat
        on the network and a seat of the table are answered the same way.
        """
        who = (str(fields["member"]), str(fields["pin"]), str(fields["hash"]))
        try:
            if kind == "notes_list":
                return {"notes": [note.to_json() for note in self.notes(*who)]}
            if kind == "notes_save":
                return {"note": self.save(*who, fields["note"]).to_json()}
            if kind == "notes_erase":
                return {"erased": self.erase(*who, int(fields["id"]) or None)}
            if kind == "notes_export":
                path = self.export(*who)
                with contextlib.suppress(ValueError):
                    path = path.relative_to(self.documents_folder)
                return {"path": str(path)}
        except NotesRefused as refusal:
            return {"message": refusal.message}
        raise ValueError(f"unknown notes request: {kind}")

    # --- taking them home --------------------------------------------------------

    def export(self, member_id: str, pin: str, content_hash: str) -> Path:
        """The document with the member's notes as PDF annotations, written to
        ``Élus/<nom>/Notes/<document> - annoté.pdf``; its path."""
        member = self.unlock(member_id, pin)
        _check_hash(content_hash)
        notes = self._notes(member_id, content_hash)
        if not notes:
            raise NotesRefused("Aucune note sur ce document : rien à exporter")
        source = self.source(content_hash)
        if source is None or not source.is_file():
            raise NotesRefused("Le document n'est plus lisible sur la table : export impossible")
        title = self.title_of(content_hash)
        target = member_notes_folder(self.documents_folder, member) / (
            f"{safe_file_name(title)} - annoté.pdf"
        )
        write_annotated_pdf(source, notes, target, author=member.name)
        log.info("Notes de %s exportées : %s", member_id, target)
        return target

    def title_of(self, content_hash: str) -> str:
        """The document's name in the folder (its current one, else any it had)."""
        with self.db.engine.connect() as conn:
            title = conn.execute(
                select(Document.title).where(Document.current_hash == content_hash).limit(1)
            ).scalar_one_or_none()
            if title is None:
                title = conn.execute(
                    select(Document.title)
                    .join(DocumentVersion, DocumentVersion.document_id == Document.id)
                    .where(DocumentVersion.hash == content_hash)
                    .order_by(DocumentVersion.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
        return str(title or "document")


def _check_hash(content_hash: str) -> None:
    if not _HASH.match(content_hash):
        raise NotesRefused("Empreinte de document invalide")


#: Colours of the annotations in the exported PDF (RGB, 0–1), as the seat draws them.
INK_COLOUR = (0.78, 0.16, 0.16)
HIGHLIGHT_COLOUR = (1.0, 0.85, 0.0)
TEXT_COLOUR = (0.96, 0.49, 0.0)


def write_annotated_pdf(source: Path, notes: Sequence[Note], target: Path, author: str) -> None:
    """A copy of ``source`` with ``notes`` as real PDF annotations (ink,
    highlight, text), written atomically to ``target``."""
    import pymupdf

    with pymupdf.open(source) as opened:
        if opened.is_pdf:
            doc = pymupdf.open("pdf", opened.tobytes())
        else:  # a scan or an image: its PDF conversion
            doc = pymupdf.open("pdf", opened.convert_to_pdf())
    try:
        for note in notes:
            if not 1 <= note.page <= doc.page_count:
                continue
            page = doc[note.page - 1]
            # Notes are in the page as displayed; annotations take the unrotated page.
            unrotate = page.derotation_matrix
            if note.kind == "ink":
                strokes = [
                    [tuple(pymupdf.Point(x, y) * unrotate) for x, y in stroke]
                    for stroke in note.strokes
                ]
                annot = page.add_ink_annot(strokes)
                annot.set_colors(stroke=INK_COLOUR)
                annot.set_border(width=2)
            elif note.kind == "highlight":
                assert note.rect is not None
                annot = page.add_highlight_annot(pymupdf.Rect(note.rect) * unrotate)
                annot.set_colors(stroke=HIGHLIGHT_COLOUR)
            else:
                assert note.point is not None
                annot = page.add_text_annot(pymupdf.Point(note.point) * unrotate, note.text)
                annot.set_colors(stroke=TEXT_COLOUR)
            annot.set_info(title=author)
            annot.update()
        data = doc.tobytes(garbage=1, deflate=True)
    finally:
        doc.close()
    atomic_write_bytes(target, data)


__all__ = [
    "MEMBERS_FOLDER",
    "NOTES_FOLDER",
    "NOTE_KINDS",
    "Note",
    "NoteInvalid",
    "NotesRefused",
    "PrivateNotes",
    "member_notes_folder",
    "parse_note",
    "safe_file_name",
    "write_annotated_pdf",
]
