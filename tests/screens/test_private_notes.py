"""Private notes at a seat of the table, by touch: who is writing, their code,
ink, highlight and a pinned text drawn over a real page, locked again, and
another member of the same seat who sees nothing and erases nothing of them.
Real database, real PDF, real render workers, real widgets."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from screens.document_viewer import DocumentViewer, FitMode
from screens.note_layer import NoteTool
from screens.private_notes import PrivateNotesControls, UnlockDialog, table_notes
from screens.render import PageRenderer
from screens.seat_view import SeatScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.notes import PrivateNotes
from table_app.store import Database
from tests.notes_support import MEMBER_A, MEMBER_B, PINS, budget_pdf, ingest, with_pins
from tests.screenshots import save_shot
from tests.support import QUORUM

WAIT_MS = 30_000


@pytest.fixture
def renderer() -> Iterator[PageRenderer]:
    pages = PageRenderer(processes=1)
    yield pages
    pages.close()


def drag(viewer: DocumentViewer, points: list[tuple[float, float]]) -> None:
    """A finger (the mouse) along ``points``, in the page's points."""
    QApplication.sendPostedEvents()  # the tools shown or hidden: the layout settles
    surface = viewer.canvas.viewport()

    def at(x: float, y: float) -> QPoint:
        return viewer.canvas.page_point(x, y).toPoint()

    QTest.mousePress(
        surface, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[0])
    )
    for point in points[1:]:
        QTest.mouseMove(surface, at(*point))
    QTest.mouseRelease(
        surface, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[-1])
    )


def unlock(qtbot: QtBot, controls: PrivateNotesControls, member: str, pin: str) -> UnlockDialog:
    qtbot.mouseClick(controls.annotate_button, Qt.MouseButton.LeftButton)
    dialog = controls.dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.choose(member)
    dialog.type_pin(pin)
    return dialog


def note_pixels(viewer: DocumentViewer) -> int:
    """How many pixels of the page area have a note's colour (ink red, highlight
    yellow, the pin's orange): 0 when no note is drawn."""
    image = viewer.canvas.viewport().grab().toImage()
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = image.pixelColor(x, y)
            r, g, b = colour.red(), colour.green(), colour.blue()
            if r > 150 and b < 90 and (g < 80 or g > 100):  # red, orange or yellow
                count += 1
    return count


