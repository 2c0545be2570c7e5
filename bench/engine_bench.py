"""Benchmarks of the session engine (command → committed event → state) and the journal.

The workload is the bundled demo session (resources/demo/seance-2026-11-28.jsonl,
48 commands: convocation, arrivals, absences, proxies, opening, items taken up,
votes of every kind, a text edit, a suspension, a proposal, closing), played
over and over as new sessions: each round convenes its own session with a
fresh id and a date one week after the previous one, and shifts the dates of
its procurations with it, so that every round is accepted as the first was.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event

from bench.common import (
    BenchContext,
    Result,
    benchmark,
    latency_stats_ms,
    log,
    median,
    ns_to_ms,
    stopwatch,
)
from demo import DEMO_SCRIPT, demo_config
from table_app.config import Config
from table_app.council import projection
from table_app.council.decide import Context, decide
from table_app.council.engine import SessionEngine
from table_app.council.state import CouncilState
from table_app.journal import GENESIS_HASH, Event, Journal
from table_app.store import Database
from table_app.store.database import create_store_engine, migrate

SCRIPT_DATE = date(2026, 11, 28)
FIRST_DATE = date(2027, 1, 8)
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}

# --- workload --------------------------------------------------------------


def script_commands(path: Path = DEMO_SCRIPT) -> list[dict[str, Any]]:
    """The demo script's commands, comments and blank lines left out."""
    commands = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            commands.append(json.loads(text))
    return commands


def _shift(day: str, delta: timedelta) -> str:
    return (date.fromisoformat(day) + delta).isoformat()


@dataclass(frozen=True)
class Command:
    command: dict[str, Any]
    author: str


def session_round(template: list[dict[str, Any]], round_no: int) -> list[Command]:
    """One whole session from the demo script, under its own id and date."""
    held = FIRST_DATE + timedelta(weeks=round_no)
    delta = held - SCRIPT_DATE
    session_id = f"bench-{round_no:04d}"
    round_: list[Command] = []
    for original in template:
        command = copy.deepcopy(original)
        if command["cmd"] == "convene":
            command["id"] = session_id
            command["date"] = held.isoformat()
            command["convened_on"] = _shift(command["convened_on"], delta)
        else:
            command["session"] = session_id
        if "signed_on" in command:
            command["signed_on"] = _shift(command["signed_on"], delta)
        author = str(command.get("by", command.get("author", "president")))
        round_.append(Command(command, author))
    return round_


def rounds(first: int, count: int) -> Iterator[Command]:
    template = script_commands()
    for n in range(first, first + count):
        yield from session_round(template, n)


