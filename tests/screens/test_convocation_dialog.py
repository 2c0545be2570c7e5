"""« Envoyer la convocation » on the master screen: sent off the GUI thread,
recorded on it, the result shown per member; a real SMTP server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from screens.convocation_panel import ConvocationDialog
from screens.master_view import MasterScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from table_app.config import Config, SmtpSettings
from table_app.council.engine import SessionEngine
from table_app.journal import Event, Journal
from table_app.signing import verify_pdf
from table_app.store import Database
from tests.convocation.support import BY_EMAIL, SESSION, Ticking, demo_convene
from tests.screenshots import save_shot
from tests.smtp_server import RecordingHandler, smtp_server


@pytest.fixture
def mail_server() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        yield handler, port


def test_the_mayor_sends_the_convocation_and_sees_each_member(
    qtbot: QtBot,
    qapp,
    database: Database,
    config: Config,
    mail_server: tuple[RecordingHandler, int],
    tmp_path: Path,
) -> None:
    handler, port = mail_server
    handler.refuse[BY_EMAIL["sgarnier"]] = "550 5.1.1 Boîte inconnue"
    config = replace(
        config, smtp=SmtpSettings("127.0.0.1", port, "aucune", "mairie@val-de-sauve.example")
    )
    budget = config.documents_folder / "Séances" / SESSION / "02 - Budget" / "budget.pdf"
    budget.parent.mkdir(parents=True)
    budget.write_bytes(b"%PDF-1.4 budget")
    # The kiosk's engine has a clock; here the test's: the morning of 23 November.
    engine = SessionEngine(Journal(database), config, clock=Ticking("2026-11-23T09:00:00+01:00"))
    engine.execute(demo_convene())
    threads: list[str] = []

    def on_event(event: Event) -> None:
        if event.type.startswith("convocation."):
            threads.append(threading.current_thread().name)

    engine.subscribe(on_event)
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine)
    master = MasterScreen(model, config.commune.name, config=config)
    qtbot.addWidget(master)
    master.resize(1920, 1080)
    assert master.convocation_button.isVisibleTo(master)
    master.convocation_button.click()
    dialog = master.convocation_dialog
    assert isinstance(dialog, ConvocationDialog)
    qtbot.waitExposed(dialog)
    plan = dialog.explanation.text()
    assert "déposée dans le dossier de chacun des 15 élus" in plan
    assert (
        "envoyée par courriel aux 6 élus qui l'ont demandé : Bernard Rousseau, Sylvie Garnier"
        in plan
    )

    with qtbot.waitSignal(dialog.sending_finished, timeout=60_000) as finished:
        dialog.send_button.click()
        assert dialog.busy  # the GUI thread is free while it signs and sends
        assert not dialog.close_button.isEnabled()
    report = finished.args[0]
    rows = [dialog.results.item(n) for n in range(dialog.results.count())]
    texts = [row.text() for row in rows if row is not None]
    assert len(texts) == 15 + 6
    refused = next(t for t in texts if t.startswith("Sylvie Garnier — courriel"))
    assert "ÉCHEC" in refused
    assert "550 5.1.1 Boîte inconnue" in refused
    assert "Bernard Rousseau — courriel (bernard.rousseau@val-de-sauve.example) : envoyé" in texts
    assert "1 ÉCHEC(S) : Sylvie Garnier (courriel)" in dialog.state.text()
    assert [d.name for d in report.failures] == ["Sylvie Garnier"]
    assert handler.recipients() == sorted(a for m, a in BY_EMAIL.items() if m != "sgarnier")
    # Every sending recorded by the engine on the GUI thread, where the views live.
    assert len(threads) == 21
    assert set(threads) == {threading.main_thread().name}
    session = model.session
    assert session is not None
    assert sum(1 for c in session.convocations if c.sent) == 20
    qtbot.waitUntil(lambda: not dialog.busy)
    assert "20 envoi(s) déjà enregistré(s)" in dialog.explanation.text()
    save_shot(dialog, tmp_path, "avant-seance-convocation-envoyee")  # what the mayor sees

    with qtbot.waitSignal(dialog.proof_written, timeout=60_000) as written:
        dialog.proof_button.click()
    proof = written.args[0]
    assert proof.exists()
    (signature,) = verify_pdf(proof)
    assert signature.ok
    assert "Preuve d'envoi signée, à imprimer" in dialog.state.text()

    qtbot.waitUntil(lambda: not dialog.busy)
    dialog.close_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # Once the session is open, the button goes.
    for member in (
        "hmarchand",
        "brousseau",
        "sgarnier",
        "plemoine",
        "mfabre",
        "jlperrin",
        "nbonnet",
        "cmeunier",
    ):
        model.execute({"cmd": "arrive", "member": member, "at": "2026-11-28T19:50"})
    model.execute({"cmd": "open", "at": "2026-11-28T20:01"})
    assert session.opening is not None
    assert session.opening["notice"]["convened_on"] == "2026-11-23"
    assert not master.convocation_button.isVisibleTo(master)


def test_a_refusal_before_sending_is_shown_in_words(
    qtbot: QtBot, qapp, engine: SessionEngine, config: Config
) -> None:
    # No [smtp] while six members asked for the e-mail: nothing is sent, and it says why.
    engine.execute(demo_convene())
    model = SessionModel(engine)
    dialog = ConvocationDialog(model, config, clock=Ticking("2026-11-23T09:00:00+01:00"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sending_failed, timeout=60_000) as failed:
        dialog.send_button.click()
    assert failed.args[0].startswith("Aucun serveur de courriel configuré ([smtp])")
    assert "Rien n'a été envoyé." in dialog.state.text()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.send_button.isEnabled()
    assert not [e for e in engine.journal.events() if e.type.startswith("convocation.")]
