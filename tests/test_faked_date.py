"""The faked-date runs of scripts/test.sh are on the day they say, in every process."""

import os
import subprocess
import sys
from datetime import date

import pytest

FAKED = os.environ.get("TABLE_APP_FAKED_DATE")


@pytest.mark.skipif(not FAKED, reason="run today (scripts/test.sh also runs on faked dates)")
def test_every_python_process_of_a_faked_run_is_on_its_day() -> None:
    assert date.today().isoformat() == FAKED
    child = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.date.today())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert child.stdout.strip() == FAKED
