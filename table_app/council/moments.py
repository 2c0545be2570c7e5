"""When a fact of a session happened: read from the command, never from a hidden clock.

Every event of a session carries its moment (``at``, in the commune's time).
The moment is, in this order: the ``at`` the command gives; else the table's
clock, when the engine has one (the master screen during a live session);
else the session's last recorded moment (a session script, a test, anything
replayed or entered after the fact). The convocation itself, with neither,
is dated on the day it was sent (``convened_on``) at the session's hour.

Within a session, moments never run backwards: a command dated before the
session's last recorded event is refused with both moments, so a procuration
cannot be recorded after the opening it should have counted at.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from table_app.french import short_date

#: A clock returns an aware datetime. The domain never reads one on its own:
#: the kiosk passes ``wall_clock`` to the engine, the demo a ``running_from``.
Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The computer's clock, in UTC: for the master screen during a live session."""
    return datetime.now(UTC)


def running_from(start: datetime, elapsed: Callable[[], float] = time.monotonic) -> Clock:
    """A clock that starts at ``start`` and runs at the real pace (the demo table:
    a session of 28 November driven today reads like that evening)."""
    origin = elapsed()

    def clock() -> datetime:
        return start + timedelta(seconds=elapsed() - origin)

    return clock


def parse(moment: str) -> datetime:
    """An ``at`` as stored in the journal (ISO 8601 with its UTC offset)."""
    return datetime.fromisoformat(moment)


def stamp(moment: datetime, timezone: str) -> str:
    """The stored form: the commune's local time with its offset, to the second."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def label(moment: str | datetime, timezone: str) -> str:
    """In French, as the procès-verbal writes it: "28/11/2026 à 20 h 05"."""
    value = parse(moment) if isinstance(moment, str) else moment
    local = value.astimezone(ZoneInfo(timezone))
    seconds = f" {local.second:02d} s" if local.second else ""
    return f"{short_date(local.date())} à {local.hour} h {local.minute:02d}{seconds}"


def earlier(moment: str, than: str) -> bool:
    """``moment`` strictly before ``than`` (both stored forms; offsets honoured)."""
    return parse(moment) < parse(than)


def latest(current: str | None, moment: str | None) -> str | None:
    """The later of two stored moments (either may be missing)."""
    if moment is None:
        return current
    if current is None or earlier(current, moment):
        return moment
    return current


__all__ = ["Clock", "earlier", "label", "latest", "parse", "running_from", "stamp", "wall_clock"]
