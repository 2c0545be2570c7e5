"""The store: SQLAlchemy models, the database connection and its migrations."""

from table_app.store.database import Database, open_database, open_read_only

__all__ = ["Database", "open_database", "open_read_only"]
