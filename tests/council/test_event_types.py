"""The journal's event types are declared once (``table_app.council.events.EventType``):
the engine records no other, the projection applies each, and the journal stores
and hashes the very strings it always did.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from demo import DEMO_SCRIPT
from table_app.config import Config
from table_app.council import decide
from table_app.council.chronology import EVENT_LABELS
from table_app.council.engine import SessionEngine
from table_app.council.events import EventType
from table_app.council.projection import EVENT_TYPES
from table_app.journal import GENESIS_HASH, Journal, canonical_json, chain_hash
from table_app.script import play_file
from table_app.store import Database

#: The types stored journals hold. A value changed here would leave every journal
#: already written with events no projection applies and hashes no one can check.
STORED_TYPES = {
    "session.convened",
    "convocation.sent",
    "convocation.failed",
    "member.arrived",
    "member.left",
    "member.marked_absent",
    "proxy.given",
    "proxy.revoked",
    "answer.recorded",
    "president.set",
    "session.opened",
    "session.lacked_quorum",
    "emergency.ruled",
    "secretaries.named",
    "item.added",
    "item.proposed",
    "proposal.accepted",
    "proposal.refused",
    "item.moved",
    "item.withdrawn",
    "item.deferred",
    "item.taken_up",
    "interest.declared",
    "item_president.elected",
    "ballot.requested",
    "open_vote.decided",
    "text.edited",
    "debate.recorded",
    "vote.recorded",
    "nomination_round.recorded",
    "document.projected",
    "projection.stopped",
    "session.suspended",
    "session.resumed",
    "session.closed",
}

#: decide.py's functions that make a decision, and the position of their type argument.
_DECIDING = {"Decision": 1, "_decision": 1, "_numbered": 3}


def _types_decide_records() -> tuple[set[EventType], list[str]]:
    """The types decide.py passes to a decision, and each type argument that is not
    made of ``EventType`` members only (a string, a variable from elsewhere)."""
    tree = ast.parse(Path(decide.__file__).read_text(encoding="utf-8"))
    recorded: set[EventType] = set()
    strays: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        position = _DECIDING.get(node.func.id)
        if position is None:
            continue
        keyword = "type" if node.func.id == "Decision" else "type_"
        named = [k.value for k in node.keywords if k.arg == keyword]
        argument = named[0] if named else node.args[position]
        if isinstance(argument, ast.Name) and argument.id == "type_":
            continue  # a helper handing its own argument on (checked at its callers)
        options = (
            [argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]
        )
        for option in options:
            if (
                isinstance(option, ast.Attribute)
                and isinstance(option.value, ast.Name)
                and option.value.id == "EventType"
            ):
                recorded.add(EventType[option.attr])
            else:
                strays.append(f"line {option.lineno}: {ast.unparse(option)}")
    return recorded, strays


def test_the_declared_types_are_the_strings_stored_journals_hold() -> None:
    assert {t.value for t in EventType} == STORED_TYPES
    assert all(t == t.value and str(t) == t.value for t in EventType)


def test_the_engine_records_every_declared_type_and_no_other() -> None:
    recorded, strays = _types_decide_records()
    assert strays == []
    assert recorded == set(EventType)


def test_every_declared_type_is_applied_and_named_in_french() -> None:
    assert set(EVENT_TYPES) == set(EventType)
    assert set(EVENT_LABELS) == set(EventType)


def test_an_event_type_is_stored_and_hashed_as_its_string(database: Database) -> None:
    journal = Journal(database)
    moment = "2026-11-28T19:00:00.000000Z"
    event = journal.append("s", "president", EventType.MEMBER_ARRIVED, {"member": "mfabre"})
    assert type(event.type) is str
    assert event.type == "member.arrived"
    assert event.hash == chain_hash(
        GENESIS_HASH,
        event.recorded_at,
        "s",
        "president",
        "member.arrived",
        canonical_json({"member": "mfabre"}),
    )
    with journal.writing() as writer:
        again = writer.append("s", "president", EventType.MEMBER_LEFT, {"m": 1}, moment)
    assert journal.events() == [event, again]
    assert journal.verify() == []


def test_the_demo_journal_holds_only_declared_types(engine: SessionEngine, config: Config) -> None:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    assert {type(accepted.event.type) for accepted in result.accepted} == {str}
    assert engine.journal.verify() == []
    database = make_url(config.database_url).database
    assert database
    conn = sqlite3.connect(Path(database))
    try:
        rows = conn.execute("SELECT type, typeof(type) FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    assert len(rows) == 47
    assert {kind for _type, kind in rows} == {"text"}
    assert {type_ for type_, _kind in rows} <= STORED_TYPES
