"""Benchmark of the participation statistics over ten years of monthly sessions.

The journal: 120 sessions (one a month, January 2027 to December 2036), each
the demo session (resources/demo/seance-2026-11-28.jsonl: arrivals,
absences, procurations, the opening, six numbered deliberations, a
suspension, a proposal, the closing) with a long budget debate in the middle:
about 4,950 page flips of the projected budget and text edits of the point
under discussion, so about 5,000 events a session and 600,000 in all. The
commands go through the real ``decide``, ``JournalWriter.append`` (hash
chain) and ``projection.apply``, one write transaction per session so that
the journal is built in a minute rather than in ten (``synchronous=OFF``
while it is built; every timed reader opens it with the store's settings).

Timed, each on a store opened afresh:

* ``table-app stats`` run again after the next monthly session: the summaries
  kept in the data folder's cache file (``SummaryCache``) are read, the
  journal's last known event found with its hash, and only the new session
  (5,000 events) read and summarised. This is the figure against the target:
  the mayor's yearly picture is asked for between sessions.
* the same with nothing new (the cache up to date), and with the cache kept
  in memory (the master screen's tab, refreshed after an event);
* every summary rebuilt from the journal (no cache, or a journal restored
  from a backup that went another way): a full scan of 600,000 rows.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import BenchContext, Result, benchmark, log, median, ns_to_ms, stopwatch
from bench.engine_bench import open_store, script_commands
from demo import demo_config
from table_app.config import Config
from table_app.council import projection
from table_app.council.decide import Context, decide
from table_app.council.state import CouncilState
from table_app.journal import Journal
from table_app.stats import CACHE_FILE, SummaryCache, statistics
from table_app.store import Database

SCRIPT_DATE = date(2026, 11, 28)
FIRST_YEAR = 2027
EVENTS_PER_SESSION = 5000
SESSIONS = 120


def _month(n: int) -> date:
    """The n-th session's day: the 15th of each month from January 2027."""
    year, month = divmod(n, 12)
    return date(FIRST_YEAR + year, month + 1, 15)


def monthly_session(template: list[dict[str, Any]], n: int, events: int) -> list[dict[str, Any]]:
    """The demo session held on ``_month(n)``, padded to ``events`` commands with a
    long debate on the budget (point 2): page flips and text edits."""
    held = _month(n)
    delta = held - SCRIPT_DATE
    session_id = f"seance-{held.isoformat()}"
    padding = max(events - len(template), 0)
    commands: list[dict[str, Any]] = []
    for original in template:
        command = copy.deepcopy(original)
        if command["cmd"] == "convene":
            command["id"] = session_id
            command["date"] = held.isoformat()
            command["convened_on"] = (
                date.fromisoformat(command["convened_on"]) + delta
            ).isoformat()
        else:
            command["session"] = session_id
        if "signed_on" in command:
            command["signed_on"] = (date.fromisoformat(command["signed_on"]) + delta).isoformat()
        commands.append(command)
        if command["cmd"] == "take_up" and command["item"] == "p2":
            for i in range(padding):
                if i % 25 == 0:
                    commands.append(
                        {
                            "cmd": "edit_text",
                            "session": session_id,
                            "item": "p2",
                            "text": f"Le conseil municipal adopte la décision modificative "
                            f"(version de travail {i // 25 + 2}).",
                        }
                    )
                else:
                    commands.append(
                        {
                            "cmd": "project",
                            "session": session_id,
                            "document": 1,
                            "title": "Budget primitif",
                            "page": i % 120 + 1,
                        }
                    )
    return commands


class JournalBuilder:
    """Appends whole sessions through the real rules, one transaction each."""

    def __init__(self, db: Database, config: Config) -> None:
        self.journal = Journal(db)
        self.config = config
        self.state = CouncilState()
        self.template = script_commands()

    def add_session(self, n: int, events: int) -> None:
        with self.journal.writing() as writer:
            for command in monthly_session(self.template, n, events):
                author = str(command.get("by", "president"))
                decision = decide(Context(self.state, self.config, author, None), command)
                event = writer.append(decision.session_id, author, decision.type, decision.payload)
                projection.apply(self.state, event)


def _timed(samples: list[int], fn: Any) -> Any:
    with stopwatch() as t:
        result = fn()
    samples.append(t[0])
    return result


