"""The rules of a council session (CGCT) and the engine that enforces them."""

from table_app.council.engine import Accepted, SessionEngine
from table_app.council.errors import CommandRefused

__all__ = ["Accepted", "CommandRefused", "SessionEngine"]
