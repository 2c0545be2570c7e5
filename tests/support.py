"""Names and helpers shared by the tests (fixtures live in conftest.py)."""

import re
from collections.abc import Callable
from pathlib import Path
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


def budget_under_discussion(session_id: str = "s") -> list[dict[str, Any]]:
    """The commands of a session of 28 November 2026 whose one point, the
    budget (its documents in ``Séances/2026-11-28/01 - …``), is under
    discussion: convened, the quorum present, opened, a secretary named."""
    return [
        {
            "cmd": "convene",
            "id": session_id,
            "date": "2026-11-28",
            "convened_on": "2026-11-20",
            "agenda": [{"title": "Budget primitif 2027"}],
        },
        *({"cmd": "arrive", "member": m} for m in QUORUM),
        {"cmd": "open"},
        {"cmd": "name_secretaries", "members": ["brousseau"]},
        {"cmd": "take_up", "item": "p1"},
    ]


def malform_byte_range(path: Path) -> None:
    """Give the signature dictionary of a signed PDF a /ByteRange with an odd
    number of entries, at the same length (every offset of the file stays
    right): the verifier then fails on it, with its French message."""
    data = path.read_bytes()
    match = re.search(rb"/ByteRange\s*\[([^\]]*)\]", data)
    assert match is not None
    inner = match.group(1)
    path.write_bytes(data[: match.start(1)] + b"0 9 9".ljust(len(inner)) + data[match.end(1) :])


def overwrite_signature_contents(path: Path, digits: bytes, which: int = -1) -> None:
    """Fill the /Contents of a signature of a signed PDF (the last by default)
    with ``digits`` repeated, at the same length (every offset of the file
    stays right): b"0" zeroes the CMS container, other hexadecimal digits
    make it garbage."""
    data = path.read_bytes()
    match = list(re.finditer(rb"/Contents\s*<([0-9A-Fa-f]+)>", data))[which]
    size = len(match.group(1))
    filler = (digits * (size // len(digits) + 1))[:size]
    path.write_bytes(data[: match.start(1)] + filler + data[match.end(1) :])


def cut_in_half(path: Path, start: int = 0) -> None:
    """Keep only the first half of ``path`` after ``start`` (a transfer cut
    short); with ``start`` the length of an earlier revision, the cut falls in
    the revision that follows it."""
    data = path.read_bytes()
    path.write_bytes(data[: start + (len(data) - start) // 2])
