"""The master screen's "Administration": behind the admin code, real widgets on
the demo commune's real configuration file (copied into tmp_path), each change
validated like ``table-app check`` and written with the file's comments kept."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pymupdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

import tests.screens.test_printing as printing_tests
from demo import demo_config
from screens.admin_panel import (
    IDENTIFY_SECONDS,
    RESTART_EXIT_CODE,
    AdminPanel,
    OutcomeDialog,
)
from screens.app import TableViews
from screens.master_view import MasterScreen
from screens.pin_pad import PinDialog
from screens.printing import PrinterChooser
from screens.seat_service import SeatService
from screens.session_model import SessionModel
from screens.widgets import ConfirmDialog, nbsp, stylesheet
from sync.library import DocumentLibrary
from sync.workers import ExtractionPool
from table_app.config import ENV_OVERRIDES, Config, load_config
from table_app.council.engine import SessionEngine
from table_app.french import long_date
from table_app.notes import NotesRefused, PrivateNotes
from table_app.signing import Pkcs12Key, create_self_signed, self_signed_path
from table_app.store import Database
from tests.screenshots import ENV as SCREENSHOTS_ENV
from tests.screenshots import screenshot_folder

# The module-scoped cupsd of the printing tests (a queue "Registre", CUPS's default).
cups = printing_tests.cups
QUEUE = printing_tests.QUEUE
CUPS_PDF_PPD = printing_tests.CUPS_PDF_PPD

TABLE_APP = Path(sys.executable).with_name("table-app")


@pytest.fixture
def model(qapp: QApplication, engine: SessionEngine) -> Iterator[SessionModel]:
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine)
    yield model
    model.close()


def _master(
    qtbot: QtBot, model: SessionModel, config: Config, seats: SeatService | None = None
) -> MasterScreen:
    screen = MasterScreen(model, config.commune.name, config.admin_pin, config=config, seats=seats)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def _panel(qtbot: QtBot, master: MasterScreen, config: Config) -> AdminPanel:
    panel = master.open_admin(config.admin_pin or "")
    assert panel is not None
    qtbot.waitExposed(panel)
    return panel


def _opened(master: MasterScreen) -> AdminPanel | None:
    """Read afresh: mypy would keep an attribute narrowed by an earlier assert."""
    return master.admin_panel


def _printer(master: MasterScreen) -> str | None:
    assert master.secretary is not None
    return master.secretary.printer


def _type(qtbot: QtBot, pad: PinDialog, digits: str) -> None:
    for digit in digits:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.ok_button, Qt.MouseButton.LeftButton)


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _outcome(panel: AdminPanel) -> OutcomeDialog:
    dialog = panel.outcome_dialog
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    """``table-app check FILE``, as the administrator (or ExecStartPre) runs it."""
    overrides = {*ENV_OVERRIDES, "TABLE_APP_CONFIG"}  # the file alone says (the faked date stays)
    env = {k: v for k, v in os.environ.items() if k not in overrides}
    return subprocess.run(
        [str(TABLE_APP), "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


#: For the README's pictures, the table's folder has a name of its own (the
#: panel shows its configuration file's path in its header).
README_TABLE = Path(tempfile.gettempdir()) / "table-du-conseil-administration"
#: The panel's pictures the README shows, by their name here.
README_SHOTS = {
    "sieges-refus": "administration-sieges",
    "certificat": "administration-certificat",
    "code-second": "administration-codes-des-elus",
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The demo commune in ``tmp_path``; in ``README_TABLE`` when the README's
    pictures are made (``tests.screenshots``), one test at a time."""
    if not os.environ.get(SCREENSHOTS_ENV):
        return demo_config(tmp_path / "table")
    shutil.rmtree(README_TABLE, ignore_errors=True)
    return demo_config(README_TABLE)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the panel's screenshots go, for a person to look at."""
    folder = tmp_path / "captures"
    folder.mkdir()
    return folder


