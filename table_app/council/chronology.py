"""The order of a session's moments, checked over a whole journal.

The engine refuses a command dated before its session's last event, but a
journal written before that rule (or by another program) may hold a fact
recorded out of order: a procuration stamped days after the opening it
should have counted at. ``journal verify`` reports each such event as a
warning. Nothing is reordered: the journal is the record, and what it says
stays as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from table_app.council import moments
from table_app.council.events import EventType
from table_app.journal import Event

#: The events a person reads about, in the mairie's words.
EVENT_LABELS: dict[str, str] = {
    EventType.SESSION_CONVENED: "convocation",
    EventType.CONVOCATION_SENT: "envoi de la convocation",
    EventType.CONVOCATION_FAILED: "échec de l'envoi de la convocation",
    EventType.MEMBER_ARRIVED: "arrivée",
    EventType.MEMBER_LEFT: "départ",
    EventType.MEMBER_MARKED_ABSENT: "absence",
    EventType.PROXY_GIVEN: "procuration",
    EventType.PROXY_REVOKED: "révocation de procuration",
    EventType.ANSWER_RECORDED: "réponse avant la séance",
    EventType.PRESIDENT_SET: "présidence",
    EventType.SESSION_OPENED: "ouverture de la séance",
    EventType.SESSION_LACKED_QUORUM: "absence de quorum",
    EventType.EMERGENCY_RULED: "vote sur l'urgence",
    EventType.SECRETARIES_NAMED: "secrétaire de séance",
    EventType.ITEM_ADDED: "point ajouté",
    EventType.ITEM_PROPOSED: "proposition de point",
    EventType.PROPOSAL_ACCEPTED: "proposition acceptée",
    EventType.PROPOSAL_REFUSED: "proposition refusée",
    EventType.ITEM_MOVED: "ordre du jour modifié",
    EventType.ITEM_WITHDRAWN: "point retiré",
    EventType.ITEM_DEFERRED: "point ajourné",
    EventType.ITEM_TAKEN_UP: "mise en discussion",
    EventType.INTEREST_DECLARED: "conseiller intéressé",
    EventType.ITEM_PRESIDENT_ELECTED: "président pour le compte administratif",
    EventType.BALLOT_REQUESTED: "demande de scrutin",
    EventType.OPEN_VOTE_DECIDED: "vote à main levée décidé",
    EventType.TEXT_EDITED: "texte modifié",
    EventType.DEBATE_RECORDED: "synthèse des débats",
    EventType.VOTE_RECORDED: "vote",
    EventType.NOMINATION_ROUND_RECORDED: "tour de scrutin",
    EventType.DOCUMENT_PROJECTED: "document projeté",
    EventType.PROJECTION_STOPPED: "fin de projection",
    EventType.SESSION_SUSPENDED: "suspension",
    EventType.SESSION_RESUMED: "reprise",
    EventType.SESSION_CLOSED: "clôture de la séance",
}

#: What a session still records after its end (moments.py, decide.py).
AFTER_THE_END = frozenset({EventType.DEBATE_RECORDED})
ENDINGS = frozenset({EventType.SESSION_CLOSED, EventType.SESSION_LACKED_QUORUM})


@dataclass(frozen=True)
class ChronologyWarning:
    seq: int
    session_id: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "session": self.session_id, "message": self.message}


@dataclass
class _Moment:
    at: str
    seq: int
    type: str


def label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type)


def check_chronology(events: Iterable[Event]) -> list[ChronologyWarning]:
    """Every event dated before the event just before it in its session (one
    warning where the order breaks, not one for each event after a late one),
    and every event recorded after the session's end (the debates excepted)."""
    warnings: list[ChronologyWarning] = []
    previous: dict[str, _Moment] = {}
    ended: dict[str, Event] = {}
    zones: dict[str, str] = {}
    for event in events:
        sid = event.session_id
        if event.type == EventType.SESSION_CONVENED:
            zones[sid] = str(event.payload.get("timezone") or "Europe/Paris")
        tz = zones.get(sid, "Europe/Paris")
        what = f"événement n° {event.seq} ({label(event.type)})"
        end = ended.get(sid)
        if end is not None and event.type not in AFTER_THE_END:
            when = end.payload.get("at")
            warnings.append(
                ChronologyWarning(
                    event.seq,
                    sid,
                    f"séance {sid} : {what} enregistré après la fin de la séance "
                    f"(événement n° {end.seq}, {label(end.type)}"
                    + (f" du {moments.label(when, tz)}" if when else "")
                    + ")",
                )
            )
        at = event.payload.get("at")
        if isinstance(at, str) and at:
            before = previous.get(sid)
            if before is not None and moments.earlier(at, before.at):
                warnings.append(
                    ChronologyWarning(
                        event.seq,
                        sid,
                        f"séance {sid} : {what} daté du {moments.label(at, tz)}, avant "
                        f"l'événement n° {before.seq} ({label(before.type)}) daté du "
                        f"{moments.label(before.at, tz)} : les faits n'ont pas été enregistrés "
                        "dans l'ordre (le journal les garde tels qu'ils ont été écrits)",
                    )
                )
            previous[sid] = _Moment(at, event.seq, event.type)
        if event.type in ENDINGS:
            ended[sid] = event
    return warnings


__all__ = ["EVENT_LABELS", "ChronologyWarning", "check_chronology", "label"]
