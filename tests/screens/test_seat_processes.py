"""Seats on the network as real processes on loopback (issue 11).

A master table runs in its own process (bench/master_process.py: the demo
commune's engine, the views offscreen, ``SeatService`` serving TLS WebSockets
and announcing itself with zeroconf on 127.0.0.1); each seat is a
``table-app seat`` process, read through the state file it rewrites after
each change. Nothing here measures speed: every wait polls a state file with
a generous deadline. The in-process versions of these scenarios, and the
malformed frames, are in tests/sync/test_seat_feed.py.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from demo import demo_config
from sync.net.client import PIN_FILE
from tests.seat_processes import Master, SeatProcess, State, demo_commands, same_state

#: The demo session's commands with their author, in order.
COMMANDS = demo_commands()
SESSION = "2026-11-28"


class Table:
    """The processes of one test: a master and its seats, all ended in ``close``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.master: Master | None = None
        self.seats: list[SeatProcess] = []

    def start_master(self, **options: Any) -> Master:
        self.master = Master(self.root / "maitre", **options)
        return self.master

    def seat(self, name: str, **options: Any) -> SeatProcess:
        seat = SeatProcess(self.root, name, **options)
        self.seats.append(seat)
        return seat

    def paired_seat(self, name: str, *, discover: bool = False) -> SeatProcess:
        """A new seat paired with a fresh code (one at a time), connected and live."""
        assert self.master is not None
        code = self.master.pair()
        address = None if discover else self.master.address
        seat = self.seat(name, code=code, master=address)
        seat.wait_for(lambda s: s["paired"] and s["connected"], "appairé et connecté")
        return seat

    def restart(self, seat: SeatProcess, **options: Any) -> SeatProcess:
        """The same device (same folder) started again."""
        return self.seat(seat.name, folder=seat.folder, **options)

    def close(self) -> None:
        for seat in self.seats:
            try:
                seat.stop()
            except Exception:  # the next ones must be ended all the same
                seat.kill()
        if self.master is not None:
            self.master.close()


@pytest.fixture
def table(tmp_path: Path) -> Iterator[Table]:
    processes = Table(tmp_path)
    try:
        yield processes
    finally:
        processes.close()


def caught_up(master: Master, *seats: SeatProcess) -> State:
    """Wait until every seat holds exactly the master's state; the master's state."""
    wanted = master.state()
    for seat in seats:
        seat.wait_for(
            lambda s: same_state(s, wanted), f"l'état du maître (journal {wanted['journal']})"
        )
    return wanted


def shows_agenda(seat: State, session: dict[str, Any]) -> bool:
    lines = seat["shown"].get("agenda", [])
    return len(lines) == len(session["items"]) and all(
        f"{item['position']}. {item['title']}" in line
        for item, line in zip(session["items"], lines, strict=True)
    )


def network_lost(seat: State) -> bool:
    return not seat["connected"] and "Réseau perdu" in seat["status"]


def test_three_seats_find_the_master_pair_and_follow_the_whole_session(table: Table) -> None:
    master = table.start_master()
    # Found by zeroconf (no --master), each with the code the master showed for it.
    seats = [table.paired_seat(f"Siège {n}", discover=True) for n in (1, 2, 3)]
    assert master.state()["seats"] == ["Siège 1", "Siège 2", "Siège 3"]

    master.play(COMMANDS)

    wanted = caught_up(master, *seats)
    session = wanted["sessions"][SESSION]
    assert session["status"] == "close"
    assert wanted["journal"] == len(COMMANDS)
    for seat in seats:
        state = seat.wait_for(lambda s: shows_agenda(s, session), "l'ordre du jour affiché")
        assert state["session"] == SESSION
        assert state["status"] == "Connecté à la table"


def test_a_killed_seat_and_a_network_cut_are_caught_up(table: Table) -> None:
    master = table.start_master(views=False)
    first = table.paired_seat("Siège 1")
    second = table.paired_seat("Siège 2")
    master.play(COMMANDS[:15])
    caught_up(master, first, second)

    # The first seat's battery dies mid-session; the session goes on.
    first.kill()
    master.play(COMMANDS[15:25])
    caught_up(master, second)
    first = table.restart(first)  # no code: it is paired; its pin says where the table is
    assert caught_up(master, first, second)["journal"] == 25

    # The network goes: the seats say so and keep what they have.
    assert master.send("stop_server") == {"ok": True}
    for seat in (first, second):
        seat.wait_for(network_lost, "« Réseau perdu », déconnecté")
    master.play(COMMANDS[25:40])
    behind = master.state()["journal"]
    for seat in (first, second):
        state = seat.state()
        assert state is not None
        assert state["journal"] == 25 < behind
        assert not state["connected"]

    assert master.send("start_server") == {"ok": True}
    caught_up(master, first, second)
    for seat in (first, second):
        seat.wait_for(lambda s: s["connected"], "reconnecté")
    master.play(COMMANDS[40:])
    wanted = caught_up(master, first, second)
    assert wanted["sessions"][SESSION]["status"] == "close"


