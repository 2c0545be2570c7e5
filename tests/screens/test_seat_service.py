"""The kiosk serving seats from a thread of its own (``seat-feed``), its engine
on the GUI thread: a seat's proposal crosses over to the GUI thread and back,
and stopping the service leaves no thread behind.

The seat device here runs its link on an asyncio loop in another thread (as it
would on its own computer), so that the test's main thread is the master's GUI
thread and nothing else: it only pumps Qt's events while it waits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from demo import DEMO_SCRIPT
from screens.seat_service import STOPPING, SeatService
from screens.session_model import SessionModel
from sync.net import server
from sync.net.client import LinkError, SeatLink
from sync.net.feed_thread import FeedThread
from sync.net.identity import load_or_create_identity
from table_app.config import Config
from table_app.council import projection
from table_app.council.engine import SessionEngine
from table_app.council.state import CouncilState, ItemStatus
from table_app.journal import Event
from table_app.report import session_json

T = TypeVar("T")
WAIT_MS = 20_000


def _lines() -> list[str]:
    return [
        line
        for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


class _SeatDevice:
    """A seat's link on an asyncio loop of its own thread, with the state it rebuilds."""

    def __init__(self, folder: Path) -> None:
        self.state = CouncilState()
        identity = load_or_create_identity(folder / "id", "Tablette de Nathalie Bonnet")
        self.link = SeatLink(identity, folder, self._events)
        self.thread = FeedThread("seat-device")
        self.thread.start()

    def _events(self, stream: str, events: list[Event], reset: bool) -> None:
        if stream == "journal":
            if reset:
                self.state = CouncilState()
            for event in events:
                projection.apply(self.state, event)

    def soon(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start ``coroutine`` on the seat's loop; the main thread goes on."""
        assert self.thread.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.thread.loop)

    def close(self, following: concurrent.futures.Future[None] | None) -> None:
        if self.thread.running:
            self.thread.run(self.link.stop())
            if following is not None:
                following.result(10)
        self.thread.stop()


def _play(model: SessionModel, count: int) -> None:
    """The mayor's first actions of the demo session, on the GUI thread."""
    for line in _lines()[:count]:
        command = json.loads(line)
        command.pop("by", None)
        assert model.execute(command) is not None, command


def _follow(
    qtbot: QtBot, service: SeatService, seat: _SeatDevice
) -> concurrent.futures.Future[None]:
    """Start serving, pair ``seat``, and have it follow the feed, live."""
    port = service.start("127.0.0.1", 0)
    seat.thread.run(seat.link.pair("127.0.0.1", port, service.window.open()))
    following = seat.soon(seat.link.run())
    qtbot.waitUntil(seat.link.live.is_set, timeout=WAIT_MS)
    return following


def _port(service: SeatService) -> int | None:
    """Read afresh: mypy would keep the property narrowed by an earlier assert."""
    return service.port


def _proposed(engine: SessionEngine) -> list[str]:
    items = engine.state.sessions["2026-11-28"].items
    return [i.title for i in items if i.status is ItemStatus.PROPOSED]


