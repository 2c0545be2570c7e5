"""The journal: numbered, chained events; the engine's state is the replay of
the journal; a refused command writes nothing; and any edit, removal,
insertion or reordering of stored events is found and named by ``verify`` and
by ``table-app journal verify``.

The tampering is done as an intruder would: plain SQL on the SQLite file,
outside the application. Forged rows carry a correctly computed hash linked to
the row before them, so it is the chain, not a bare checksum, that gives them
away. (Removing the last events of the journal cannot be seen from the chain
alone and is not tested here.)
"""

import json
import re
import sqlite3
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from demo import DEMO_SCRIPT
from table_app import cli
from table_app.config import Config
from table_app.council import projection
from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.state import SessionStatus
from table_app.journal import GENESIS_HASH, Journal, canonical_json, chain_hash
from table_app.report import session_json
from table_app.script import play_file
from table_app.store import Database, open_database

DEMO_SESSION = "2026-11-28"


@pytest.fixture
def played(engine: SessionEngine) -> SessionEngine:
    """The demo session (47 commands) played through the engine."""
    result = play_file(engine, DEMO_SCRIPT, author="president")
    assert result.sessions == [DEMO_SESSION]
    return engine


@pytest.fixture
def db_file(config: Config) -> Path:
    database = make_url(config.database_url).database
    assert database
    return Path(database)


