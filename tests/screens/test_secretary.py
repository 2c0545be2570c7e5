"""The secretary's panel after the closing, driven as the secretary would: the
debates written, the signatures drawn by hand, the documents produced and
signed on a worker thread, checked, printed (QPrinter to a PDF file here),
then published."""

import math
import subprocess
from pathlib import Path
from typing import Any

import pymupdf
from PySide6.QtCore import QPoint, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from demo import DEMO_SCRIPT
from screens.master_view import MasterScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.export.deliberation_pdf import SIGNATURE_BOXES
from table_app.export.session_export import export_session
from table_app.script import play_file
from tests.support import malform_byte_range


def _sign(pad: QWidget) -> None:
    """A looping signature drawn with the mouse across the pad."""
    width, height = pad.width(), pad.height()
    points = [
        QPoint(
            int(width * (0.15 + 0.7 * t / 40)),
            int(height * (0.5 + 0.25 * math.sin(t / 3))),
        )
        for t in range(41)
    ]
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for point in points[1:]:
        QTest.mouseMove(pad, point)
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])


def _ink_in_box(path: Path, role: str) -> int:
    """Drawings inside a signature box of the last page."""
    with pymupdf.open(path) as doc:
        box = SIGNATURE_BOXES[role]
        return sum(
            1
            for drawing in doc[-1].get_drawings()
            if box.contains(drawing["rect"]) and drawing["rect"] != box
        )


def _texts(panel: Any) -> list[str]:
    return [panel.files.item(n).text() for n in range(panel.files.count())]


def test_debates_signatures_produce_print_and_publish(
    qtbot: QtBot, qapp, engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine)
    master = MasterScreen(model, config.commune.name, config=config)
    qtbot.addWidget(master)
    master.resize(1920, 1080)
    panel = master.secretary
    assert panel is not None
    assert not panel.produce_button.isEnabled()  # nothing before the closing
    play_file(engine, DEMO_SCRIPT, author="president")
    session = model.session
    assert session is not None
    assert master.tabs.currentWidget() is panel
    assert panel.produce_button.isEnabled()
    assert not panel.publish_button.isEnabled()  # nothing produced yet
    assert "signature du maire : à dessiner" in panel.signatures.text()

    # The debates, point by point: switching points keeps what was typed.
    debates = panel.open_debates()
    qtbot.waitExposed(debates)
    debates.points.setCurrentRow(1)
    qtbot.keyClicks(debates.editor, "M. Rousseau ")  # QTest types ASCII only
    debates.editor.insertPlainText("présente la décision modificative.")
    debates.points.setCurrentRow(2)  # saved on leaving the point
    second = session.agenda()[1]
    assert second.debate == "M. Rousseau présente la décision modificative."
    QTest.mouseClick(debates.close_button, Qt.MouseButton.LeftButton)
    assert not debates.isVisible()
    assert "synthèse des débats : 1 point(s)" in panel.signatures.text()

    # The mayor signs by hand on the pad.
    pad_dialog = panel.open_signature("maire")
    assert pad_dialog is not None
    qtbot.waitExposed(pad_dialog)
    _sign(pad_dialog.pad)
    QTest.mouseClick(pad_dialog.accept_button, Qt.MouseButton.LeftButton)
    assert "signature du maire : dessinée" in panel.signatures.text()
    assert "Hélène Marchand enregistrée" in panel.message.text()

    with qtbot.waitSignal(panel.export_finished, timeout=120_000):
        panel.produce()
    assert panel.files.count() == 9  # 6 deliberations, PV, liste, closing sheet
    assert all("signé (Mairie de Val-de-Sauve), vérifié" in t for t in _texts(panel))
    titles = [t.splitlines()[0] for t in _texts(panel)]
    assert (
        "Délibération n° 2026-002 — Décision modificative n° 2 du budget principal 2026" in titles
    )
    assert "Procès-verbal de la séance" in titles
    budget_line = next(t for t in _texts(panel) if "n° 2026-002" in t)
    assert budget_line.endswith("vérifié — à publier")
    minutes_line = next(t for t in _texts(panel) if t.startswith("Procès-verbal"))
    assert minutes_line.endswith("vérifié")  # the procès-verbal is not put online
    assert "9 document(s) signé(s) et vérifié(s)" in panel.state.text()
    signed = sorted((panel.out_dir() / "signées").glob("*.pdf"))
    budget = next(p for p in signed if p.name.startswith("2026-002"))
    assert _ink_in_box(budget, "maire") > 0  # the handwriting, as vector ink
    assert _ink_in_box(budget, "secretaire") == 0  # the secretary has not signed
    with pymupdf.open(next(p for p in signed if p.name.endswith("_proces-verbal.pdf"))) as doc:
        flags = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
        text = " ".join(" ".join(page.get_text(flags=flags).split()) for page in doc)
    assert "M. Rousseau présente la décision modificative." in text

    # Printing the budget deliberation only.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "registre.pdf"
    printer.setOutputFileName(str(printed))
    panel.files.setCurrentRow(signed.index(budget))
    with qtbot.waitSignal(panel.print_finished, timeout=60_000) as printing:
        assert panel.print_to(printer) is not None
    assert printing.args == [1]
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True)
    pages = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    assert pages.split()[-1] == "1"
    assert "1 page(s) envoyée(s) à l'imprimante" in panel.message.text()

    # Publishing is its own step.
    qtbot.waitUntil(panel.publish_button.isEnabled)  # once the worker thread is done
    with qtbot.waitSignal(panel.published, timeout=60_000) as published:
        panel.publish()
    folder = published.args[0]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Décision modificative n° 2" in index
    assert "Publiées dans le dossier public" in panel.message.text()
    budget_line = next(t for t in _texts(panel) if "n° 2026-002" in t)
    assert budget_line.endswith("vérifié — en ligne")

    # A debate recorded afterwards: only the procès-verbal is made again.
    engine.execute(
        {
            "cmd": "record_debate",
            "session": session.id,
            "item": session.agenda()[2].id,
            "text": "Trois devis ont été comparés.",
        },
        author="secretaire",
    )
    qtbot.waitUntil(panel.produce_button.isEnabled)
    with qtbot.waitSignal(panel.export_finished, timeout=120_000) as produced:
        panel.produce()
    report = produced.args[0]
    assert [p.name for p in report.signed] == ["2026-11-28_proces-verbal.pdf"]
    assert len(report.kept) == 8


