"""Where the table's log goes: the terminal, or the systemd journal.

Each subsystem logs to its own named logger, so a line says where it comes
from: ``table_app.journal``, ``table_app.engine``, ``table_app.store``,
``table_app.export``, ``table_app.signing``, ``table_app.backup``,
``sync.watcher``, ``sync.ingest``, ``sync.feed``, ``sync.net.server``,
``sync.net.client``, ``screens``… (never the root logger).

In a terminal a line reads ``WARNING sync.watcher: …``. Under systemd
(``JOURNAL_STREAM`` names the stream stderr is connected to), each line
starts with its syslog priority instead, ``<4>sync.watcher: …``, and no
time: journald reads the priority from the prefix and adds the time itself
(sd-daemon(3)). Every line of a multi-line message (a traceback) carries
the prefix, so none of them is filed at the default priority.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

#: syslog priorities (sd-daemon(3)) of Python's levels.
PRIORITIES = (
    (logging.CRITICAL, 2),  # crit
    (logging.ERROR, 3),  # err
    (logging.WARNING, 4),  # warning
    (logging.INFO, 6),  # info
    (logging.DEBUG, 7),  # debug
)

TERMINAL_FORMAT = "%(levelname)s %(name)s: %(message)s"


def priority(level: int) -> int:
    """The syslog priority of a logging level (a level between two: the lower one's)."""
    for threshold, value in PRIORITIES:
        if level >= threshold:
            return value
    return 7


class JournalFormatter(logging.Formatter):
    """``<priority>logger: message``, on every line of the message."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        prefix = f"<{priority(record.levelno)}>"
        return "\n".join(prefix + line for line in text.splitlines() or [""])


def under_journal(stream: TextIO | None = None) -> bool:
    """stderr (or ``stream``) is the journal stream systemd gave the process.

    systemd sets ``JOURNAL_STREAM=<device>:<inode>`` of the stream it connected;
    a child whose stderr was redirected elsewhere inherits the variable, hence
    the comparison (as systemd's documentation asks)."""
    value = os.environ.get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not device.isdigit() or not inode.isdigit():
        return False
    stream = stream or sys.stderr
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


_installed: logging.Handler | None = None


def configure_logging(
    verbose: bool = False, stream: TextIO | None = None
) -> logging.Handler | None:
    """The table's log on stderr: INFO with ``-v``, else WARNING; the journal's
    format under systemd, ``LEVEL name: message`` otherwise.

    Like ``logging.basicConfig``, it leaves alone a root logger that someone
    else already configured (pytest's capture, an embedding program) and
    returns None; called again, it replaces its own handler."""
    global _installed
    root = logging.getLogger()
    if any(handler is not _installed for handler in root.handlers):
        return None
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    if under_journal(stream):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter(TERMINAL_FORMAT))
    if _installed is not None:
        root.removeHandler(_installed)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    _installed = handler
    return handler
