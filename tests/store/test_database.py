"""The store: SQLite settings on every connection, and the schema kept at the
latest Alembic revision by ``open_database`` without losing what is stored."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from table_app.journal import Journal
from table_app.store import Database, open_database
from table_app.store.database import HEAD_REVISION, alembic_config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def stored_revisions(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def append_some(db: Database, n: int = 3) -> list[dict]:
    journal = Journal(db)
    for k in range(n):
        journal.append("s", "president", "member.arrived", {"member": f"m{k}", "at": "19:55"})
    return [e.to_json() for e in journal.events()]


@pytest.fixture
def url(tmp_path: Path) -> str:
    # A folder that does not exist yet: opening the store creates it.
    return f"sqlite:///{tmp_path / 'donnees' / 'conseil.sqlite3'}"


def test_every_connection_has_wal_full_sync_and_foreign_keys(database: Database) -> None:
    connections = [database.engine.connect() for _ in range(3)]
    try:
        raw = {id(c.connection.dbapi_connection) for c in connections}
        assert len(raw) == 3, "three distinct SQLite connections"
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        for conn in connections:
            conn.close()
    # Connections made after the pool was emptied get the same settings.
    database.dispose()
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_fresh_file_is_created_at_the_head_revision(url: str) -> None:
    db = open_database(url)
    try:
        assert Path(url.removeprefix("sqlite:///")).is_file()
        assert stored_revisions(db) == [head_revision()]
        assert "events" in inspect(db.engine).get_table_names()
        assert Journal(db).last_seq() == 0
    finally:
        db.dispose()


def test_reopening_changes_nothing_and_keeps_the_events(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="table_app.store"):
        db = open_database(url)
    assert any("Mise à jour du schéma" in r.getMessage() for r in caplog.records)
    before = append_some(db)
    db.dispose()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="table_app.store"):
        again = open_database(url)
    try:
        assert not any("Mise à jour du schéma" in r.getMessage() for r in caplog.records)
        assert stored_revisions(again) == [head_revision()]
        journal = Journal(again)
        assert [e.to_json() for e in journal.events()] == before
        assert journal.verify() == []
    finally:
        again.dispose()


def test_an_empty_file_is_given_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "vide.sqlite3"
    path.touch()  # a zero-byte file: an SQLite database with no table at all
    db = open_database(f"sqlite:///{path}")
    try:
        assert stored_revisions(db) == [head_revision()]
        assert [e["seq"] for e in append_some(db)] == [1, 2, 3]
    finally:
        db.dispose()


def older_revisions() -> list[str]:
    """Every revision a store can be found at before the head, "base" included."""
    script = ScriptDirectory.from_config(alembic_config())
    return [str(rev.down_revision or "base") for rev in script.walk_revisions()]


@pytest.mark.parametrize("older", older_revisions())
def test_a_store_at_an_older_revision_is_upgraded_on_opening(url: str, older: str) -> None:
    db = open_database(url)
    kept = append_some(db)
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), older)
    assert current_revision(db) == (None if older == "base" else older)
    if older == "base":
        assert "events" not in inspect(db.engine).get_table_names()
    db.dispose()

    upgraded = open_database(url)
    try:
        assert stored_revisions(upgraded) == [head_revision()]
        journal = Journal(upgraded)
        if older != "base":
            # Migrations after the first keep the journal as it was.
            assert [e.to_json() for e in journal.events()] == kept
        else:
            assert journal.events() == []
        # The upgraded store is usable: the journal is written and checked again.
        journal.append("s", "president", "member.arrived", {"member": "x", "at": "20:00"})
        assert journal.verify() == []
    finally:
        upgraded.dispose()


def test_the_head_known_without_alembic_is_alembics_head() -> None:
    # A new migration must move HEAD_REVISION too, or every table would
    # import Alembic at start for nothing (and this test fails).
    assert head_revision() == HEAD_REVISION


def test_a_store_at_the_head_opens_without_importing_alembic(url: str) -> None:
    open_database(url).dispose()  # created (and migrated) once
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from table_app.store import open_database\n"
            f"open_database({url!r}).dispose()\n"
            "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert opened.stdout.strip() == "False"
