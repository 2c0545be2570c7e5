"""The master screen's "Sièges en réseau": behind the admin code, a real seat
paired with the code shown, seen connected, then withdrawn and cut off.

The master serves from its ``seat-feed`` thread, as the kiosk does; the seats'
links run on the test's Qt loop through qasync, as on a seat device."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from screens.master_view import MasterScreen
from screens.pin_pad import PinDialog
from screens.seat_service import SeatService
from screens.seats_admin import SeatsAdminDialog, nbsp, paired_when, time_left
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from sync.net.client import SeatLink
from sync.net.identity import load_or_create_identity, short_fingerprint
from sync.net.pairing import CODE_ATTEMPTS, PairingWindow
from table_app.config import Config
from table_app.council.engine import SessionEngine
from tests.screenshots import save_shot


@pytest.fixture
def model(qapp: QApplication, engine: SessionEngine) -> Iterator[SessionModel]:
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine)
    yield model
    model.close()


@pytest.fixture
def service(engine: SessionEngine, config: Config) -> SeatService:
    return SeatService(engine, config.data_dir, config.commune.name)


def _master(
    qtbot: QtBot, model: SessionModel, config: Config, service: SeatService | None
) -> MasterScreen:
    screen = MasterScreen(model, config.commune.name, config.admin_pin, seats=service)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def _type(qtbot: QtBot, pad: PinDialog, digits: str) -> None:
    for digit in digits:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.ok_button, Qt.MouseButton.LeftButton)


def _run(qapp: QApplication, scenario: Callable[[], object]) -> None:
    """Run ``scenario`` (a coroutine function) on Qt's loop through qasync, as a seat does."""
    loop = qasync.QEventLoop(qapp)
    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), 60))  # type: ignore[arg-type]
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def _panel(master: MasterScreen) -> SeatsAdminDialog | None:
    """Read afresh: mypy would keep an attribute narrowed by an earlier assert."""
    return master.seats_dialog


def _code(window: PairingWindow) -> str | None:
    return window.code


