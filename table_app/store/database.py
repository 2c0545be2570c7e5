"""Connection to the store, with the SQLite settings the journal relies on.

On SQLite every connection gets WAL, ``synchronous=FULL`` (a commit is on disk
when the call returns, even across a power cut) and foreign keys. Transactions
are started by us, not by the driver, so that the journal can take the write
lock up front with ``BEGIN IMMEDIATE`` and never deadlock on an upgrade.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger("table_app.store")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: The latest migration (tests/store check it is Alembic's head): a store at it
#: opens without importing Alembic, a fifth of the table's start-up.
HEAD_REVISION = "0004_private_notes"


@dataclass
class Database:
    """An open store: the SQLAlchemy engine, migrated to the latest schema."""

    engine: Engine
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction that takes the write lock up front (SQLite:
        ``BEGIN IMMEDIATE``), so two writer threads wait for each other instead
        of failing on a lock upgrade. Committed on exit, rolled back on error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                yield conn


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions behind our back (see module doc).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("immediate") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The store's migration, read as Alembic keeps it (None: a new store)."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision; a no-op when already there."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    log.info("Mise à jour du schéma de la base : %s → %s", current or "vide", head)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_read_only(path: Path) -> Database:
    """A SQLite file opened read-only, as it is: not created, not migrated,
    nothing written beside it (a backup being checked, ``table-app status``)."""
    uri = f"file:{quote(str(path))}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
    return Database(engine, f"sqlite:///{path}")


def open_database(url: str) -> Database:
    """Open (creating if needed) and migrate the store at ``url``."""
    engine = create_store_engine(url)
    migrate(engine)
    return Database(engine, url)
