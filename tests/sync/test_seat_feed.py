"""The seats' feed on loopback: real TLS, real WebSockets, a real journal.

The master's server and the seats' links run in one asyncio loop here (the
processes of a real table are tested in test_seat_processes.py); what they
exchange is what crosses a LAN.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from demo import DEMO_SCRIPT, demo_config
from sync.feed import DocumentFeed
from sync.net.client import LinkError, SeatLink
from sync.net.discovery import Advertiser, find_tables
from sync.net.identity import load_or_create_identity
from sync.net.pairing import PairedDevices, PairingWindow
from sync.net.protocol import FrameRefused, parse_seat_frame
from sync.net.remote import RemoteTable
from sync.net.server import EmptyStream, FeedServer
from table_app.council import projection
from table_app.council.engine import SessionEngine
from table_app.council.state import CouncilState
from table_app.journal import Event, Journal
from table_app.notes import Note, PrivateNotes
from table_app.report import session_json
from table_app.script import play_lines
from table_app.store import open_database
from tests.notes_support import (
    MEMBER_A,
    MEMBER_B,
    PINS,
    budget_pdf,
    content_hash,
    ingest,
    with_pins,
)


class Master:
    """The master's side: engine, journal, feed server, pairing."""

    def __init__(self, root: Path) -> None:
        self.config = demo_config(root / "maitre")
        self.journal = Journal(open_database(self.config.database_url))
        self.engine = SessionEngine(self.journal, self.config)
        self.identity = load_or_create_identity(
            root / "maitre" / "identite", "Table de Val-de-Sauve"
        )
        self.paired = PairedDevices(root / "maitre" / "sieges.json")
        self.window = PairingWindow()
        self.blobs: dict[str, Path] = {}
        self.proposals: list[dict[str, Any]] = []
        self.server = FeedServer(
            self.identity,
            self.paired,
            self.window,
            {"journal": self.journal, "documents": EmptyStream()},
            blob_path=self.blobs.get,
            on_proposal=self._propose,
        )
        self.engine.subscribe(lambda event: self.server.publish("journal", event))

    def _propose(self, fields: dict[str, Any]) -> str | None:
        self.proposals.append(fields)
        return None if fields["title"] else "titre vide"

    def play(self, lines: list[str]) -> None:
        play_lines(self.engine, lines, session="2026-11-28", author="president")


class Seat:
    """A seat device: its own identity, its link, the state it rebuilds."""

    def __init__(self, root: Path, name: str) -> None:
        folder = root / name
        self.identity = load_or_create_identity(folder / "identite", name)
        self.state = CouncilState()
        self.statuses: list[str] = []
        self.link = SeatLink(self.identity, folder, self._events, self.statuses.append)

    def _events(self, stream: str, events: list[Event], reset: bool) -> None:
        if stream != "journal":
            return
        if reset:
            self.state = CouncilState()
        for event in events:
            projection.apply(self.state, event)


