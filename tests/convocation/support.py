"""Names and helpers of the convocation's tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from demo import DEMO_SCRIPT

SESSION = "2026-11-28"
#: The demo's members who asked for the convocation by e-mail (resources/demo/commune.toml).
BY_EMAIL = {
    "brousseau": "bernard.rousseau@val-de-sauve.example",
    "sgarnier": "sylvie.garnier@val-de-sauve.example",
    "jlperrin": "jl.perrin@val-de-sauve.example",
    "nbonnet": "nathalie.bonnet@val-de-sauve.example",
    "arenaud": "aurelie.renaud@val-de-sauve.example",
    "eroche": "emilie.roche@val-de-sauve.example",
}


class Ticking:
    """A clock the test controls: ``start``, then one second later at each reading."""

    def __init__(self, start: str, step: float = 1.0) -> None:
        self.now = datetime.fromisoformat(start)
        self.step = timedelta(seconds=step)

    def __call__(self) -> datetime:
        moment = self.now
        self.now += self.step
        return moment


def demo_convene() -> dict[str, object]:
    """The demo script's convene line (convened on 20 November, the 8 points and their texts)."""
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines():
        if line.startswith("{") and '"convene"' in line:
            return dict(json.loads(line))
    raise AssertionError("no convene line in the demo script")
