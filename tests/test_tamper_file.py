"""One byte of one stored event changed in the database file ⇒ ``table-app
journal verify`` fails and names the event.

The change is made in the bytes of the .sqlite3 file itself, as someone with a
hex editor would: SQLite keeps no checksum of its pages, so the file still
opens and passes SQLite's own integrity check. Only the hash chain notices.
"""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from demo import DEMO_SCRIPT
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.script import play_file
from table_app.store import open_database


def verify(db_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "table_app.cli",
            "--database",
            f"sqlite:///{db_file}",
            "journal",
            "verify",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_one_byte_changed_in_the_file_is_found_and_named(config: Config):
    db_file = Path(make_url(config.database_url).database or "")
    db = open_database(config.database_url)
    engine = SessionEngine(Journal(db), config)
    play_file(engine, DEMO_SCRIPT, author="president")
    (vote,) = [
        e
        for e in engine.journal.events()
        if e.type == "vote.recorded" and e.payload["item"] == "p2"
    ]
    db.dispose()

    # Everything into the main file, nothing left in the write-ahead log.
    conn = sqlite3.connect(db_file)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        (stored,) = conn.execute("SELECT payload FROM events WHERE seq = ?", (vote.seq,)).fetchone()
    finally:
        conn.close()
    assert verify(db_file).returncode == 0

    # The count of votes for, as stored in the payload of the vote on p2: 10 → 11.
    needle = '"not_taking_part":[],"pour":10,'
    assert needle in stored
    data = bytearray(db_file.read_bytes())
    where = data.find(needle.encode())
    assert where >= 0
    assert data.count(needle.encode()) == 1, "the vote's text is stored once in the file"
    digit = where + len(needle) - 2  # the "0" of "10"
    assert data[digit : digit + 1] == b"0"
    data[digit] = ord("1")
    db_file.write_bytes(bytes(data))

    # SQLite sees nothing wrong: the file opens, passes its check, and reads 11.
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    reopened = open_database(config.database_url)
    try:
        events = Journal(reopened).events()
    finally:
        reopened.dispose()
    assert len(events) == 47
    assert events[vote.seq - 1].payload["vote"]["pour"] == 11

    # The journal check fails and names the event.
    result = verify(db_file)
    assert result.returncode == 1
    assert f"événement n° {vote.seq} (modifié)" in result.stderr
    assert "Journal ALTÉRÉ : 1 anomalie(s) sur 47 événement(s)" in result.stderr

    as_json = verify(db_file, "--json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(vote.seq, "modifié")]