def test_a_member_annotates_locks_and_the_other_member_of_the_seat_sees_nothing(
    qtbot: QtBot,
    qapp: QApplication,
    engine: SessionEngine,
    config: Config,
    database: Database,
    renderer: PageRenderer,
    tmp_path: Path,
) -> None:
    qapp.setStyleSheet(stylesheet())
    config = with_pins(config)
    budget_pdf(
        config.documents_folder / "Séances" / "2026-11-28" / "01 - Budget primitif" / "budget.pdf"
    )
    library = ingest(database, config)
    model = SessionModel(engine, library=library)
    qtbot.waitUntil(lambda: model.documents.loaded)  # listed on a worker thread
    model.execute(
        {
            "cmd": "convene",
            "id": "2026-11-28",
            "date": "2026-11-28",
            "convened_on": "2026-11-20",
            "agenda": [{"title": "Budget primitif 2027"}],
        }
    )
    for member in QUORUM:
        model.execute({"cmd": "arrive", "member": member})
    model.execute({"cmd": "open"})
    model.execute({"cmd": "name_secretaries", "members": ["brousseau"]})
    model.execute({"cmd": "take_up", "item": "p1"})
    notes = table_notes(config, library)
    assert notes is not None
    seat = SeatScreen(
        config.seats[0],  # Siège 1: Bernard Rousseau, Sylvie Garnier, Patrick Lemoine
        model,
        config.commune.name,
        lambda parent: DocumentViewer(renderer, parent),
        notes=notes,
    )
    qtbot.addWidget(seat)
    seat.resize(1920, 1080)
    seat.show()
    qtbot.waitExposed(seat)
    controls = seat.notes
    assert controls is not None
    viewer = seat.documents.viewer
    assert isinstance(viewer, DocumentViewer)
    doc = next(d for d in library.documents() if d["title"].startswith("budget"))
    seat.tabs.setCurrentWidget(seat.documents)
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        seat.documents.open(doc, 2)
    qtbot.waitUntil(viewer.displayed_is_exact, timeout=WAIT_MS)
    assert note_pixels(viewer) == 0
    assert not controls.who.isVisible()
    assert controls.annotate_button.isVisible()

    # "Annoter": who are you? Another member's code is refused, in words.
    dialog = unlock(qtbot, controls, MEMBER_A, PINS[MEMBER_B])
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=WAIT_MS)
    assert dialog.banner.text() == "Code faux : ce n'est pas le code de cet élu (encore 4 essais)"
    assert not controls.is_unlocked
    assert viewer.notes() == []
    assert [b.text() for b in dialog.member_buttons.values()] == [
        "Bernard Rousseau",
        "Sylvie Garnier",
        "Patrick Lemoine",
    ]
    # The right code: the notes are open, the tools take the thumbnails' place.
    with qtbot.waitSignal(controls.notes_shown, timeout=WAIT_MS):
        dialog.type_pin(PINS[MEMBER_A])
    assert controls.member == MEMBER_A
    assert controls.who_label.text() == "Notes de Bernard Rousseau ouvertes"
    assert controls.who.isVisible()
    assert controls.tools.isVisible()
    assert not viewer.thumbnail_strip.isVisible()
    assert viewer.note_tool() is NoteTool.INK
    assert viewer.notes() == []

    def stored() -> list[Any]:
        return [n for n in viewer.notes() if n.id is not None]

    # Ink, by finger: a circle around the page's title.
    circle = [(236 + 180 * x, 83 + 24 * y) for x, y in _ellipse(36)]
    drag(viewer, circle)
    qtbot.waitUntil(lambda: len(stored()) == 1, timeout=WAIT_MS)
    # A highlight swept along a line of the page.
    qtbot.mouseClick(controls.tool_buttons[NoteTool.HIGHLIGHT], Qt.MouseButton.LeftButton)
    assert viewer.note_tool() is NoteTool.HIGHLIGHT
    drag(viewer, [(72, 136), (200, 137), (395, 138)])
    qtbot.waitUntil(lambda: len(stored()) == 2, timeout=WAIT_MS)
    # A text typed in a dialog, pinned where the finger touched.
    qtbot.mouseClick(controls.tool_buttons[NoteTool.TEXT], Qt.MouseButton.LeftButton)
    drag(viewer, [(330, 250)])
    qtbot.waitUntil(lambda: controls.text_dialog is not None, timeout=WAIT_MS)
    text_dialog = controls.text_dialog
    assert text_dialog is not None
    text_dialog.text.setPlainText("Électricité : +12 % ? Demander le contrat au maire.")
    text_dialog.accept()
    qtbot.waitUntil(lambda: len(stored()) == 3, timeout=WAIT_MS)
    kinds = [(n.kind, n.page) for n in stored()]
    assert kinds == [("ink", 2), ("highlight", 2), ("text", 2)]
    assert len(viewer.shown_notes()) == 3
    # Fitted to the width (a portrait page's default), the notes as large as the page.
    assert viewer.fit_mode() is FitMode.WIDTH
    qtbot.waitUntil(lambda: note_pixels(viewer) > 2000, timeout=WAIT_MS)
    save_shot(seat, tmp_path, "annotations-siege")
    # The page whole: the notes shrink with it.
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        viewer.set_fit_mode(FitMode.PAGE)
    qtbot.waitUntil(lambda: note_pixels(viewer) > 500, timeout=WAIT_MS)

    # The notes follow the page: none on page 3, back on page 2, through a zoom.
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        qtbot.mouseClick(viewer.next_button, Qt.MouseButton.LeftButton)
    assert viewer.shown_notes() == []
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        qtbot.mouseClick(viewer.previous_button, Qt.MouseButton.LeftButton)
    assert len(viewer.shown_notes()) == 3
    viewer.set_zoom(2.0)
    layer = viewer.canvas.note_layer
    ink = stored()[0]
    assert ink.strokes[0][0] == pytest.approx(circle[0], abs=1.0)
    on_screen = layer.to_view(*ink.strokes[0][0])
    assert layer.to_page(on_screen).x() == pytest.approx(ink.strokes[0][0][0], abs=0.01)
    viewer.set_zoom(1.0)

    # The eraser takes the note it touches, for good.
    qtbot.mouseClick(controls.tool_buttons[NoteTool.ERASE], Qt.MouseButton.LeftButton)
    drag(viewer, [circle[9]])
    qtbot.waitUntil(lambda: [n.kind for n in viewer.notes()] == ["highlight", "text"])
    backend_notes: PrivateNotes = notes.notes
    qtbot.waitUntil(
        lambda: len(backend_notes.notes(MEMBER_A, PINS[MEMBER_A], doc["hash"])) == 2,
        timeout=WAIT_MS,
    )
    kept = backend_notes.notes(MEMBER_A, PINS[MEMBER_A], doc["hash"])

    # Exported to the member's own folder, as a PDF with real annotations.
    qtbot.mouseClick(controls.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "exportées" in seat.banner.text(), timeout=WAIT_MS)
    exported = config.documents_folder / "Élus" / "Bernard Rousseau" / "Notes"
    assert "Élus/Bernard Rousseau/Notes/budget - annoté.pdf" in seat.banner.text()
    with pymupdf.open(exported / "budget - annoté.pdf") as pdf:
        page = pdf[1]
        assert [a.type[1] for a in page.annots()] == ["Highlight", "Text"]

    # "Verrouiller": nothing of them is drawn any more.
    qtbot.mouseClick(controls.lock_button, Qt.MouseButton.LeftButton)
    assert not controls.is_unlocked
    assert viewer.notes() == []
    assert viewer.shown_notes() == []
    assert not controls.who.isVisible()
    assert not controls.tools.isVisible()
    assert viewer.thumbnail_strip.isVisible()
    qtbot.waitUntil(lambda: note_pixels(viewer) == 0, timeout=WAIT_MS)

    # The other member of the seat, with her own code: nothing shown…
    dialog = unlock(qtbot, controls, MEMBER_B, PINS[MEMBER_B])
    qtbot.waitUntil(lambda: controls.member == MEMBER_B, timeout=WAIT_MS)
    assert controls.who_label.text() == "Notes de Sylvie Garnier ouvertes"
    assert viewer.notes() == []
    assert viewer.shown_notes() == []
    qtbot.mouseClick(controls.annotate_button, Qt.MouseButton.LeftButton)  # reading
    qtbot.wait(100)  # a repaint, if anything were to be drawn
    assert note_pixels(viewer) == 0
    # …and A's notes cannot be erased from her session.
    assert kept[0].id is not None
    controls.erase(kept[0].id)
    qtbot.waitUntil(lambda: "Cette note n'est pas la vôtre" in seat.banner.text(), timeout=WAIT_MS)
    controls.erase_all()
    qtbot.waitUntil(lambda: "0 note(s) effacée(s)" in seat.banner.text(), timeout=WAIT_MS)
    assert backend_notes.notes(MEMBER_A, PINS[MEMBER_A], doc["hash"]) == kept

    # Minutes without a touch: locked by itself.
    controls._idle.setInterval(200)
    controls._idle.start()
    with qtbot.waitSignal(controls.locked, timeout=WAIT_MS):
        pass
    assert not controls.is_unlocked
    assert "3 minutes" in seat.banner.text()

    # A again: her notes come back as she left them.
    unlock(qtbot, controls, MEMBER_A, PINS[MEMBER_A])
    qtbot.waitUntil(lambda: viewer.notes() == kept, timeout=WAIT_MS)
    controls.lock()
    notes.close()
    model.close()


def _ellipse(steps: int) -> list[tuple[float, float]]:
    return [
        (math.cos(2 * math.pi * k / steps), math.sin(2 * math.pi * k / steps))
        for k in range(steps + 1)
    ]
