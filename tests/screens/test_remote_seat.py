"""A seat device's screen (``table-app seat``) in front of a real master, in one
process: the seat on the Qt loop (qasync), the master serving from its own
``seat-feed`` thread as the kiosk does. Pairing typed on its keypad, the session
followed, a document projected and fetched by hash, a proposal and a search
asked over the network, and the network lost and found again. The same in
separate processes is in test_seat_processes.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest
import qasync
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from screens.document_viewer import DocumentViewer
from screens.note_layer import NoteTool
from screens.remote_seat import SeatDevice
from screens.render import PageRenderer
from screens.seat_service import SeatService
from screens.seat_view import ProposeDialog, SeatScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from sync.library import DocumentLibrary
from sync.net.identity import load_or_create_identity, short_fingerprint
from sync.search import DeliberationIndexer
from sync.workers import ExtractionPool
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.council.state import ItemStatus
from table_app.journal import Journal
from table_app.notes import Note
from table_app.report import session_json
from table_app.store import Database
from tests.notes_support import MEMBER_A, MEMBER_B, PINS, with_pins
from tests.screens.paints import Paints
from tests.screenshots import screenshot_folder
from tests.support import QUORUM, budget_under_discussion


@pytest.fixture
def library(database: Database, config: Config) -> Iterator[DocumentLibrary]:
    folder = config.documents_folder
    target = folder / "Séances" / "2026-11-28" / "01 - Budget primitif" / "budget.pdf"
    target.parent.mkdir(parents=True)
    doc = pymupdf.open()
    for n in range(6):
        doc.new_page().insert_text(
            (72, 72), f"Budget primitif 2027, section de fonctionnement, page {n + 1}", fontsize=14
        )
    doc.save(target)
    doc.close()
    with ExtractionPool(processes=1) as pool:
        books = DocumentLibrary(database, folder, config.data_dir, pool)
        books.reconcile()
        yield books


@pytest.fixture
def renderer() -> Iterator[PageRenderer]:
    pages = PageRenderer(processes=1)
    yield pages
    pages.close()


def run_in_qt_loop(qapp: QApplication, scenario: Callable[[], Any]) -> None:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), 90))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def shot(widget: Any, tmp_path: Path, name: str) -> None:
    """A screenshot of what the councillor sees (``tests.screenshots``). Every pixel of
    it is painted: the device draws no background of its own under its
    children's (a pixel left to it would be transparent here, stale on screen)."""
    folder = screenshot_folder(tmp_path)
    picture = widget.grab()
    image = picture.toImage()
    unpainted = [
        (x, y)
        for y in range(0, image.height(), 8)
        for x in range(0, image.width(), 8)
        if image.pixelColor(x, y).alpha() < 255
    ]
    assert not unpainted, f"{len(unpainted)} points left unpainted, first {unpainted[:5]}"
    assert picture.save(str(folder / f"{name}.png"))


def seat_of(device: SeatDevice) -> SeatScreen:
    assert device.seat is not None, "the seat is shown once paired"
    return device.seat