def _shot(panel: AdminPanel, shots: Path, name: str, *over: QWidget) -> Path:
    """The panel at 1920x1080 with the dialogs over it, as the administrator sees
    it (also into ``$TABLE_APP_SCREENSHOTS`` when the README shows it)."""
    QTest.qWait(100)  # the layouts settled, the widgets just added shown
    pixmap: QPixmap = panel.grab()
    painter = QPainter(pixmap)
    for widget in over:
        painter.drawPixmap(widget.geometry().topLeft() - panel.geometry().topLeft(), widget.grab())
    painter.end()
    path = shots / f"admin-{name}.png"
    assert pixmap.save(str(path))
    assert (pixmap.width(), pixmap.height()) == (1920, 1080)
    if name in README_SHOTS and os.environ.get(SCREENSHOTS_ENV):
        assert pixmap.save(str(screenshot_folder(shots) / f"{README_SHOTS[name]}.png"))
    return path


def _certificate(path: Path, name: str, days: int, password: bytes) -> Path:
    """A self-signed PKCS#12 valid ``days`` more days (a certificate nearly expired)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC Territoires RGS")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=300))
        .not_valid_after(now + timedelta(days=days, hours=12))
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"mairie", key, cert, None, serialization.BestAvailableEncryption(password)
    )
    path.write_bytes(data)
    return path


# --- the code ------------------------------------------------------------------------


def test_the_administration_opens_behind_the_admin_code_asked_once(
    qtbot: QtBot, model: SessionModel, config: Config
) -> None:
    pin = config.admin_pin
    assert pin is not None
    master = _master(qtbot, model, config)
    assert master.admin_button.isVisible()
    _click(qtbot, master.admin_button)
    pad = master.pin_dialog
    assert pad is not None
    qtbot.waitExposed(pad)
    assert pad.windowModality() is Qt.WindowModality.WindowModal
    _type(qtbot, pad, "1357" if pin != "1357" else "2468")
    assert pad.isVisible()
    assert pad.banner.text() == "Code administrateur incorrect."
    assert _opened(master) is None
    _type(qtbot, pad, pin)
    assert pad.result() == QDialog.DialogCode.Accepted
    panel = _opened(master)
    assert panel is not None
    qtbot.waitExposed(panel)
    assert panel.windowModality() is Qt.WindowModality.WindowModal  # the seats go on
    assert panel.geometry() == master.window().geometry()
    assert panel.source == config.source
    assert [b.text() for b in panel.menu_buttons.values()] == [
        "Écrans",
        "Sièges et élus",
        "Dossier des documents",
        "Certificat de signature",
        "Imprimante",
        "Codes des élus",
        "Sièges en réseau",
    ]
    # Big enough for a finger, everywhere.
    for button in panel.menu_buttons.values():
        assert button.height() >= 64
    _click(qtbot, panel.close_button)
    assert not panel.isVisible()
    # Typed without the keypad, a wrong code opens nothing either.
    assert master.open_admin("0000" if pin != "0000" else "9999") is None
    assert "Code administrateur incorrect" in master.banner.text()


def test_no_administration_without_an_admin_code(
    qtbot: QtBot, model: SessionModel, config: Config
) -> None:
    master = MasterScreen(model, config.commune.name, None, config=config)
    qtbot.addWidget(master)
    master.show()
    qtbot.waitExposed(master)
    _click(qtbot, master.admin_button)
    assert master.pin_dialog is None
    assert master.admin_panel is None
    assert "admin_pin" in master.banner.text()
    assert "[kiosk]" in master.banner.text()


# --- Écrans --------------------------------------------------------------------------


def test_identify_shows_each_display_its_number_and_connector_until_touched(
    qtbot: QtBot, model: SessionModel, config: Config, shots: Path
) -> None:
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    section = panel.screens_section
    screens = sorted(QGuiApplication.screens(), key=lambda s: (s.geometry().x(), s.geometry().y()))
    assert screens  # offscreen: one display, whose connector has no name
    # The list: one row per connected display, with its number, connector and role.
    assert len(section.rows) == len(screens)
    for number, (row, screen) in enumerate(zip(section.rows, screens, strict=True), start=1):
        name = screen.name() or "(sans nom de connecteur)"
        assert row.text().startswith(f"n° {number} · {name} · ")
        assert "affiche : " in row.text()
    _shot(panel, shots, "ecrans")

    _click(qtbot, section.identify_button)
    overlays = list(panel.overlays)
    assert len(overlays) == len(screens)
    for number, (overlay, screen) in enumerate(zip(overlays, screens, strict=True), start=1):
        qtbot.waitExposed(overlay)
        assert overlay.number_label.text() == str(number)
        assert overlay.name_label.text() == (screen.name() or "(sans nom de connecteur)")
        assert overlay.role_label.text() == (
            "Écran du maire"
            if screen.name() == config.master_display
            else next(
                (s.name for s in config.seats if s.display == screen.name()),
                "Aucune place : écran non configuré",
            )
        )
        assert overlay.geometry() == screen.geometry()
        assert overlay._timer.interval() == IDENTIFY_SECONDS * 1000
    overlays[0].grab().save(str(shots / "admin-identifier.png"))
    # Touched, a display's number goes away.
    first = overlays[0]
    _click(qtbot, first)
    qtbot.waitUntil(lambda: first not in panel.overlays)
    assert len(panel.overlays) == len(screens) - 1
    # Asked again then closed with the panel: every number goes with it.
    panel.identify_displays()
    assert len(panel.overlays) == len(screens)
    panel.accept()
    assert panel.overlays == []


def test_windowed_the_views_windows_are_identified(
    qtbot: QtBot, engine: SessionEngine, config: Config
) -> None:
    model = SessionModel(engine)
    views = TableViews(config, model, windowed=True)
    for view in views.views.values():
        qtbot.addWidget(view.widget)
    views.show()
    master = views.views["master"].widget
    assert isinstance(master, MasterScreen)
    panel = master.open_admin(config.admin_pin or "")
    assert panel is not None
    overlays = panel.identify_displays()
    assert len(overlays) == 7
    assert [o.name_label.text() for o in overlays] == [config.master_display] + [
        s.display for s in config.seats
    ]
    assert [o.role_label.text() for o in overlays] == ["Écran du maire"] + [
        s.name for s in config.seats
    ]
    assert [o.number_label.text() for o in overlays] == [str(n) for n in range(1, 8)]
    assert overlays[3].geometry() == views.views["Siège 3"].widget.geometry()
    panel.accept()
    model.close()


def test_each_role_starts_on_its_display_and_a_swap_is_saved(
    qtbot: QtBot, model: SessionModel, config: Config
) -> None:
    assert config.source is not None
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    section = panel.screens_section
    # Every role shows the display it has now (never a default such as the mayor's).
    assert [(r, c.currentData()) for r, c in section.combos] == [
        ("master", "DP-1"),
        *((s.name, s.display) for s in config.seats),
    ]
    before = config.source.read_bytes()

    # Two roles on one display: refused, with the key and the fix, nothing written.
    section.choose("master", "DP-3")
    _click(qtbot, section.save_button)
    refusal = _outcome(panel)
    assert refusal.title.text() == "Rien n'a été enregistré"
    assert nbsp("seats[2].display : l'écran « DP-3 » est déjà utilisé") in refusal.text.text()
    assert "→ un connecteur par écran" in refusal.text.text()
    assert config.source.read_bytes() == before
    _click(qtbot, refusal.ok_button)

    # The mayor's screen and seat 1 swapped.
    section.choose("master", "DP-2")
    section.choose("Siège 1", "DP-1")
    _click(qtbot, section.save_button)
    saved = _outcome(panel)
    assert saved.title.text() == "Enregistré : les écrans"
    assert "au redémarrage de la table" in saved.text.text()
    assert saved.restart_button is not None
    after = load_config(config.source)
    assert after.master_display == "DP-2"
    assert after.seats[0].display == "DP-1"
    assert _comments(config.source.read_text(encoding="utf-8")) == _comments(before.decode("utf-8"))
    done = _check(config.source)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "configuration valide" in done.stdout
    # The list now says what the file says.
    assert [(r, c.currentData()) for r, c in section.combos][:2] == [
        ("master", "DP-2"),
        ("Siège 1", "DP-1"),
    ]


# --- Sièges et élus --------------------------------------------------------------------


def test_a_member_at_two_seats_is_refused_in_words_and_the_file_is_unchanged(
    qtbot: QtBot, model: SessionModel, config: Config, shots: Path
) -> None:
    assert config.source is not None
    before = config.source.read_bytes()
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("sieges")
    seats = panel.seats_section
    _click(qtbot, seats.seat_buttons[1])
    assert seats.title.text() == "Élus assis au «\u00a0Siège 2\u00a0»"
    rousseau = seats.member_buttons["brousseau"]
    assert rousseau.lines() == "Bernard Rousseau\nau Siège 1"
    assert not rousseau.isChecked()
    _click(qtbot, rousseau)  # Bernard Rousseau, of seat 1, touched at seat 2 too
    assert rousseau.isChecked()
    assert rousseau.lines() == "Bernard Rousseau\naussi au Siège 1"
    assert rousseau.objectName() == "memberDouble"  # shown in red before any save
    _click(qtbot, seats.save_button)
    refusal = _outcome(panel)
    assert refusal.title.text() == "Rien n'a été enregistré"
    text = refusal.text.text()
    assert text.startswith(
        "Bernard Rousseau est à deux sièges à la fois («\u00a0Siège\u00a01\u00a0» et "
        "«\u00a0Siège\u00a02\u00a0») : un élu n'a qu'une place."
    )
    assert (
        "• seats[2].members : «\u00a0brousseau\u00a0» est déjà assis à «\u00a0Siège 1\u00a0»\n"
        "    → un élu n'a qu'une place"
    ) in text
    assert config.source.read_bytes() == before
    _shot(panel, shots, "sieges-refus", refusal)
    _click(qtbot, refusal.ok_button)
    assert not refusal.isVisible()
    _click(qtbot, seats.undo_button)
    assert not rousseau.isChecked()


def test_a_seats_members_change_is_saved_comments_kept_and_check_agrees(
    qtbot: QtBot, model: SessionModel, config: Config, shots: Path
) -> None:
    assert config.source is not None
    before = config.source.read_text(encoding="utf-8")
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("sieges")
    seats = panel.seats_section
    # Martine Fabre moves from seat 2 to seat 1.
    _click(qtbot, seats.seat_buttons[1])
    _click(qtbot, seats.member_buttons["mfabre"])
    _click(qtbot, seats.seat_buttons[0])
    _click(qtbot, seats.member_buttons["mfabre"])
    assert seats.seat_buttons[0].lines() == "Siège 1\n4 élus"
    assert seats.seat_buttons[1].lines() == "Siège 2\n2 élus"
    _shot(panel, shots, "sieges")
    with qtbot.waitSignal(panel.config_saved) as saved_signal:
        _click(qtbot, seats.save_button)
    saved = _outcome(panel)
    assert saved.title.text() == "Enregistré : les élus des sièges"
    assert saved.text.text() == (
        "Ce changement prendra effet au redémarrage de la table.\n"
        "En attente du redémarrage : les élus des sièges."
    )
    _shot(panel, shots, "enregistre", saved)

    after = load_config(config.source)
    assert saved_signal.args == [after] or saved_signal.args[0].seats == after.seats
    assert after.seats[0].members == ("brousseau", "sgarnier", "plemoine", "mfabre")
    assert after.seats[1].members == ("jlperrin", "nbonnet")
    text = config.source.read_text(encoding="utf-8")
    assert _comments(text) == _comments(before)
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), text.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        (
            'members = ["brousseau", "sgarnier", "plemoine"]',
            'members = ["brousseau", "sgarnier", "plemoine", "mfabre"]',
        ),
        ('members = ["mfabre", "jlperrin", "nbonnet"]', 'members = ["jlperrin", "nbonnet"]'),
    ]
    done = _check(config.source)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "configuration valide" in done.stdout

    # The restart waits, and asks first (quitting is tried in its own process, below).
    assert saved.restart_button is not None
    _click(qtbot, saved.ok_button)
    assert panel.restart_button.isVisible()
    assert panel.pending_label.text() == "Au redémarrage : les élus des sièges."
    _click(qtbot, panel.restart_button)
    question = panel.confirm_dialog
    assert isinstance(question, ConfirmDialog)
    qtbot.waitExposed(question)
    assert question.title.text() == "Redémarrer la table ?"
    _click(qtbot, question.cancel_button)
    assert not question.isVisible()


#: A table of its own: the seats' members saved, then "Redémarrer la table"
#: touched and confirmed; the process must end with the restart code.
_RESTART_SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from screens.admin_panel import AdminPanel
from screens.app import application
from demo import demo_config

app = application()
config = demo_config(Path(sys.argv[1]))
panel = AdminPanel(config)
panel.show()
panel.seats_section.select_seat(1)
panel.seats_section.toggle("nbonnet")
panel.seats_section.save_button.click()
assert panel.outcome_dialog is not None and panel.outcome_dialog.restart_button is not None

def restart() -> None:
    panel.outcome_dialog.restart_button.click()
    panel.confirm_dialog.confirm_button.click()

QTimer.singleShot(0, restart)
QTimer.singleShot(20_000, lambda: app.exit(3))  # never hang the test
sys.exit(app.exec())
"""


