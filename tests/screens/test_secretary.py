"""The secretary's panel after the closing: produce and sign on a worker thread,
check each file, print to a real PDF printer (QPrinter to a file here)."""

import subprocess
from pathlib import Path

from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from screens.master_view import MasterScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.demo import DEMO_SCRIPT
from table_app.script import play_file


def test_produce_sign_and_print_after_the_closing(
    qtbot: QtBot, qapp, engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine)
    master = MasterScreen(model, config.commune.name, config=config)
    qtbot.addWidget(master)
    panel = master.secretary
    assert panel is not None
    assert not panel.produce_button.isEnabled()  # nothing before the closing
    play_file(engine, DEMO_SCRIPT, author="president")
    assert master.tabs.currentWidget() is panel
    assert panel.produce_button.isEnabled()
    with qtbot.waitSignal(panel.export_finished, timeout=120_000):
        panel.produce()
    assert panel.files.count() == 9  # 6 deliberations, PV, liste, closing sheet
    rows = [panel.files.item(n) for n in range(panel.files.count())]
    texts = [row.text() for row in rows if row is not None]
    assert all("signée, vérifiée" in t for t in texts)
    assert "9 document(s) signé(s)" in panel.state.text()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "registre.pdf"
    printer.setOutputFileName(str(printed))
    panel.files.setCurrentRow(1)  # the budget deliberation only
    assert panel.print_to(printer) == 1
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True)
    pages = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    assert pages.split()[-1] == "1"
    assert "1 page(s) envoyée(s) à l'imprimante" in panel.message.text()