def test_a_new_panel_lists_what_was_already_produced(
    qtbot: QtBot, qapp, engine: SessionEngine, config: Config
) -> None:
    play_file(engine, DEMO_SCRIPT, author="president")
    model = SessionModel(engine)
    first = MasterScreen(model, config.commune.name, config=config)
    qtbot.addWidget(first)
    assert first.secretary is not None
    with qtbot.waitSignal(first.secretary.export_finished, timeout=120_000):
        first.secretary.produce()
    # The table restarted: the panel finds and checks the files on disk.
    again = MasterScreen(SessionModel(engine), config.commune.name, config=config)
    qtbot.addWidget(again)
    panel = again.secretary
    assert panel is not None
    qtbot.waitUntil(lambda: panel.files.count() == 9, timeout=60_000)
    assert "9 document(s) déjà produit(s), signés et vérifiés." in panel.state.text()
    # One of them altered on disk: it is flagged, and nothing can be published.
    victim = sorted((panel.out_dir() / "signées").glob("2026-00*.pdf"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 3] ^= 0x01
    victim.write_bytes(bytes(data))
    third = MasterScreen(SessionModel(engine), config.commune.name, config=config)
    qtbot.addWidget(third)
    assert third.secretary is not None
    qtbot.waitUntil(lambda: third.secretary.files.count() == 9, timeout=60_000)  # type: ignore[union-attr]
    assert "dont 1 à produire de nouveau" in third.secretary.state.text()
    assert any("SIGNATURE INVALIDE" in t for t in _texts(third.secretary))
    assert not third.secretary.publish_button.isEnabled()


def test_a_signature_that_cannot_be_checked_is_said_on_the_secretarys_screen(
    qtbot: QtBot, qapp, engine: SessionEngine, config: Config
) -> None:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    session = engine.state.sessions[result.sessions[0]]
    out = config.data_dir / "exports" / session.id
    assert len(export_session(session, config, out).signed) == 9
    budget = next((out / "signées").glob("2026-002_*.pdf"))
    malform_byte_range(budget)  # the verifier fails on it: neither signed nor unsigned
    master = MasterScreen(SessionModel(engine), config.commune.name, config=config)
    qtbot.addWidget(master)
    panel = master.secretary
    assert panel is not None
    qtbot.waitUntil(lambda: panel.files.count() == 9, timeout=60_000)
    qtbot.waitUntil(panel.produce_button.isEnabled)  # the check's worker is done
    line = next(t for t in _texts(panel) if "n° 2026-002" in t)
    assert f"Vérification de la signature impossible : {budget.name} : " in line
    assert "la signature « Maire » est illisible" in line
    assert line.endswith("— à produire de nouveau")
    assert "SIGNATURE INVALIDE" not in line
    assert "AUCUNE SIGNATURE" not in line
    others = [t for t in _texts(panel) if t != line]
    assert all("signé (Mairie de Val-de-Sauve), vérifié" in t for t in others)
    state = panel.state.text()
    assert state.startswith("9 document(s) déjà produit(s), dont 1 à produire de nouveau.")
    assert "Vérification de la signature impossible : " in state
    assert "la signature « Maire » est illisible" in state
    assert not panel.publish_button.isEnabled()
