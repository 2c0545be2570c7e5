"""The types of the session journal's events, declared once.

``decide`` records only these, ``projection`` applies each of them, and the
screens, the statistics and the search compare an event's type to a member
here rather than to a string of their own.  An ``EventType`` is a ``str``
(``StrEnum``): its value is the very string the journal stores and its hash
chain covers, so a journal written before this enum reads and verifies
unchanged, and renaming a value would break every stored journal
(tests/council/test_event_types.py keeps the list).

The document feed's types (what the seats learn about the folder) are
``sync.feed.DocumentEvent``.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class EventType(StrEnum):
    """What a journal event records (its ``type``), in the order of a session."""

    # Before the session.
    SESSION_CONVENED = "session.convened"
    CONVOCATION_SENT = "convocation.sent"
    CONVOCATION_FAILED = "convocation.failed"
    # The roll call.
    MEMBER_ARRIVED = "member.arrived"
    MEMBER_LEFT = "member.left"
    MEMBER_MARKED_ABSENT = "member.marked_absent"
    PROXY_GIVEN = "proxy.given"
    PROXY_REVOKED = "proxy.revoked"
    ANSWER_RECORDED = "answer.recorded"  # an answer to the convocation, before the session
    PRESIDENT_SET = "president.set"
    # The opening.
    SESSION_OPENED = "session.opened"
    SESSION_LACKED_QUORUM = "session.lacked_quorum"
    EMERGENCY_RULED = "emergency.ruled"
    SECRETARIES_NAMED = "secretaries.named"
    # The agenda.
    ITEM_ADDED = "item.added"
    ITEM_PROPOSED = "item.proposed"  # by a councillor, waiting for the mayor
    PROPOSAL_ACCEPTED = "proposal.accepted"
    PROPOSAL_REFUSED = "proposal.refused"
    ITEM_MOVED = "item.moved"
    ITEM_WITHDRAWN = "item.withdrawn"
    ITEM_DEFERRED = "item.deferred"
    # An item.
    ITEM_TAKEN_UP = "item.taken_up"
    INTEREST_DECLARED = "interest.declared"
    ITEM_PRESIDENT_ELECTED = "item_president.elected"  # for the compte administratif
    BALLOT_REQUESTED = "ballot.requested"
    OPEN_VOTE_DECIDED = "open_vote.decided"
    TEXT_EDITED = "text.edited"
    DEBATE_RECORDED = "debate.recorded"
    VOTE_RECORDED = "vote.recorded"
    NOMINATION_ROUND_RECORDED = "nomination_round.recorded"
    # What the seats show.
    DOCUMENT_PROJECTED = "document.projected"
    PROJECTION_STOPPED = "projection.stopped"
    # The session's course and end.
    SESSION_SUSPENDED = "session.suspended"
    SESSION_RESUMED = "session.resumed"
    SESSION_CLOSED = "session.closed"