def rounds_for(commands: int) -> int:
    """How many whole sessions make at least ``commands`` commands."""
    per_round = len(script_commands())
    return -(-commands // per_round)


# --- databases -------------------------------------------------------------


def open_store(config: Config, synchronous: str | None = None) -> Database:
    """The store as ``open_database`` opens it; ``synchronous`` overrides its FULL.

    The override is a second ``connect`` listener, registered after the store's
    own, so it runs last on each new connection.
    """
    engine = create_store_engine(config.database_url)
    if synchronous is not None:

        def set_synchronous(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        sa_event.listen(engine, "connect", set_synchronous)
    migrate(engine)
    return Database(engine, config.database_url)


def pragma(db: Database, name: str) -> Any:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def store_settings(db: Database) -> str:
    """E.g. "wal/FULL": what the timed connections really run with."""
    sync = SYNCHRONOUS.get(int(pragma(db, "synchronous")), "?")
    return f"{pragma(db, 'journal_mode')}/{sync}"


def fresh_config(ctx: BenchContext, name: str) -> Config:
    return demo_config(ctx.workdir(name))


def play(engine: SessionEngine, commands: Iterator[Command]) -> list[int]:
    """Execute each command; the wall time of each ``execute`` call, in ns."""
    samples: list[int] = []
    for c in commands:
        with stopwatch() as t:
            engine.execute(c.command, author=c.author)
        samples.append(t[0])
    return samples


def timed_engine_run(
    ctx: BenchContext, name: str, n_rounds: int, synchronous: str | None = None
) -> tuple[list[int], Database, str]:
    """A warm-up session, then ``n_rounds`` timed sessions on a fresh store."""
    config = fresh_config(ctx, name)
    db = open_store(config, synchronous)
    settings = store_settings(db)
    engine = SessionEngine(Journal(db), config)
    play(engine, rounds(0, 1))  # warm-up: first connection, caches, imports
    return play(engine, rounds(1, n_rounds)), db, settings


# --- baselines -------------------------------------------------------------

_RAW_SCHEMA = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, recorded_at VARCHAR(32), session_id VARCHAR(64),
    author VARCHAR(32), type VARCHAR(64), payload TEXT, prev_hash VARCHAR(64), hash VARCHAR(64)
);
CREATE INDEX ix_events_session_seq ON events (session_id, seq);
"""


def raw_sqlite_appends(path: Path, rows: list[tuple[Any, ...]], synchronous: str) -> list[int]:
    """Time ``BEGIN IMMEDIATE; INSERT; COMMIT`` per row with the bare sqlite3 driver.

    Same table, same index, same rows as the engine wrote, WAL, ``synchronous``
    as given: the floor under any append the engine can make.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.executescript(_RAW_SCHEMA)
        samples: list[int] = []
        for row in rows:
            with stopwatch() as t:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                conn.execute("COMMIT")
            samples.append(t[0])
        return samples
    finally:
        conn.close()


def stored_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        result = conn.exec_driver_sql(
            "SELECT seq, recorded_at, session_id, author, type, payload, prev_hash, hash "
            "FROM events ORDER BY seq"
        )
        return [tuple(r) for r in result]


def decide_project_only(config: Config, n_rounds: int) -> list[int]:
    """Time ``decide`` + ``projection.apply`` alone: no database, no JSON, no hash.

    The decision's payload is handed to the projection as is (the engine
    serialises it, hashes it and parses it back), so this is the engine's
    pure-Python rule and state work, with the same number of earlier sessions
    in the state as in the engine run.
    """
    state = CouncilState()
    samples: list[int] = []
    seq = 0
    commands = list(rounds(0, n_rounds + 1))
    warm_up = len(script_commands())  # the first session, as in the engine run
    for i, c in enumerate(commands):
        with stopwatch() as t:
            decision = decide(Context(state, config, c.author, None), c.command)
            seq += 1
            event = Event(
                seq,
                "",
                decision.session_id,
                c.author,
                decision.type,
                decision.payload,
                GENESIS_HASH,
                GENESIS_HASH,
            )
            projection.apply(state, event)
        if i >= warm_up:
            samples.append(t[0])
    return samples


# --- 1. command → state ----------------------------------------------------


@benchmark("engine.command_to_state")
def command_to_state(ctx: BenchContext) -> Result:
    """Wall time of ``SessionEngine.execute``: decided, appended, fsync'd, projected."""
    n_rounds = rounds_for(200 if ctx.quick else 2000)

    log(f"  engine, store settings (synchronous=FULL): {n_rounds} sessions…")
    full, full_db, full_settings = timed_engine_run(ctx, "full", n_rounds)
    if not full_settings.endswith("/FULL"):
        raise RuntimeError(f"the store did not set synchronous=FULL: {full_settings}")
    rows = stored_rows(full_db)[len(script_commands()) :]  # the timed sessions' events
    full_db.dispose()

    log("  engine with synchronous=NORMAL (baseline)…")
    normal, normal_db, normal_settings = timed_engine_run(ctx, "normal", n_rounds, "NORMAL")
    normal_db.dispose()

    log(f"  bare sqlite3 appends of the same {len(rows)} rows, FULL then NORMAL…")
    raw_dir = ctx.workdir("raw")
    raw_full = raw_sqlite_appends(raw_dir / "full.sqlite3", rows, "FULL")
    raw_normal = raw_sqlite_appends(raw_dir / "normal.sqlite3", rows, "NORMAL")

    log("  decide + projection.apply without the database…")
    pure = decide_project_only(fresh_config(ctx, "pure"), n_rounds)

    stats = latency_stats_ms(full)
    value = stats.pop("median_ms")
    extra: dict[str, Any] = {
        "median_ms": value,
        **stats,
        "n": len(full),
        "sessions": n_rounds,
        "store": full_settings,
        "baseline_normal_ms": median([ns_to_ms(s) for s in normal]),
        "baseline_normal_p99_ms": latency_stats_ms(normal)["p99_ms"],
        "baseline_normal_store": normal_settings,
        "baseline_raw_sqlite_full_ms": median([ns_to_ms(s) for s in raw_full]),
        "baseline_raw_sqlite_full_p99_ms": latency_stats_ms(raw_full)["p99_ms"],
        "baseline_raw_sqlite_normal_ms": median([ns_to_ms(s) for s in raw_normal]),
        "decide_project_only_ms": median([ns_to_ms(s) for s in pure]),
        "decide_project_only_p99_ms": latency_stats_ms(pure)["p99_ms"],
    }
    return Result(
        "engine.command_to_state",
        value,
        "ms",
        5,
        "lower",
        extra,
        summary=(
            f"execute(): median {value:.2f} ms, p99 {extra['p99_ms']:.2f} ms over "
            f"{len(full)} commands (NORMAL {extra['baseline_normal_ms']:.2f} ms; "
            f"bare sqlite3 FULL {extra['baseline_raw_sqlite_full_ms']:.2f} ms / NORMAL "
            f"{extra['baseline_raw_sqlite_normal_ms']:.3f} ms; "
            f"decide+apply {extra['decide_project_only_ms']:.3f} ms)"
        ),
    )


# --- 2 and 3. the 5,000-event journal ----------------------------------------

JOURNAL_EVENTS = 5000


@dataclass(frozen=True)
class PreparedJournal:
    config: Config
    events: int


def journal_5000(ctx: BenchContext) -> PreparedJournal:
    """A store holding at least 5,000 demo-like events (prepared once per run).

    It is written with ``synchronous=OFF`` to save time: what is on disk is the
    same, and every timed reader opens it with the store's own settings.
    """
    cached = ctx.cache.get("journal_5000")
    if isinstance(cached, PreparedJournal):
        return cached
    n_rounds = rounds_for(JOURNAL_EVENTS)
    log(f"  preparing a journal of {n_rounds} sessions (≥ {JOURNAL_EVENTS} events)…")
    config = fresh_config(ctx, "journal5000")
    db = open_store(config, synchronous="OFF")
    engine = SessionEngine(Journal(db), config)
    with stopwatch() as t:
        for c in rounds(0, n_rounds):
            engine.execute(c.command, author=c.author)
    events = engine.state.last_seq
    db.dispose()
    log(f"  prepared {events} events in {t[0] / 1e9:.1f} s")
    prepared = PreparedJournal(config, events)
    ctx.cache["journal_5000"] = prepared
    return prepared


def _runs(ctx: BenchContext) -> int:
    return 2 if ctx.quick else 5


def _with_store(config: Config, fn: Callable[[Database], None]) -> None:
    db = open_store(config)  # the store's own settings (WAL, FULL); opened untimed
    try:
        fn(db)
    finally:
        db.dispose()


@benchmark("journal.replay_5000")
def replay_5000(ctx: BenchContext) -> Result:
    """``SessionEngine(Journal(db), config)``: read every event and replay it."""
    prepared = journal_5000(ctx)
    construct: list[int] = []
    read: list[int] = []
    replay: list[int] = []

    def one_run(db: Database) -> None:
        with stopwatch() as t:
            engine = SessionEngine(Journal(db), prepared.config)
        construct.append(t[0])
        if engine.state.last_seq != prepared.events:
            raise RuntimeError(f"replayed {engine.state.last_seq} of {prepared.events} events")
        with stopwatch() as t:
            events = engine.journal.events()
        read.append(t[0])
        with stopwatch() as t:
            projection.replay(events, CouncilState())
        replay.append(t[0])

    for _ in range(_runs(ctx)):
        _with_store(prepared.config, one_run)
    value = median([ns_to_ms(s) for s in construct])
    extra = {
        "events": prepared.events,
        "runs": len(construct),
        "read_only_ms": median([ns_to_ms(s) for s in read]),
        "replay_only_ms": median([ns_to_ms(s) for s in replay]),
        "max_ms": ns_to_ms(max(construct)),
    }
    return Result(
        "journal.replay_5000",
        value,
        "ms",
        200,
        "lower",
        extra,
        summary=(
            f"engine start on {prepared.events} events: median {value:.1f} ms "
            f"(read {extra['read_only_ms']:.1f} ms + replay {extra['replay_only_ms']:.1f} ms)"
        ),
    )


@benchmark("journal.verify_5000")
def verify_5000(ctx: BenchContext) -> Result:
    """``Journal.verify()``: recompute every hash and check every link."""
    prepared = journal_5000(ctx)
    samples: list[int] = []

    def one_run(db: Database) -> None:
        journal = Journal(db)
        with stopwatch() as t:
            problems = journal.verify()
        samples.append(t[0])
        if problems:
            raise RuntimeError(f"the prepared journal is not intact: {problems[:3]}")

    for _ in range(_runs(ctx)):
        _with_store(prepared.config, one_run)
    value = median([ns_to_ms(s) for s in samples])
    return Result(
        "journal.verify_5000",
        value,
        "ms",
        500,
        "lower",
        {
            "events": prepared.events,
            "runs": len(samples),
            "max_ms": ns_to_ms(max(samples)),
            "target_note": "no requirement; verify runs on demand",
        },
        summary=f"verify() of {prepared.events} events: median {value:.1f} ms",
    )
