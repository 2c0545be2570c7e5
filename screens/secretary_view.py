"""The secretary's panel on the master screen, once the session is closed:
produce and sign the deliberations, look at them, print them for the register.

The export (building, signing, publishing) runs on a worker thread; its
progress and its result come back to the GUI thread by signal.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pymupdf
from PySide6.QtCore import QObject, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.session_model import SessionModel
from screens.widgets import label
from table_app.council.state import SessionStatus
from table_app.export.session_export import ExportError, ExportReport, export_session
from table_app.signing import verify_pdf

log = logging.getLogger("screens")


class _ExportWorker(QObject):
    """Runs ``export_session`` off the GUI thread (signing takes seconds)."""

    progressed = Signal(int, int, str)
    finished = Signal(object)  # ExportReport
    failed = Signal(str)

    def __init__(self, session: Any, config: Any, out_dir: Path) -> None:
        super().__init__()
        self._args = (session, config, out_dir)

    def run(self) -> None:
        session, config, out_dir = self._args
        try:
            report = export_session(session, config, out_dir, progress=self.progressed.emit)
        except ExportError as error:
            self.failed.emit(error.message)
        except Exception as error:
            log.exception("Export impossible")
            self.failed.emit(f"Export impossible : {error}")
        else:
            self.finished.emit(report)


def print_pdfs(paths: list[Path], printer: QPrinter, dpi: int = 300) -> int:
    """Print every page of ``paths`` as one job on ``printer``; returns the page count."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("l'imprimante n'a pas pu être ouverte")
    pages = 0
    try:
        for path in paths:
            doc = pymupdf.open(path)
            try:
                for number in range(doc.page_count):
                    if pages:
                        printer.newPage()
                    pix = doc[number].get_pixmap(dpi=dpi)
                    image = QImage(
                        pix.samples, pix.width, pix.height, pix.stride, QImage.Format.Format_RGB888
                    ).copy()
                    target = painter.viewport()
                    scale = min(target.width() / image.width(), target.height() / image.height())
                    painter.drawImage(
                        QRectF(0, 0, image.width() * scale, image.height() * scale), image
                    )
                    pages += 1
            finally:
                doc.close()
    finally:
        painter.end()
    return pages


class SecretaryPanel(QWidget):
    """Produce, check, preview and print the signed deliberations.

    Signals:
        export_finished(object): the ``ExportReport``, on the GUI thread.
    """

    export_finished = Signal(object)

    def __init__(
        self, model: SessionModel, config: Any, viewer: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.config = config
        self.viewer = viewer
        self.report: ExportReport | None = None
        self._thread: QThread | None = None
        self._worker: _ExportWorker | None = None
        layout = QVBoxLayout(self)
        self.state = label(
            "Les délibérations sont produites après la clôture de la séance.",
            "sectionTitle",
            wrap=True,
        )
        layout.addWidget(self.state)
        row = QHBoxLayout()
        self.produce_button = QPushButton("Produire, signer et publier")
        self.produce_button.setObjectName("primary")
        self.produce_button.clicked.connect(self.produce)
        self.print_button = QPushButton("Imprimer pour le registre")
        self.print_button.clicked.connect(self._on_print_clicked)
        row.addWidget(self.produce_button)
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)
        body = QHBoxLayout()
        self.files = QListWidget()
        self.files.setWordWrap(True)
        self.files.itemClicked.connect(self._on_files_item_clicked)
        body.addWidget(self.files, 1)
        if viewer is not None:
            body.addWidget(viewer, 2)
        layout.addLayout(body, 1)
        self.message = label("", wrap=True)
        layout.addWidget(self.message)
        model.session_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        session = self.model.session
        closed = session is not None and session.status is SessionStatus.CLOSED
        self.produce_button.setEnabled(closed and self._thread is None)
        self.print_button.setEnabled(self.report is not None)
        if closed and self.report is None and self._thread is None:
            self.state.setText("Séance close : produisez les délibérations signées.")

    def out_dir(self) -> Path:
        session = self.model.session
        assert session is not None
        return Path(self.config.data_dir) / "exports" / session.id

    def produce(self) -> None:
        session = self.model.session
        if session is None or self._thread is not None:
            return
        self.progress.setRange(0, 0)
        self.progress.show()
        self.state.setText("Production et signature en cours…")
        thread = QThread(self)
        worker = _ExportWorker(session, self.config, self.out_dir())
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._on_worker_progressed)
        worker.finished.connect(self._on_worker_finished)
        worker.failed.connect(self._on_worker_failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self.refresh()
        thread.start()

    def _on_worker_progressed(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.state.setText(f"{what} ({done}/{total})")

    def _on_worker_finished(self, report: ExportReport) -> None:
        self.report = report
        self.files.clear()
        for path in sorted((report.folder / "signées").glob("*.pdf")):
            reports = verify_pdf(path)
            ok = bool(reports) and all(r.ok for r in reports)
            row = QListWidgetItem(f"{path.name}\n      {'signée, vérifiée' if ok else 'À REFAIRE'}")
            row.setData(Qt.ItemDataRole.UserRole, str(path))
            self.files.addItem(row)
        count = self.files.count()
        self.state.setText(f"{count} document(s) signé(s) dans {report.folder}")
        published = f"Publiées : {report.published / 'index.html'}" if report.published else ""
        self.message.setText("\n".join([published, *report.notices]).strip())
        self.progress.hide()
        self.export_finished.emit(report)

    def _on_worker_failed(self, message: str) -> None:
        self.progress.hide()
        self.state.setText(message)

    def _on_thread_finished(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
        if self._worker is not None:
            self._worker.deleteLater()
        self._thread = None
        self._worker = None
        self.refresh()

    def selected_paths(self) -> list[Path]:
        rows = self.files.selectedItems() or [self.files.item(n) for n in range(self.files.count())]
        return [Path(r.data(Qt.ItemDataRole.UserRole)) for r in rows if r is not None]

    def _on_files_item_clicked(self, row: QListWidgetItem) -> None:
        if self.viewer is not None:
            path = Path(row.data(Qt.ItemDataRole.UserRole))
            self.viewer.open_document(path, path.stem, 1)

    def _on_print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Print the selected (or all) signed deliberations; returns the page count."""
        try:
            pages = print_pdfs(self.selected_paths(), printer)
        except (OSError, RuntimeError) as error:
            self.message.setText(f"Impression impossible : {error}")
            return 0
        self.message.setText(f"{pages} page(s) envoyée(s) à l'imprimante.")
        return pages
