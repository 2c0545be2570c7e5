"""Crash-safety driver: plays council sessions until it is killed.

Run as ``python tests/crash_driver.py DATABASE_FILE CONFIG_FILE``. It opens the
store (replaying whatever journal is already there), prints ``READY <last_seq>``,
then plays the demo session over and over, each round as a new session whose
id follows the number of sessions already in the journal. After each accepted
command it prints ``ACK <seq> <digest>``, where the digest is the SHA-256 of the
canonical JSON of ``report.session_json`` of that session, and flushes: a line
on stdout means the event was committed before it was printed.

tests/test_crash_safety.py kills it with SIGKILL at random moments.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from demo import DEMO_SCRIPT
from table_app.config import load_config
from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from table_app.journal import Journal, canonical_json
from table_app.report import session_json
from table_app.store import open_database


def session_digest(session: Session) -> str:
    """What the driver acknowledges, and what the test recomputes from a replay."""
    return hashlib.sha256(canonical_json(session_json(session)).encode("utf-8")).hexdigest()


def demo_commands() -> list[dict[str, Any]]:
    """The demo session's commands (comments and blank lines left out)."""
    commands = []
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            commands.append(json.loads(text))
    return commands


def round_commands(session_id: str) -> list[tuple[dict[str, Any], str]]:
    """The demo session as session ``session_id``: (command, author) pairs."""
    result = []
    for raw in demo_commands():
        command = dict(raw)
        author = str(command.pop("by", "president"))
        if command["cmd"] == "convene":
            command["id"] = session_id
        else:
            command["session"] = session_id
        result.append((command, author))
    return result


def main(argv: list[str]) -> int:
    database_file, config_file = Path(argv[0]), Path(argv[1])
    config = load_config(config_file, env={})
    engine = SessionEngine(Journal(open_database(f"sqlite:///{database_file}")), config)
    out = sys.stdout
    out.write(f"READY {engine.state.last_seq}\n")
    out.flush()
    while True:
        session_id = f"crash-{len(engine.state.sessions) + 1:04d}"
        for command, author in round_commands(session_id):
            accepted = engine.execute(command, author=author)
            event = accepted.event
            digest = session_digest(engine.state.sessions[event.session_id])
            out.write(f"ACK {event.seq} {digest}\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