def test_restart_the_table_quits_with_the_restart_code(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("NOTIFY_SOCKET", None)
    done = subprocess.run(
        [sys.executable, "-c", _RESTART_SCRIPT, str(tmp_path / "table")],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
        check=False,
    )
    assert done.returncode == RESTART_EXIT_CODE == 75, done.stderr
    assert "nbonnet" not in load_config(tmp_path / "table" / "config.toml").seats[1].members


# --- Dossier des documents -------------------------------------------------------------------


@pytest.fixture
def library(database: Database, config: Config) -> Iterator[DocumentLibrary]:
    folder = config.documents_folder
    target = folder / "Séances" / "2026-11-28" / "01 - Budget primitif" / "budget.pdf"
    target.parent.mkdir(parents=True)
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Budget primitif 2027", fontsize=14)
    doc.save(target)
    doc.close()
    with ExtractionPool(processes=1) as pool:
        books = DocumentLibrary(database, folder, config.data_dir, pool)
        books.reconcile()
        yield books


def test_the_document_folder_is_checked_then_changed(
    qtbot: QtBot,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    tmp_path: Path,
    shots: Path,
) -> None:
    assert config.source is not None
    model = SessionModel(engine, library=library)
    qtbot.waitUntil(lambda: model.documents.loaded)  # listed on a worker thread
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("documents")
    section = panel.documents_section
    assert section.path_label.text() == str(config.documents_folder).replace("/", "/\u200b")
    assert section.state_label.text() == "Le dossier existe ; la table peut le lire et y écrire."
    assert section.count_label.text() == "1 document dans la liste de la table."
    assert section.path_edit.text() == "documents"  # as the file writes it: relative

    section.path_edit.setText(str(tmp_path / "Nextcloud" / "Conseil"))
    _click(qtbot, section.check_button)
    assert section.check_label.text().endswith("\nCe dossier n'existe pas (ou pas encore).")
    assert section.check_label.objectName() == "refusal"
    cloud = tmp_path / "Nextcloud" / "Conseil"
    (cloud / "2026").mkdir(parents=True)
    (cloud / "ordre-du-jour.pdf").write_bytes(b"%PDF-1.7\n")
    (cloud / "2026" / "budget.pdf").write_bytes(b"%PDF-1.7\n")
    _click(qtbot, section.check_button)
    assert section.check_label.text() == (
        str(cloud).replace("/", "/\u200b")
        + "\nDossier trouvé : la table peut le lire et y écrire ; il contient 2 fichiers."
    )
    assert section.check_label.objectName() == "okLine"
    _shot(panel, shots, "documents")

    _click(qtbot, section.save_button)
    saved = _outcome(panel)
    assert saved.title.text() == "Enregistré : le dossier des documents"
    assert load_config(config.source).documents_folder == cloud
    assert _check(config.source).returncode == 0
    _click(qtbot, saved.ok_button)
    model.close()


# --- Certificat de signature -------------------------------------------------------------------


def test_the_demo_certificate_is_self_signed_and_said_so(
    qtbot: QtBot, model: SessionModel, config: Config, shots: Path
) -> None:
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("certificat")
    section = panel.certificate_section
    assert config.signing_key is None
    assert section.kind_label.text() == (
        "Aucun certificat n'est indiqué : la table créera son propre certificat auto-signé "
        "au premier export des délibérations."
    )
    assert section.warning_label.isVisible()
    assert "certificat auto-signé, non qualifié" in section.warning_label.text()
    assert "RGS / eIDAS" in section.warning_label.text()
    assert "variable TABLE_APP_SIGNING_PASSWORD de son service" in section.password_note.text()
    panel.accept()

    # Once the table has made its own certificate: who it names and until when.
    own = create_self_signed(config.commune.name, self_signed_path(config.data_dir))
    panel = _panel(qtbot, master, config)
    panel.show_section("certificat")
    section = panel.certificate_section
    qtbot.waitUntil(lambda: not section.reading)
    assert section.kind_label.text().startswith(
        "Aucun certificat n'est indiqué : la table signe avec son propre certificat auto-signé"
    )
    assert section.subject_label.text() == "Mairie de Val-de-Sauve"
    assert section.issuer_label.text() == (
        "Mairie de Val-de-Sauve (lui-même : auto-signé, non qualifié)"
    )
    facts = section.facts
    assert facts is not None
    days = facts.days_left(datetime.now(UTC))
    assert 1090 <= days <= 1096
    # The day in the commune's time (at 23:30 in Paris, UTC is still the day before).
    expiry = long_date(facts.not_after.astimezone(ZoneInfo(config.commune.timezone)).date())
    assert re.fullmatch(rf"{expiry}, dans 1\u202f\d\d\d jours", section.expiry_label.text())
    assert "non qualifié" in section.warning_label.text()
    assert own.is_file()
    _shot(panel, shots, "certificat")


def test_a_p12_is_checked_then_used_and_one_near_expiry_is_announced(
    qtbot: QtBot,
    model: SessionModel,
    config: Config,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert config.source is not None
    monkeypatch.setenv("TABLE_APP_SIGNING_PASSWORD", "secret-de-mairie")
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("certificat")
    section = panel.certificate_section
    section.path_edit.setText(str(tmp_path / "absent.p12"))
    _click(qtbot, section.check_button)
    assert section.check_label.text().startswith("Fichier introuvable : ")
    _click(qtbot, section.save_button)
    refusal = _outcome(panel)
    assert "signing.certificate : fichier " in refusal.text.text()
    assert "introuvable" in refusal.text.text()
    _click(qtbot, refusal.ok_button)

    p12 = _certificate(tmp_path / "mairie.p12", "Mairie de Val-de-Sauve", 12, b"secret-de-mairie")
    section.path_edit.setText(str(p12))
    _click(qtbot, section.check_button)
    assert section.check_label.text().startswith(
        "Fichier trouvé : certificat de Mairie de Val-de-Sauve, émis par AC Territoires RGS ; "
        "expire le "
    )
    assert section.check_label.text().endswith(", dans 12 jours.")
    _click(qtbot, section.save_button)
    saved = _outcome(panel)
    assert saved.title.text() == "Enregistré : le certificat de signature"
    after = load_config(config.source)
    assert after.signing_key == Pkcs12Key(p12, b"secret-de-mairie")
    assert 'certificate = "' + str(p12) + '"' in config.source.read_text(encoding="utf-8")
    assert "secret-de-mairie" not in config.source.read_text(encoding="utf-8")
    _click(qtbot, saved.ok_button)
    # The section now reads the new certificate, and says it expires soon.
    qtbot.waitUntil(lambda: not section.reading)
    assert section.subject_label.text() == "Mairie de Val-de-Sauve"
    assert section.issuer_label.text() == "AC Territoires RGS"
    assert section.warning_label.objectName() == "refusal"
    assert section.warning_label.text().startswith("Ce certificat expire dans 12 jours, le ")
    assert section.warning_label.text().endswith(" : demandez son renouvellement dès maintenant.")


# --- Imprimante ------------------------------------------------------------------------------------


def test_a_members_code_is_typed_twice_on_the_pad_and_only_its_hash_is_saved(
    qtbot: QtBot, model: SessionModel, config: Config, database: Database, shots: Path
) -> None:
    assert config.source is not None
    before = config.source.read_text(encoding="utf-8")
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("codes")
    codes = panel.codes_section
    # Bernard Rousseau has one (the demo's); Martine Fabre none yet.
    assert codes.buttons["brousseau"].lines() == "Bernard Rousseau\ncode enregistré"
    fabre = codes.buttons["mfabre"]
    assert fabre.lines() == "Martine Fabre\naucun code"
    _click(qtbot, fabre)
    pad = codes.pin_dialog
    assert pad is not None
    qtbot.waitExposed(pad)
    assert pad.hint.text() == "L'élu tape son nouveau code : 4 à 8 chiffres."
    # Too short, then two codes that differ: said on the pad, nothing written.
    _type(qtbot, pad, "12")
    assert pad.banner.text() == "Un code personnel a de 4 à 8 chiffres : tapez-le de nouveau"
    _type(qtbot, pad, "3579")
    assert pad.hint.text() == "Le même code, une seconde fois, pour vérifier."
    _type(qtbot, pad, "3578")
    assert pad.banner.text() == (
        "Les deux codes tapés diffèrent : rien n'a été changé. Recommencez."
    )
    assert config.source.read_text(encoding="utf-8") == before
    # The same code twice: saved, for the table's next start.
    _type(qtbot, pad, "3579")
    _shot(panel, shots, "code-second", pad)
    with qtbot.waitSignal(panel.config_saved):
        _type(qtbot, pad, "3579")
    assert not pad.isVisible()
    saved = _outcome(panel)
    assert saved.title.text() == nbsp("Enregistré : le code personnel de Martine Fabre")
    assert "Ce changement prendra effet au redémarrage de la table." in saved.text.text()
    _shot(panel, shots, "code-enregistre", saved)
    assert codes.buttons["mfabre"].lines() == "Martine Fabre\ncode enregistré"
    text = config.source.read_text(encoding="utf-8")
    assert "3579" not in text  # its scrypt hash only
    assert text.count('pin = "scrypt:') == before.count('pin = "scrypt:') + 1
    assert _comments(text) == _comments(before)
    # At the next start, the code opens Martine Fabre's notes at a seat, and only it.
    after = load_config(config.source)
    notes = PrivateNotes(database, after.members, after.documents_folder, lambda _h: None)
    assert notes.unlock("mfabre", "3579").id == "mfabre"
    with pytest.raises(NotesRefused):
        notes.unlock("mfabre", "3578")
    with pytest.raises(
        NotesRefused, match="Aucun code personnel n'est enregistré pour Jean-Luc Perrin"
    ):
        notes.unlock("jlperrin", "3579")


def test_the_table_printer_is_chosen_among_the_cups_queues_and_applies_at_once(
    qtbot: QtBot, model: SessionModel, config: Config, cups: printing_tests.Cups, shots: Path
) -> None:
    assert config.source is not None
    cups.run("lpadmin", "-p", "Accueil", "-E", "-v", "cups-pdf:/", "-P", str(CUPS_PDF_PPD))
    try:
        master = _master(qtbot, model, config)
        assert _printer(master) is None
        panel = _panel(qtbot, master, config)
        panel.show_section("imprimante")
        section = panel.printer_section
        assert list(section.buttons) == [QUEUE, "Accueil"]  # CUPS's default first
        assert section.selected() == QUEUE
        assert section.current_label.text() == (
            "Aucune imprimante choisie : la table propose l'imprimante par défaut de CUPS, "
            f"«\u00a0{QUEUE}\u00a0»."
        )
        assert section.buttons[QUEUE].detail.text().startswith("par défaut · ")
        assert all(b.height() >= 64 for b in section.buttons.values())
        _click(qtbot, section.buttons["Accueil"])
        _click(qtbot, section.save_button)
        saved = _outcome(panel)
        assert saved.title.text() == "Enregistré : l'imprimante «\u00a0Accueil\u00a0»"
        assert saved.text.text() == "La table en tient compte tout de suite."
        assert saved.restart_button is None
        assert not panel.restart_button.isVisible()
        text = config.source.read_text(encoding="utf-8")
        assert text.endswith('\n[printing]\nprinter = "Accueil"\n')
        assert load_config(config.source).printer == "Accueil"
        done = _check(config.source)
        assert done.returncode == 0, done.stdout + done.stderr
        # At once: the secretary's printer chooser offers it first.
        assert _printer(master) == "Accueil"
        chooser = PrinterChooser("1 document", preferred=_printer(master))
        qtbot.addWidget(chooser)
        assert chooser.printer_names() == ["Accueil", QUEUE]
        assert chooser.selected_printer() == "Accueil"
        _click(qtbot, saved.ok_button)
        assert section.buttons["Accueil"].detail.text().startswith("imprimante de la table")
        _shot(panel, shots, "imprimante")

        # Back to CUPS's default: the key goes, the section with it.
        _click(qtbot, section.default_button)
        saved = _outcome(panel)
        assert saved.title.text() == "Enregistré : l'imprimante par défaut de CUPS"
        assert "\n[printing]\n" not in config.source.read_text(encoding="utf-8")
        assert load_config(config.source).printer is None
        assert _printer(master) is None
    finally:
        cups.run("lpadmin", "-x", "Accueil")


# --- Sièges en réseau --------------------------------------------------------------------


def test_network_seats_open_from_here_or_say_how_to_serve_them(
    qtbot: QtBot, model: SessionModel, config: Config, engine: SessionEngine, shots: Path
) -> None:
    master = _master(qtbot, model, config)
    panel = _panel(qtbot, master, config)
    panel.show_section("reseau")
    section = panel.network_section
    assert section.open_button is None
    assert "table-app run --seats" in section.explanation.text()
    _shot(panel, shots, "reseau")
    panel.accept()

    service = SeatService(engine, config.data_dir, config.commune.name)
    served = _master(qtbot, model, config, seats=service)
    panel = _panel(qtbot, served, config)
    panel.show_section("reseau")
    button = panel.network_section.open_button
    assert button is not None
    _click(qtbot, button)  # no second code: it was typed to open the administration
    seats = panel.seats_dialog
    assert seats is not None
    qtbot.waitExposed(seats)
    assert seats.geometry() == served.window().geometry()
    _click(qtbot, seats.close_button)
    assert not seats.isVisible()