def test_unpaired_mistyped_and_revoked_devices_get_nothing(table: Table) -> None:
    master = table.start_master(views=False)
    master.play(COMMANDS[:5])

    # A device never paired: it asks nothing of the table and says why.
    stranger = table.seat("Tablette inconnue", master=master.address, browse=False)
    state = stranger.wait_for(lambda s: "n'est pas appairé" in s["status"], "non appairé")
    assert (state["paired"], state["journal"], state["sessions"]) == (False, 0, {})

    # A wrong code while the window is open with another one: refused, no pin kept.
    code = master.pair()
    wrong = "000000" if code != "000000" else "111111"
    mistyped = table.seat("Siège mal tapé", code=wrong, master=master.address)
    assert mistyped.wait_exit() == 2
    assert "Code erroné" in mistyped.stderr()
    assert not (mistyped.folder / PIN_FILE).exists()

    # The right code still pairs (one wrong try does not close the window).
    witness = table.seat("Siège 1", code=code, master=master.address)
    witness.wait_for(lambda s: s["paired"] and s["connected"], "appairé et connecté")
    revoked = table.paired_seat("Siège 2")
    wanted = caught_up(master, witness, revoked)

    # A device holding a copy of a paired seat's pin, but not its key.
    copycat_folder = table.root / "copie"
    copycat_folder.mkdir()
    shutil.copy(witness.folder / PIN_FILE, copycat_folder / PIN_FILE)
    copycat = table.seat("Tablette copiée", folder=copycat_folder, browse=False)
    state = copycat.wait_for(
        lambda s: "n'est pas appairé à la table" in s["status"], "refusé par la table"
    )
    assert (state["journal"], state["sessions"], state["connected"]) == (0, {}, False)

    # The mayor withdraws a seat: it is cut off and told why.
    assert master.send("revoke", name="Siège 2") == {"ok": True}
    state = revoked.wait_for(
        lambda s: "retiré de la table" in s["status"] and not s["connected"], "retiré"
    )
    assert state["journal"] == wanted["journal"]

    # The session goes on: the paired seat follows, the others get nothing.
    master.play(COMMANDS[5:20])
    now = caught_up(master, witness)
    assert now["journal"] > wanted["journal"]
    assert now["seats"] == ["Siège 1"]
    for device, journal in ((revoked, wanted["journal"]), (copycat, 0), (stranger, 0)):
        held = device.state()
        assert held is not None
        assert (held["journal"], held["connected"]) == (journal, False), device.name
        if journal == 0:
            assert held["sessions"] == {}, device.name

    # Started again, the withdrawn seat is refused at once.
    revoked.stop()
    again = table.restart(revoked)
    state = again.wait_for(lambda s: "retiré de la table" in s["status"], "refusé (retiré)")
    assert (state["journal"], state["sessions"]) == (0, {})


def _largest_pdf(master: Master, documents: dict[str, str]) -> tuple[int, str, int]:
    """(document id, hash, page count) of the master's longest PDF."""
    folder = demo_config(master.folder).documents_folder
    ids = {content_hash: int(document_id) for document_id, content_hash in documents.items()}
    best: tuple[int, str, int] | None = None
    for path in folder.rglob("*.pdf"):
        content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        if content_hash not in ids:
            continue
        with pymupdf.open(path) as doc:
            pages = doc.page_count
        if best is None or pages > best[2]:
            best = (ids[content_hash], content_hash, pages)
    assert best is not None, f"aucun PDF du maître parmi {documents}"
    return best


def shows_document(content_hash: str, page: int) -> Any:
    def check(seat: State) -> bool:
        shown = seat["shown"]
        document = shown.get("document") or {}
        return (
            content_hash in seat["cached"]
            and shown.get("following") is True
            and document.get("page") == page
            and bool(document.get("title"))
        )

    return check


def test_a_projected_document_crosses_the_lan_once_per_seat(table: Table) -> None:
    master = table.start_master(documents=True, views=False, ready_s=240)
    documents = master.state()["documents"]
    document_id, content_hash, pages = _largest_pdf(master, documents)
    assert pages >= 5
    title = "Budget principal 2026, décision modificative n° 2"

    first = table.paired_seat("Siège 1")
    upto = next(
        n
        for n, (command, _by) in enumerate(COMMANDS)
        if command["cmd"] == "take_up" and command.get("item") == "p2"
    )
    master.play(COMMANDS[: upto + 1])
    project = {"cmd": "project", "document": document_id, "title": title, "hash": content_hash}
    master.execute({**project, "page": 5})

    state = first.wait_for(shows_document(content_hash, 5), "le document projeté, page 5", 120)
    assert state["shown"]["projection"] == f"Le maire projette : {title}, page 5"
    first_title = state["shown"]["document"]["title"]
    assert master.state()["blobs_sent"] == [content_hash]

    # A second seat joins while the document is projected: it opens it too,
    # and the document crosses the LAN once for it.
    second = table.paired_seat("Siège 2")
    state = second.wait_for(shows_document(content_hash, 5), "le document en cours, page 5", 120)
    assert state["shown"]["document"]["title"] == first_title
    assert master.state()["blobs_sent"] == [content_hash, content_hash]

    # Restarted, the first seat shows the projection from its own cache.
    first.stop()
    first = table.restart(first)
    first.wait_for(shows_document(content_hash, 5), "le document en cours, depuis le cache", 120)
    master.execute({**project, "page": 3})
    for seat in (first, second):
        seat.wait_for(shows_document(content_hash, 3), "le document projeté, page 3", 120)
    wanted = caught_up(master, first, second)
    assert wanted["blobs_sent"] == [content_hash, content_hash]  # nothing sent again
