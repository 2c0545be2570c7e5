"""Rebuild the council's state from journal events.

``apply`` is the only code that changes a ``CouncilState``. It trusts the
event: everything was checked by ``decide`` before the event was written, and
the payload carries every derived fact (numbers, results, quorum) so a replay
needs neither the configuration nor the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from table_app.council import moments
from table_app.council.events import EventType
from table_app.council.state import (
    Answer,
    AnswerKind,
    Attendance,
    ConvocationSending,
    CouncilState,
    Item,
    ItemKind,
    ItemStatus,
    MemberInfo,
    Presence,
    Proxy,
    Session,
    SessionStatus,
    TextVersion,
)
from table_app.journal import Event

Handler = Callable[[CouncilState, Session, dict[str, Any], Event], None]
_HANDLERS: dict[str, Handler] = {}


def _on(type_: EventType) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[type_] = fn
        return fn

    return register


def replay(events: Iterable[Event], state: CouncilState | None = None) -> CouncilState:
    state = state or CouncilState()
    for event in events:
        apply(state, event)
    return state


def apply(state: CouncilState, event: Event) -> None:
    payload = event.payload
    if event.type == EventType.SESSION_CONVENED:
        _convene(state, payload, event)
    else:
        session = state.sessions[event.session_id]
        _HANDLERS[event.type](state, session, payload, event)
        session.warnings.extend(payload.get("warnings", []))
        session.last_seq = event.seq
        session.last_hash = event.hash
        session.last_at = moments.latest(session.last_at, payload.get("at"))
    state.last_seq = event.seq


def _new_item(raw: dict[str, Any], from_convocation: bool) -> Item:
    item = Item(
        id=raw["id"],
        title=raw["title"],
        kind=ItemKind(raw["kind"]),
        rapporteur=raw.get("rapporteur"),
        from_convocation=from_convocation,
        proposed_by=raw.get("proposed_by"),
        classification=raw.get("classification"),
    )
    if raw.get("text"):
        item.texts.append(TextVersion(1, raw["text"], raw.get("at", ""), raw.get("author", "")))
    item.documents = [dict(d) for d in raw.get("documents", [])]
    return item


def _convene(state: CouncilState, p: dict[str, Any], event: Event) -> None:
    members = {
        m["id"]: MemberInfo(m["id"], m["name"], m["role"], m["rank"], m.get("birth_date"))
        for m in p["members"]
    }
    session = Session(
        id=p["session_id"],
        title=p["title"],
        date=p["date"],
        time=p["time"],
        place=p["place"],
        convened_on=p["convened_on"],
        population=p["population"],
        timezone=p["timezone"],
        emergency=p["emergency"],
        reconvened_of=p.get("reconvened_of"),
        members=members,
        attendance={m: Attendance() for m in members},
        president=next(m.id for m in members.values() if m.role == "maire"),
    )
    for raw in p["agenda"]:
        session.items.append(_new_item(raw, True))
    session.next_item_number = len(session.items) + 1
    session.warnings.extend(p.get("warnings", []))
    session.last_seq = event.seq
    session.last_hash = event.hash
    session.last_at = p.get("at")  # absent from journals written before it was recorded
    state.sessions[session.id] = session


def _item(session: Session, p: dict[str, Any]) -> Item:
    item = session.item(p["item"])
    assert item is not None, p
    return item


@_on(EventType.MEMBER_ARRIVED)
def _arrived(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    att = session.attendance[p["member"]]
    att.status = Presence.PRESENT
    att.movements.append({"at": p["at"], "kind": "arrivee"})


@_on(EventType.MEMBER_LEFT)
def _left(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    att = session.attendance[p["member"]]
    att.status = Presence.LEFT
    att.movements.append({"at": p["at"], "kind": "depart"})


@_on(EventType.MEMBER_MARKED_ABSENT)
def _absent(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    att = session.attendance[p["member"]]
    att.status = Presence.EXCUSED if p["excused"] else Presence.ABSENT


@_on(EventType.PROXY_GIVEN)
def _proxy(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.proxies.append(Proxy(p["giver"], p["holder"], p["signed_on"], p["illness"], p["at"]))


@_on(EventType.ANSWER_RECORDED)
def _answer(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    """An answer before the session replaces the member's earlier one: its
    procuration is revoked, an excuse is withdrawn."""
    member, answer = p["member"], AnswerKind(p["answer"])
    for proxy in session.proxies:
        if proxy.giver == member and proxy.active:
            proxy.revoked_at = p["at"]
    att = session.attendance[member]
    if answer is AnswerKind.EXCUSED:
        att.status = Presence.EXCUSED
    elif att.status is Presence.EXCUSED:
        att.status = Presence.UNKNOWN
    if answer is AnswerKind.PROXY:
        session.proxies.append(Proxy(member, p["holder"], p["signed_on"], p["illness"], p["at"]))
    session.answers.append(
        Answer(
            member=member,
            answer=answer,
            at=p["at"],
            source=p["source"],
            holder=p.get("holder"),
            signed_on=p.get("signed_on"),
            illness=bool(p.get("illness", False)),
            document=p.get("document"),
        )
    )


@_on(EventType.PROXY_REVOKED)
def _revoke(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    for proxy in session.proxies:
        if proxy.giver == p["giver"] and proxy.active:
            proxy.revoked_at = p["at"]


@_on(EventType.PRESIDENT_SET)
def _president(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.president = p["member"]


@_on(EventType.SESSION_OPENED)
def _opened(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.status = SessionStatus.OPEN
    session.opened_at = p["at"]
    session.opening = {"quorum": p["quorum"], "notice": p["notice"], "president": p["president"]}
    for convoked in p.get("convoked", ()):  # added before the opening, sent in time
        item = _item(session, convoked)
        item.from_convocation = True
        item.convoked_on = convoked.get("complementary_on")


@_on(EventType.SESSION_LACKED_QUORUM)
def _lacked(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.status = SessionStatus.NO_QUORUM
    session.lack_of_quorum = {"at": p["at"], "quorum": p["quorum"]}
    session.closed_at = p["at"]
    for item in session.agenda():
        if item.status is ItemStatus.PENDING:
            item.status = ItemStatus.NOT_EXAMINED


@_on(EventType.EMERGENCY_RULED)
def _emergency(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.emergency_accepted = p["accepted"]


@_on(EventType.SECRETARIES_NAMED)
def _secretaries(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.secretaries = list(p["members"])


def _insert(session: Session, item: Item, position: int | None) -> None:
    """Place ``item`` at ``position`` (1-based) among the agenda items."""
    session.items.remove(item)
    agenda = session.agenda()
    if position is None or position > len(agenda):
        session.items.append(item)
        return
    anchor = agenda[max(position, 1) - 1]
    session.items.insert(session.items.index(anchor), item)


def _put_on_agenda(session: Session, item: Item, p: dict[str, Any], e: Event) -> None:
    """An item put on the agenda after the convening: when, and by which event
    (``rules.added_items`` reads them at the opening)."""
    item.added_seq = e.seq
    item.added_at = p.get("at") or e.recorded_at
    item.added_in_session = session.status is not SessionStatus.CONVENED


@_on(EventType.ITEM_ADDED)
def _added(_s: CouncilState, session: Session, p: dict[str, Any], e: Event) -> None:
    item = _new_item(p["item"], False)
    session.items.append(item)
    session.next_item_number += 1
    _insert(session, item, p.get("position"))
    _put_on_agenda(session, item, p, e)


@_on(EventType.ITEM_PROPOSED)
def _proposed(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    item = _new_item(p["item"], False)
    item.status = ItemStatus.PROPOSED
    session.items.append(item)
    session.next_item_number += 1


@_on(EventType.PROPOSAL_ACCEPTED)
def _accepted(_s: CouncilState, session: Session, p: dict[str, Any], e: Event) -> None:
    item = _item(session, p)
    item.status = ItemStatus.PENDING
    _insert(session, item, p.get("position"))
    _put_on_agenda(session, item, p, e)


@_on(EventType.PROPOSAL_REFUSED)
def _refused(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _item(session, p).status = ItemStatus.PROPOSAL_REFUSED


@_on(EventType.ITEM_MOVED)
def _moved(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _insert(session, _item(session, p), p["position"])


def _set_aside(session: Session, item: Item, status: ItemStatus) -> None:
    item.status = status
    if session.current_item == item.id:
        session.current_item = None


@_on(EventType.ITEM_WITHDRAWN)
def _withdrawn(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _set_aside(session, _item(session, p), ItemStatus.WITHDRAWN)


@_on(EventType.ITEM_DEFERRED)
def _deferred(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _set_aside(session, _item(session, p), ItemStatus.DEFERRED)


@_on(EventType.ITEM_TAKEN_UP)
def _taken_up(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    item = _item(session, p)
    item.status = (
        ItemStatus.PRESENTED if item.kind is ItemKind.INFORMATION else ItemStatus.UNDER_DISCUSSION
    )
    item.taken_up_at = p["at"]
    item.quorum_at_take_up = p["quorum"]
    session.current_item = item.id


@_on(EventType.INTEREST_DECLARED)
def _interest(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    item = _item(session, p)
    if p["member"] not in item.interested:
        item.interested.append(p["member"])


@_on(EventType.ITEM_PRESIDENT_ELECTED)
def _item_president(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _item(session, p).president = p["member"]


@_on(EventType.BALLOT_REQUESTED)
def _ballot(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _item(session, p).ballot_requests.append({"mode": p["mode"], "members": p["members"]})


@_on(EventType.OPEN_VOTE_DECIDED)
def _open_vote(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _item(session, p).open_vote_decided = True


@_on(EventType.TEXT_EDITED)
def _text(_s: CouncilState, session: Session, p: dict[str, Any], e: Event) -> None:
    item = _item(session, p)
    item.texts.append(TextVersion(p["version"], p["text"], p["at"], e.author))


@_on(EventType.DEBATE_RECORDED)
def _debate(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    _item(session, p).debate = p["text"]


def _number(state: CouncilState, item: Item, p: dict[str, Any]) -> None:
    item.number = p["number"]
    year, n = p["number_year"], p["number_seq"]
    state.last_number[year] = max(state.last_number.get(year, 0), n)


@_on(EventType.VOTE_RECORDED)
def _vote(state: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    item = _item(session, p)
    item.vote = p["vote"]
    item.status = ItemStatus.VOTED
    _number(state, item, p)


@_on(EventType.NOMINATION_ROUND_RECORDED)
def _round(state: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    item = _item(session, p)
    item.rounds.append(p["round"])
    if p["round"]["elected"] is not None:
        item.status = ItemStatus.VOTED
        _number(state, item, p)


@_on(EventType.DOCUMENT_PROJECTED)
def _projected(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.projection = dict(p)


@_on(EventType.PROJECTION_STOPPED)
def _projection_stopped(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.projection = None


@_on(EventType.SESSION_SUSPENDED)
def _suspended(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.status = SessionStatus.SUSPENDED
    session.suspensions.append({"from": p["at"], "to": None})


@_on(EventType.SESSION_RESUMED)
def _resumed(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.status = SessionStatus.OPEN
    session.suspensions[-1]["to"] = p["at"]


@_on(EventType.SESSION_CLOSED)
def _closed(_s: CouncilState, session: Session, p: dict[str, Any], _e: Event) -> None:
    session.status = SessionStatus.CLOSED
    session.closed_at = p["at"]
    session.current_item = None
    session.projection = None
    for item in session.agenda():
        if item.status is ItemStatus.PENDING:
            item.status = ItemStatus.NOT_EXAMINED


@_on(EventType.CONVOCATION_SENT)
@_on(EventType.CONVOCATION_FAILED)
def _convocation(_s: CouncilState, session: Session, p: dict[str, Any], e: Event) -> None:
    session.convocations.append(
        ConvocationSending(
            member=p["member"],
            channel=p["channel"],
            at=p["at"],
            sha256=p["sha256"],
            sent=e.type == EventType.CONVOCATION_SENT,
            address=p.get("address"),
            message_id=p.get("message_id"),
            attempts=p.get("attempts", 1),
            error=p.get("error"),
            seq=e.seq,
        )
    )


EVENT_TYPES = frozenset(_HANDLERS) | {EventType.SESSION_CONVENED}
