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
from table_app.journal import Event

#: The events a person reads about, in the mairie's words.
EVENT_LABELS = {
    "session.convened": "convocation",
    "convocation.sent": "envoi de la convocation",
    "convocation.failed": "échec de l'envoi de la convocation",
    "member.arrived": "arrivée",
    "member.left": "départ",
    "member.marked_absent": "absence",
    "proxy.given": "procuration",
    "proxy.revoked": "révocation de procuration",
    "answer.recorded": "réponse avant la séance",
    "president.set": "présidence",
    "session.opened": "ouverture de la séance",
    "session.lacked_quorum": "absence de quorum",
    "emergency.ruled": "vote sur l'urgence",
    "secretaries.named": "secrétaire de séance",
    "item.added": "point ajouté",
    "item.proposed": "proposition de point",
    "proposal.accepted": "proposition acceptée",
    "proposal.refused": "proposition refusée",
    "item.moved": "ordre du jour modifié",
    "item.withdrawn": "point retiré",
    "item.deferred": "point ajourné",
    "item.taken_up": "mise en discussion",
    "interest.declared": "conseiller intéressé",
    "item_president.elected": "président pour le compte administratif",
    "ballot.requested": "demande de scrutin",
    "open_vote.decided": "vote à main levée décidé",
    "text.edited": "texte modifié",
    "debate.recorded": "synthèse des débats",
    "vote.recorded": "vote",
    "nomination_round.recorded": "tour de scrutin",
    "document.projected": "document projeté",
    "projection.stopped": "fin de projection",
    "session.suspended": "suspension",
    "session.resumed": "reprise",
    "session.closed": "clôture de la séance",
}

#: What a session still records after its end (moments.py, decide.py).
AFTER_THE_END = frozenset({"debate.recorded"})
ENDINGS = frozenset({"session.closed", "session.lacked_quorum"})


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
        if event.type == "session.convened":
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
