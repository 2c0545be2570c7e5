"""Shared test setup: Qt runs headless unless the caller chose a platform.

This must run before anything imports Qt, hence at module level here.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo import demo_config
from table_app.config import Config
from table_app.council.engine import Accepted, SessionEngine
from table_app.journal import Journal
from table_app.store import Database, open_database
from tests.support import MEMBERS, Run, agenda


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The demo commune (677 inhabitants, 15 members), with its data in ``tmp_path``."""
    return demo_config(tmp_path / "table")


@pytest.fixture
def database(config: Config) -> Iterator[Database]:
    db = open_database(config.database_url)
    yield db
    db.dispose()


@pytest.fixture
def engine(database: Database, config: Config) -> SessionEngine:
    return SessionEngine(Journal(database), config)


@pytest.fixture
def run(engine: SessionEngine) -> Run:
    """``run("vote", item="p1", pour=3)``: one command on the session "s" by the president."""

    def _run(cmd: str, author: str = "president", **fields: Any) -> Accepted:
        command = {"cmd": cmd, **fields}
        if cmd != "convene":
            command.setdefault("session", "s")
        return engine.execute(command, author=author)

    return _run


@pytest.fixture
def convened(run: Run) -> Run:
    """Session "s" convened in time with four items: deliberation, compte
    administratif, nomination, information."""
    run(
        "convene",
        id="s",
        date="2026-11-28",
        convened_on="2026-11-20",
        agenda=agenda("deliberation", "compte_administratif", "nomination", "information"),
    )
    return run


@pytest.fixture
def opened(convened: Run) -> Run:
    """Session "s" open with 11 present, 2 proxies, 2 absent and a secretary, as in
    the example of council-rules.md."""
    for member in MEMBERS[:5] + MEMBERS[6:12]:
        convened("arrive", member=member, at="19:55")
    convened("absent", member="cbarbier", excused=True)
    # Procurations handed in at the roll call, before the opening: they count from it.
    convened("proxy", giver="odumas", holder="mfabre", signed_on="2026-11-25", at="19:56")
    convened("proxy", giver="eroche", holder="tlacroix", signed_on="2026-11-26", at="19:56")
    convened("open", at="20:00")
    convened("name_secretaries", members=["arenaud"])
    return convened
