"""Session scripts: one command per line, in JSON Lines (see docs/session-script.md).

A script is how a secretary enters a session held on paper, how the demo is
played and how tests drive the engine. Lines are applied one by one, each
committed before the next; the first refused line stops the play with its
line number and the engine's message, and the lines before it are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from table_app.council.engine import Accepted, SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.events import EventType


class ScriptError(Exception):
    """A line of the script was refused; the lines before it were recorded."""

    def __init__(self, line_no: int, message: str, applied: int) -> None:
        super().__init__(f"ligne {line_no} : {message}")
        self.line_no = line_no
        self.message = message
        self.applied = applied


@dataclass
class PlayResult:
    applied: int = 0
    sessions: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)


def play_lines(
    engine: SessionEngine,
    lines: Iterable[str],
    *,
    session: str | None = None,
    author: str = "secretaire",
    from_line: int = 1,
) -> PlayResult:
    """Apply each command line; raise ``ScriptError`` at the first refusal.

    A script has no clock: a line without ``at`` takes the moment of the
    previous line of its session (a ``convene`` without ``at``: the day the
    convocation was sent, at the session's hour), whatever the engine's clock
    and whatever the day the script is played.

    ``from_line`` resumes a script after a refusal was fixed: the lines before
    it are already recorded and are skipped (a skipped ``convene`` still sets
    the session the next lines go to).
    """
    result = PlayResult()
    current = session
    for line_no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if line_no < from_line:
            current = _session_of_skipped(text) or current
            continue
        try:
            command = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScriptError(
                line_no, f"JSON invalide ({exc.msg}, colonne {exc.colno})", result.applied
            ) from None
        if not isinstance(command, dict):
            raise ScriptError(line_no, 'chaque ligne doit être un objet {"cmd": …}', result.applied)
        if command.get("cmd") != "convene" and "session" not in command and current:
            command["session"] = current
        by = command.get("by", command.get("author", author))
        try:
            accepted = engine.execute(command, author=str(by), use_clock=False)
        except CommandRefused as refusal:
            raise ScriptError(line_no, refusal.message, result.applied) from None
        result.applied += 1
        result.accepted.append(accepted)
        if accepted.event.type == EventType.SESSION_CONVENED:
            current = accepted.event.session_id
        if accepted.event.session_id not in result.sessions:
            result.sessions.append(accepted.event.session_id)
        result.warnings.extend((line_no, w) for w in accepted.warnings)
    return result


def _session_of_skipped(text: str) -> str | None:
    try:
        command = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(command, dict) and command.get("cmd") == "convene":
        return str(command.get("id") or command.get("date"))
    return None


def play_file(
    engine: SessionEngine,
    path: Path,
    *,
    session: str | None = None,
    author: str = "secretaire",
    from_line: int = 1,
) -> PlayResult:
    with path.open(encoding="utf-8") as lines:
        return play_lines(engine, lines, session=session, author=author, from_line=from_line)
