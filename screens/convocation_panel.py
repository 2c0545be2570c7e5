"""« Envoyer la convocation », from the master screen, before the session.

The dialog says who gets the convocation by e-mail (the members who asked
for it) and who finds it in their folder only, then makes, signs, places and
sends it on a worker thread (``table_app.convocation.sending``): the screens
stay live while the PDF is signed and the mail server answers. Each sending
is recorded by the engine on the GUI thread (the worker waits for it), so the
views and the seats' feed see the events as any other command's. The result
comes back per member: sent, already sent, or failed with the reason; then
« Preuve d'envoi » writes the signed proof for the register.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.session_model import SessionModel
from screens.widgets import cover_parent_window, label
from table_app.config import Config
from table_app.convocation.model import ConvocationError, ConvocationReport, SessionDocument
from table_app.convocation.sending import recipients, send_convocation
from table_app.council.errors import CommandRefused
from table_app.council.moments import Clock, wall_clock
from table_app.council.state import Session, SessionStatus

log = logging.getLogger("screens")

#: ``(session) -> documents``, run on the worker (it hashes the session's files).
DocumentLister = Callable[[Session], list[SessionDocument]]


class _SendJob(QObject):
    """The sending, off the GUI thread; each record is asked of the GUI thread.

    Signals:
        progressed(int, int, str): done, total, what is being done.
        finished(object): the ``ConvocationReport``.
        failed(str): why nothing was sent (``ConvocationError``), in French.
        record_requested(object): a ``[command, outcome]`` pair to record on
            the GUI thread (blocking connection: the worker waits).
    """

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    record_requested = Signal(object)

    def __init__(self, work: Callable[[Callable[[dict[str, Any]], object]], object]) -> None:
        super().__init__()
        self._work = work

    def _record(self, command: dict[str, Any]) -> object:
        box: list[Any] = [command, None]
        self.record_requested.emit(box)
        if isinstance(box[1], CommandRefused):
            raise box[1]
        return box[1]

    def run(self) -> None:
        try:
            result = self._work(self._record)
        except ConvocationError as error:
            self.failed.emit(error.message)
        except Exception as error:
            log.exception("Envoi de la convocation impossible")
            self.failed.emit(f"Envoi impossible : {error}")
        else:
            self.finished.emit(result)


class ConvocationDialog(QDialog):
    """Who is convened how, « Envoyer », the result per member, the proof.

    Attributes:
        report: the last run's ``ConvocationReport``, or None.
        results: one row per member and channel, after a run.

    Signals:
        sending_finished(object): the ``ConvocationReport``, on the GUI thread.
        sending_failed(str): why nothing was sent.
        proof_written(object): the signed proof's ``Path``.
    """

    sending_finished = Signal(object)
    sending_failed = Signal(str)
    proof_written = Signal(object)

    def __init__(
        self,
        model: SessionModel,
        config: Config,
        parent: QWidget | None = None,
        *,
        documents: DocumentLister | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.config = config
        self._documents = documents or self._folder_documents
        engine_clock = getattr(model.engine, "clock", None)
        self._clock: Clock = clock or engine_clock or wall_clock
        self.report: ConvocationReport | None = None
        self._thread: QThread | None = None
        self._job: _SendJob | None = None
        self.setWindowTitle("Envoyer la convocation")
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setModal(True)

        layout = QVBoxLayout(self)
        self.title = label("Envoyer la convocation", "sectionTitle", wrap=True)
        layout.addWidget(self.title)
        self.explanation = label("", "muted", wrap=True)
        layout.addWidget(self.explanation)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        layout.addWidget(self.results, 1)
        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)
        self.state = label("", None, wrap=True)
        layout.addWidget(self.state)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.send_button = QPushButton("Envoyer la convocation")
        self.send_button.setObjectName("primary")
        self.send_button.clicked.connect(self.send)
        self.proof_button = QPushButton("Preuve d'envoi")
        self.proof_button.clicked.connect(self.write_proof)
        self.close_button = QPushButton("Fermer")
        self.close_button.clicked.connect(self.accept)
        for button in (self.send_button, self.proof_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self._show_plan()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Cover the master screen's window (kiosk: no window manager to place us)."""
        cover_parent_window(self)
        super().showEvent(event)

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def _folder_documents(self, session: Session) -> list[SessionDocument]:
        from sync.session_documents import session_documents

        library = self.model.library
        db = getattr(library, "db", None)
        return session_documents(self.config.documents_folder, session.date, db)

    def _show_plan(self) -> None:
        """Before sending: who by e-mail, who in their folder only."""
        session = self.model.session
        if session is None:
            self.explanation.setText("Aucune séance convoquée.")
            self.send_button.setEnabled(False)
            return
        self.title.setText(f"Envoyer la convocation — {session.title}")
        people = recipients(session, self.config)
        by_mail = [r.name for r in people if r.by_email]
        sent = sum(1 for s in session.convocations if s.sent)
        lines = [
            f"La convocation signée est déposée dans le dossier de chacun des {len(people)} "
            "élus (Élus/<nom>/Convocations/ du dossier des documents)"
            + (
                f", et envoyée par courriel aux {len(by_mail)} élus qui l'ont demandé : "
                + ", ".join(by_mail)
                + "."
                if by_mail
                else "; aucun élu n'a demandé la convocation par courriel."
            ),
            "Chaque envoi est enregistré au journal ; le délai de convocation se comptera "
            "de ces envois à l'ouverture de la séance.",
        ]
        if sent:
            lines.append(
                f"{sent} envoi(s) déjà enregistré(s) : seuls les envois manquants seront faits."
            )
        self.explanation.setText("\n".join(lines))
        convened = session.status is SessionStatus.CONVENED
        self.send_button.setEnabled(convened and not self.busy)
        if not convened:
            self.state.setText(
                "La séance est ouverte ou close : la convocation n'est plus à envoyer."
            )

    def send(self) -> None:
        """Make, sign, place and send the convocation on a worker thread."""
        session = self.model.session
        if session is None or self.busy:
            return
        config, clock, documents = self.config, self._clock, self._documents

        def work(record: Callable[[dict[str, Any]], object]) -> object:
            job = self._job
            return send_convocation(
                session,
                config,
                documents(session),
                record=record,
                clock=clock,
                progress=job.progressed.emit if job is not None else None,
            )

        self.results.clear()
        self.state.setText("Préparation, signature et envoi de la convocation…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self._start(work, self._on_job_finished)

    def _start(
        self,
        work: Callable[[Callable[[dict[str, Any]], object]], object],
        done: Callable[[Any], None],
    ) -> None:
        thread = QThread(self)
        job = _SendJob(work)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progressed.connect(self._on_job_progressed)
        job.record_requested.connect(
            self._on_job_record_requested, Qt.ConnectionType.BlockingQueuedConnection
        )
        job.finished.connect(done)
        job.failed.connect(self._on_job_failed)
        job.finished.connect(thread.quit)
        job.failed.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._job = thread, job
        self.send_button.setEnabled(False)
        self.proof_button.setEnabled(False)
        self.close_button.setEnabled(False)
        thread.start()

    def _on_job_record_requested(self, box: list[Any]) -> None:
        """On the GUI thread: the engine records one sending (the worker waits)."""
        try:
            box[1] = self.model.engine.execute(box[0], author="secretaire")
        except CommandRefused as refused:
            box[1] = refused

    def _on_job_progressed(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.state.setText(f"{what} ({done}/{total})")

    def _on_job_finished(self, report: ConvocationReport) -> None:
        self.report = report
        self.results.clear()
        for delivery in report.deliveries:
            row = QListWidgetItem(f"{delivery.name} — {delivery.outcome}")
            row.setData(Qt.ItemDataRole.UserRole, delivery.member)
            if not delivery.sent or not delivery.recorded:
                row.setForeground(Qt.GlobalColor.red)
            self.results.addItem(row)
        failed = report.failures
        summary = (
            f"Convocation signée (SHA-256 {report.sha256[:16]}…) : "
            f"{sum(1 for d in report.deliveries if d.sent and not d.skipped)} envoi(s) fait(s), "
            f"{sum(1 for d in report.deliveries if d.skipped)} déjà fait(s)"
        )
        if failed:
            summary += (
                f", {len(failed)} ÉCHEC(S) : "
                + ", ".join(f"{d.name} ({d.channel})" for d in failed)
                + ". Corrigez la cause puis envoyez de nouveau : seuls les envois manquants "
                "seront faits."
            )
        else:
            summary += "."
        self.state.setText("\n".join([summary, *report.notices]))
        self.progress.hide()
        self.sending_finished.emit(report)

    def _on_job_failed(self, message: str) -> None:
        self.state.setText(message)
        self.progress.hide()
        self.sending_failed.emit(message)

    def _on_thread_finished(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
        self._thread, self._job = None, None
        self.close_button.setEnabled(True)
        self.proof_button.setEnabled(True)
        self._show_plan()

    def write_proof(self) -> None:
        """The signed proof of sending, per member, for the register (worker thread)."""
        session = self.model.session
        if session is None or self.busy:
            return
        config = self.config

        def work(_record: Callable[[dict[str, Any]], object]) -> object:
            from table_app.convocation.proof import signed_proof

            return signed_proof(session, config)[0]

        self.state.setText("Preuve d'envoi en cours de signature…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self._start(work, self._on_proof_finished)

    def _on_proof_finished(self, path: Path) -> None:
        self.progress.hide()
        self.state.setText(f"Preuve d'envoi signée, à imprimer : {path}")
        self.proof_written.emit(path)

    def done(self, result: int) -> None:
        """Never closed while the worker runs (it waits on the GUI thread)."""
        if self.busy:
            self.state.setText("Envoi en cours : attendez qu'il se termine.")
            return
        super().done(result)


__all__ = ["ConvocationDialog"]
