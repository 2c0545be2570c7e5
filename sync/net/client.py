"""The seat's side of the feed: pair once, then follow the master, whatever the network does.

A ``SeatLink`` keeps one TLS WebSocket to the master. It checks the master's
certificate against the fingerprint pinned at pairing (a table it was not
paired with gets nothing from it), answers the master's challenge with its
own key, and hands the events of each stream, in order, to ``on_events``.
When the network goes, it says so through ``on_status``, keeps what it has,
and reconnects by itself, resuming after the last event it holds; a seat too
far behind is sent the whole journal again (``reset``).

Documents are fetched by content hash and cached on the seat: a 120-page
budget crosses the LAN once, and never again for that seat.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from sync.net import protocol
from sync.net.identity import Identity, fingerprint_of_der
from sync.net.protocol import b64, encode, unb64
from table_app.atomic_files import atomic_write_bytes
from table_app.journal import Event

log = logging.getLogger("sync.net.client")

PIN_FILE = "table-appairee.json"
#: Seconds between attempts to reach the master again: a LAN, so often and cheaply.
RECONNECT_S = (0.1, 0.25, 0.5)
#: Failed attempts (about 2 s apart at most) before looking for the master elsewhere on the LAN.
LOCATE_EVERY = 8
#: Finds the tables answering on the LAN: their (host, port).
Locator = Callable[[], Awaitable[list[tuple[str, int]]]]
#: Close codes after which trying again changes nothing until a person acts.
FINAL_CODES = {4401, 4403}

#: ``on_events(stream, events, reset)``: reset means "forget this stream first".
EventsHandler = Callable[[str, list[Event], bool], None]
StatusHandler = Callable[[str], None]


class LinkError(Exception):
    """The master refused, or is not the table this seat was paired with (French)."""


@dataclass(frozen=True)
class Pin:
    server: str
    name: str
    host: str
    port: int


def read_pin(folder: Path) -> Pin | None:
    path = folder / PIN_FILE
    if not path.exists():
        return None
    return Pin(**json.loads(path.read_text(encoding="utf-8")))


def _connect(host: str, port: int, **options: Any) -> Any:
    """One TLS WebSocket to the master (``async with``)."""
    return connect(
        f"wss://{host}:{port}/",
        ssl=_client_tls(),
        max_size=protocol.MAX_MASTER_FRAME,
        compression=None,
        **options,
    )


def _client_tls() -> ssl.SSLContext:
    # No authority to check against: the master's certificate is checked by its
    # pinned fingerprint right after the handshake, before anything is sent.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SeatLink:
    def __init__(
        self,
        identity: Identity,
        folder: Path,
        on_events: EventsHandler,
        on_status: StatusHandler = lambda _message: None,
    ) -> None:
        self.identity = identity
        self.folder = folder
        self.cache = folder / "documents"
        self.on_events = on_events
        self.on_status = on_status
        self.last = {"journal": 0, "documents": 0}
        #: the hash of the last event held, per stream: the next one must link to it
        self.last_hash: dict[str, str] = {"journal": "", "documents": ""}
        #: streams to forget when their events come again from the start
        self._resync: set[str] = set()
        self.connected = asyncio.Event()
        self.live = asyncio.Event()
        self.final_refusal: str | None = None
        self._ws: ClientConnection | None = None
        self._n = 0
        self._stopping = False
        self._blob_waiters: dict[str, list[asyncio.Future[Path]]] = {}
        self._blob: tuple[str, str, int, bytearray] | None = None
        self._proposals: dict[int, asyncio.Future[str | None]] = {}
        self._searches: dict[int, asyncio.Future[list[dict[str, Any]]]] = {}
        self._notes: dict[int, asyncio.Future[dict[str, Any]]] = {}

    # --- pairing ----------------------------------------------------------

    async def probe(self, host: str, port: int) -> str:
        """The certificate fingerprint of the table at ``host:port``, to show
        beside the code before pairing (the mayor's screen shows its own)."""
        async with _connect(host, port, open_timeout=5) as ws:
            return self._server_fingerprint(ws)

    async def pair(self, host: str, port: int, code: str, expect: str | None = None) -> Pin:
        """Pair with the master at ``host:port`` with the code its screen shows;
        ``expect``: the fingerprint the person saw and compared (refused if it changed)."""
        async with _connect(host, port, open_timeout=10) as ws:
            server = self._server_fingerprint(ws)
            if expect is not None and server != expect:
                raise LinkError(
                    "La table qui répond n'a plus l'empreinte affichée : rien n'a été envoyé "
                    "(vérifiez l'empreinte sur l'écran du maire et recommencez)"
                )
            name = await self._present(ws, server, {"type": "pair", "code": code})
            reply = json.loads(await ws.recv())
            if reply.get("type") != "paired":
                raise LinkError(str(reply.get("message") or "appairage refusé"))
        pin = Pin(server, name, host, port)
        self._save_pin(pin)
        return pin

    # --- following --------------------------------------------------------

    async def run(
        self,
        host: str | None = None,
        port: int | None = None,
        locate: Locator | None = None,
    ) -> None:
        """Follow the paired master until ``stop``; reconnects by itself.

        ``locate`` finds the tables answering on the LAN (zeroconf): when the
        master has not answered at its address for a few seconds (a new
        address from the mairie's box), each table found is tried, and only
        the one with the pinned certificate is followed.
        """
        pin = read_pin(self.folder)
        if pin is None:
            raise LinkError(
                "Ce siège n'est pas appairé : tapez le code affiché sur l'écran du maire"
            )
        address = (host or pin.host, port or pin.port)
        attempt = 0
        while not self._stopping:
            try:
                await self._follow(*address, pin.server)
                attempt = 0
            except LinkError as error:
                self.final_refusal = str(error)
                self.on_status(str(error))
                return
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as error:
                log.info("Lien avec la table perdu : %s", error)
            finally:
                self._lost()
            if self.stopping:
                return
            self.on_status("Réseau perdu : le dernier état reste affiché, reconnexion…")
            await asyncio.sleep(RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)])
            attempt += 1
            if locate is not None and attempt % LOCATE_EVERY == 0:
                found = await self._relocate(locate, pin, address)
                if found is not None:
                    address = found
                    attempt = 0

    async def _relocate(
        self, locate: Locator, pin: Pin, current: tuple[str, int]
    ) -> tuple[str, int] | None:
        """The pinned master at another address, if one of the tables found is it."""
        try:
            candidates = [a for a in await locate() if a != current]
        except OSError as error:
            log.info("Recherche des tables impossible : %s", error)
            return None
        for candidate in candidates:
            try:
                async with _connect(*candidate, open_timeout=3) as ws:
                    if self._server_fingerprint(ws) != pin.server:
                        continue
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, LinkError):
                continue
            log.info("La table a changé d'adresse : %s:%d", *candidate)
            moved = Pin(pin.server, pin.name, candidate[0], candidate[1])
            self._save_pin(moved)
            return candidate
        return None

    def _lost(self) -> None:
        self._ws = None
        self.connected.clear()
        self.live.clear()
        self._fail_waiters()

    def _save_pin(self, pin: Pin) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(
            self.folder / PIN_FILE,
            json.dumps(pin.__dict__, ensure_ascii=False).encode("utf-8"),
            mode=0o600,
        )

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()

    async def _follow(self, host: str, port: int, pinned: str) -> None:
        async with _connect(host, port, open_timeout=5, ping_interval=5, ping_timeout=10) as ws:
            server = self._server_fingerprint(ws)
            if server != pinned:
                raise LinkError(
                    "La table qui répond n'est pas celle avec laquelle ce siège a été appairé : "
                    "rien n'en est accepté (demandez à la mairie de l'appairer de nouveau)"
                )
            await self._present(
                ws,
                server,
                {
                    "type": "hello",
                    "journal_after": self.last["journal"],
                    "documents_after": self.last["documents"],
                },
            )
            self._ws = ws
            self.connected.set()
            try:
                async for frame in ws:
                    self._receive(frame)
            except ConnectionClosed:
                pass
            code = ws.close_code
            if code in FINAL_CODES:
                raise LinkError(ws.close_reason or "refusé par la table")

    def _receive(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            if self._blob is not None:
                self._blob[3].extend(frame)
            return
        message = json.loads(frame)
        kind = message.get("type")
        if kind == "events":
            stream = message["stream"]
            events = [Event.from_json(raw) for raw in message["events"]]
            if not events:
                return
            if events[0].seq != self.last[stream] + 1:
                raise ConnectionClosed(None, None)  # a gap: reconnect and resume
            held = self.last_hash[stream]
            if held and events[0].prev_hash and events[0].prev_hash != held:
                # The master's journal is not the one this seat followed (restored
                # from a backup, replaced): start again from its first event.
                log.warning("Journal de la table différent de celui suivi : reprise au début")
                self.last[stream], self.last_hash[stream] = 0, ""
                self._resync.add(stream)
                raise ConnectionClosed(None, None)
            reset = stream in self._resync and events[0].seq == 1
            self._resync.discard(stream)
            self.last[stream] = events[-1].seq
            self.last_hash[stream] = events[-1].hash
            self.on_events(stream, events, reset)
        elif kind == "snapshot":
            self.last[message["stream"]] = 0
            self.last_hash[message["stream"]] = ""
            self._resync.discard(message["stream"])
            self.on_events(message["stream"], [], True)
        elif kind == "live":
            self.live.set()
            self.on_status("Connecté à la table")
        elif kind == "blob":
            self._blob = (message["hash"], message["sha256"], int(message["size"]), bytearray())
        elif kind == "blob_end" and self._blob is not None:
            content_hash, digest, size, data = self._blob
            self._blob = None
            self._blob_arrived(content_hash, digest, size, bytes(data))
        elif kind == "blob_missing":
            for waiter in self._blob_waiters.pop(message["hash"], []):
                if not waiter.done():
                    waiter.set_exception(LinkError("Document inconnu de la table"))
        elif kind == "proposal":
            waiter_p = self._proposals.pop(int(message["n"]), None)
            if waiter_p is not None and not waiter_p.done():
                waiter_p.set_result(None if message["accepted"] else str(message["message"]))
        elif kind == "search":
            waiter_s = self._searches.pop(int(message["n"]), None)
            if waiter_s is not None and not waiter_s.done():
                if "hits" in message:
                    waiter_s.set_result(list(message["hits"]))
                else:
                    waiter_s.set_exception(LinkError(str(message.get("message"))))
        elif kind == "notes":
            waiter_n = self._notes.pop(int(message["n"]), None)
            if waiter_n is not None and not waiter_n.done():
                if "message" in message:
                    waiter_n.set_exception(LinkError(str(message["message"])))
                else:
                    waiter_n.set_result(dict(message))
        elif kind in ("refused", "error"):
            self.on_status(str(message.get("message")))

    # --- documents and proposals ------------------------------------------

    def cached(self, content_hash: str) -> Path | None:
        path = self.cache / content_hash
        return path if path.is_file() else None

    async def fetch(self, content_hash: str) -> Path:
        """The document's bytes on this seat: from the cache, else once from the master."""
        if (path := self.cached(content_hash)) is not None:
            return path
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        first = content_hash not in self._blob_waiters
        self._blob_waiters.setdefault(content_hash, []).append(future)
        if first:
            await self._send({"type": "blob", "hash": content_hash})
        return await future

    async def propose(self, session: str, member: str, title: str, text: str = "") -> str | None:
        """Propose a point; None if the master recorded it, else its refusal in French."""
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        await self._send(
            {
                "type": "propose_item",
                "session": session,
                "member": member,
                "title": title,
                "text": text,
            },
            waiter=future,
        )
        return await future

    async def search(self, query: str, limit: int = 30) -> list[dict[str, Any]]:
        """The master's search hits for ``query`` (``sync.search.Hit.to_json`` objects)."""
        future: asyncio.Future[list[dict[str, Any]]] = asyncio.get_running_loop().create_future()
        await self._send({"type": "search", "query": query[:200], "limit": limit}, searcher=future)
        return await future

    async def notes(
        self, kind: str, member: str, pin: str, content_hash: str, **fields: Any
    ) -> dict[str, Any]:
        """A member's private notes frame (``notes_list``, ``notes_save`` with
        ``note``, ``notes_erase`` with ``id``, ``notes_export``): the master's
        answer, or ``LinkError`` with its refusal in French (a wrong code…)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        await self._send(
            {"type": kind, "member": member, "pin": pin, "hash": content_hash, **fields},
            noter=future,
        )
        return await future

    async def _send(
        self,
        message: dict[str, Any],
        waiter: asyncio.Future[str | None] | None = None,
        searcher: asyncio.Future[list[dict[str, Any]]] | None = None,
        noter: asyncio.Future[dict[str, Any]] | None = None,
    ) -> int:
        if self._ws is None:
            raise LinkError("Pas de lien avec la table pour l'instant")
        self._n += 1
        if waiter is not None:
            self._proposals[self._n] = waiter
        if searcher is not None:
            self._searches[self._n] = searcher
        if noter is not None:
            self._notes[self._n] = noter
        await self._ws.send(encode({**message, "n": self._n}))
        return self._n

    def _blob_arrived(self, content_hash: str, digest: str, size: int, data: bytes) -> None:
        waiters = self._blob_waiters.pop(content_hash, [])
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            error = LinkError("Document reçu altéré (empreinte différente) : il sera redemandé")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            return
        path = self.cache / content_hash
        self.cache.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(path)

    def _fail_waiters(self) -> None:
        error = LinkError("Lien avec la table perdu")
        for waiters in self._blob_waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
        self._blob_waiters.clear()
        for waiter_p in self._proposals.values():
            if not waiter_p.done():
                waiter_p.set_exception(error)
        self._proposals.clear()
        for waiter_s in self._searches.values():
            if not waiter_s.done():
                waiter_s.set_exception(error)
        self._searches.clear()
        for waiter_n in self._notes.values():
            if not waiter_n.done():
                waiter_n.set_exception(error)
        self._notes.clear()
        self._blob = None

    # --- handshake ----------------------------------------------------------

    @staticmethod
    def _server_fingerprint(ws: ClientConnection) -> str:
        ssl_object = ws.transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        if not der:
            raise LinkError("La table n'a présenté aucun certificat")
        return fingerprint_of_der(der)

    async def _present(self, ws: ClientConnection, server: str, message: dict[str, Any]) -> str:
        """Answer the master's challenge with this device's certificate and
        signature (frame n° 1 of the connection); returns the master's name."""
        challenge, name = await self._challenge(ws, server)
        self._n = 1
        await ws.send(
            encode(
                {
                    **message,
                    "n": 1,
                    "name": self.identity.name,
                    "cert": self.identity.cert_pem.decode("ascii"),
                    "signature": b64(self.identity.sign(protocol.proof(challenge, server))),
                }
            )
        )
        return name

    @staticmethod
    async def _challenge(ws: ClientConnection, server: str) -> tuple[bytes, str]:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("type") != "challenge" or message.get("protocol") != protocol.PROTOCOL:
            raise LinkError("Ce serveur ne parle pas le protocole de la table du conseil")
        if message.get("server") != server:
            raise LinkError("La table annonce un certificat qui n'est pas le sien")
        return unb64(str(message["nonce"])), str(message.get("name") or "")


__all__ = ["FINAL_CODES", "LinkError", "Pin", "SeatLink", "read_pin"]