async def until(condition: Callable[[], bool], within_s: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_a_seat_device_pairs_follows_fetches_proposes_searches_and_survives_a_cut(
    qtbot: QtBot,
    qapp: QApplication,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    renderer: PageRenderer,
    database: Database,
    tmp_path: Path,
) -> None:
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine, library=library)
    indexer = DeliberationIndexer(database, engine)
    service = SeatService(engine, config.data_dir, config.commune.name, library=library)
    identity = load_or_create_identity(tmp_path / "tablette" / "identite", "Tablette 1")
    device: SeatDevice | None = None

    def master(command: dict[str, Any]) -> None:
        assert model.execute(command) is not None, command

    def same_state() -> bool:
        assert device is not None
        ours = {k: session_json(v) for k, v in device.table.state.sessions.items()}
        theirs = {k: session_json(v) for k, v in engine.state.sessions.items()}
        return ours == theirs

    async def scenario() -> None:
        nonlocal device
        port = service.start("127.0.0.1", 0)
        device = SeatDevice(
            identity,
            tmp_path / "tablette",
            lambda parent: DocumentViewer(renderer, parent),
            master=("127.0.0.1", port),
            browse=False,
        )
        qtbot.addWidget(device)
        device.resize(1920, 1080)
        device.show()
        device.start()
        pairing = device.pairing
        assert pairing.isVisible()
        assert pairing.chosen() is not None  # the table given on the command line
        # Its fingerprint, to compare with the one on the mayor's screen.
        expected = short_fingerprint(service.identity.fingerprint)
        await until(lambda: pairing.fingerprint.text() == expected)

        # A mistyped code: refused in words, nothing pinned.
        code = service.window.open()
        wrong = "0" * 6 if code != "0" * 6 else "1" * 6
        pairing.type_code(wrong)
        pairing.pair_button.click()
        await until(lambda: "Code erroné" in pairing.banner.text())
        shot(device, tmp_path, "siege-reseau-1-appairage")
        assert device.seat is None
        assert not (tmp_path / "tablette" / "table-appairee.json").exists()

        # The right one: the seat follows the table.
        pairing.type_code(code)
        assert pairing.display.text() == " ".join(code)
        pairing.pair_button.click()
        await until(lambda: device.seat is not None and device.link.live.is_set())
        seat = seat_of(device)
        assert [d.name for d in service.paired.all()] == ["Tablette 1"]

        master(
            {
                "cmd": "convene",
                "id": "2026-11-28",
                "date": "2026-11-28",
                "convened_on": "2026-11-20",
                "agenda": [{"title": "Budget primitif 2027"}, {"title": "Voirie communale"}],
            }
        )
        for member in QUORUM:
            master({"cmd": "arrive", "member": member})
        master({"cmd": "open"})
        master({"cmd": "name_secretaries", "members": ["brousseau"]})
        # A seat tells when an event's repaint is done (the benchmarks' clock):
        # the ordre du jour must be drawn by then, not laid out and drawn at
        # the list's next timer, after the window's repaint.
        await until(same_state)
        list_paints = Paints(seat.agenda.viewport())
        reported: list[tuple[int, int]] = []
        device.painted.connect(lambda seq: reported.append((seq, list_paints.count)))
        before = list_paints.count
        taken_up = model.execute({"cmd": "take_up", "item": "p1"})
        assert taken_up is not None
        seq_taken_up = taken_up.event.seq
        await until(same_state)
        await until(lambda: any(seq >= seq_taken_up for seq, _n in reported))
        assert next(n for seq, n in reported if seq >= seq_taken_up) > before
        assert "1. Budget primitif 2027" in seat.agenda.item(0).text()
        assert not device.strip.isVisible()

        # The mayor projects page 3: the seat fetches the budget once and shows it.
        budget = next(d for d in library.documents() if d["title"].startswith("budget"))
        master(
            {
                "cmd": "project",
                "document": budget["document_id"],
                "title": budget["title"],
                "page": 3,
                "hash": budget["hash"],
            }
        )
        viewer = seat.documents.viewer
        assert isinstance(viewer, DocumentViewer)
        await until(lambda: viewer.current_page() == 3 and viewer.displayed_is_exact())
        assert service.server.blobs_sent.count(budget["hash"]) == 1
        assert (tmp_path / "tablette" / "documents" / budget["hash"]).is_file()
        assert seat.projection_label.text().startswith("Le maire projette")
        # The picture once the strip's first thumbnails are drawn, not their blank stand-ins.
        await until(lambda: all(viewer._thumbnail(row) is not None for row in range(3)))
        await until(lambda: not viewer._thumb_rows)
        await asyncio.sleep(0.1)
        shot(device, tmp_path, "siege-reseau-2-suit-le-maire")

        # A proposal typed in the seat's dialog is recorded by the master.
        seat.propose_button.click()
        await until(lambda: seat.findChild(ProposeDialog) is not None)
        dialog = seat.findChild(ProposeDialog)
        assert dialog is not None
        dialog.title.setText("Illuminations de Noël")
        dialog.member.setCurrentIndex(0)  # nobody by default: the councillor chooses
        dialog.accept()
        await until(lambda: seat.findChild(ProposeDialog) is None)  # closed once recorded
        proposed = [
            i for i in engine.state.sessions["2026-11-28"].items if i.status is ItemStatus.PROPOSED
        ]
        assert [i.title for i in proposed] == ["Illuminations de Noël"]
        await until(lambda: "attend l'accord du maire" in seat.banner.text())

        # A search is answered by the master's index.
        seat.tabs.setCurrentWidget(seat.search)
        seat.search.query.setText("fonctionnement")
        seat.search.run()
        await until(
            lambda: (
                seat.search.results.count() > 0
                and "Recherche en cours" not in seat.search.results.item(0).text()
            )
        )
        assert "section de «fonctionnement», page 1" in seat.search.results.item(0).text()

        # The network goes: the seat says so and keeps the last state. (Off this
        # thread: the server's goodbye waits for the seat, which runs here.)
        await asyncio.to_thread(service.suspend)
        await until(lambda: device.strip.isVisible())
        assert "Réseau perdu" in device.strip.text()
        shot(device, tmp_path, "siege-reseau-3-reseau-perdu")
        master({"cmd": "arrive", "member": "icolin"})
        assert "1. Budget primitif 2027" in seat.agenda.item(0).text()
        assert await asyncio.to_thread(service.resume) == port
        await until(lambda: same_state() and not device.strip.isVisible())
        assert device.link.last["journal"] == engine.state.last_seq
        await device.stop()
        service.stop()

    try:
        run_in_qt_loop(qapp, scenario)
    finally:
        indexer.stop()
        model.close()


