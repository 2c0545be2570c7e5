"""The messages between the table and its worker processes.

A message is a tuple whose first item names it (``("ready", pid)``,
``("image", …)``), pickled on a pipe. Workers open files the table does not
control: a worker taken over by a hostile file must not be able to run code
in the table's process, so the table reads answers with an unpickler that
builds no object but plain data (and the few classes a kind of worker is
allowed to send).
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any


def send(conn: Connection, message: tuple[object, ...]) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


class _AnswerUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, allowed: Mapping[tuple[str, str], type]) -> None:
        super().__init__(io.BytesIO(data))
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        allowed = self._allowed.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not an answer")
        return allowed


def load_answer(
    data: bytes, allowed: Mapping[tuple[str, str], type] | None = None
) -> tuple[Any, ...]:
    """One answer read back: plain data, or instances of the ``allowed`` classes.

    Raises:
        pickle.UnpicklingError: the bytes ask for anything else.
        ValueError: the message is not a named tuple.
    """
    message = _AnswerUnpickler(data, allowed or {}).load()
    if not isinstance(message, tuple) or not message or not isinstance(message[0], str):
        raise ValueError(f"not an answer: {type(message).__name__}")
    return message
