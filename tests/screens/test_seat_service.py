"""The kiosk serving seats from the Qt loop (qasync): the GUI and the feed in one thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from demo import DEMO_SCRIPT
from screens.seat_service import SeatService
from screens.session_model import SessionModel
from sync.net.client import SeatLink
from sync.net.identity import load_or_create_identity
from table_app.config import Config
from table_app.council import projection
from table_app.council.engine import SessionEngine
from table_app.council.state import CouncilState, ItemStatus
from table_app.journal import Event
from table_app.report import session_json


def _lines() -> list[str]:
    return [
        line
        for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_the_kiosk_serves_its_session_to_a_seat_from_the_qt_loop(
    qapp: QApplication, engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    import json

    model = SessionModel(engine)
    service = SeatService(engine, config.data_dir, config.commune.name)
    seat_state = CouncilState()

    def on_events(stream: str, events: list[Event], reset: bool) -> None:
        nonlocal seat_state
        if stream == "journal":
            if reset:
                seat_state = CouncilState()
            for event in events:
                projection.apply(seat_state, event)

    identity = load_or_create_identity(tmp_path / "siege" / "id", "Tablette de Nathalie Bonnet")
    link = SeatLink(identity, tmp_path / "siege", on_events)

    async def until(condition: object) -> None:
        for _ in range(1000):
            if condition():  # type: ignore[operator]
                return
            await asyncio.sleep(0.01)
        raise AssertionError("not in time")

    async def scenario() -> None:
        await service.start("127.0.0.1", 0)
        await link.pair("127.0.0.1", service.server.port, service.window.open())
        follower = asyncio.ensure_future(link.run())
        for line in _lines()[:20]:  # the mayor's actions, on the GUI thread
            command = json.loads(line)
            command.pop("by", None)
            assert model.execute(command) is not None
            await asyncio.sleep(0)
        await until(lambda: seat_state.last_seq == engine.state.last_seq)
        refusal = await link.propose("2026-11-28", "nbonnet", "Illuminations de Noël", "")
        assert refusal is None
        proposed = [
            i for i in engine.state.sessions["2026-11-28"].items if i.status is ItemStatus.PROPOSED
        ]
        assert [i.title for i in proposed] == ["Illuminations de Noël"]
        assert (
            await link.propose("2026-11-28", "inconnu", "Autre", "") is not None
        )  # refused, in French
        await until(lambda: seat_state.last_seq == engine.state.last_seq)
        assert session_json(seat_state.sessions["2026-11-28"]) == session_json(
            engine.state.sessions["2026-11-28"]
        )
        await link.stop()
        await follower
        await service.stop()

    loop = qasync.QEventLoop(qapp)
    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), 60))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    model.close()
