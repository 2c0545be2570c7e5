"""The seat feed's frames: what a seat may send, checked field by field.

Every frame a seat sends is a JSON object in a text frame, at most
``MAX_SEAT_FRAME`` bytes, with a ``type`` from ``SEAT_MESSAGES`` and exactly
that type's fields, and a counter ``n`` that grows by one at each frame: a
replayed, reordered or forged frame is refused before anything reads it.
Nothing a seat sends is ever executed as it is: the server builds the
command itself from the checked fields.

The master sends JSON text frames too, and the documents' bytes as binary
frames between a ``blob`` header and a ``blob_end``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from table_app.member_pin import PIN_DIGITS
from table_app.notes import NoteInvalid, parse_note

PROTOCOL = "table-conseil/1"
SERVICE_TYPE = "_table-conseil._tcp.local."
MAX_SEAT_FRAME = 64 * 1024
MAX_MASTER_FRAME = 8 * 1024 * 1024
BLOB_CHUNK = 256 * 1024
#: Behind by more than this, a seat gets the whole journal again (a snapshot).
SNAPSHOT_AFTER = 2000
EVENTS_PER_FRAME = 500
_HASH = re.compile(r"^[0-9a-f]{64}$")
_MEMBER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")  # as table_app.config's member ids

#: type -> {field: python type}; every field is required.
SEAT_MESSAGES: dict[str, dict[str, type | tuple[type, ...]]] = {
    "hello": {
        "n": int,
        "name": str,
        "cert": str,
        "signature": str,
        "journal_after": int,
        "documents_after": int,
    },
    "pair": {"n": int, "name": str, "cert": str, "signature": str, "code": str},
    "blob": {"n": int, "hash": str},
    "propose_item": {"n": int, "session": str, "member": str, "title": str, "text": str},
    # Reading is what a seat does: the master searches its index for it.
    "search": {"n": int, "query": str, "limit": int},
    # A member's private notes (table_app/notes.py) on one document (content
    # hash): each frame carries the member's code, checked by the master, so a
    # seat reaches the notes of the member who typed it and of no one else.
    "notes_list": {"n": int, "member": str, "pin": str, "hash": str},
    "notes_save": {"n": int, "member": str, "pin": str, "hash": str, "note": dict},
    # ``id``: the note to erase; 0: every note of the member on that document.
    "notes_erase": {"n": int, "member": str, "pin": str, "hash": str, "id": int},
    # The annotated PDF, written by the master into the member's own folder.
    "notes_export": {"n": int, "member": str, "pin": str, "hash": str},
}
#: The frames about private notes (answered by a ``notes`` frame).
NOTES_MESSAGES = ("notes_list", "notes_save", "notes_erase", "notes_export")
_LIMITS = {
    "member": 40,
    "pin": 8,
    "name": 80,
    "cert": 8000,
    "signature": 400,
    "code": 12,
    "title": 300,
    "text": 20_000,
    "query": 200,
}
#: At most this many search hits for one question.
MAX_SEARCH_HITS = 50


class FrameRefused(Exception):
    """A frame that breaks the protocol; the message is French, for the log and the seat."""


@dataclass(frozen=True)
class SeatMessage:
    type: str
    fields: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]


def parse_seat_frame(frame: str | bytes, last_n: int) -> SeatMessage:
    """Check one frame from a seat; ``last_n`` is the counter of its previous frame."""
    if isinstance(frame, bytes):
        raise FrameRefused("trame binaire inattendue : un siège n'envoie que du texte JSON")
    if len(frame.encode("utf-8", "surrogatepass")) > MAX_SEAT_FRAME:
        raise FrameRefused(f"trame trop longue (plus de {MAX_SEAT_FRAME // 1024} Kio)")
    try:
        data = json.loads(frame)
    except (json.JSONDecodeError, RecursionError):
        raise FrameRefused("trame illisible (JSON invalide)") from None
    if not isinstance(data, dict):
        raise FrameRefused("trame invalide : un objet JSON est attendu")
    kind = data.get("type")
    spec = SEAT_MESSAGES.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise FrameRefused(f"type de trame inconnu ou interdit à un siège : {str(kind)[:40]!r}")
    fields = {k: v for k, v in data.items() if k != "type"}
    if set(fields) != set(spec):
        missing, extra = sorted(set(spec) - set(fields)), sorted(set(fields) - set(spec))
        raise FrameRefused(
            f"trame « {kind} » : champs manquants {missing or 'aucun'}, inconnus "
            f"{[e[:40] for e in extra] or 'aucun'}"
        )
    for key, expected in spec.items():
        value = fields[key]
        if isinstance(value, bool) or not isinstance(value, expected):
            raise FrameRefused(f"trame « {kind} » : « {key} » n'a pas le bon type")
        if isinstance(value, str) and len(value) > _LIMITS.get(key, 200):
            raise FrameRefused(f"trame « {kind} » : « {key} » est trop long")
        if isinstance(value, int) and not 0 <= value < 2**53:
            raise FrameRefused(f"trame « {kind} » : « {key} » est hors limites")
    if fields["n"] != last_n + 1:
        raise FrameRefused(
            f"trame n° {fields['n']} reçue après la n° {last_n} : rejouée ou hors d'ordre"
        )
    if kind == "blob" and not _HASH.match(fields["hash"]):
        raise FrameRefused("trame « blob » : empreinte SHA-256 invalide")
    if kind == "search" and not 1 <= fields["limit"] <= MAX_SEARCH_HITS:
        raise FrameRefused(f"trame « search » : entre 1 et {MAX_SEARCH_HITS} résultats")
    if kind in NOTES_MESSAGES:
        _check_notes_frame(str(kind), fields)
    return SeatMessage(str(kind), fields)


def _check_notes_frame(kind: str, fields: dict[str, Any]) -> None:
    """The fields of a notes frame, each to its form; the note itself checked
    by the domain's own rules and replaced by the ``Note`` it describes."""
    if not _MEMBER.match(fields["member"]):
        raise FrameRefused(f"trame « {kind} » : identifiant d'élu invalide")
    if not PIN_DIGITS.match(fields["pin"]):
        raise FrameRefused(f"trame « {kind} » : un code personnel a de 4 à 8 chiffres")
    if not _HASH.match(fields["hash"]):
        raise FrameRefused(f"trame « {kind} » : empreinte SHA-256 invalide")
    if kind == "notes_save":
        try:
            fields["note"] = parse_note(fields["note"])
        except NoteInvalid as error:
            raise FrameRefused(f"trame « {kind} » : {error}") from None


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise FrameRefused("valeur base64 invalide") from None


def proof(nonce: bytes, server_fingerprint: str) -> bytes:
    """What a seat signs to prove it holds its key, bound to this master and this
    connection: the master's challenge and the fingerprint the seat pinned."""
    return PROTOCOL.encode() + b"\0" + nonce + b"\0" + server_fingerprint.encode("ascii")


__all__ = [
    "BLOB_CHUNK",
    "EVENTS_PER_FRAME",
    "MAX_MASTER_FRAME",
    "MAX_SEARCH_HITS",
    "MAX_SEAT_FRAME",
    "NOTES_MESSAGES",
    "PROTOCOL",
    "SEAT_MESSAGES",
    "SERVICE_TYPE",
    "SNAPSHOT_AFTER",
    "FrameRefused",
    "SeatMessage",
    "b64",
    "encode",
    "parse_seat_frame",
    "proof",
    "unb64",
]
