"""The session engine: commands in, committed events out, state kept current.

``SessionEngine.execute`` takes the journal's write lock, catches up with any
event another process appended, decides, appends and commits the event, then
applies it to the in-memory state and tells the subscribers. A refused command
rolls the transaction back: nothing is written, nothing changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from table_app.config import Config
from table_app.council import projection
from table_app.council.decide import Context, Decision, decide
from table_app.council.errors import CommandRefused
from table_app.council.moments import Clock
from table_app.council.state import CouncilState, Session
from table_app.journal import Event, Journal

log = logging.getLogger("table_app.engine")

Subscriber = Callable[[Event], None]


@dataclass(frozen=True)
class Accepted:
    """What an accepted command became."""

    event: Event
    warnings: list[str] = field(default_factory=list)


class SessionEngine:
    """Checks commands against the rules and records them in the journal.

    Attributes:
        journal: the hash-chained event store.
        config: the commune, its members in office, and the table's settings.
        state: the projection of every event so far (read it, never change it).
        clock: the table's clock for commands that do not say when they happened
            (the kiosk passes ``moments.wall_clock``); None, the default: such a
            command takes its session's last recorded moment, so nothing the
            engine records depends on the day it runs (moments.py).

    Subscribers registered with ``subscribe`` are called, in order, with each
    new event after it is committed (``session_did_change`` in the screens).
    """

    def __init__(self, journal: Journal, config: Config, clock: Clock | None = None) -> None:
        self.journal = journal
        self.config = config
        self.clock = clock
        self.state = CouncilState()
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        projection.replay(journal.events(), self.state)

    def subscribe(self, subscriber: Subscriber, *, first: bool = False) -> Callable[[], None]:
        """Call ``subscriber`` with each new event; returns the unsubscribe function.

        ``first``: before those already subscribed (the seats' feed, which only
        hands the event to its own thread, need not wait for the views' redraw).
        """
        self._subscribers.insert(0 if first else len(self._subscribers), subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def session(self, session_id: str) -> Session:
        try:
            return self.state.sessions[session_id]
        except KeyError:
            raise CommandRefused(f"Séance inconnue : « {session_id} »") from None

    def execute(
        self, command: Mapping[str, Any], author: str = "president", *, use_clock: bool = True
    ) -> Accepted:
        """Apply one command or raise ``CommandRefused``; the event is on disk on return.

        ``use_clock=False`` leaves the table's clock out for this command (a
        session script: a line without ``at`` takes the previous line's moment).
        """
        with self._lock:
            caught_up: list[Event] = []
            with self.journal.writing() as writer:
                for event in writer.events_after(self.state.last_seq):
                    projection.apply(self.state, event)
                    caught_up.append(event)
                ctx = Context(self.state, self.config, author, self._now(use_clock))
                decision = decide(ctx, command)
                event = writer.append(decision.session_id, author, decision.type, decision.payload)
            projection.apply(self.state, event)
        for other in caught_up:
            self._publish(other)
        self._publish(event)
        if decision.warnings:
            log.info("Avertissement (%s) : %s", decision.type, " ; ".join(decision.warnings))
        return Accepted(event, decision.warnings)

    def preview(self, command: Mapping[str, Any], author: str = "president") -> Decision:
        """What ``command`` would record, without recording it: the master screen
        shows a vote's result before the mayor confirms it. Raises
        ``CommandRefused`` exactly as ``execute`` would."""
        with self._lock:
            return decide(Context(self.state, self.config, author, self._now()), command)

    def refresh(self) -> list[Event]:
        """Apply events another process appended (e.g. a command line run)."""
        with self._lock:
            new = self.journal.events(after=self.state.last_seq)
            for event in new:
                projection.apply(self.state, event)
        for event in new:
            self._publish(event)
        return new

    def _now(self, use_clock: bool = True) -> datetime | None:
        return self.clock() if use_clock and self.clock is not None else None

    def _publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("Un abonné au fil de séance a échoué sur l'événement %d", event.seq)