async def _until(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    for _ in range(int(within_s * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not in time")


def test_the_seats_panel_is_behind_the_admin_code(
    qtbot: QtBot, model: SessionModel, config: Config, service: SeatService
) -> None:
    pin = config.admin_pin
    assert pin is not None
    master = _master(qtbot, model, config, service)
    assert master.seats_button.isVisible()
    qtbot.mouseClick(master.seats_button, Qt.MouseButton.LeftButton)
    pad = master.pin_dialog
    assert pad is not None
    qtbot.waitExposed(pad)
    assert pad.windowModality() is Qt.WindowModality.WindowModal
    wrong = "1357" if pin != "1357" else "2468"
    _type(qtbot, pad, wrong)
    assert pad.isVisible()
    assert pad.banner.text() == "Code administrateur incorrect."
    assert _panel(master) is None
    assert service.window.code is None  # nothing opened
    _type(qtbot, pad, pin)
    assert pad.result() == QDialog.DialogCode.Accepted
    panel = _panel(master)
    assert panel is not None
    qtbot.waitExposed(panel)
    assert panel.windowModality() is Qt.WindowModality.WindowModal  # the seats go on
    assert panel.geometry() == master.window().geometry()  # over the master's window
    assert panel.empty_label.isVisible()
    assert panel.address_label.text() == (
        "Le service des sièges démarre : son adresse s'affichera dans un instant."
    )  # the server is not started yet: said, not crashed
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible()
    # Typed without the keypad, the wrong code opens nothing either.
    assert master.open_seats_admin("0000" if pin != "0000" else "9999") is None
    assert "Code administrateur incorrect" in master.banner.text()


def test_no_seats_button_without_seats_and_no_panel_without_an_admin_code(
    qtbot: QtBot, model: SessionModel, config: Config, service: SeatService
) -> None:
    master = _master(qtbot, model, config, None)
    assert not master.seats_button.isVisible()
    assert master.open_seats_admin(config.admin_pin or "") is None
    no_pin = MasterScreen(model, config.commune.name, None, seats=service)
    qtbot.addWidget(no_pin)
    no_pin.show()
    qtbot.waitExposed(no_pin)
    assert no_pin.seats_button.isVisible()
    qtbot.mouseClick(no_pin.seats_button, Qt.MouseButton.LeftButton)
    assert no_pin.pin_dialog is None
    assert no_pin.seats_dialog is None
    assert "admin_pin" in no_pin.banner.text()
    assert "[kiosk]" in no_pin.banner.text()


def test_a_real_seat_pairs_with_the_code_shown_then_is_withdrawn_and_cut_off(
    qtbot: QtBot,
    qapp: QApplication,
    model: SessionModel,
    config: Config,
    service: SeatService,
    tmp_path: Path,
) -> None:
    master = _master(qtbot, model, config, service)
    panel = master.open_seats_admin(config.admin_pin or "")
    assert panel is not None
    qtbot.waitExposed(panel)
    identity = load_or_create_identity(tmp_path / "siege" / "id", "Tablette de Nathalie Bonnet")
    statuses: list[str] = []
    link = SeatLink(identity, tmp_path / "siege", lambda *_a: None, statuses.append)
    other = load_or_create_identity(tmp_path / "siege4" / "id", "Écran du siège 4")
    other_link = SeatLink(other, tmp_path / "siege4", lambda *_a: None)

    async def scenario() -> None:
        port = service.start("127.0.0.1", 0)  # on its own thread, the panel on the GUI's
        await _until(lambda: f"port {port}" in panel.address_label.text())
        assert not panel.code_box.isVisible()

        qtbot.mouseClick(panel.pair_button, Qt.MouseButton.LeftButton)
        code = service.window.code
        assert code is not None
        assert panel.code_box.isVisible()
        assert panel.code_label.text() == f"{code[:3]} {code[3:]}"
        assert panel.time_left_label.text() in (
            "Code valable encore 5 min 00 s",
            "Code valable encore 4 min 59 s",
        )
        assert panel.fingerprint_label.text() == short_fingerprint(service.identity.fingerprint)
        assert not panel.pair_button.isVisible()

        # The councillor types, on the seat, the code read on the master screen.
        pin = await link.pair("127.0.0.1", port, panel.code_label.text().replace(" ", ""))
        assert pin.server == service.identity.fingerprint
        await _until(lambda: panel.outcome.isVisible())
        assert panel.outcome.text() == nbsp("Siège « Tablette de Nathalie Bonnet » appairé")
        assert service.window.code is None
        assert not panel.code_box.isVisible()
        assert panel.pair_button.isVisible()
        assert not panel.empty_label.isVisible()
        row = panel.rows[identity.fingerprint]
        assert row.name_label.text() == "Tablette de Nathalie Bonnet"
        device = service.paired.get(identity.fingerprint)
        assert device is not None
        assert row.details.text() == (
            f"Empreinte {short_fingerprint(identity.fingerprint)}\n"
            f"appairé le {paired_when(device.paired_at)}"
        )
        # The pairing's own connection, closed by the seat, leaves the feed
        # thread's list a moment later: the panel's next refresh says so.
        await _until(lambda: row.state.text() == "hors ligne")

        follower = asyncio.ensure_future(link.run())
        await _until(lambda: row.state.text() == "connecté")  # the panel's own refresh

        # "Retirer", then "Annuler": nothing happens.
        assert row.revoke_button is not None
        qtbot.mouseClick(row.revoke_button, Qt.MouseButton.LeftButton)
        confirm = panel.confirm_dialog
        assert confirm is not None
        qtbot.waitExposed(confirm)
        assert confirm.windowModality() is Qt.WindowModality.WindowModal
        assert confirm.title.text() == nbsp("Retirer le siège « Tablette de Nathalie Bonnet » ?")
        qtbot.mouseClick(confirm.cancel_button, Qt.MouseButton.LeftButton)
        assert service.paired.is_trusted(identity.fingerprint)
        await asyncio.sleep(0.3)
        assert identity.fingerprint in service.server.connected

        # "Retirer", then "Retirer ce siège": withdrawn and cut off, in French.
        qtbot.mouseClick(row.revoke_button, Qt.MouseButton.LeftButton)
        confirm = panel.confirm_dialog
        assert confirm is not None
        qtbot.waitExposed(confirm)
        qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)
        device = service.paired.get(identity.fingerprint)
        assert device is not None
        assert not device.active
        await asyncio.wait_for(follower, 10)
        assert link.final_refusal == "appareil retiré de la table"
        assert statuses[-1] == "appareil retiré de la table"
        await _until(lambda: identity.fingerprint not in service.server.connected)
        row = panel.rows[identity.fingerprint]
        assert row.revoke_button is None
        assert row.state.text() == f"retiré le {paired_when(device.revoked_at or '')}"
        assert panel.outcome.text() == nbsp("Siège « Tablette de Nathalie Bonnet » retiré")

        # A second seat paired and connected, a new code on screen: the screenshot.
        qtbot.mouseClick(panel.pair_button, Qt.MouseButton.LeftButton)
        await other_link.pair("127.0.0.1", port, service.window.code or "")
        other_follower = asyncio.ensure_future(other_link.run())
        await _until(lambda: panel.rows[other.fingerprint].state.text() == "connecté")
        qtbot.mouseClick(panel.pair_button, Qt.MouseButton.LeftButton)
        assert panel.code_box.isVisible()
        await asyncio.sleep(0.1)  # the layout settles (what was hidden gives its room back)
        # Its pairing connection closed, then its feed's opened: « connecté » again
        # at the panel's next reading (it may read between the two).
        await _until(lambda: panel.rows[other.fingerprint].state.text() == "connecté")
        save_shot(panel, tmp_path, "sieges-en-reseau-maire")
        await other_link.stop()
        await asyncio.wait_for(other_follower, 10)
        service.stop()

    _run(qapp, scenario)
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    assert service.window.code is None  # closing the panel took the code off the table


def test_the_code_counts_down_expires_and_closes_after_wrong_codes(
    qtbot: QtBot, model: SessionModel, service: SeatService
) -> None:
    now = [1000.0]
    window = PairingWindow(monotonic=lambda: now[0])
    service.window = service.server.window = window
    panel = SeatsAdminDialog(service, addresses=lambda: ["192.168.1.20"])
    qtbot.addWidget(panel)
    code = panel.open_pairing()
    assert panel.time_left_label.text() == "Code valable encore 5 min 00 s"
    now[0] += 254.5
    panel.refresh()
    assert panel.time_left_label.text() == "Code valable encore 46 s"
    now[0] += 46
    panel.refresh()
    assert window.code is None
    assert panel.outcome.text() == nbsp(
        "Code expiré : touchez « Appairer un siège » pour en obtenir un nouveau."
    )
    assert panel.code_label.text() == ""

    code = panel.open_pairing()
    assert not panel.outcome.isVisibleTo(panel)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(CODE_ATTEMPTS):
        assert window.check(wrong) is not None
    panel.refresh()
    assert panel.outcome.text().startswith("Trop de codes erronés")

    panel.open_pairing()
    assert _code(window) is not None
    panel.reject()
    assert _code(window) is None  # closing the panel takes the code off the table


def test_french_times() -> None:
    assert paired_when("2026-11-28T18:40:00+00:00") == "28/11/2026 à 19 h 40"
    assert paired_when("2026-07-01T07:05:00+00:00") == "01/07/2026 à 9 h 05"
    assert paired_when("2026-11-28T18:40:00+00:00", "America/Cayenne") == "28/11/2026 à 15 h 40"
    assert time_left(300) == "5 min 00 s"
    assert time_left(64.2) == "1 min 05 s"
    assert time_left(0.4) == "1 s"
    assert time_left(-3) == "0 s"
