"""Crash safety: the table is killed (SIGKILL) at random moments, again and
again, while it records sessions; no acknowledged event is ever lost or
altered, and the journal stays intact.

tests/crash_driver.py plays sessions into one SQLite file and prints
``ACK <seq> <digest>`` once each event is committed, the digest being the
SHA-256 of the session's ``report.session_json`` at that point. This test kills
it after a random delay (fixed seed), then checks the file as a fresh process
would find it, and starts the driver again on the same file: each run replays
the journal left by the killed one and continues with new sessions.

This exercises a process crash (the operating system survives and keeps what
was written); a power cut is not simulated.
"""

import hashlib
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from table_app.config import Config
from table_app.council import projection
from table_app.council.state import CouncilState
from table_app.journal import Journal, canonical_json
from table_app.report import session_json
from table_app.store import open_database

DRIVER = Path(__file__).with_name("crash_driver.py")
KILLS = 50
#: One kill in this many lands while the driver is still starting (replaying).
EARLY_KILL_EVERY = 10


def digest(state: CouncilState, session_id: str) -> str:
    data = canonical_json(session_json(state.sessions[session_id]))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def run_and_kill(
    db_file: Path, config_file: Path, delay: float, wait_until_ready: bool
) -> tuple[int | None, dict[int, str]]:
    """Start the driver, SIGKILL it after ``delay`` s; return (READY seq, acks)."""
    proc = subprocess.Popen(
        [sys.executable, str(DRIVER), str(db_file), str(config_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready: int | None = None
    try:
        if wait_until_ready:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.startswith("READY "):
                proc.kill()
                _, err = proc.communicate(timeout=60)
                pytest.fail(f"the driver did not start: {line!r}\n{err}")
            ready = int(line.split()[1])
        try:
            proc.wait(timeout=delay)  # returns early only if the driver stopped by itself
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Killed by us, not stopped by a refused command or an error.
    assert proc.returncode == -signal.SIGKILL, err
    acks: dict[int, str] = {}
    for line in out.split("\n"):
        parts = line.split()
        if len(parts) == 2 and parts[0] == "READY":
            ready = int(parts[1])
        elif len(parts) == 3 and parts[0] == "ACK" and len(parts[2]) == 64:
            acks[int(parts[1])] = parts[2]
    return ready, acks


@pytest.mark.slow
def test_killed_at_random_the_table_never_loses_an_acknowledged_event(
    config: Config, tmp_path: Path
):
    config_file = config.source
    assert config_file is not None
    db_file = tmp_path / "crash" / "conseil.sqlite3"
    url = f"sqlite:///{db_file}"
    open_database(url).dispose()  # the schema, as the installation would create it
    rng = random.Random(20261128)

    acked: dict[int, str] = {}  # every acknowledged seq, across all runs
    replayed = CouncilState()  # the journal replayed as it was found after each kill
    runs_with_acks = 0
    for kill in range(KILLS):
        early = kill % EARLY_KILL_EVERY == EARLY_KILL_EVERY - 1
        # Log-uniform from 2 ms to 300 ms after READY, so that many kills land
        # in the middle of a commit; or anywhere in the start-up.
        delay = rng.uniform(0.0, 0.6) if early else 0.002 * 150 ** rng.random()
        before = replayed.last_seq
        ready, acks = run_and_kill(db_file, config_file, delay, wait_until_ready=not early)
        if ready is not None:
            # The driver started from everything found after the previous kill.
            assert ready == before
        assert all(seq > before for seq in acks)
        acked.update(acks)
        runs_with_acks += bool(acks)
        last_ack = max(acked, default=0)

        db = open_database(url)
        try:
            journal = Journal(db)
            assert journal.verify() == [], f"kill {kill}: journal damaged"
            last_seq = journal.last_seq()
            new_events = journal.events(after=before)
        finally:
            db.dispose()
        # Every acknowledged event is there. Beyond this run's last ACK there is
        # at most the event being acknowledged when the kill came: the driver
        # commits one event at a time and acknowledges it before the next.
        # Killed while starting, it wrote nothing.
        assert last_seq >= last_ack, f"kill {kill}: acknowledged events lost"
        if ready is None:
            assert last_seq == before, f"kill {kill}: the start-up wrote to the journal"
        assert last_seq <= max(acks, default=before) + 1, f"kill {kill}"
        assert [e.seq for e in new_events] == list(range(before + 1, last_seq + 1))

        # Replaying the stored events gives, at each acknowledged event, the
        # very session state the driver had when it acknowledged it.
        for event in new_events:
            projection.apply(replayed, event)
            if event.seq in acks:
                assert digest(replayed, event.session_id) == acks[event.seq], (
                    f"kill {kill}: event n° {event.seq} replays differently"
                )
        assert replayed.last_seq == last_seq

    # The kills did land while sessions were being recorded.
    assert runs_with_acks >= KILLS // 2
    assert len(acked) >= 2 * KILLS
    assert len(replayed.sessions) >= 3

    # And a replay of the whole journal from scratch agrees with all of it.
    db = open_database(url)
    try:
        fresh = projection.replay(Journal(db).events())
    finally:
        db.dispose()
    assert fresh.last_seq == replayed.last_seq
    assert {s: digest(fresh, s) for s in fresh.sessions} == {
        s: digest(replayed, s) for s in replayed.sessions
    }