@benchmark("stats.ten_years")
def ten_years(ctx: BenchContext) -> Result:
    """``table-app stats`` over 120 monthly sessions of ~5,000 events each."""
    sessions = 24 if ctx.quick else SESSIONS
    per_session = 500 if ctx.quick else EVENTS_PER_SESSION
    runs = 2 if ctx.quick else 5
    config = demo_config(ctx.workdir("stats"))
    cache_path: Path = config.data_dir / CACHE_FILE

    log(f"  building {sessions} monthly sessions of ~{per_session} events…")
    db = open_store(config, synchronous="OFF")
    builder = JournalBuilder(db, config)
    with stopwatch() as t:
        for n in range(sessions - 1):  # the last one is held between two timed runs
            builder.add_session(n, per_session)
    events_before = builder.state.last_seq
    db.dispose()
    log(f"  {events_before} events in {t[0] / 1e9:.0f} s")

    full: list[int] = []
    unchanged: list[int] = []
    in_memory: list[int] = []
    after_session: list[int] = []
    expected = None

    def fresh_store() -> Database:
        return open_store(config)  # the store's own settings (WAL, FULL), opened untimed

    # Every summary rebuilt from the journal (no cache file).
    for _ in range(runs):
        store = fresh_store()
        try:
            stats = _timed(full, lambda s=store: statistics(Journal(s), cache=SummaryCache()))
        finally:
            store.dispose()
        expected = stats
    assert expected is not None
    if len(expected.sessions) != sessions - 1:
        raise RuntimeError(f"{len(expected.sessions)} sessions summarised, {sessions - 1} held")

    # The cache file written once, then read by later runs with nothing new.
    store = fresh_store()
    statistics(Journal(store), cache=SummaryCache(cache_path))
    store.dispose()
    for _ in range(runs):
        store = fresh_store()
        try:
            cache = SummaryCache(cache_path)
            stats = _timed(unchanged, lambda s=store, c=cache: statistics(Journal(s), cache=c))
            if cache.last.kind != "à jour" or stats != expected:
                raise RuntimeError(f"the cache was not used as it is: {cache.last}")
        finally:
            store.dispose()

    # The master screen's tab: the cache object alive, the journal unchanged.
    store = fresh_store()
    try:
        kept = SummaryCache(cache_path)
        statistics(Journal(store), cache=kept)
        for _ in range(runs):
            _timed(in_memory, lambda s=store: statistics(Journal(s), cache=kept))
    finally:
        store.dispose()

    # The next monthly session held, then ``table-app stats`` again: each run
    # starts from the cache file as it was before that session.
    before = cache_path.read_bytes()
    db = open_store(config, synchronous="OFF")
    builder.journal = Journal(db)
    builder.add_session(sessions - 1, per_session)
    events = builder.state.last_seq
    db.dispose()
    for _ in range(runs):
        cache_path.write_bytes(before)
        store = fresh_store()
        try:
            cache = SummaryCache(cache_path)
            stats = _timed(after_session, lambda s=store, c=cache: statistics(Journal(s), cache=c))
            if cache.last.kind != "incrémental" or len(cache.last.recomputed) != 1:
                raise RuntimeError(f"not read incrementally: {cache.last}")
        finally:
            store.dispose()
    store = fresh_store()
    try:
        check = statistics(Journal(store), cache=SummaryCache())
        first_year = statistics(Journal(store), FIRST_YEAR, SummaryCache(cache_path))
    finally:
        store.dispose()
    if stats != check:
        raise RuntimeError("the incremental statistics differ from the ones read in full")

    value = median([ns_to_ms(s) for s in after_session])
    extra: dict[str, Any] = {
        "sessions": sessions,
        "events": events,
        "events_per_session": per_session,
        "runs": runs,
        "after_new_session_max_ms": ns_to_ms(max(after_session)),
        "unchanged_cache_file_ms": median([ns_to_ms(s) for s in unchanged]),
        "in_memory_cache_ms": median([ns_to_ms(s) for s in in_memory]),
        "full_rebuild_ms": median([ns_to_ms(s) for s in full]),
        "full_rebuild_max_ms": ns_to_ms(max(full)),
        "cache_file_kib": round(cache_path.stat().st_size / 1024),
        "sessions_in_first_year": len(first_year.sessions),
    }
    return Result(
        "stats.ten_years",
        value,
        "ms",
        200,
        "lower",
        extra,
        summary=(
            f"{sessions} sessions, {events} events: after a new session {value:.0f} ms "
            f"(cache up to date {extra['unchanged_cache_file_ms']:.0f} ms, in memory "
            f"{extra['in_memory_cache_ms']:.1f} ms; every summary rebuilt "
            f"{extra['full_rebuild_ms']:.0f} ms)"
        ),
    )