def demo_lines() -> list[str]:
    return [
        line
        for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def same_state(seat: Seat, master: Master) -> bool:
    ours = {k: session_json(v) for k, v in seat.state.sessions.items()}
    theirs = {k: session_json(v) for k, v in master.engine.state.sessions.items()}
    return ours == theirs and seat.state.last_seq == master.engine.state.last_seq


async def until(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def run(coroutine: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coroutine(), 60))


async def paired_seat(master: Master, root: Path, name: str) -> Seat:
    seat = Seat(root, name)
    code = master.window.open()
    await seat.link.pair("127.0.0.1", master.server.port, code)
    return seat


def test_a_paired_seat_follows_the_session_and_resumes_after_a_cut(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        lines = demo_lines()
        master.play(lines[:10])
        seat = await paired_seat(master, tmp_path, "Siège 1")
        follower = asyncio.ensure_future(seat.link.run())
        await until(lambda: same_state(seat, master))
        master.play(lines[10:25])  # live events
        await until(lambda: same_state(seat, master))
        # The network goes: the master keeps running the session.
        port = master.server.port
        await master.server.stop()
        await until(lambda: not seat.link.connected.is_set())
        master.play(lines[25:40])
        assert seat.state.last_seq < master.engine.state.last_seq  # the last state stays shown
        await until(lambda: any("Réseau perdu" in s for s in seat.statuses))
        await master.server.start("127.0.0.1", port)
        await until(lambda: same_state(seat, master))
        master.play(lines[40:])
        await until(lambda: same_state(seat, master))
        assert seat.state.sessions["2026-11-28"].status.value == "close"
        await seat.link.stop()
        await follower
        await master.server.stop()

    run(scenario)


def test_an_unpaired_device_gets_nothing_and_a_message(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        master.play(demo_lines()[:5])
        paired = await paired_seat(master, tmp_path, "Siège 1")
        stranger = Seat(tmp_path, "Tablette inconnue")
        # A device that copied the pin of a paired seat, but not its key.
        (stranger.link.folder).mkdir(parents=True, exist_ok=True)
        pin = paired.link.folder / "table-appairee.json"
        (stranger.link.folder / pin.name).write_bytes(pin.read_bytes())
        await stranger.link.run()
        assert stranger.state.sessions == {}
        assert stranger.link.final_refusal is not None
        assert "pas appairé à la table" in stranger.link.final_refusal
        await master.server.stop()

    run(scenario)


def test_a_wrong_code_is_refused_and_too_many_close_the_window(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        seat = Seat(tmp_path, "Siège 2")
        code = master.window.open()
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        with pytest.raises(LinkError, match="Code erroné : vérifiez le code affiché"):
            await seat.link.pair("127.0.0.1", master.server.port, wrong)
        for _ in range(3):
            with pytest.raises(LinkError, match="Code erroné"):
                await seat.link.pair("127.0.0.1", master.server.port, wrong)
        with pytest.raises(LinkError, match="trop d'essais"):
            await seat.link.pair("127.0.0.1", master.server.port, wrong)
        with pytest.raises(LinkError, match="Aucun appairage n'est en cours"):
            await seat.link.pair("127.0.0.1", master.server.port, code)  # closed now
        assert master.paired.all() == []
        await master.server.stop()

    run(scenario)


def test_a_revoked_seat_is_cut_off_and_told_why(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        seat = await paired_seat(master, tmp_path, "Siège 3")
        follower = asyncio.ensure_future(seat.link.run())
        await until(seat.link.live.is_set)
        master.server.revoke(seat.identity.fingerprint)
        await follower  # it stops trying: a person must act
        assert seat.link.final_refusal is not None
        assert "retiré de la table" in seat.link.final_refusal
        await master.server.stop()

    run(scenario)


def test_a_seat_refuses_a_table_it_was_not_paired_with(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        seat = await paired_seat(master, tmp_path, "Siège 4")
        impostor = Master(tmp_path / "autre")
        await impostor.server.start("127.0.0.1")
        impostor.play(demo_lines()[:5])
        await seat.link.run("127.0.0.1", impostor.server.port)
        assert seat.state.sessions == {}
        assert "n'est pas celle avec laquelle ce siège a été appairé" in str(
            seat.link.final_refusal
        )
        await impostor.server.stop()
        await master.server.stop()

    run(scenario)


def test_a_document_crosses_the_lan_once_per_seat(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        data = random.Random(7).randbytes(3 * 1024 * 1024 + 17)  # several chunks
        digest = hashlib.sha256(data).hexdigest()
        (tmp_path / "budget.pdf").write_bytes(data)
        master.blobs[digest] = tmp_path / "budget.pdf"
        await master.server.start("127.0.0.1")
        seats = [await paired_seat(master, tmp_path, f"Siège {n}") for n in (1, 2)]
        followers = [asyncio.ensure_future(s.link.run()) for s in seats]
        for seat in seats:
            await until(seat.link.live.is_set)
        first = await seats[0].link.fetch(digest)
        again = await seats[0].link.fetch(digest)  # from the seat's cache
        assert first == again
        assert first.read_bytes() == data
        await seats[1].link.fetch(digest)
        assert master.server.blobs_sent == [digest, digest]  # once for each seat
        with pytest.raises(LinkError, match="Document inconnu"):
            await seats[0].link.fetch("0" * 64)
        for seat in seats:
            await seat.link.stop()
        await asyncio.gather(*followers)
        await master.server.stop()

    run(scenario)


def test_a_seat_may_propose_a_point_and_nothing_else(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        master.play(demo_lines()[:5])
        seat = await paired_seat(master, tmp_path, "Siège 5")
        follower = asyncio.ensure_future(seat.link.run())
        await until(seat.link.live.is_set)
        assert await seat.link.propose("2026-11-28", "nbonnet", "Illuminations de Noël") is None
        assert master.proposals[0]["member"] == "nbonnet"
        before = master.journal.last_seq()
        # A command the seat has no right to: refused as a frame, nothing recorded.
        assert seat.link._ws is not None
        seat.link._n += 1
        await seat.link._ws.send(json.dumps({"type": "vote", "n": seat.link._n, "item": "p1"}))
        await until(lambda: any("type de trame inconnu" in s for s in seat.statuses))
        assert master.journal.last_seq() == before
        await seat.link.stop()
        await follower
        await master.server.stop()

    run(scenario)


def _garbage(rng: random.Random) -> str | bytes:
    """Frames a broken or hostile client might send."""
    choice = rng.randrange(8)
    if choice == 0:
        return rng.randbytes(rng.randrange(1, 300))
    if choice == 1:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 80)))
    if choice == 2:
        return json.dumps([rng.random() for _ in range(5)])
    if choice == 3:
        return json.dumps({"type": rng.choice(["hello", "pair", "blob", "vote", "x"]), "n": 1})
    if choice == 4:
        return json.dumps(
            {
                "type": "hello",
                "n": 1,
                "name": 3,
                "cert": [],
                "signature": {},
                "journal_after": -1,
                "documents_after": "0",
            }
        )
    if choice == 5:
        return "[" * 5000
    if choice == 6:
        return json.dumps(
            {
                "type": "pair",
                "n": 1,
                "name": "x",
                "cert": "-----BEGIN",
                "signature": "@@",
                "code": "1",
            }
        )
    return json.dumps({"type": "blob", "n": rng.randrange(-3, 5), "hash": "zz"})


def test_thousands_of_malformed_frames_do_not_harm_the_server(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        master.play(demo_lines()[:10])
        seat = await paired_seat(master, tmp_path, "Siège 6")
        follower = asyncio.ensure_future(seat.link.run())
        await until(lambda: same_state(seat, master))
        rng = random.Random(2026)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        sent = 0
        url = f"wss://127.0.0.1:{master.server.port}/"
        while sent < 3000:
            async with connect(url, ssl=context, compression=None, max_size=None) as ws:
                await ws.recv()  # the challenge
                try:
                    for _ in range(rng.randrange(1, 8)):
                        await ws.send(_garbage(rng))
                        sent += 1
                    async for _reply in ws:
                        pass  # refused and closed
                except Exception:
                    pass
        assert master.server.refused_connections > 300
        # The paired seat never noticed, and still follows.
        master.play(demo_lines()[10:20])
        await until(lambda: same_state(seat, master))
        await seat.link.stop()
        await follower
        await master.server.stop()

    run(scenario)


def test_a_seat_finds_the_master_on_the_lan_and_pairs(tmp_path: Path) -> None:
    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        advertiser = Advertiser("Table de Val-de-Sauve", master.server.port, ["127.0.0.1"])
        await advertiser.start()
        try:
            found = await find_tables(10, interfaces=["127.0.0.1"])
            table = next(t for t in found if t.port == master.server.port)
            assert table.name == "Table de Val-de-Sauve"
            seat = Seat(tmp_path, "Siège 1")
            pin = await seat.link.pair(table.host, table.port, master.window.open())
            assert pin.server == master.identity.fingerprint
            assert master.paired.is_trusted(seat.identity.fingerprint)
        finally:
            await advertiser.stop()
            await master.server.stop()

    run(scenario)


def test_a_remote_table_holds_the_session_and_the_documents_of_the_master(tmp_path: Path) -> None:
    """What a seat's views read: the state, the documents as the feed describes
    them, and their bytes once fetched into the seat's cache."""

    async def scenario() -> None:
        master = Master(tmp_path)
        feed = DocumentFeed(master.journal.db)
        master.server.sources["documents"] = feed
        pdf = tmp_path / "budget.pdf"
        pdf.write_bytes(b"%PDF-1.7 budget primitif 2027")
        digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
        master.blobs[digest] = pdf
        payload = {
            "document_id": 1,
            "path": "Séances/2026-11-28/02 - Budget/budget.pdf",
            "title": "Budget",
            "status": "ok",
            "hash": digest,
            "page_count": 1,
        }
        with master.journal.db.engine.begin() as conn:
            first = feed.append(conn, "document.added", payload)
        await master.server.start("127.0.0.1")
        master.play(demo_lines()[:12])
        seat = Seat(tmp_path, "Siège 1")
        remote = RemoteTable(seat.link.folder / "documents")
        seat.link.on_events = remote.on_events
        await seat.link.pair("127.0.0.1", master.server.port, master.window.open())
        follower = asyncio.ensure_future(seat.link.run())
        await until(seat.link.live.is_set)
        assert remote.state.last_seq == master.engine.state.last_seq
        assert remote.documents() == [payload]
        assert not remote.viewable_path(digest).exists()
        assert remote.wanted == [digest]
        await seat.link.fetch(digest)
        assert remote.viewable_path(digest).read_bytes() == pdf.read_bytes()
        # Live: a document removed from the folder, and the session goes on.
        with master.journal.db.engine.begin() as conn:
            gone = feed.append(conn, "document.removed", {**payload, "status": "removed"})
        feed.publish([gone])
        for event in (first, gone):
            master.server.publish("documents", event)
        master.play(demo_lines()[12:20])
        await until(
            lambda: (
                remote.documents() == [] and remote.state.last_seq == master.engine.state.last_seq
            )
        )
        assert session_json(remote.state.sessions["2026-11-28"]) == session_json(
            master.engine.state.sessions["2026-11-28"]
        )
        await seat.link.stop()
        await follower
        await master.server.stop()

    run(scenario)


def test_a_seat_finds_its_master_again_at_a_new_address(tmp_path: Path) -> None:
    """The mairie's box gave the table a new address (here: a new port): the
    seat looks on the LAN, follows only the table it pinned, and keeps the new
    address for next time. Another table announced on the LAN is ignored."""

    async def scenario() -> None:
        master = Master(tmp_path)
        stranger = Master(tmp_path / "autre")
        await master.server.start("127.0.0.1")
        await stranger.server.start("127.0.0.1")
        seat = await paired_seat(master, tmp_path, "Siège 1")
        lines = demo_lines()
        master.play(lines[:10])

        async def locate() -> list[tuple[str, int]]:
            found = await find_tables(5, interfaces=["127.0.0.1"])
            return [(t.host, t.port) for t in found]

        follower = asyncio.ensure_future(seat.link.run(locate=locate))
        await until(lambda: same_state(seat, master))
        old_port = master.server.port
        await master.server.stop()
        await master.server.start("127.0.0.1", 0)  # somewhere else now
        assert master.server.port != old_port
        ours = Advertiser("Table de Val-de-Sauve", master.server.port, ["127.0.0.1"])
        theirs = Advertiser("Table de Saint-Aubin", stranger.server.port, ["127.0.0.1"])
        await theirs.start()
        await ours.start()
        try:
            master.play(lines[10:20])
            await until(lambda: same_state(seat, master), within_s=40)
            assert seat.link.final_refusal is None
            pin = json.loads((seat.link.folder / "table-appairee.json").read_text("utf-8"))
            assert pin["port"] == master.server.port
            # Looked at (its certificate), never presented to: nothing pinned, no seat.
            assert stranger.paired.all() == []
            assert stranger.server.seats == {}
        finally:
            await seat.link.stop()
            await follower
            await ours.stop()
            await theirs.stop()
            await master.server.stop()
            await stranger.server.stop()

    run(scenario)


def test_a_seat_takes_again_a_journal_that_is_not_the_one_it_followed(tmp_path: Path) -> None:
    """The master's journal was replaced by another with as many events or more
    (a restored backup that went another way): the seat notices the chain no
    longer links to what it holds and rebuilds its state from the new one."""

    async def scenario() -> None:
        master = Master(tmp_path)
        await master.server.start("127.0.0.1")
        port = master.server.port
        seat = await paired_seat(master, tmp_path, "Siège 1")
        follower = asyncio.ensure_future(seat.link.run())
        lines = demo_lines()
        master.play(lines[:12])
        await until(lambda: same_state(seat, master))
        await master.server.stop()

        # Another journal, same pairing: the session convened with another agenda.
        other = Master(tmp_path / "restaure")
        other.identity, other.paired = master.identity, master.paired
        other.server = FeedServer(
            master.identity,
            master.paired,
            other.window,
            {"journal": other.journal, "documents": EmptyStream()},
        )
        other.engine.subscribe(lambda event: other.server.publish("journal", event))
        first = json.loads(lines[0])
        first.pop("by", None)
        first["agenda"] = [{"title": "Point unique : budget supplémentaire"}]
        other.engine.execute(first)
        other.play(lines[1:14])
        await other.server.start("127.0.0.1", port)
        try:
            await until(lambda: same_state(seat, other), within_s=20)
            titles = [i.title for i in seat.state.sessions["2026-11-28"].items]
            assert titles == ["Point unique : budget supplémentaire"]
        finally:
            await seat.link.stop()
            await follower
            await other.server.stop()

    run(scenario)


def test_a_seat_reaches_a_members_notes_with_their_code_and_no_one_elses(
    tmp_path: Path,
) -> None:
    """The notes frames: each checked field by field, each answered by the
    master only for the member whose code it carries."""

    async def scenario() -> None:
        master = Master(tmp_path)
        config = with_pins(master.config)
        budget_pdf(config.documents_folder / "Séances" / "2026-11-28" / "budget.pdf")
        library = ingest(master.journal.db, config)
        budget = content_hash(library, "budget.pdf")
        notes = PrivateNotes(
            master.journal.db, config.members, config.documents_folder, library.viewable_path
        )
        master.server.on_notes = notes.answer
        await master.server.start("127.0.0.1")
        seat = await paired_seat(master, tmp_path, "Siège 1")
        follower = asyncio.ensure_future(seat.link.run())
        await until(seat.link.live.is_set)
        a, b = (MEMBER_A, PINS[MEMBER_A], budget), (MEMBER_B, PINS[MEMBER_B], budget)
        ink = Note("ink", 2, strokes=(((10.0, 20.0), (30.0, 40.0)),)).to_json()
        saved = (await seat.link.notes("notes_save", *a, note=ink))["note"]
        assert saved == {**ink, "id": saved["id"]}
        assert (await seat.link.notes("notes_list", *a))["notes"] == [saved]

        # Another member, with their own code: nothing of A's, and A's not erased.
        assert (await seat.link.notes("notes_list", *b))["notes"] == []
        with pytest.raises(LinkError, match="Cette note n'est pas la vôtre"):
            await seat.link.notes("notes_erase", *b, id=saved["id"])
        assert (await seat.link.notes("notes_erase", *b, id=0))["erased"] == 0
        # A's notes asked for with B's code: refused, in words.
        with pytest.raises(LinkError, match="Code faux : ce n'est pas le code de cet élu"):
            await seat.link.notes("notes_list", MEMBER_A, PINS[MEMBER_B], budget)
        assert (await seat.link.notes("notes_list", *a))["notes"] == [saved]

        exported = await seat.link.notes("notes_export", *a)
        assert exported["path"] == "Élus/Bernard Rousseau/Notes/budget - annoté.pdf"
        assert (await seat.link.notes("notes_erase", *a, id=saved["id"]))["erased"] == 1
        assert (await seat.link.notes("notes_list", *a))["notes"] == []

        # Malformed notes frames are refused before anything reads them.
        save: dict[str, Any] = {
            "type": "notes_save",
            "member": MEMBER_A,
            "pin": "2580",
            "hash": budget,
        }
        malformed: list[tuple[dict[str, Any], str]] = [
            ({**save, "type": "notes_list", "pin": "25a0"}, "un code personnel a de 4 à 8"),
            ({**save, "type": "notes_list", "member": "Bob!"}, "identifiant d'élu invalide"),
            ({**save, "type": "notes_list", "hash": "x" * 64}, "empreinte SHA-256 invalide"),
            ({**save, "note": {**ink, "id": 3}}, "note invalide : champs manquants aucun"),
            ({**save, "note": {**ink, "strokes": [[[1, 2]]] * 21}}, "de 1 à 20 traits"),
            ({**save, "type": "notes_erase", "id": -1}, "hors limites"),
            ({**save, "note": "{}"}, "n'a pas le bon type"),
        ]
        for frame, said in malformed:
            with pytest.raises(FrameRefused, match=said):
                parse_seat_frame(json.dumps({**frame, "n": 1}), 0)
        parsed = parse_seat_frame(json.dumps({**save, "note": ink, "n": 1}), 0)
        assert parsed["note"] == Note("ink", 2, strokes=(((10.0, 20.0), (30.0, 40.0)),))
        # Over the wire: refused, said to the seat, and its counter not moved.
        assert seat.link._ws is not None
        for frame, said in malformed[:2]:
            await seat.link._ws.send(json.dumps({**frame, "n": seat.link._n + 1}))

            def told(said: str = said) -> bool:
                return any(said in status for status in seat.statuses)

            await until(told)
        assert (await seat.link.notes("notes_list", *a))["notes"] == []
        await seat.link.stop()
        await follower
        await master.server.stop()

    run(scenario)