def tamper(path: Path, *statements: str | tuple[str, tuple]) -> None:
    """Run SQL on the file with a plain sqlite3 connection, in one transaction."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for statement in statements:
                if isinstance(statement, tuple):
                    conn.execute(*statement)
                else:
                    conn.execute(statement)
    finally:
        conn.close()


def shift_from(seq: int, by: int) -> list[str]:
    """Renumber the rows from ``seq`` on (through negative numbers: seq is the key)."""
    return [
        f"UPDATE events SET seq = -(seq + {by}) WHERE seq >= {seq}",
        "UPDATE events SET seq = -seq WHERE seq < 0",
    ]


def swap(a: int, b: int) -> list[str]:
    return [
        f"UPDATE events SET seq = -1 WHERE seq = {a}",
        f"UPDATE events SET seq = {a} WHERE seq = {b}",
        f"UPDATE events SET seq = {b} WHERE seq = -1",
    ]


def forged_rows(path: Path, after: int, members: list[str]) -> list[tuple]:
    """Arrival events for ``members``, chained properly after event ``after``.

    They copy the arrival event ``after`` (time, session, author, type) and
    change the member: what someone with the file and this source code would
    write to make an absent member appear present.
    """
    conn = sqlite3.connect(path)
    try:
        recorded_at, session_id, author, type_, payload, prev_hash = conn.execute(
            "SELECT recorded_at, session_id, author, type, payload, hash FROM events WHERE seq = ?",
            (after,),
        ).fetchone()
    finally:
        conn.close()
    assert type_ == "member.arrived"
    rows = []
    for n, member in enumerate(members, start=after + 1):
        forged = canonical_json({**json.loads(payload), "member": member})
        digest = chain_hash(prev_hash, recorded_at, session_id, author, type_, forged)
        rows.append((n, recorded_at, session_id, author, type_, forged, prev_hash, digest))
        prev_hash = digest
    return rows


def insert(rows: list[tuple]) -> list[tuple[str, tuple]]:
    return [("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row) for row in rows]


def vote_event(engine: SessionEngine, item: str) -> int:
    (seq,) = [
        e.seq
        for e in engine.journal.events()
        if e.type == "vote.recorded" and e.payload["item"] == item
    ]
    return seq


# --- appending and reading --------------------------------------------------


def test_events_are_numbered_timestamped_in_utc_and_chained(opened, engine: SessionEngine):
    events = engine.journal.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(events) == 17
    assert events[0].prev_hash == GENESIS_HASH
    for before, event in pairwise(events):
        assert event.prev_hash == before.hash
    for event in events:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", event.recorded_at)
        assert event.hash == chain_hash(
            event.prev_hash,
            event.recorded_at,
            event.session_id,
            event.author,
            event.type,
            canonical_json(event.payload),
        )
    assert [e.recorded_at for e in events] == sorted(e.recorded_at for e in events)
    assert engine.journal.last_seq() == 17


def test_a_seat_resumes_from_the_last_sequence_number_it_saw(opened, engine: SessionEngine):
    everything = engine.journal.events()
    assert engine.journal.events(after=0) == everything
    assert engine.journal.events(after=12) == everything[12:]
    assert [e.seq for e in engine.journal.events(after=12)] == [13, 14, 15, 16, 17]
    assert engine.journal.events(after=17) == []
    # A new command shows up for the seat that resumes from 17, and only it.
    accepted = opened("take_up", item="p1", at="20:05")
    assert engine.journal.events(after=17) == [accepted.event]
    assert accepted.event.seq == 18


def test_the_state_is_the_replay_of_the_database(played: SessionEngine, config: Config):
    live = session_json(played.state.sessions[DEMO_SESSION])
    assert live["status"] == SessionStatus.CLOSED
    assert live["last_seq"] == 47

    # Another engine on the same store, and a replay from a freshly opened store.
    other = SessionEngine(Journal(played.journal.db), config)
    assert session_json(other.state.sessions[DEMO_SESSION]) == live
    reopened = open_database(config.database_url)
    try:
        replayed = projection.replay(Journal(reopened).events())
    finally:
        reopened.dispose()
    assert replayed.last_seq == played.state.last_seq == 47
    assert list(replayed.sessions) == [DEMO_SESSION]
    assert session_json(replayed.sessions[DEMO_SESSION]) == live


@pytest.mark.parametrize(
    ("command", "author"),
    [
        ({"cmd": "vote", "item": "p1", "pour": 13}, "president"),  # p1 not taken up
        ({"cmd": "take_up", "item": "p99"}, "president"),  # no such item
        ({"cmd": "close"}, "conseiller"),  # a councillor cannot close the session
        ({"cmd": "arrive", "member": "inconnu"}, "president"),
    ],
)
def test_a_refused_command_changes_nothing(opened, engine: SessionEngine, config, command, author):
    events = engine.journal.events()
    state = session_json(engine.session("s"))
    with pytest.raises(CommandRefused):
        engine.execute({**command, "session": "s"}, author=author)
    assert engine.journal.last_seq() == 17
    assert engine.journal.events() == events
    assert session_json(engine.session("s")) == state
    assert session_json(SessionEngine(engine.journal, config).session("s")) == state
    # The next accepted command takes the next number: no gap was left.
    assert opened("take_up", item="p1", at="20:05").event.seq == 18


# --- tampering --------------------------------------------------------------


def test_an_edited_payload_is_named_as_modified(played, database: Database, db_file: Path):
    k = vote_event(played, "p2")
    payload = played.journal.events()[k - 1].payload
    assert payload["vote"]["pour"] == 10
    payload["vote"]["pour"] = 11
    tamper(db_file, ("UPDATE events SET payload = ? WHERE seq = ?", (canonical_json(payload), k)))
    problems = Journal(database).verify()
    assert [(p.seq, p.kind) for p in problems] == [(k, "modifié")]
    assert f"n° {k}" in problems[0].message


def test_a_removed_event_is_named(played, database: Database, db_file: Path):
    tamper(db_file, "DELETE FROM events WHERE seq = 20")
    problems = Journal(database).verify()
    assert [(p.seq, p.kind) for p in problems] == [(20, "supprimé")]
    assert "n° 20" in problems[0].message


def test_a_removal_hidden_by_renumbering_is_found(played, database: Database, db_file: Path):
    tamper(
        db_file,
        "DELETE FROM events WHERE seq = 20",
        "UPDATE events SET seq = seq - 1 WHERE seq > 20",
    )
    journal = Journal(database)
    assert journal.last_seq() == 46
    assert [e.seq for e in journal.events()] == list(range(1, 47))  # no gap left to see
    problems = journal.verify()
    assert [(p.seq, p.kind) for p in problems] == [(20, "supprimé")]
    assert "n° 20" in problems[0].message


@pytest.mark.parametrize("forged", [["cbarbier"], ["cbarbier", "odumas"]])
def test_forged_events_slipped_in_are_named_as_inserted(
    played, database: Database, db_file: Path, forged: list[str]
):
    # Events 2-12 are arrivals; the forgery makes absent members arrive after n° 7.
    rows = forged_rows(db_file, after=7, members=forged)
    tamper(db_file, *shift_from(8, by=len(forged)), *insert(rows))
    journal = Journal(database)
    assert journal.last_seq() == 47 + len(forged)
    assert [e.payload["member"] for e in journal.events()[7 : 7 + len(forged)]] == forged
    problems = journal.verify()
    expected = [(8 + n, "inséré") for n in range(len(forged))]
    assert [(p.seq, p.kind) for p in problems] == expected


def test_two_swapped_events_are_named_as_moved(played, database: Database, db_file: Path):
    # The vote of p2 (n° 23) put before the taking up of p2 (n° 22).
    k = vote_event(played, "p2")
    tamper(db_file, *swap(k - 1, k))
    problems = Journal(database).verify()
    assert [(p.seq, p.kind) for p in problems] == [(k - 1, "déplacé"), (k, "déplacé")]


def test_events_swapped_far_apart_are_named_as_moved(played, database: Database, db_file: Path):
    tamper(db_file, *swap(10, 30))
    problems = Journal(database).verify()
    assert {p.kind for p in problems} == {"déplacé"}
    named = {p.seq for p in problems}
    assert {10, 30} <= named
    # Events 12 to 29 still follow the one stored before them: they are not named.
    assert named <= {10, 11, 30}


# --- the command line ---------------------------------------------------------


def test_journal_verify_command_in_a_subprocess(played, db_file: Path):
    argv = [
        sys.executable,
        "-m",
        "table_app.cli",
        "--database",
        f"sqlite:///{db_file}",
        "journal",
        "verify",
    ]
    intact = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert intact.returncode == 0, intact.stderr
    assert "Journal intact" in intact.stdout
    assert "47 événement(s)" in intact.stdout

    k = vote_event(played, "p2")
    tamper(
        db_file,
        (
            "UPDATE events SET payload = replace(payload, '\"pour\":10', '\"pour\":11') "
            "WHERE seq = ?",
            (k,),
        ),
    )
    altered = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert altered.returncode == 1
    assert "Journal ALTÉRÉ" in altered.stderr
    assert f"événement n° {k} (modifié)" in altered.stderr
    assert "Journal intact" not in altered.stdout


def test_journal_verify_command_names_a_removed_event(played, db_file: Path, capsys):
    argv = ["--database", f"sqlite:///{db_file}", "journal", "verify"]
    assert cli.main(argv) == 0
    assert "Journal intact : 47 événement(s)" in capsys.readouterr().out

    tamper(db_file, "DELETE FROM events WHERE seq = 30")
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "Journal ALTÉRÉ : 1 anomalie(s)" in err
    assert "événement n° 30 (supprimé)" in err


def test_journal_verify_json_lists_the_problems(played, db_file: Path, capsys):
    argv = ["--database", f"sqlite:///{db_file}", "journal", "verify", "--json"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "events": 47,
        "anchored_files": 0,
        "problems": [],
        "warnings": [],
    }

    tamper(db_file, *swap(5, 6))
    assert cli.main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["events"] == 47
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(5, "déplacé"), (6, "déplacé")]
    assert all(f"n° {p['seq']}" in p["message"] for p in report["problems"])
