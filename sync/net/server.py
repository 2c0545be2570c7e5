"""The master's side of the seat feed: a TLS WebSocket server on the mairie's LAN.

It runs in an asyncio loop (in the kiosk, a loop in a thread of its own:
``feed_thread.py``) and never holds up the session: the engine and the
document folder hand it their events through ``publish``, from any thread
(which waits at most 2 ms, for the frames to leave), and it queues them for
each seat. A seat that cannot keep up is cut off and
catches up when it comes back. What other threads read of it (``connected``)
is a copy replaced at each change, never the live table of connections.

Who may connect is decided here, not by TLS client certificates: the master
sends a fresh challenge, the seat signs it together with the master's
fingerprint it pinned (so a relay in between cannot reuse the answer), and
the master checks the signature against the certificate it pinned when the
seat was paired. An unpaired, revoked or mistyped device gets a French
message and nothing else: no event, no document.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import secrets
import ssl
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from sync.net import protocol
from sync.net.identity import Identity, IdentityError, fingerprint, verify_signature
from sync.net.pairing import PairedDevices, PairingWindow
from sync.net.protocol import FrameRefused, SeatMessage, b64, encode, parse_seat_frame, unb64
from table_app.journal import Event

log = logging.getLogger("sync.net.server")

STREAMS = ("journal", "documents")
#: Frames a seat may get wrong before it is cut off.
MAX_REFUSED_FRAMES = 3
#: Events queued for one seat before it is cut off as too slow.
MAX_QUEUED = 20_000
HELLO_TIMEOUT_S = 10.0
#: How long ``publish``, from another thread, waits for the feed's loop to send
#: the event (the interpreter's lock let go meanwhile), and up to how many
#: connected seats it waits at all: see ``publish``.
HANDOVER_WAIT_S = 0.002
HANDOVER_WAIT_SEATS = 32


class EventSource(Protocol):
    """A stream a seat follows: the journal, or the document feed."""

    def events(self, after: int = 0) -> list[Event]: ...

    def last_seq(self) -> int: ...


class EmptyStream:
    """A stream with no event: a table served without its document folder."""

    def events(self, after: int = 0) -> list[Event]:
        return []

    def last_seq(self) -> int:
        return 0


#: A seat's proposal: the checked fields; returns None, or the refusal in French
#: (or an awaitable of it: the kiosk answers from its GUI thread, which owns the engine).
ProposalHandler = Callable[[dict[str, Any]], str | Awaitable[str | None] | None]
#: A seat's search ``(query, limit)``: the hits as JSON objects (run on a worker thread).
SearchHandler = Callable[[str, int], list[dict[str, Any]]]
#: A notes frame ``(type, checked fields)``: the reply's fields (run on a worker
#: thread); ``table_app.notes.PrivateNotes.answer``.
NotesHandler = Callable[[str, dict[str, Any]], dict[str, Any]]


@dataclass
class _Seat:
    connection: ServerConnection
    name: str
    fingerprint: str
    queue: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))
    #: a seat's notes frames are answered one after the other, in their order
    notes_turn: asyncio.Lock = field(default_factory=asyncio.Lock)


def server_tls_context(identity: Identity) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(identity.cert_path, identity.key_path)
    return context


class FeedServer:
    """Serves the journal and the document feed to paired seats.

    ``sources`` are the streams by name (the journal, the document feed);
    ``blob_path`` finds a
    document's bytes by content hash; ``on_proposal`` records what a seat
    proposes (the only thing a seat may ask of the session); ``on_notes``
    answers a member's private notes frames (``PrivateNotes.answer``).

    ``publish`` and ``revoke`` may be called from any thread; ``connected``
    read from any thread; everything else belongs to the loop's thread.
    """

    def __init__(
        self,
        identity: Identity,
        paired: PairedDevices,
        window: PairingWindow,
        sources: dict[str, EventSource],
        blob_path: Callable[[str], Path | None] = lambda _hash: None,
        on_proposal: ProposalHandler | None = None,
        on_search: SearchHandler | None = None,
        on_notes: NotesHandler | None = None,
    ) -> None:
        self.identity = identity
        self.paired = paired
        self.window = window
        self.sources = sources
        self.blob_path = blob_path
        self.on_proposal = on_proposal
        self.on_search = on_search
        self.on_notes = on_notes
        self.seats: dict[str, _Seat] = {}  # the loop's own: other threads read ``connected``
        #: the connected seats' names by fingerprint, for other threads: a copy
        #: replaced (never changed) at each connection and disconnection
        self.connected: Mapping[str, str] = MappingProxyType({})
        self.blobs_sent: list[str] = []  # content hashes, in order (what crossed the LAN)
        self.refused_connections = 0
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None  # the loop's thread (``threading.get_ident``)
        self._tasks: set[asyncio.Future[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(next(iter(self._server.sockets)).getsockname()[1])

    async def start(self, host: str = "0.0.0.0", port: int = 0) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._server = await serve(
            self._serve,
            host,
            port,
            ssl=server_tls_context(self.identity),
            max_size=protocol.MAX_SEAT_FRAME,
            max_queue=64,
            ping_interval=5,
            ping_timeout=10,
            compression=None,  # documents are compressed already; no decompression bombs
        )
        log.info("Fil des sièges ouvert sur le port %d", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def publish(self, stream: str, event: Event) -> None:
        """Hand a new event to every seat; any thread, never blocks for long.

        From another thread (the kiosk's GUI thread, which goes on to redraw
        the mayor's screen), with a council's seats connected (up to
        ``HANDOVER_WAIT_SEATS``), it waits until the feed's loop has sent the
        event, at most ``HANDOVER_WAIT_S``, the interpreter's lock let go
        meanwhile. Without the wait the feed's thread, woken, waited for that
        lock, which the GUI thread held through its redraw: seven seats got
        the event 0.1 to 4.6 ms after the hand-over (measured; 0.2 to 1 ms
        with the wait), and their repaints came as much later. With a hundred
        seats (the stress benchmark), sending takes longer than the wait and
        the GUI thread, back from it, then fought the feed's thread for the
        lock through the rest of the sends: its longest stall went from 13 to
        22 ms (43 ms with no view), so it does not wait for so many.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        wait = (
            threading.get_ident() != self._loop_thread
            and 0 < len(self.connected) <= HANDOVER_WAIT_SEATS
        )
        taken = threading.Event() if wait else None
        # Closed by its thread between the test and the call: nobody to send to.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._enqueue, stream, event, taken)
            if taken is not None:
                taken.wait(HANDOVER_WAIT_S)

    def revoke(self, device_fingerprint: str) -> None:
        """Withdraw a device: pinned no more, and cut off now if connected; any thread."""
        self.paired.revoke(device_fingerprint)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._cut_off, device_fingerprint)

    def _cut_off(self, device_fingerprint: str) -> None:
        seat = self.seats.get(device_fingerprint)
        if seat is not None:
            self._background(seat.connection.close(4403, "appareil retiré de la table"))

    def _seats_changed(self) -> None:
        self.connected = MappingProxyType({fp: seat.name for fp, seat in self.seats.items()})

    def _background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- one connection ---------------------------------------------------

    async def _serve(self, connection: ServerConnection) -> None:
        nonce = secrets.token_bytes(32)
        try:
            await connection.send(
                encode(
                    {
                        "type": "challenge",
                        "protocol": protocol.PROTOCOL,
                        "nonce": b64(nonce),
                        "server": self.identity.fingerprint,
                        "name": self.identity.name,
                    }
                )
            )
            first = await asyncio.wait_for(connection.recv(), HELLO_TIMEOUT_S)
            message = parse_seat_frame(first, 0)
            seat = await self._admit(connection, message, nonce)
        except (FrameRefused, TimeoutError, ConnectionClosed) as error:
            self.refused_connections += 1
            await _refuse(connection, str(error) or "aucune présentation reçue à temps")
            return
        if seat is None:
            self.refused_connections += 1
            return
        previous = self.seats.get(seat.fingerprint)
        if previous is not None:  # the same device again: the new connection wins
            await previous.connection.close(4409, "reconnecté ailleurs")
        self.seats[seat.fingerprint] = seat
        self._seats_changed()
        writer = asyncio.ensure_future(self._write(seat, message))
        try:
            # Closed by either side (revoked, too slow, reconnected elsewhere,
            # the seat gone): the end of this seat's connection, not a failure.
            with contextlib.suppress(ConnectionClosed):
                await self._read(seat, message)
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await writer
            if self.seats.get(seat.fingerprint) is seat:
                del self.seats[seat.fingerprint]
                self._seats_changed()

    async def _admit(
        self, connection: ServerConnection, message: SeatMessage, nonce: bytes
    ) -> _Seat | None:
        if message.type not in ("hello", "pair"):
            raise FrameRefused("présentation attendue (hello ou pair)")
        cert = message["cert"].encode("ascii", "replace")
        try:
            device = fingerprint(cert)
            signed = verify_signature(
                cert, unb64(message["signature"]), protocol.proof(nonce, self.identity.fingerprint)
            )
        except IdentityError as error:
            raise FrameRefused(f"présentation invalide : {error}") from None
        if not signed:
            raise FrameRefused("présentation invalide : la signature ne correspond pas")
        name = message["name"].strip() or "Siège"
        if message.type == "pair":
            reason = self.window.check(message["code"])
            if reason is not None:
                log.warning("Appairage refusé pour « %s » : %s", name, reason)
                await _refuse(connection, reason, code=4401)
                return None
            self.paired.add(device, name, cert.decode("ascii"))
            log.info("Siège appairé : « %s » (%s)", name, device[:12])
            await connection.send(encode({"type": "paired", "server": self.identity.fingerprint}))
        else:
            known = self.paired.get(device)
            if known is None:
                await _refuse(
                    connection,
                    "Cet appareil n'est pas appairé à la table : sur l'écran du maire, ouvrez "
                    "« Appairer un siège » et tapez ici le code affiché",
                    code=4401,
                )
                return None
            if not known.active:
                await _refuse(
                    connection,
                    f"Cet appareil a été retiré de la table le {(known.revoked_at or '')[:10]} : "
                    "demandez à la mairie de l'appairer de nouveau",
                    code=4403,
                )
                return None
        return _Seat(connection, name, device)

    async def _read(self, seat: _Seat, first: SeatMessage) -> None:
        last_n, refused = first["n"], 0
        async for frame in seat.connection:
            try:
                message = parse_seat_frame(frame, last_n)
            except FrameRefused as error:
                refused += 1
                log.warning("Trame refusée de « %s » : %s", seat.name, error)
                if refused >= MAX_REFUSED_FRAMES:
                    await _refuse(seat.connection, f"trop de trames invalides ({error})")
                    return
                await seat.connection.send(encode({"type": "error", "message": str(error)}))
                continue
            last_n = message["n"]
            if message.type == "blob":
                seat.queue.put_nowait(("blob", message["hash"]))
            elif message.type == "propose_item":
                await self._propose(seat, message)
            elif message.type == "search":
                self._background(self._search(seat, message))
            elif message.type in protocol.NOTES_MESSAGES:
                self._background(self._notes(seat, message))
            else:  # a second hello or pair on a live connection
                await seat.connection.send(
                    encode({"type": "error", "message": "déjà présenté sur cette connexion"})
                )

    async def _propose(self, seat: _Seat, message: SeatMessage) -> None:
        fields = {k: message[k] for k in ("session", "member", "title", "text")}
        answer = (
            "la table ne reçoit pas de propositions"
            if self.on_proposal is None
            else self.on_proposal(fields)
        )
        # This seat's next frames wait for the answer: its proposals keep their order.
        reason = await answer if inspect.isawaitable(answer) else answer
        reply = {"type": "proposal", "n": message["n"], "accepted": reason is None}
        if reason is not None:
            reply["message"] = reason
        seat.queue.put_nowait(("frame", reply))

    async def _search(self, seat: _Seat, message: SeatMessage) -> None:
        reply: dict[str, Any] = {"type": "search", "n": message["n"]}
        if self.on_search is None:
            reply["message"] = "La recherche n'est pas disponible sur cette table"
        else:
            try:
                reply["hits"] = await asyncio.to_thread(
                    self.on_search, message["query"], message["limit"]
                )
            except Exception as error:  # the index is the master's business, not the seat's
                log.exception("Recherche d'un siège en échec")
                reply["message"] = f"La recherche a échoué sur la table : {error}"
        seat.queue.put_nowait(("frame", reply))

    async def _notes(self, seat: _Seat, message: SeatMessage) -> None:
        reply: dict[str, Any] = {"type": "notes", "n": message["n"]}
        async with seat.notes_turn:
            if self.on_notes is None:
                reply["message"] = "Les notes privées ne sont pas disponibles sur cette table"
            else:
                try:
                    reply.update(
                        await asyncio.to_thread(self.on_notes, message.type, dict(message.fields))
                    )
                except Exception as error:  # the store is the master's business
                    log.exception("Notes privées d'un siège en échec")
                    reply["message"] = f"Les notes n'ont pas pu être lues ou écrites : {error}"
        seat.queue.put_nowait(("frame", reply))

    # --- what a seat receives -------------------------------------------------

    def _enqueue(self, stream: str, event: Event, taken: threading.Event | None = None) -> None:
        # Encoded once for every seat: with a hundred of them, the JSON was the cost.
        frame = encode({"type": "events", "stream": stream, "events": [event.to_json()]})
        for seat in list(self.seats.values()):
            if seat.queue.qsize() >= MAX_QUEUED:
                log.warning("Siège « %s » trop lent : déconnecté, il rattrapera", seat.name)
                self._background(seat.connection.close(4408, "trop de retard"))
                continue
            seat.queue.put_nowait(("event", (stream, event, frame)))
        if taken is not None:
            # After the writers woken above have had their turn (the loop runs
            # its ready callbacks in order): their frames are on their way.
            asyncio.get_running_loop().call_soon(taken.set)

    async def _write(self, seat: _Seat, hello: SeatMessage) -> None:
        """Catch up, then follow: one writer per seat keeps every frame in order."""
        after = {
            "journal": hello.fields.get("journal_after", 0),
            "documents": hello.fields.get("documents_after", 0),
        }
        for stream in STREAMS:
            await self._catch_up(seat, stream, int(after[stream]))
        await seat.connection.send(encode({"type": "live", **seat.sent}))
        while True:
            kind, value = await seat.queue.get()
            if kind == "event":
                stream, event, frame = value
                if event.seq <= seat.sent[stream]:
                    continue  # already sent while catching up
                if event.seq != seat.sent[stream] + 1:  # a gap: read it from the store
                    await self._catch_up(seat, stream, seat.sent[stream], reset=False)
                    if event.seq <= seat.sent[stream]:
                        continue
                await seat.connection.send(frame)
                seat.sent[stream] = event.seq
            elif kind == "blob":
                await self._send_blob(seat, value)
            else:
                await seat.connection.send(encode(value))

    async def _catch_up(self, seat: _Seat, stream: str, after: int, reset: bool = True) -> None:
        source = self.sources[stream]
        last = await asyncio.to_thread(source.last_seq)
        if reset and (after > last or last - after > protocol.SNAPSHOT_AFTER):
            # Too far behind, or ahead of a journal the master does not have: start over.
            await seat.connection.send(encode({"type": "snapshot", "stream": stream}))
            after = 0
        seat.sent[stream] = after
        events = await asyncio.to_thread(source.events, after)
        for start in range(0, len(events), protocol.EVENTS_PER_FRAME):
            await self._send_events(seat, stream, events[start : start + protocol.EVENTS_PER_FRAME])

    async def _send_events(self, seat: _Seat, stream: str, events: list[Event]) -> None:
        if not events:
            return
        await seat.connection.send(
            encode({"type": "events", "stream": stream, "events": [e.to_json() for e in events]})
        )
        seat.sent[stream] = events[-1].seq

    async def _send_blob(self, seat: _Seat, content_hash: str) -> None:
        path = self.blob_path(content_hash)
        if path is None or not path.is_file():
            await seat.connection.send(
                encode(
                    {"type": "blob_missing", "hash": content_hash, "message": "document inconnu"}
                )
            )
            return
        # The bytes sent are the viewable file (an office document's PDF
        # conversion): the seat checks them against their own digest.
        digest, size = await asyncio.to_thread(_digest, path)
        await seat.connection.send(
            encode({"type": "blob", "hash": content_hash, "size": size, "sha256": digest})
        )
        with path.open("rb") as source:
            while chunk := await asyncio.to_thread(source.read, protocol.BLOB_CHUNK):
                await seat.connection.send(chunk)
        await seat.connection.send(encode({"type": "blob_end", "hash": content_hash}))
        self.blobs_sent.append(content_hash)


def _digest(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


async def _refuse(connection: ServerConnection, message: str, code: int = 1008) -> None:
    """Say why in French, then close: the seat shows the message as it is."""
    with contextlib.suppress(ConnectionClosed):
        await connection.send(encode({"type": "refused", "message": message}))
        await connection.close(code, message[:120].encode("utf-8")[:120].decode("utf-8", "ignore"))


__all__ = [
    "MAX_REFUSED_FRAMES",
    "STREAMS",
    "EmptyStream",
    "FeedServer",
    "server_tls_context",
]
