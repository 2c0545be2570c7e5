"""The store: SQLAlchemy models, the database connection and its migrations."""

from table_app.store.database import Database, open_database

__all__ = ["Database", "open_database"]
