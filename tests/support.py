"""Names and helpers shared by the tests (fixtures live in conftest.py)."""

from collections.abc import Callable
from typing import Any

from table_app.council.engine import Accepted

#: The demo commune's members (15 in office, in the order of the tableau).
MAYOR = "hmarchand"
MEMBERS = [
    "hmarchand",
    "brousseau",
    "sgarnier",
    "plemoine",
    "mfabre",
    "jlperrin",
    "nbonnet",
    "cmeunier",
    "icolin",
    "dvidal",
    "arenaud",
    "tlacroix",
    "cbarbier",
    "odumas",
    "eroche",
]

#: Eight members: the quorum of 15 in office, the mayor first.
QUORUM = MEMBERS[:8]

#: ``run("vote", item="p1", pour=3)``: one command on session "s".
Run = Callable[..., Accepted]


def agenda(*kinds: str) -> list[dict[str, Any]]:
    return [{"title": f"Point {n}", "kind": kind} for n, kind in enumerate(kinds, start=1)]