def test_a_seat_device_opens_a_members_notes_with_their_code_only(
    qtbot: QtBot,
    qapp: QApplication,
    config: Config,
    library: DocumentLibrary,
    renderer: PageRenderer,
    database: Database,
    tmp_path: Path,
) -> None:
    """Private notes over the network: kept by the master, asked for with the
    member's code each time, none of them reachable by the other member."""
    qapp.setStyleSheet(stylesheet())
    config = with_pins(config)
    engine = SessionEngine(Journal(database), config)
    model = SessionModel(engine, library=library)
    service = SeatService(engine, config.data_dir, config.commune.name, library=library)
    kept = service.notes
    assert kept is not None
    identity = load_or_create_identity(tmp_path / "tablette" / "identite", "Tablette 1")

    async def scenario() -> None:
        port = service.start("127.0.0.1", 0)
        device = SeatDevice(
            identity,
            tmp_path / "tablette",
            lambda parent: DocumentViewer(renderer, parent),
            members=(MEMBER_A, MEMBER_B),
            master=("127.0.0.1", port),
            browse=False,
        )
        qtbot.addWidget(device)
        device.resize(1920, 1080)
        device.show()
        assert await device.pair("127.0.0.1", port, service.window.open()) is None
        await until(device.link.live.is_set)
        seat = seat_of(device)
        for command in budget_under_discussion("2026-11-28"):
            assert model.execute(command) is not None, command
        budget = next(d for d in library.documents() if d["title"].startswith("budget"))
        projected = model.execute(
            {
                "cmd": "project",
                "document": budget["document_id"],
                "title": budget["title"],
                "page": 2,
                "hash": budget["hash"],
            }
        )
        assert projected is not None
        viewer = seat.documents.viewer
        assert isinstance(viewer, DocumentViewer)
        await until(lambda: viewer.current_page() == 2 and viewer.displayed_is_exact())
        controls = seat.notes
        assert controls is not None

        # A's notes asked for with B's code: the master refuses, the dialog says so.
        controls.annotate_button.click()
        first = controls.dialog
        assert first is not None
        assert [b.text() for b in first.member_buttons.values()] == [
            "Bernard Rousseau",
            "Sylvie Garnier",
        ]
        first.choose(MEMBER_A)
        first.type_pin(PINS[MEMBER_B])
        await until(lambda: "Code faux" in first.banner.text())
        first.type_pin(PINS[MEMBER_A])
        await until(lambda: controls.member == MEMBER_A)
        assert viewer.note_tool() is NoteTool.INK
        # A stroke by finger: kept by the master, under A's name.
        viewer.note_drawn.emit(Note("ink", 2, strokes=(((100.0, 100.0), (200.0, 120.0)),)))
        await until(lambda: [n.id is not None for n in viewer.notes()] == [True])
        mine = kept.notes(MEMBER_A, PINS[MEMBER_A], budget["hash"])
        assert [n.kind for n in mine] == ["ink"]
        controls.export()
        await until(lambda: "exportées" in seat.banner.text())
        notes_folder = config.documents_folder / "Élus" / "Bernard Rousseau" / "Notes"
        assert [p.name for p in notes_folder.glob("*annoté.pdf")] == ["budget - annoté.pdf"]
        controls.lock()
        assert viewer.notes() == []

        # B, at the same seat device: nothing of A's, and A's not erased.
        second = controls.open_unlock_dialog()
        assert second is not None
        second.choose(MEMBER_B)
        second.type_pin(PINS[MEMBER_B])
        await until(lambda: controls.member == MEMBER_B)
        await asyncio.sleep(0.1)
        assert viewer.notes() == []
        assert mine[0].id is not None
        controls.erase(mine[0].id)
        await until(lambda: "Cette note n'est pas la vôtre" in seat.banner.text())
        assert kept.notes(MEMBER_A, PINS[MEMBER_A], budget["hash"]) == mine
        controls.lock()
        await device.stop()
        service.stop()

    try:
        run_in_qt_loop(qapp, scenario)
    finally:
        model.close()
