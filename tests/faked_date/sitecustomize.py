"""Every Python process of a test run on a faked calendar (scripts/test.sh).

With ``TABLE_APP_FAKED_DATE=2031-06-15`` in the environment and this folder on
``PYTHONPATH``, each Python process the tests start (pytest itself, the fork
server and its workers, the command line run as a subprocess, pyHanko's
verifier) begins on that day at the real time of day, and its clock keeps
running. time-machine moves the wall clock only (``time.time``,
``datetime.now``, ``date.today``); the monotonic clock that timeouts and
sleeps use is left alone, so nothing waits for five years.

Programs that are not Python (pdfsig, cupsd, Xvfb) keep the real date: what
they check of our files must not depend on the day either.
"""

from __future__ import annotations

import os

_DAY = os.environ.get("TABLE_APP_FAKED_DATE")

if _DAY:
    from datetime import UTC, date, datetime, timedelta

    import time_machine

    _now = datetime.now(UTC)
    # Computed once, by the first process, and inherited by every child: all
    # of them agree on the day even when the run crosses midnight.
    _days = int(
        os.environ.get("TABLE_APP_FAKED_SHIFT_DAYS")
        or (date.fromisoformat(_DAY) - _now.date()).days
    )
    os.environ["TABLE_APP_FAKED_SHIFT_DAYS"] = str(_days)
    time_machine.travel(_now + timedelta(days=_days), tick=True).start()