def test_the_kiosk_serves_its_seats_from_its_own_thread_and_records_proposals_on_the_gui_thread(
    qtbot: QtBot, qapp: QApplication, engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    before = set(threading.enumerate())
    main = threading.main_thread()
    model = SessionModel(engine)
    service = SeatService(engine, config.data_dir, config.commune.name)
    recorded_on: list[tuple[str, threading.Thread]] = []
    # Subscribed before the service starts, as the views are.
    engine.subscribe(lambda e: recorded_on.append((e.type, threading.current_thread())))
    handed: list[int] = []  # the events handed to the feed, when the views had seen them
    publish = service.server.publish

    def spy_publish(stream: str, event: Event) -> None:
        handed.append(len(recorded_on))
        publish(stream, event)

    service.server.publish = spy_publish  # type: ignore[method-assign]
    asked_on: list[threading.Thread] = []
    ask = service.server.on_proposal
    assert ask is not None

    def spy(fields: dict[str, Any]) -> Any:
        asked_on.append(threading.current_thread())
        return ask(fields)

    service.server.on_proposal = spy
    seat = _SeatDevice(tmp_path / "siege")
    following: concurrent.futures.Future[None] | None = None
    try:
        assert _port(service) is None
        port = service.start("127.0.0.1", 0, advertise=["127.0.0.1"])
        assert _port(service) == port
        feed = service.feed.call(threading.current_thread)
        assert feed.name == "seat-feed"
        assert feed.daemon
        assert feed is not main
        assert service.advertised()  # announced with zeroconf, on the feed's loop

        seat.thread.run(seat.link.pair("127.0.0.1", port, service.window.open()))
        following = seat.soon(seat.link.run())
        _play(model, 20)
        qtbot.waitUntil(lambda: seat.state.last_seq == engine.state.last_seq, timeout=WAIT_MS)
        # The engine's first subscriber: each event went to the feed before the views.
        assert handed == list(range(20))
        assert dict(service.server.connected) == {
            seat.link.identity.fingerprint: "Tablette de Nathalie Bonnet"
        }

        # The seat proposes; the server asks from its thread, the engine records
        # on the GUI thread (which pumps Qt's events meanwhile, nothing more).
        proposal = seat.soon(seat.link.propose("2026-11-28", "nbonnet", "Illuminations de Noël"))
        qtbot.waitUntil(proposal.done, timeout=WAIT_MS)
        assert proposal.result() is None
        assert asked_on == [feed]
        assert recorded_on[-1] == ("item.proposed", main)
        assert {thread for _type, thread in recorded_on} == {main}
        assert _proposed(engine) == ["Illuminations de Noël"]

        refused = seat.soon(seat.link.propose("2026-11-28", "inconnu", "Autre"))
        qtbot.waitUntil(refused.done, timeout=WAIT_MS)
        refusal = refused.result()
        assert refusal is not None
        assert "inconnu" in refusal  # the engine's refusal, in French
        assert asked_on == [feed, feed]

        qtbot.waitUntil(lambda: seat.state.last_seq == engine.state.last_seq, timeout=WAIT_MS)
        assert session_json(seat.state.sessions["2026-11-28"]) == session_json(
            engine.state.sessions["2026-11-28"]
        )
    finally:
        seat.close(following)
        service.stop()
        model.close()
    assert _port(service) is None
    assert not service.feed.running
    assert [t.name for t in threading.enumerate() if t not in before] == []


def test_stopping_while_a_proposal_waits_for_the_gui_thread(
    qtbot: QtBot, qapp: QApplication, engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    """The GUI thread busy (here: stopping the service) while a seat proposes:
    the stop does not wait for it, and the proposal is not recorded afterwards."""
    before = set(threading.enumerate())
    model = SessionModel(engine)
    _play(model, 20)
    service = SeatService(engine, config.data_dir, config.commune.name)
    asked = threading.Event()
    ask = service.server.on_proposal
    assert ask is not None

    def spy(fields: dict[str, Any]) -> Any:
        answer = ask(fields)
        asked.set()
        return answer

    service.server.on_proposal = spy
    seat = _SeatDevice(tmp_path / "siege")
    following: concurrent.futures.Future[None] | None = None
    try:
        following = _follow(qtbot, service, seat)
        proposal = seat.soon(seat.link.propose("2026-11-28", "nbonnet", "Illuminations de Noël"))
        assert asked.wait(10)  # asked, and the GUI thread has not run it: it is here
        started = time.monotonic()
        service.stop()
        assert time.monotonic() - started < 10  # the server did not wait for the GUI
        qtbot.wait(100)  # the hop to the GUI thread runs now: too late, nothing recorded
        assert _proposed(engine) == []
        # Told the table stops, or cut off before that answer was sent.
        told = proposal.exception(10) or proposal.result()
        assert str(told) in (STOPPING, "Lien avec la table perdu")
        assert isinstance(told, str | LinkError)
    finally:
        seat.close(following)
        service.stop()
        model.close()
    assert [t.name for t in threading.enumerate() if t not in before] == []


def test_the_mayors_action_returns_once_its_event_has_left_for_the_seats(
    qtbot: QtBot,
    qapp: QApplication,
    engine: SessionEngine,
    config: Config,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The GUI thread hands each event over and waits (the interpreter's lock
    let go) until the feed's thread has sent it: the feed no longer waits for
    the mayor's screen to be redrawn before serving the seats. The wait is
    bounded (2 ms in the kiosk); here it is long, so that only its end (the
    frame sent) can release it."""
    monkeypatch.setattr(server, "HANDOVER_WAIT_S", 30.0)
    model = SessionModel(engine)
    service = SeatService(engine, config.data_dir, config.commune.name)
    seat = _SeatDevice(tmp_path / "siege")
    following: concurrent.futures.Future[None] | None = None
    try:
        following = _follow(qtbot, service, seat)
        sent_when_returned = []
        for line in _lines()[:20]:
            command = json.loads(line)
            command.pop("by", None)
            started = time.monotonic()
            assert model.execute(command) is not None, command
            assert time.monotonic() - started < 10  # released by the send, not the bound
            # Read here at once, the interpreter's lock held: asked of the
            # feed's thread, the question would let it send first.
            sent = [s.sent["journal"] for s in list(service.server.seats.values())]
            sent_when_returned.append(sent == [engine.state.last_seq])
        assert all(sent_when_returned)
        qtbot.waitUntil(lambda: seat.state.last_seq == engine.state.last_seq, timeout=WAIT_MS)
    finally:
        seat.close(following)
        service.stop()
        model.close()
