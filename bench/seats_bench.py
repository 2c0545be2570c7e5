"""The seats' feed on loopback: many followers, and catching up after a cut.

Master and seats share one asyncio loop in one process here (a 2-core
machine): the figures include the seats' own work, which separate devices
would do elsewhere, so they are an upper bound of the master's share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import BenchContext, Result, benchmark, latency_stats_ms, log
from bench.engine_bench import rounds
from demo import demo_config
from sync.net.client import RECONNECT_S, SeatLink
from sync.net.identity import load_or_create_identity
from sync.net.pairing import PairedDevices, PairingWindow
from sync.net.server import EmptyStream, FeedServer
from table_app.council.engine import SessionEngine
from table_app.journal import Event, Journal
from table_app.store import open_database


class _Table:
    def __init__(self, root: Path) -> None:
        config = demo_config(root / "maitre")
        self.journal = Journal(open_database(config.database_url))
        self.engine = SessionEngine(self.journal, config)
        identity = load_or_create_identity(root / "maitre" / "id", "Table")
        self.window = PairingWindow()
        self.server = FeedServer(
            identity,
            PairedDevices(root / "maitre" / "sieges.json"),
            self.window,
            {"journal": self.journal, "documents": EmptyStream()},
        )
        self.published: dict[int, int] = {}

        def publish(event: Event) -> None:
            self.published[event.seq] = time.perf_counter_ns()
            self.server.publish("journal", event)

        self.engine.subscribe(publish)
        self._commands = iter(rounds(0, 10_000))

    def record_next(self) -> None:
        """One more command of the scripted sessions, as the mayor would send it."""
        command = next(self._commands)
        self.engine.execute(command.command, author=command.author)


async def _seat(table: _Table, root: Path, n: int, arrivals: dict[int, list[int]]) -> SeatLink:
    identity = load_or_create_identity(root / f"siege-{n}" / "id", f"Siège {n}")

    def on_events(_stream: str, events: list[Event], _reset: bool) -> None:
        now = time.perf_counter_ns()
        for event in events:
            arrivals.setdefault(event.seq, []).append(now)

    link = SeatLink(identity, root / f"siege-{n}", on_events)
    await link.pair("127.0.0.1", table.server.port, table.window.open())
    return link


async def _until(condition: Callable[[], bool], within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the seats did not catch up")
        await asyncio.sleep(0.001)


@benchmark("seats.feed_100_clients")
def feed_100_clients(ctx: BenchContext) -> Result:
    """Engine event → received by each of 100 headless seats, over TLS on loopback."""
    clients = 20 if ctx.quick else 100
    events = 60 if ctx.quick else 200
    root = ctx.workdir("seats-100")

    async def scenario() -> list[int]:
        table = _Table(root)
        await table.server.start("127.0.0.1")
        arrivals: dict[int, list[int]] = {}
        links = [await _seat(table, root, n, arrivals) for n in range(clients)]
        runs = [asyncio.ensure_future(link.run()) for link in links]
        await _until(lambda: all(link.live.is_set() for link in links), 60)
        start = table.journal.last_seq()
        for _ in range(events):
            table.record_next()
            await asyncio.sleep(0.005)  # a mayor's pace is seconds; this is a burst
        last = table.journal.last_seq()
        await _until(
            lambda: all(len(arrivals.get(s, [])) == clients for s in range(start + 1, last + 1)), 60
        )
        samples = [
            at - table.published[seq] for seq in range(start + 1, last + 1) for at in arrivals[seq]
        ]
        for link in links:
            await link.stop()
        await asyncio.gather(*runs)
        await table.server.stop()
        return samples

    log(f"  {clients} seats following {events} events…")
    samples = asyncio.run(scenario())
    stats = latency_stats_ms(samples)
    return Result(
        "seats.feed_100_clients",
        stats["p99_ms"],
        "ms",
        50,
        "lower",
        {**stats, "clients": clients, "events": events, "deliveries": len(samples)},
        f"{clients} seats, {events} events: median {stats['median_ms']:.1f} ms, "
        f"p99 {stats['p99_ms']:.1f} ms from the engine's event to each seat",
    )


@benchmark("seats.reconnect_200_missed")
def reconnect_200_missed(ctx: BenchContext) -> Result:
    """A seat cut off while 200 events are recorded, then the network comes back:
    time from the master's return to the seat holding every event."""
    cut_s = 3.0 if ctx.quick else 30.0
    root = ctx.workdir("seats-cut")

    async def scenario() -> float:
        table = _Table(root)
        await table.server.start("127.0.0.1")
        arrivals: dict[int, list[int]] = {}
        link = await _seat(table, root, 0, arrivals)
        run = asyncio.ensure_future(link.run())
        await _until(link.live.is_set, 30)
        port = table.server.port
        await table.server.stop()
        await _until(lambda: not link.connected.is_set(), 30)
        for _ in range(200):
            table.record_next()
        await asyncio.sleep(cut_s)
        last = table.journal.last_seq()
        back = time.perf_counter_ns()
        await table.server.start("127.0.0.1", port)
        await _until(lambda: link.last["journal"] == last, 30)
        elapsed = (time.perf_counter_ns() - back) / 1e6
        await link.stop()
        await run
        await table.server.stop()
        return elapsed

    log(f"  a {cut_s:.0f} s cut, 200 events missed…")
    elapsed = asyncio.run(scenario())
    return Result(
        "seats.reconnect_200_missed",
        elapsed,
        "ms",
        1000,
        "lower",
        {"cut_s": cut_s, "missed": 200, "retry_every_s": RECONNECT_S[-1]},
        f"caught up {elapsed:.0f} ms after the master came back ({cut_s:.0f} s cut, "
        f"200 events missed; the seat retries every {RECONNECT_S[-1]} s)",
    )
