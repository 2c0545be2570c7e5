"""The secretary's panel on the master screen, once the session is closed.

In the order of the work: write the summary of the debates, have the mayor
and the secretary sign by hand, produce and sign the documents (register
extracts, procès-verbal, liste, closing sheet), look at them, print them for
the register, publish them for the citizens.

Building, signing, checking and publishing run on a worker thread; their
progress and result come back to the GUI thread by signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.debates_view import DebatesDialog
from screens.printing import PrinterChooser, PrintJob
from screens.session_model import SessionModel
from screens.signature_pad import SignatureDialog
from screens.widgets import label
from table_app.council.state import Session, SessionStatus
from table_app.handwriting import (
    HandwritingError,
    handwriting_path,
    load_handwriting,
    save_handwriting,
)

if TYPE_CHECKING:
    from table_app.export.session_export import ExportReport

# The export (PDF/A, signatures: PyMuPDF, pyHanko) is imported where it runs,
# on the worker threads: the kiosk starts, and restarts after a crash, without it.

log = logging.getLogger("screens")


@dataclass(frozen=True)
class FileState:
    path: Path
    ok: bool
    signers: tuple[str, ...]
    published: bool | None = None  # None: not a published kind (PV, closing sheet)
    error: str | None = None  # why the signatures could not be checked, in French

    def line(self, session: Session | None) -> str:
        title = document_title(self.path, session)
        if self.error is not None:
            return (
                f"{title}\n      Vérification de la signature impossible : {self.error} "
                "— à produire de nouveau"
            )
        if not self.ok and not self.signers:
            return f"{title}\n      AUCUNE SIGNATURE TROUVÉE — à produire de nouveau"
        if not self.ok:
            return f"{title}\n      SIGNATURE INVALIDE — à produire de nouveau"
        who = ", ".join(self.signers)
        online = {None: "", True: " — en ligne", False: " — à publier"}[self.published]
        return f"{title}\n      signé ({who}), vérifié{online}"


_MINUTES_TITLES = {
    "proces-verbal": "Procès-verbal de la séance",
    "liste-des-deliberations": "Liste des délibérations",
    "feuillet-de-cloture": "Feuillet de clôture du registre",
}


def document_title(path: Path, session: Session | None) -> str:
    """What the secretary reads for an exported file: its kind and object."""
    stem = path.stem
    for suffix, title in _MINUTES_TITLES.items():
        if stem.endswith(f"_{suffix}"):
            return title
    number = stem.split("_", 1)[0]
    item = next((i for i in (session.items if session else []) if i.number == number), None)
    if item is not None:
        return f"Délibération n° {number} — {item.title}"
    return path.name


def check_files(folder: Path, published: dict[Path, bool] | None = None) -> list[FileState]:
    """Each signed document of an export folder with its state (checked now)."""
    from table_app.export.session_export import check_signatures

    states = []
    for path in sorted((folder / "signées").glob("*.pdf")):
        check = check_signatures(path)
        online = (published or {}).get(path)
        signers = tuple(r.signer_name for r in check.reports)
        states.append(FileState(path, check.ok(), signers, online, check.error))
    return states


class _Job(QObject):
    """Runs one function off the GUI thread (signing takes seconds); a
    failure is said as ``failure`` (what could not be done, in French) and
    what went wrong."""

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        work: Callable[[Callable[[int, int, str], None]], object],
        failure: str = "Opération impossible",
    ) -> None:
        super().__init__()
        self._work = work
        self._failure = failure

    def run(self) -> None:
        from table_app.export.session_export import ExportError

        try:
            result = self._work(self.progressed.emit)
        except ExportError as error:
            self.failed.emit(error.message)
        except Exception as error:
            log.exception("Travail du secrétariat impossible : %s", self._failure)
            self.failed.emit(f"{self._failure} : {str(error) or type(error).__name__}")
        else:
            self.finished.emit(result)


class SecretaryPanel(QWidget):
    """Debates, handwritten signatures, produce and sign, preview, print, publish.

    Signals:
        export_finished(object): the ``ExportReport``, on the GUI thread.
        published(object): the public folder of the year (``Path``).
        print_finished(int): pages sent to the printer (0: failed or cancelled).
    """

    export_finished = Signal(object)
    published = Signal(object)
    print_finished = Signal(int)

    def __init__(
        self, model: SessionModel, config: Any, viewer: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.config = config
        #: The table's printer, offered first (``[printing] printer``); the
        #: master screen's Administration changes it at once.
        self.printer: str | None = getattr(config, "printer", None)
        self.viewer = viewer
        self.report: ExportReport | None = None
        self.states: list[FileState] = []
        self._thread: QThread | None = None
        self._job: _Job | None = None
        self._listed_for: str | None = None
        self._print_job: PrintJob | None = None
        layout = QVBoxLayout(self)
        self.state = label(
            "Les délibérations sont produites après la clôture de la séance.",
            "sectionTitle",
            wrap=True,
        )
        layout.addWidget(self.state)
        actions = QGridLayout()
        self.debates_button = QPushButton("Synthèse des débats")
        self.debates_button.clicked.connect(self.open_debates)
        self.mayor_button = QPushButton("Signature du maire")
        self.mayor_button.clicked.connect(lambda: self.open_signature("maire"))
        self.secretary_button = QPushButton("Signature du secrétaire")
        self.secretary_button.clicked.connect(lambda: self.open_signature("secretaire"))
        self.produce_button = QPushButton("Produire et signer")
        self.produce_button.setObjectName("primary")
        self.produce_button.clicked.connect(self.produce)
        self.print_button = QPushButton("Imprimer pour le registre")
        self.print_button.clicked.connect(self._on_print_clicked)
        self.publish_button = QPushButton("Publier pour les citoyens")
        self.publish_button.clicked.connect(self.publish)
        for column, button in enumerate(
            (self.debates_button, self.mayor_button, self.secretary_button)
        ):
            actions.addWidget(button, 0, column)
        for column, button in enumerate(
            (self.produce_button, self.print_button, self.publish_button)
        ):
            actions.addWidget(button, 1, column)
        actions.setColumnStretch(3, 1)
        layout.addLayout(actions)
        self.signatures = label("", "muted", wrap=True)
        layout.addWidget(self.signatures)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.hide()
        progress_row.addWidget(self.progress, 1)
        self.cancel_print_button = QPushButton("Arrêter l'impression")
        self.cancel_print_button.setObjectName("danger")
        self.cancel_print_button.clicked.connect(self.cancel_print)
        self.cancel_print_button.hide()
        progress_row.addWidget(self.cancel_print_button)
        layout.addLayout(progress_row)
        body = QHBoxLayout()
        self.files = QListWidget()
        self.files.setWordWrap(True)
        self.files.itemClicked.connect(self._on_files_item_clicked)
        body.addWidget(self.files, 2)
        if viewer is not None:
            body.addWidget(viewer, 3)
        layout.addLayout(body, 1)
        self.message = label("", wrap=True)
        layout.addWidget(self.message)
        self._dialog: Any = None
        model.session_changed.connect(self.refresh)
        if (app := QCoreApplication.instance()) is not None:
            app.aboutToQuit.connect(self.cancel_print)
        self.refresh()

    # --- state -------------------------------------------------------------

    def _closed_session(self) -> Session | None:
        session = self.model.session
        return session if session is not None and session.status is SessionStatus.CLOSED else None

    def refresh(self) -> None:
        session = self.model.session
        closed = self._closed_session() is not None
        idle = self._thread is None
        live = session is not None and session.status in (
            SessionStatus.OPEN,
            SessionStatus.SUSPENDED,
        )
        self.debates_button.setEnabled((closed or live) and idle)
        self.mayor_button.setEnabled(closed and idle)
        self.secretary_button.setEnabled(closed and idle and bool(session and session.secretaries))
        self.produce_button.setEnabled(closed and idle)
        has_files = any(state.ok for state in self.states)
        self.print_button.setEnabled(has_files and idle)
        self.publish_button.setEnabled(
            has_files and idle and all(state.ok for state in self.states)
        )
        self._show_signatures()
        if closed and session is not None and self._listed_for != session.id and idle:
            self._listed_for = session.id
            if (self.out_dir() / "signées").is_dir():
                self._start(
                    lambda _progress: self._check(session),
                    self._on_checked,
                    failure="Vérification des documents produits impossible",
                )
            else:
                self.state.setText(
                    "Séance close : rédigez la synthèse des débats, faites signer le maire et "
                    "le secrétaire, puis produisez les documents signés."
                )

    def _show_signatures(self) -> None:
        session = self._closed_session()
        if session is None:
            self.signatures.setText("")
            return
        parts = []
        for role, who in (("maire", "du maire"), ("secretaire", "du secrétaire")):
            try:
                drawn = load_handwriting(handwriting_path(self.config.data_dir, session.id, role))
            except HandwritingError:
                drawn = None
            parts.append(f"signature {who} : {'dessinée' if drawn else 'à dessiner'}")
        written = sum(1 for item in session.agenda() if item.debate)
        parts.append(f"synthèse des débats : {written} point(s) sur {len(session.agenda())}")
        self.signatures.setText("Préparation — " + " ; ".join(parts) + ".")

    def _check(self, session: Session) -> list[FileState]:
        """On the worker thread: every signature checked, and what is online."""
        from table_app.export.session_export import publication_state

        out = self._out_dir(session)
        return check_files(out, publication_state(session, self.config, out))

    def _out_dir(self, session: Session) -> Path:
        return Path(self.config.data_dir) / "exports" / session.id

    def out_dir(self) -> Path:
        session = self.model.session
        assert session is not None
        return self._out_dir(session)

    # --- debates and handwritten signatures -------------------------------

    def open_debates(self) -> DebatesDialog:
        dialog = DebatesDialog(self.model, self.window())
        dialog.finished.connect(lambda _result: self.refresh())
        self._dialog = dialog
        dialog.open()
        return dialog

    def open_signature(self, role: str) -> SignatureDialog | None:
        session = self._closed_session()
        if session is None:
            return None
        signer = session.mayor if role == "maire" else (session.secretaries or [""])[0]
        if not signer:
            self.message.setText("Aucun secrétaire de séance n'a été nommé.")
            return None
        dialog = SignatureDialog(role, signer, session.name(signer), self.window())
        dialog.accepted.connect(lambda: self._on_signature_accepted(dialog, session.id))
        self._dialog = dialog
        dialog.open()
        return dialog

    def _on_signature_accepted(self, dialog: SignatureDialog, session_id: str) -> None:
        drawn = dialog.result_handwriting()
        path = handwriting_path(self.config.data_dir, session_id, drawn.role)
        try:
            save_handwriting(path, drawn)
        except OSError as error:
            self.message.setText(f"Signature non enregistrée : {error.strerror or error}")
            return
        self.message.setText(
            f"Signature de {drawn.signer_name} enregistrée : elle sera placée dans son cadre "
            "à la prochaine production des documents."
        )
        self.refresh()

    # --- jobs ------------------------------------------------------------

    def _start(
        self,
        work: Callable[[Callable[[int, int, str], None]], object],
        done: Callable[[Any], None],
        busy: str = "",
        failure: str = "Opération impossible",
    ) -> None:
        if self._thread is not None:
            self.message.setText("Une opération est déjà en cours : attendez qu'elle se termine.")
            return
        if busy:
            self.progress.setRange(0, 0)
            self.progress.show()
            self.state.setText(busy)
        thread = QThread(self)
        job = _Job(work, failure)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progressed.connect(self._on_job_progressed)
        job.finished.connect(done)
        job.failed.connect(self._on_job_failed)
        job.finished.connect(thread.quit)
        job.failed.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._job = thread, job
        self.refresh()
        thread.start()

    def produce(self) -> None:
        session = self._closed_session()
        if session is None:
            return
        config, out = self.config, self.out_dir()

        def work(progress: Callable[[int, int, str], None]) -> object:
            from table_app.export.session_export import export_session

            report = export_session(session, config, out, progress=progress)
            return report, self._check(session)

        self._start(
            work,
            self._on_produced,
            "Production et signature en cours…",
            "Production et signature des documents impossibles",
        )

    def publish(self) -> None:
        session = self._closed_session()
        if session is None:
            return
        config, out = self.config, self.out_dir()

        def work(_progress: Callable[[int, int, str], None]) -> object:
            from table_app.export.session_export import publish_session

            return publish_session(session, config, out), self._check(session)

        self._start(work, self._on_published, "Publication en cours…", "Publication impossible")

    def _on_job_progressed(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.state.setText(f"{what} ({done}/{total})")

    def _show_files(self, states: list[FileState]) -> None:
        self.states = states
        self.files.clear()
        for state in states:
            row = QListWidgetItem(state.line(self.model.session))
            row.setData(Qt.ItemDataRole.UserRole, str(state.path))
            self.files.addItem(row)

    def _on_checked(self, states: list[FileState]) -> None:
        self._show_files(states)
        bad = sum(1 for s in states if not s.ok)
        self.state.setText(
            f"{len(states)} document(s) déjà produit(s)"
            + (f", dont {bad} à produire de nouveau." if bad else ", signés et vérifiés.")
            + _unchecked(states)
        )

    def _on_produced(self, result: tuple[ExportReport, list[FileState]]) -> None:
        report, states = result
        self.report = report
        self._show_files(states)
        bad = sum(1 for s in states if not s.ok)
        if bad:
            self.state.setText(
                f"{len(states)} document(s) : {len(report.signed)} produit(s), "
                f"{len(report.kept)} inchangé(s) ; la signature de {bad} d'entre eux ne se "
                "vérifie pas (voir la liste)." + _unchecked(states)
            )
        else:
            self.state.setText(
                f"{len(states)} document(s) signé(s) et vérifié(s) : {len(report.signed)} "
                f"produit(s), {len(report.kept)} inchangé(s). Vérifiez-les, imprimez, puis publiez."
            )
        self.message.setText("\n".join(report.notices))
        self.progress.hide()
        self.export_finished.emit(report)

    def _on_published(self, result: tuple[Path, list[FileState]]) -> None:
        folder, states = result
        self._show_files(states)
        self.progress.hide()
        self.state.setText("Délibérations publiées pour les citoyens.")
        self.message.setText(
            f"Publiées dans le dossier public : {folder} (page « index.html », "
            "fichier « deliberations.csv » pour les données ouvertes)."
        )
        self.published.emit(folder)

    def _on_job_failed(self, message: str) -> None:
        self.progress.hide()
        self.state.setText(message)

    def _on_thread_finished(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
        if self._job is not None:
            self._job.deleteLater()
        self._thread = None
        self._job = None
        self.refresh()

    # --- preview and printing ----------------------------------------------

    def selected_paths(self) -> list[Path]:
        rows = self.files.selectedItems() or [self.files.item(n) for n in range(self.files.count())]
        return [Path(r.data(Qt.ItemDataRole.UserRole)) for r in rows if r is not None]

    def _on_files_item_clicked(self, row: QListWidgetItem) -> None:
        if self.viewer is not None:
            path = Path(row.data(Qt.ItemDataRole.UserRole))
            self.viewer.open_document(path, document_title(path, self.model.session), 1)

    def _on_print_clicked(self) -> None:
        paths = self.selected_paths()
        chooser = PrinterChooser(_print_summary(paths), self.window(), preferred=self.printer)
        chooser.accepted.connect(lambda: self._on_printer_chosen(chooser, paths))
        self._dialog = chooser
        chooser.open()

    def _on_printer_chosen(self, chooser: PrinterChooser, paths: list[Path]) -> None:
        printer = chooser.printer()
        if printer is not None:
            self.print_to(printer, paths)

    def print_to(self, printer: QPrinter, paths: list[Path] | None = None) -> PrintJob | None:
        """Print ``paths`` (default: the selected documents, or all) on a worker:
        the screen stays live; the outcome comes in ``print_finished``."""
        if self._print_job is not None and self._print_job.is_running():
            self.message.setText("Une impression est déjà en cours.")
            return None
        job = PrintJob(paths or self.selected_paths(), printer, parent=self)
        job.progressed.connect(self._on_print_progressed)
        job.finished.connect(self._on_print_finished)
        job.failed.connect(self._on_print_failed)
        job.cancelled.connect(self._on_print_failed)
        self._print_job = job
        self.cancel_print_button.show()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText("Impression en cours…")
        job.start()
        return job

    def _on_print_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.message.setText(f"Impression en cours : page {done} sur {total}…")

    def _print_done(self) -> None:
        self.progress.hide()
        self.cancel_print_button.hide()

    def _on_print_finished(self, pages: int) -> None:
        self._print_done()
        self.message.setText(f"{pages} page(s) envoyée(s) à l'imprimante.")
        self.print_finished.emit(pages)

    def _on_print_failed(self, message: str) -> None:
        self._print_done()
        self.message.setText(message)
        self.print_finished.emit(0)

    def cancel_print(self) -> None:
        """Stop the print job (the button; also when the table quits)."""
        if self._print_job is not None and self._print_job.is_running():
            self._print_job.cancel()
            self._print_job.wait()


def _unchecked(states: list[FileState]) -> str:
    """What the secretary reads when some signatures could not be checked at all."""
    failed = [s for s in states if s.error is not None]
    if not failed:
        return ""
    if len(failed) == 1:
        return f" Vérification de la signature impossible : {failed[0].error}"
    return f" Vérification de la signature impossible pour {len(failed)} documents (voir la liste)."


def _print_summary(paths: list[Path]) -> str:
    if len(paths) == 1:
        return f"Document : {paths[0].name}"
    return f"{len(paths)} documents signés, en un seul travail d'impression."
