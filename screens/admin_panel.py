"""The master screen's "Administration": the table set up by the secretary, by touch.

Reached from the master screen behind the administrator's code
(``[kiosk] admin_pin``), asked once per opening. Like "Sièges en réseau"
(``screens/seats_admin.py``) the panel covers the master screen's window and
is window-modal to it: the seats go on showing the session while it is open.

Six sections, chosen from a menu of big entries on the left:

- **Écrans**: every display shows its number and connector name in big
  (``DisplayOverlay``); the connected displays and what each one shows; which
  connector each role (the mayor's screen, each seat) is on.
- **Sièges et élus**: who sits at each seat.
- **Dossier des documents**: the folder, whether the table can read and
  write it, how many documents it lists; another folder, checked first.
- **Certificat de signature**: what signs the deliberations (file, token, or
  the table's own self-signed certificate), who it names, until when; the
  path of a .p12 to use instead.
- **Imprimante**: the CUPS queues and the table's printer
  (``[printing] printer``).
- **Sièges en réseau**: the pairing panel when the table serves seats.

Every change goes through ``table_app.config_edit.edit_config``: validated as
``table-app check`` validates the file, written atomically with its comments
kept, or refused with every problem (key, what is wrong, how to fix it) and
nothing written. The printer applies at once (``config_saved``); the rest is
read at start, so the panel then offers "Redémarrer la table": the application
quits with ``RESTART_EXIT_CODE`` and systemd (``kiosk.service``,
``Restart=always``) starts it again, on the session where it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QMouseEvent, QScreen, QShowEvent
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from tomlkit.toml_document import TOMLDocument

from screens.choice_button import ChoiceButton
from screens.member_codes import MemberCodesSection
from screens.printing import NO_PRINTER_MESSAGE, describe_printer
from screens.widgets import ConfirmDialog, card, cover_parent_window, label, nbsp, restyle
from sync.document_catalog import DocumentCatalog
from sync.status import CERTIFICATE_WARNING_DAYS
from table_app.config import Config, ConfigProblem, check_config
from table_app.config_edit import (
    ConfigWriteError,
    SaveResult,
    edit_config,
    read_document,
    set_displays,
    set_documents_folder,
    set_member_pin,
    set_printer,
    set_seat_members,
    set_signing_certificate,
)
from table_app.french import long_date
from table_app.member_pin import hash_pin
from table_app.signing import (
    SELF_SIGNED_NOTICE,
    CertificateFacts,
    Pkcs11Key,
    Pkcs12Key,
    SigningError,
    SigningKey,
    certificate_facts,
    self_signed_path,
)

if TYPE_CHECKING:
    from screens.seat_service import SeatService
    from screens.seats_admin import SeatsAdminDialog

log = logging.getLogger("screens")

#: The exit code of "Redémarrer la table" (75, EX_TEMPFAIL: "try again"). Under
#: kiosk.service, Restart=always starts the table again at once; run by hand
#: (or the windowed demo), the table just quits.
RESTART_EXIT_CODE = 75
#: How long the displays show their number after "Identifier les écrans".
IDENTIFY_SECONDS = 15
#: Files counted at most when a folder is checked (a huge folder stays quick).
MAX_COUNTED_FILES = 100_000

MASTER = "master"
_PASSWORD_VARIABLE = "TABLE_APP_SIGNING_PASSWORD"
_FOLDER_VARIABLE = "TABLE_APP_DOCUMENTS_FOLDER"

#: The sections, in the menu's order: (key, title).
SECTIONS = (
    ("ecrans", "Écrans"),
    ("sieges", "Sièges et élus"),
    ("documents", "Dossier des documents"),
    ("certificat", "Certificat de signature"),
    ("imprimante", "Imprimante"),
    ("codes", "Codes des élus"),
    ("reseau", "Sièges en réseau"),
)

#: A view's window in the windowed table: (role, display it stands for, window).
ViewWindows = Callable[[], list[tuple[str, str, QWidget]]]


def role_title(role: str) -> str:
    return "Écran du maire" if role == MASTER else role


def breakable(path: str | Path) -> str:
    """A path that may wrap after each "/" (a label breaks only between words)."""
    return str(path).replace("/", "/\u200b")


def connector(name: str) -> str:
    return name or "(sans nom de connecteur)"


def resolve(raw: str, base_dir: Path) -> Path:
    """A path as the configuration reads it: ``~`` and ``$VARIABLES`` expanded,
    relative to the configuration file's folder."""
    path = Path(os.path.expandvars(raw.strip())).expanduser()
    return path if path.is_absolute() else base_dir / path


def ordered_screens() -> list[QScreen]:
    """The connected displays, numbered from the left (then from the top)."""
    return sorted(
        QGuiApplication.screens(), key=lambda s: (s.geometry().x(), s.geometry().y(), s.name())
    )


def roles_by_display(config: Config) -> dict[str, str]:
    """Connector name → role ("master" or a seat's name), as the file says."""
    roles = {seat.display: seat.name for seat in config.seats}
    roles[config.master_display] = MASTER
    return roles


def problem_lines(problems: Sequence[ConfigProblem]) -> str:
    """Each problem as ``table-app check`` says it: key, what is wrong, the fix."""
    return "\n".join(f"• {p.key} : {p.message}\n    → {p.fix}" for p in problems)


def _french_number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _scroll(content: QWidget) -> QScrollArea:
    """A section in a scroll area: a long list scrolls instead of being cut."""
    scroll = QScrollArea()
    scroll.setObjectName("adminScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    content.setObjectName("adminSection")
    scroll.setWidget(content)
    return scroll


def _button(text: str, name: str | None = None) -> QPushButton:
    button = QPushButton(text)
    if name:
        button.setObjectName(name)
    return button


# --- identifying the displays -----------------------------------------------------


class DisplayOverlay(QWidget):
    """A display's number, connector name and role, in big, until touched or
    ``IDENTIFY_SECONDS`` have passed.

    Attributes:
        number_label, name_label, role_label: what it shows.
    """

    def __init__(
        self, number: int, name: str, role: str, seconds: float = IDENTIFY_SECONDS
    ) -> None:
        super().__init__(None)
        self.setObjectName("displayOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setWindowTitle(f"Écran {number}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(12)
        layout.addStretch(1)
        self.number_label = label(str(number), "overlayNumber")
        self.name_label = label(connector(name), "overlayName")
        self.role_label = label(role, "overlayRole", wrap=True)
        self.hint_label = label("Touchez l'écran pour fermer", "overlayHint")
        for widget in (self.number_label, self.name_label, self.role_label, self.hint_label):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.close)
        self._timer.start(int(seconds * 1000))

    def show_on(self, geometry: QRect, screen: QScreen | None = None) -> None:
        """Cover ``geometry`` (a display, or a view's window), on ``screen``."""
        # Smaller type on a small display (a laptop's window), never bigger.
        scale = min(1.0, geometry.height() / 1080, geometry.width() / 1920)
        self.number_label.setStyleSheet(f"font-size: {int(360 * scale)}px;")
        self.name_label.setStyleSheet(f"font-size: {int(96 * scale)}px;")
        self.role_label.setStyleSheet(f"font-size: {int(56 * scale)}px;")
        self.hint_label.setStyleSheet(f"font-size: {max(20, int(32 * scale))}px;")
        if screen is not None:
            # The screen first, then the geometry (setScreen alone does not move a window).
            self.create()
            handle = self.windowHandle()
            if handle is not None:
                handle.setScreen(screen)
        self.setGeometry(geometry)
        self.show()  # a new window is mapped on top (no window manager to ask)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.close()


# --- the sections -------------------------------------------------------------------


class ScreensSection(QWidget):
    """The displays: identify them, see what each shows, choose each role's display.

    Signals:
        identify_requested(): "Identifier les écrans" was touched.
        save_requested(): "Enregistrer les écrans" was touched.
    """

    identify_requested = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(28)

        left, left_layout = card()
        left_layout.addWidget(label("Écrans branchés", "sectionTitle"))
        left_layout.addWidget(
            label(
                "Chaque écran affiche en grand son numéro et le nom de son branchement "
                f"(le connecteur) pendant {IDENTIFY_SECONDS} secondes, ou jusqu'à ce qu'on "
                "le touche.",
                "muted",
                wrap=True,
            )
        )
        self.identify_button = _button("Identifier les écrans", "primary")
        self.identify_button.clicked.connect(self.identify_requested.emit)
        left_layout.addWidget(self.identify_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._rows = QVBoxLayout()
        self._rows.setSpacing(10)
        left_layout.addLayout(self._rows)
        left_layout.addStretch(1)
        layout.addWidget(left, 1)

        right, right_layout = card()
        right_layout.addWidget(label("Ce que montre chaque écran", "sectionTitle"))
        right_layout.addWidget(
            label(
                "Pour chaque place, choisissez le connecteur de son écran.",
                "muted",
                wrap=True,
            )
        )
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(20)
        self._grid.setVerticalSpacing(12)
        right_layout.addLayout(self._grid)
        self.save_button = _button("Enregistrer les écrans", "primary")
        self.save_button.clicked.connect(self.save_requested.emit)
        right_layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addStretch(1)
        layout.addWidget(right, 1)
        self.rows: list[QLabel] = []
        #: (role, its display's combobox): the mayor's screen, then each seat in file order.
        self.combos: list[tuple[str, QComboBox]] = []

    def show_config(self, config: Config) -> None:
        """The connected displays and each role's display, as the file says."""
        roles = roles_by_display(config)
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        screens = ordered_screens()
        for number, screen in enumerate(screens, start=1):
            geometry = screen.geometry()
            role = roles.get(screen.name())
            shows = role_title(role) if role else "aucune place (l'écran propose d'en choisir une)"
            row = label(
                f"n° {number} · {connector(screen.name())} · "
                f"{geometry.width()}\u00a0×\u00a0{geometry.height()}\naffiche : {shows}",
                "displayRow",
                wrap=True,
            )
            self._rows.addWidget(row)
            self.rows.append(row)
        if not screens:
            row = label("Aucun écran branché.", "muted")
            self._rows.addWidget(row)
            self.rows.append(row)

        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.combos = []
        connected = [s.name() for s in screens if s.name()]
        names = list(dict.fromkeys([*connected, config.master_display, *roles]))
        current = [(MASTER, config.master_display)] + [(s.name, s.display) for s in config.seats]
        for line, (role, display) in enumerate(current):
            self._grid.addWidget(label(role_title(role)), line, 0)
            combo = QComboBox()
            combo.setObjectName("roleDisplay")
            combo.setMinimumWidth(440)
            for name in names:
                where = (
                    f"branché, n° {connected.index(name) + 1}"
                    if name in connected
                    else "non branché"
                )
                combo.addItem(f"{name} ({where})", name)
            # Always the display the role has now: never a default that would,
            # saved untouched, move the mayor's screen.
            combo.setCurrentIndex(combo.findData(display))
            self._grid.addWidget(combo, line, 1)
            self.combos.append((role, combo))
        self._grid.setColumnStretch(1, 1)

    def chosen(self) -> tuple[str, list[str]]:
        """The mayor's display, then each seat's, in the file's order."""
        displays = [str(combo.currentData()) for _role, combo in self.combos]
        return displays[0], displays[1:]

    def choose(self, role: str, display: str) -> None:
        combo = next(c for r, c in self.combos if r == role)
        combo.setCurrentIndex(combo.findData(display))


class SeatsSection(QWidget):
    """Who sits at each seat: a seat chosen on the left, its members touched on the right.

    Attributes:
        sitting: the members of each seat as edited (not yet saved), in file order.

    Signals:
        save_requested(): "Enregistrer les sièges" was touched.
    """

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sitting: list[list[str]] = []
        self._seat_names: list[str] = []
        self._names: dict[str, str] = {}
        self._roles: dict[str, str] = {}
        self.current = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(28)

        left, left_layout = card()
        left_layout.addWidget(label("Sièges", "sectionTitle"))
        self._seat_list = QVBoxLayout()
        self._seat_list.setSpacing(10)
        left_layout.addLayout(self._seat_list)
        left_layout.addStretch(1)
        self._seat_group = QButtonGroup(self)
        self._seat_group.setExclusive(True)
        self.seat_buttons: list[ChoiceButton] = []
        left.setMinimumWidth(280)
        left.setMaximumWidth(320)
        layout.addWidget(left, 0)

        right, right_layout = card()
        self.title = label("", "sectionTitle", wrap=True)
        right_layout.addWidget(self.title)
        right_layout.addWidget(
            label("Touchez un nom pour l'asseoir à ce siège ou l'en retirer.", "muted", wrap=True)
        )
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(12)
        right_layout.addLayout(self._grid)
        right_layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setSpacing(24)
        self.undo_button = _button("Annuler les changements")
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.save_button = _button("Enregistrer les sièges", "primary")
        self.save_button.clicked.connect(self.save_requested.emit)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right_layout.addLayout(buttons)
        layout.addWidget(right, 1)
        self.member_buttons: dict[str, ChoiceButton] = {}
        self._saved: list[list[str]] = []

    def show_config(self, config: Config) -> None:
        self._saved = [list(seat.members) for seat in config.seats]
        self.sitting = [list(m) for m in self._saved]
        seat_names = [seat.name for seat in config.seats]
        names = {m.id: m.name for m in config.members}
        self._roles = {m.id: m.role for m in config.members}
        if seat_names == self._seat_names and names == self._names:
            self._redraw()  # the same seats and members: no rebuild, no flicker
            return
        self._seat_names, self._names = seat_names, names
        for button in self.seat_buttons:
            self._seat_group.removeButton(button)
            button.setParent(None)
            button.deleteLater()
        self.seat_buttons = []
        for index, _name in enumerate(self._seat_names):
            button = ChoiceButton()
            button.clicked.connect(lambda _c=False, i=index: self.select_seat(i))
            self._seat_group.addButton(button)
            self._seat_list.addWidget(button)
            self.seat_buttons.append(button)
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.member_buttons = {}
        for index, member in enumerate(config.members):
            button = ChoiceButton("memberChoice")
            button.clicked.connect(lambda _c=False, m=member.id: self.toggle(m))
            self._grid.addWidget(button, index // 3, index % 3)
            self.member_buttons[member.id] = button
        for column in range(3):
            self._grid.setColumnStretch(column, 1)
        self.select_seat(min(self.current, max(len(self._seat_names) - 1, 0)))

    def select_seat(self, index: int) -> None:
        self.current = index
        self._redraw()

    def toggle(self, member_id: str) -> None:
        """Seat ``member_id`` at the chosen seat, or take them off it."""
        if not self.sitting:
            return
        members = self.sitting[self.current]
        if member_id in members:
            members.remove(member_id)
        else:
            members.append(member_id)
        self._redraw()

    def seats_of(self, member_id: str) -> list[str]:
        return [
            name
            for name, members in zip(self._seat_names, self.sitting, strict=True)
            if member_id in members
        ]

    def doubles(self) -> list[str]:
        """One sentence per member placed at two seats or more, by name."""
        sentences = []
        for member_id, name in self._names.items():
            seats = self.seats_of(member_id)
            if len(seats) > 1:
                where = " et ".join(f"« {s.replace(' ', chr(0xA0))} »" for s in seats)
                sentences.append(
                    nbsp(f"{name} est à deux sièges à la fois ({where}) : un élu n'a qu'une place.")
                )
        return sentences

    def _redraw(self) -> None:
        for index, button in enumerate(self.seat_buttons):
            count = len(self.sitting[index])
            button.set_lines(self._seat_names[index], f"{count} élu{'s' if count > 1 else ''}")
            button.setChecked(index == self.current)
        if not self._seat_names:
            self.title.setText("Aucun siège dans la configuration")
            return
        seat = self._seat_names[self.current]
        self.title.setText(nbsp(f"Élus assis au « {seat} »"))
        for member_id, button in self.member_buttons.items():
            here = member_id in self.sitting[self.current]
            others = [s for s in self.seats_of(member_id) if s != seat]
            if others and here:
                where = "aussi au " + ", ".join(others)
            elif others:
                where = "au " + ", ".join(others)
            elif self._roles.get(member_id) == "maire":
                where = "à l'écran du maire"
            else:
                where = "à ce siège" if here else "sans siège"
            button.set_lines(self._names[member_id], where)
            button.setChecked(here)
            button.set_kind("memberDouble" if others and here else "memberChoice")

    def _on_undo_button_clicked(self) -> None:
        self.sitting = [list(m) for m in self._saved]
        self._redraw()


@dataclass(frozen=True)
class FolderFacts:
    """What the table finds at a folder's path."""

    path: Path
    exists: bool
    is_dir: bool
    readable: bool
    writable: bool
    files: int
    more: bool  # more than MAX_COUNTED_FILES

    def describe(self) -> tuple[str, bool]:
        """A French sentence, and whether the table can work with the folder."""
        if not self.exists:
            return ("Ce dossier n'existe pas (ou pas encore).", False)
        if not self.is_dir:
            return ("Ce chemin est un fichier, pas un dossier.", False)
        if not self.readable:
            return ("Ce dossier existe mais la table ne peut pas le lire (droits).", False)
        count = f"{'plus de ' if self.more else ''}{_french_number(self.files)}"
        files = f"{count} fichier{'s' if self.files > 1 else ''}"
        if not self.writable:
            return (
                f"Dossier trouvé : la table peut le lire mais pas y écrire (ses sauvegardes y "
                f"vont par défaut) ; il contient {files}.",
                True,
            )
        return (f"Dossier trouvé : la table peut le lire et y écrire ; il contient {files}.", True)


def folder_facts(path: Path) -> FolderFacts:
    exists = path.exists()
    is_dir = path.is_dir()
    readable = is_dir and os.access(path, os.R_OK | os.X_OK)
    writable = is_dir and os.access(path, os.W_OK | os.X_OK)
    files = 0
    more = False
    if readable:
        for _root, _dirs, names in os.walk(path):
            files += len(names)
            if files > MAX_COUNTED_FILES:
                more = True
                files = MAX_COUNTED_FILES
                break
    return FolderFacts(path, exists, is_dir, readable, writable, files, more)


class DocumentsSection(QWidget):
    """The document folder: where, in what state, how many documents; another one.

    Signals:
        save_requested(str): "Enregistrer ce dossier" was touched, with the path typed.
    """

    save_requested = Signal(str)

    def __init__(self, env: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._env = env
        self._base = Path()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(24)

        now, now_layout = card()
        now_layout.addWidget(label("Dossier actuel", "sectionTitle"))
        self.path_label = label("", "factValue", wrap=True)
        now_layout.addWidget(self.path_label)
        self.state_label = label("", wrap=True)
        now_layout.addWidget(self.state_label)
        self.count_label = label("", wrap=True)
        now_layout.addWidget(self.count_label)
        self.override_label = label("", "notice", wrap=True)
        self.override_label.hide()
        now_layout.addWidget(self.override_label)
        layout.addWidget(now)

        change, change_layout = card()
        change_layout.addWidget(label("Changer de dossier", "sectionTitle"))
        change_layout.addWidget(
            label(
                nbsp(
                    "Tapez le chemin du dossier que le client de synchronisation (Nextcloud, "
                    "Syncthing…) ou le scanner remplit, puis touchez « Vérifier »."
                ),
                "muted",
                wrap=True,
            )
        )
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("adminPath")
        self.path_edit.textEdited.connect(self._on_path_edit_text_edited)
        change_layout.addWidget(self.path_edit)
        buttons = QHBoxLayout()
        buttons.setSpacing(24)
        self.check_button = _button("Vérifier")
        self.check_button.clicked.connect(self.check)
        self.save_button = _button("Enregistrer ce dossier", "primary")
        self.save_button.clicked.connect(
            lambda: self.save_requested.emit(self.path_edit.text().strip())
        )
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        change_layout.addLayout(buttons)
        self.check_label = label("", wrap=True)
        self.check_label.hide()
        change_layout.addWidget(self.check_label)
        layout.addWidget(change)
        layout.addStretch(1)

    def show_config(
        self, config: Config, raw: str | None, documents: DocumentCatalog | None
    ) -> None:
        """``raw``: the folder as the file writes it (a relative path stays relative)."""
        self._base = config.source.parent if config.source is not None else Path.cwd()
        folder = config.documents_folder
        self.path_label.setText(breakable(folder))
        facts = folder_facts(folder)
        if not facts.is_dir:
            state = "Le dossier N'EXISTE PAS : vérifiez le client de synchronisation, ou le chemin."
        elif not facts.readable:
            state = "Le dossier existe mais la table ne peut pas le lire (droits)."
        elif not facts.writable:
            state = "Le dossier existe ; la table peut le lire mais pas y écrire."
        else:
            state = "Le dossier existe ; la table peut le lire et y écrire."
        self.state_label.setText(state)
        restyle(self.state_label, "okLine" if facts.readable else "refusal")
        self.count_label.setText(self._count(documents))
        override = self._env.get(_FOLDER_VARIABLE)
        self.override_label.setVisible(bool(override))
        if override:
            self.override_label.setText(
                f"La variable {_FOLDER_VARIABLE} du service impose ce dossier : un dossier "
                "enregistré ici ne servira qu'une fois la variable retirée."
            )
        self.path_edit.setText(raw if raw is not None else str(folder))
        self.check_label.hide()

    @staticmethod
    def _count(catalog: DocumentCatalog | None) -> str:
        if catalog is None:
            return "Liste des documents non disponible ici."
        documents = catalog.documents()
        rejected = sum(1 for d in documents if d.get("status") == "rejected")
        listed = len(documents)
        text = f"{_french_number(listed)} document{'s' if listed > 1 else ''} dans la liste de la table"
        if rejected:
            text += f", dont {rejected} refusé{'s' if rejected > 1 else ''} (table-app ingest dit pourquoi)"
        return text + "."

    def check(self) -> FolderFacts | None:
        """Say what is at the path typed."""
        raw = self.path_edit.text().strip()
        if not raw:
            self.check_label.setText("Tapez d'abord le chemin du dossier.")
            restyle(self.check_label, "refusal")
            self.check_label.show()
            return None
        facts = folder_facts(resolve(raw, self._base))
        text, usable = facts.describe()
        self.check_label.setText(f"{breakable(facts.path)}\n{text}")
        restyle(self.check_label, "okLine" if usable else "refusal")
        self.check_label.show()
        return facts

    def _on_path_edit_text_edited(self, _text: str) -> None:
        self.check_label.hide()


class CertificateSection(QWidget):
    """What signs the deliberations, who it names, until when; a .p12 to use instead.

    Signals:
        facts_read(object): ``(generation, CertificateFacts | SigningError)``,
            from the thread that read the certificate.
        save_requested(str): "Utiliser ce certificat" was touched, with the path typed.
    """

    facts_read = Signal(object)
    save_requested = Signal(str)

    def __init__(self, env: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._env = env
        self._base = Path()
        self._timezone = "Europe/Paris"
        self._generation = 0
        self.facts: CertificateFacts | None = None
        self.reading = False
        self._warnings: list[tuple[str, str]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(24)

        now, now_layout = card()
        now_layout.addWidget(label("Ce qui signe les délibérations", "sectionTitle"))
        self.kind_label = label("", wrap=True)
        now_layout.addWidget(self.kind_label)
        facts = QGridLayout()
        facts.setHorizontalSpacing(24)
        facts.setVerticalSpacing(8)
        self.subject_label = label("", "factValue", wrap=True)
        self.issuer_label = label("", "factValue", wrap=True)
        self.expiry_label = label("", "factValue", wrap=True)
        for row, (title, value) in enumerate(
            (
                ("Titulaire", self.subject_label),
                ("Émis par", self.issuer_label),
                ("Expire le", self.expiry_label),
            )
        ):
            facts.addWidget(label(title, "muted"), row, 0, Qt.AlignmentFlag.AlignTop)
            facts.addWidget(value, row, 1)
        facts.setColumnStretch(1, 1)
        self._facts_box = QWidget()
        self._facts_box.setLayout(facts)
        now_layout.addWidget(self._facts_box)
        self.warning_label = label("", "notice", wrap=True)
        self.warning_label.hide()
        now_layout.addWidget(self.warning_label)
        layout.addWidget(now)

        change, change_layout = card()
        change_layout.addWidget(
            label("Signer avec un fichier de certificat (.p12)", "sectionTitle")
        )
        self.password_note = label(
            "Le chemin du fichier PKCS#12 (.p12 ou .pfx) du certificat de la commune. Son "
            "mot de passe n'est jamais écrit dans la configuration : la table le lit, comme "
            f"aujourd'hui, dans la variable {_PASSWORD_VARIABLE} de son service "
            "(kiosk.service).",
            "muted",
            wrap=True,
        )
        change_layout.addWidget(self.password_note)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("adminPath")
        self.path_edit.setPlaceholderText("/etc/table-du-conseil/signature.p12")
        self.path_edit.textEdited.connect(self._on_path_edit_text_edited)
        change_layout.addWidget(self.path_edit)
        buttons = QHBoxLayout()
        buttons.setSpacing(24)
        self.check_button = _button("Vérifier")
        self.check_button.clicked.connect(self.check)
        self.save_button = _button("Utiliser ce certificat", "primary")
        self.save_button.clicked.connect(
            lambda: self.save_requested.emit(self.path_edit.text().strip())
        )
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        change_layout.addLayout(buttons)
        self.check_label = label("", wrap=True)
        self.check_label.hide()
        change_layout.addWidget(self.check_label)
        layout.addWidget(change)
        layout.addStretch(1)
        self.facts_read.connect(self._on_self_facts_read)

    def show_config(self, config: Config) -> None:
        self._base = config.source.parent if config.source is not None else Path.cwd()
        self._timezone = config.commune.timezone
        key: SigningKey | None = config.signing_key
        self.facts = None
        self._warnings = []
        self.warning_label.hide()
        self._facts_box.hide()
        if isinstance(key, Pkcs12Key):
            self.kind_label.setText(f"Le fichier de certificat {breakable(key.path)}")
            self.path_edit.setText(str(key.path))
        elif isinstance(key, Pkcs11Key):
            self.kind_label.setText(
                nbsp(
                    f"La clé « {key.key_label} » du jeton « {key.token_label} » (clé USB ou "
                    f"carte à puce), par le module {breakable(key.module)}"
                )
            )
        else:
            own = self_signed_path(config.data_dir)
            if own.is_file():
                self.kind_label.setText(
                    "Aucun certificat n'est indiqué : la table signe avec son propre "
                    f"certificat auto-signé, {breakable(own)}"
                )
                key = Pkcs12Key(own)
            else:
                self.kind_label.setText(
                    "Aucun certificat n'est indiqué : la table créera son propre certificat "
                    "auto-signé au premier export des délibérations."
                )
            self._warn(
                f"{SELF_SIGNED_NOTICE} Pour signer avec le certificat RGS de la mairie, "
                "indiquez son fichier .p12 ci-dessous.",
                "notice",
            )
        if key is not None:
            self._read(key)

    def _read(self, key: SigningKey) -> None:
        """Read the certificate on a thread (a token may take a while to answer)."""
        self._generation += 1
        generation = self._generation
        self.reading = True
        self.subject_label.setText("lecture du certificat…")

        def work() -> None:
            try:
                result: CertificateFacts | SigningError = certificate_facts(key)
            except SigningError as error:
                result = error
            except Exception as error:  # a damaged file: said, not a crash of the panel
                result = SigningError(f"Certificat illisible ({error}).")
            with contextlib.suppress(RuntimeError):  # the panel was closed meanwhile
                self.facts_read.emit((generation, result))

        threading.Thread(target=work, name="certificat", daemon=True).start()

    def _on_self_facts_read(self, message: tuple[int, CertificateFacts | SigningError]) -> None:
        generation, result = message
        if generation != self._generation:
            return
        self.reading = False
        if isinstance(result, SigningError):
            self._facts_box.hide()
            self._warn(str(result), "refusal")
            return
        self.facts = result
        self._facts_box.show()
        self.subject_label.setText(result.subject)
        self.issuer_label.setText(
            result.issuer + (" (lui-même : auto-signé, non qualifié)" if result.self_signed else "")
        )
        self.expiry_label.setText(self.expiry_text(result))
        days = result.days_left(datetime.now(UTC))
        expiry = self._day(result)
        if days < 0:
            self._warn(
                f"Ce certificat a expiré le {expiry} : les délibérations ne peuvent plus être "
                "signées valablement. Installez le nouveau certificat de la commune.",
                "refusal",
            )
        elif days < CERTIFICATE_WARNING_DAYS:  # as table-app status says it
            self._warn(
                f"Ce certificat expire dans {days} jour{'s' if days > 1 else ''}, le {expiry} : "
                "demandez son renouvellement dès maintenant.",
                "refusal",
            )

    def _on_path_edit_text_edited(self, _text: str) -> None:
        self.check_label.hide()

    def _day(self, facts: CertificateFacts) -> str:
        return long_date(facts.not_after.astimezone(ZoneInfo(self._timezone)).date())

    def expiry_text(self, facts: CertificateFacts) -> str:
        days = facts.days_left(datetime.now(UTC))
        if days < 0:
            return f"{self._day(facts)} (expiré)"
        return f"{self._day(facts)}, dans {_french_number(days)} jour{'s' if days > 1 else ''}"

    def _warn(self, text: str, style: str) -> None:
        """Add a warning ("notice") or an alarm ("refusal": the box turns red)."""
        self._warnings.append((text, style))
        self.warning_label.setText("\n".join(t for t, _s in self._warnings))
        red = any(s == "refusal" for _t, s in self._warnings)
        restyle(self.warning_label, "refusal" if red else "notice")
        self.warning_label.show()

    def check(self) -> CertificateFacts | None:
        """Say whether the file typed exists and what it holds."""
        raw = self.path_edit.text().strip()
        facts: CertificateFacts | None = None
        if not raw:
            text, style = "Tapez d'abord le chemin du fichier .p12.", "refusal"
        else:
            path = resolve(raw, self._base)
            if not path.is_file():
                text, style = f"Fichier introuvable : {breakable(path)}", "refusal"
            else:
                password = self._env.get(_PASSWORD_VARIABLE)
                try:
                    facts = certificate_facts(
                        Pkcs12Key(path, password.encode("utf-8") if password else None)
                    )
                except SigningError as error:
                    text, style = (
                        f"Fichier trouvé, mais illisible par la table : {error}",
                        "refusal",
                    )
                else:
                    kind = " — auto-signé, non qualifié" if facts.self_signed else ""
                    text = (
                        f"Fichier trouvé : certificat de {facts.subject}, émis par "
                        f"{facts.issuer}{kind} ; expire le {self.expiry_text(facts)}."
                    )
                    style = "okLine"
        self.check_label.setText(text)
        restyle(self.check_label, style)
        self.check_label.show()
        return facts


class PrinterSection(QWidget):
    """The CUPS queues, and the table's printer.

    Signals:
        save_requested(object): "Enregistrer" was touched: the queue's name, or
            None for CUPS's default printer.
    """

    save_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._printer: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(24)
        frame, inner = card()
        inner.addWidget(label("Imprimante de la table", "sectionTitle"))
        self.current_label = label("", wrap=True)
        inner.addWidget(self.current_label)
        inner.addWidget(
            label(
                nbsp(
                    "Les imprimantes installées sur la table (CUPS) : touchez celle où "
                    "imprimer le registre, puis « Enregistrer cette imprimante »."
                ),
                "muted",
                wrap=True,
            )
        )
        self._list = QVBoxLayout()
        self._list.setSpacing(12)
        inner.addLayout(self._list)
        self.message = label("", "refusal", wrap=True)
        self.message.hide()
        inner.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.setSpacing(24)
        self.refresh_button = _button("Actualiser")
        self.refresh_button.clicked.connect(self.refresh)
        self.default_button = _button("Imprimante par défaut de CUPS")
        self.default_button.clicked.connect(lambda: self.save_requested.emit(None))
        self.save_button = _button("Enregistrer cette imprimante", "primary")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.default_button)
        buttons.addWidget(self.save_button)
        inner.addLayout(buttons)
        layout.addWidget(frame)
        layout.addStretch(1)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, ChoiceButton] = {}

    def show_config(self, config: Config) -> None:
        self._printer = config.printer
        self.refresh()

    def refresh(self) -> None:
        """List the CUPS queues again (one may just have been added)."""
        for button in self.buttons.values():
            self._group.removeButton(button)
            button.setParent(None)
            button.deleteLater()
        self.buttons = {}
        printers = sorted(
            QPrinterInfo.availablePrinters(),
            key=lambda info: (
                info.printerName() != self._printer,
                not info.isDefault(),
                info.printerName().casefold(),
            ),
        )
        default = next((p.printerName() for p in printers if p.isDefault()), None)
        for info in printers:
            button = ChoiceButton()
            name, _newline, details = describe_printer(info, self._printer).partition("\n")
            button.set_lines(name, details)
            self._group.addButton(button)
            self._list.addWidget(button)
            self.buttons[info.printerName()] = button
        names = list(self.buttons)
        chosen = self._printer if self._printer in self.buttons else (names[0] if names else None)
        if chosen is not None:
            self.buttons[chosen].setChecked(True)
        if self._printer is not None:
            text = nbsp(f"Imprimante de la table : « {self._printer} ».")
            if self._printer not in self.buttons:
                text += " Elle n'est plus installée sur la table : choisissez-en une autre."
        elif default is not None:
            text = nbsp(
                "Aucune imprimante choisie : la table propose l'imprimante par défaut de CUPS, "
                f"« {default} »."
            )
        else:
            text = "Aucune imprimante choisie."
        self.current_label.setText(text)
        self.message.setText(NO_PRINTER_MESSAGE)
        self.message.setVisible(not printers)
        self.save_button.setEnabled(bool(printers))
        self.default_button.setVisible(self._printer is not None)

    def selected(self) -> str | None:
        return next((name for name, b in self.buttons.items() if b.isChecked()), None)

    def select(self, name: str) -> None:
        self.buttons[name].setChecked(True)

    def _on_save_button_clicked(self) -> None:
        name = self.selected()
        if name is not None:
            self.save_requested.emit(name)


class NetworkSeatsSection(QWidget):
    """The seats on the network: their panel when the table serves them, else how to.

    Signals:
        open_requested(): "Ouvrir « Sièges en réseau »" was touched.
    """

    open_requested = Signal()

    def __init__(self, serving: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        frame, inner = card()
        inner.addWidget(label("Sièges en réseau", "sectionTitle"))
        self.open_button: QPushButton | None = None
        if serving:
            inner.addWidget(
                label(
                    "Les tablettes et les écrans des sièges branchés sur le réseau de la mairie : "
                    "appairer un nouveau siège avec un code, voir ceux qui sont connectés, en "
                    "retirer un.",
                    wrap=True,
                )
            )
            self.open_button = _button(nbsp("Ouvrir « Sièges en réseau »"), "primary")
            self.open_button.clicked.connect(self.open_requested.emit)
            inner.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        else:
            self.explanation = label(
                "La table ne sert pas de sièges en réseau pour l'instant : seuls ses propres "
                "écrans suivent la séance. Pour y brancher des tablettes ou des ordinateurs "
                "par le réseau de la mairie, la table doit être lancée avec l'option --seats "
                "(table-app run --seats, dans la ligne ExecStart de kiosk.service), puis "
                "redémarrée.",
                wrap=True,
            )
            inner.addWidget(self.explanation)
        inner.addStretch(1)
        layout.addWidget(frame)
        layout.addStretch(1)


# --- the panel -----------------------------------------------------------------------


class OutcomeDialog(QDialog):
    """What became of a change: saved, refused (every problem), or nothing to do.

    Window-modal over the panel, framed, until "Compris" is touched; after a
    save the running table takes only at its restart, "Redémarrer la table"
    is offered beside it.

    Signals:
        restart_requested(): "Redémarrer la table" was touched.
    """

    restart_requested = Signal()

    def __init__(
        self, title: str, text: str, style: str, restart: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(24)
        self.title = label(nbsp(title), "sectionTitle", wrap=True)
        self.text = label(text, style, wrap=True)
        self.text.setMinimumWidth(1100)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        row.setSpacing(32)
        row.addStretch(1)
        self.restart_button: QPushButton | None = None
        if restart:
            self.restart_button = _button("Redémarrer la table", "danger")
            self.restart_button.clicked.connect(self._on_restart_button_clicked)
            row.addWidget(self.restart_button)
        self.ok_button = _button("Compris", "primary")
        self.ok_button.setMinimumWidth(220)
        self.ok_button.clicked.connect(self.accept)
        row.addWidget(self.ok_button)
        layout.addLayout(row)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Centred over the panel (kiosk: no window manager)."""
        parent = self.parentWidget()
        self.adjustSize()
        if parent is not None:
            self.move(parent.window().geometry().center() - self.rect().center())
        super().showEvent(event)

    def _on_restart_button_clicked(self) -> None:
        self.accept()
        self.restart_requested.emit()


class AdminPanel(QDialog):
    """ "Administration": the table's settings, each change validated and saved.

    Attributes:
        source: the configuration file (``Config.source``) that changes are written to.
        config: the configuration as the file reads now (after each save).
        sections: the section widgets, by key (``SECTIONS``).
        overlays: the display overlays of the last "Identifier les écrans".
        pending: what has been saved but waits for the table to restart.
        last_result: the outcome of the last save, if any.
        message: what the panel last said of a change (title, then text).
        outcome_dialog: the box that says it, until "Compris" is touched.
        seats_dialog: "Sièges en réseau", when opened from here.
        confirm_dialog: the "Redémarrer la table" question, when asked.

    Signals:
        config_saved(object): the new ``Config``, after each successful save.
        restart_requested(int): "Redémarrer la table" was confirmed, with the
            exit code the application is about to quit with.
    """

    config_saved = Signal(object)
    restart_requested = Signal(int)

    def __init__(
        self,
        config: Config,
        parent: QWidget | None = None,
        *,
        documents: DocumentCatalog | None = None,
        seats: SeatService | None = None,
        view_windows: ViewWindows | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.env = os.environ if env is None else env
        self.source = config.source
        #: the documents the table lists (the session model's, never the database)
        self.documents = documents
        self.seats = seats
        self.view_windows = view_windows
        self.overlays: list[DisplayOverlay] = []
        self.pending: list[str] = []
        self.last_result: SaveResult | None = None
        self.seats_dialog: SeatsAdminDialog | None = None
        self.confirm_dialog: ConfirmDialog | None = None
        self.outcome_dialog: OutcomeDialog | None = None
        self.message = ""
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle("Administration")
        # What the file says now (it may have been saved since the table started).
        self.config = config
        problems: list[ConfigProblem] = []
        if self.source is not None:
            fresh, problems = check_config(self.source, env=self.env)
            if fresh is not None:
                self.config = fresh

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QWidget()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(32, 10, 32, 10)
        header_layout.setSpacing(28)
        header_layout.addWidget(label("Administration", "headerTitle"))
        self.file_label = label(
            breakable(self.source)
            if self.source is not None
            else "fichier de configuration inconnu",
            "seatName",
            wrap=True,
        )
        header_layout.addWidget(self.file_label, 1)
        header_layout.addWidget(label(self.config.commune.name, "seatName"))
        layout.addWidget(header)

        body = QHBoxLayout()
        body.setContentsMargins(32, 20, 32, 20)
        body.setSpacing(28)
        menu = QVBoxLayout()
        menu.setSpacing(10)
        self._menu_group = QButtonGroup(self)
        self._menu_group.setExclusive(True)
        self.menu_buttons: dict[str, QPushButton] = {}
        for key, title in SECTIONS:
            button = _button(title, "adminEntry")
            button.setCheckable(True)
            button.setMinimumWidth(420)
            button.clicked.connect(lambda _c=False, k=key: self.show_section(k))
            self._menu_group.addButton(button)
            self.menu_buttons[key] = button
            menu.addWidget(button)
        menu.addStretch(1)
        self.close_button = _button("Fermer")
        self.close_button.clicked.connect(self.accept)
        menu.addWidget(self.close_button)
        body.addLayout(menu)

        right = QVBoxLayout()
        right.setSpacing(16)
        self.file_problem = label("", "refusal", wrap=True)
        self.file_problem.hide()
        right.addWidget(self.file_problem)
        # What waits for the restart, above the section shown: the menu's column
        # has no height to spare for it (seven sections, big touch targets).
        pending = QHBoxLayout()
        pending.setSpacing(20)
        self.pending_label = label("", "notice", wrap=True)
        self.pending_label.hide()
        pending.addWidget(self.pending_label, 1)
        self.restart_button = _button("Redémarrer la table", "danger")
        self.restart_button.clicked.connect(self._on_restart_button_clicked)
        self.restart_button.hide()
        pending.addWidget(self.restart_button, 0, Qt.AlignmentFlag.AlignVCenter)
        right.addLayout(pending)
        self.stack = QStackedWidget()
        self.screens_section = ScreensSection()
        self.seats_section = SeatsSection()
        self.documents_section = DocumentsSection(self.env)
        self.certificate_section = CertificateSection(self.env)
        self.printer_section = PrinterSection()
        self.codes_section = MemberCodesSection()
        self.network_section = NetworkSeatsSection(seats is not None)
        self.sections: dict[str, QWidget] = {
            "ecrans": self.screens_section,
            "sieges": self.seats_section,
            "documents": self.documents_section,
            "certificat": self.certificate_section,
            "imprimante": self.printer_section,
            "codes": self.codes_section,
            "reseau": self.network_section,
        }
        self._pages: dict[str, QScrollArea] = {}
        for key, _title in SECTIONS:
            page = _scroll(self.sections[key])
            self._pages[key] = page
            self.stack.addWidget(page)
        right.addWidget(self.stack, 1)
        body.addLayout(right, 1)
        layout.addLayout(body, 1)

        self.screens_section.identify_requested.connect(self.identify_displays)
        self.screens_section.save_requested.connect(self._on_screens_save_requested)
        self.seats_section.save_requested.connect(self._on_seats_save_requested)
        self.documents_section.save_requested.connect(self._on_documents_save_requested)
        self.certificate_section.save_requested.connect(self._on_certificate_save_requested)
        self.printer_section.save_requested.connect(self._on_printer_save_requested)
        self.codes_section.code_chosen.connect(self._on_codes_code_chosen)
        self.network_section.open_requested.connect(self.open_seats_admin)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self._on_app_screens_changed)
            app.screenRemoved.connect(self._on_app_screens_changed)
        self._show_config()
        self.show_section("ecrans")
        if self.source is None:
            self.file_problem.setText(
                "Le fichier de configuration de la table est inconnu : les réglages sont "
                "affichés mais ne peuvent pas être enregistrés d'ici."
            )
            self.file_problem.show()
        elif errors := [p for p in problems if p.severity == "erreur"]:
            self.file_problem.setText(
                "Le fichier de configuration a des erreurs : corrigez-les (table-app check) "
                "avant de changer quoi que ce soit ici.\n" + problem_lines(errors)
            )
            self.file_problem.show()

    # --- showing -----------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Cover the master screen's window (kiosk: no window manager to place us)."""
        cover_parent_window(self)
        super().showEvent(event)

    def done(self, result: int) -> None:
        """Closing the panel takes the displays' numbers away too."""
        self.close_overlays()
        super().done(result)

    def show_section(self, key: str) -> None:
        self.menu_buttons[key].setChecked(True)
        self.stack.setCurrentWidget(self._pages[key])

    def current_section(self) -> str:
        return next(k for k, page in self._pages.items() if page is self.stack.currentWidget())

    def _show_config(self) -> None:
        config = self.config
        self.screens_section.show_config(config)
        self.seats_section.show_config(config)
        self.documents_section.show_config(config, self._raw_folder(), self.documents)
        self.certificate_section.show_config(config)
        self.printer_section.show_config(config)
        self.codes_section.show_config(config)

    def _raw_folder(self) -> str | None:
        """[documents] folder as the file writes it."""
        if self.source is None:
            return None
        try:
            documents = read_document(self.source).get("documents")
            folder = documents.get("folder") if documents is not None else None
        except ConfigWriteError:
            return None
        return str(folder) if folder is not None else None

    def _on_app_screens_changed(self, _screen: QScreen) -> None:
        self.screens_section.show_config(self.config)

    # --- identifying the displays -----------------------------------------------

    def identify_displays(self) -> list[DisplayOverlay]:
        """Every display (or, windowed, every view's window) shows its number,
        connector name and role for ``IDENTIFY_SECONDS``, or until touched."""
        self.close_overlays()
        roles = roles_by_display(self.config)
        if self.view_windows is not None:
            for number, (role, display, window) in enumerate(self.view_windows(), start=1):
                overlay = DisplayOverlay(number, display, role_title(role))
                overlay.show_on(window.geometry())
                self.overlays.append(overlay)
        else:
            for number, screen in enumerate(ordered_screens(), start=1):
                shown = roles.get(screen.name())
                overlay = DisplayOverlay(
                    number,
                    screen.name(),
                    role_title(shown) if shown else "Aucune place : écran non configuré",
                )
                overlay.show_on(screen.geometry(), screen)
                self.overlays.append(overlay)
        for overlay in self.overlays:
            overlay.destroyed.connect(
                lambda _o=None, shown=overlay: (
                    self.overlays.remove(shown) if shown in self.overlays else None
                )
            )
        log.info("Identification des écrans : %d écran(s)", len(self.overlays))
        return list(self.overlays)

    def close_overlays(self) -> None:
        for overlay in list(self.overlays):
            with contextlib.suppress(RuntimeError):  # already gone
                overlay.close()
        self.overlays = []

    # --- saving --------------------------------------------------------------------

    def save(
        self,
        change: Callable[[TOMLDocument], None],
        *,
        what: str,
        immediate: bool,
        keys: tuple[str, ...],
        refusal_intro: Sequence[str] = (),
    ) -> SaveResult | None:
        """Validate and write one change; say what became of it, in French.

        ``what`` names the change ("les écrans"); ``immediate`` says whether the
        running table takes it at once; ``keys`` are the keys it touches, whose
        warnings are shown after a save.
        """
        refused = "Rien n'a été enregistré"
        if self.source is None:
            self._say(refused, "Le fichier de configuration est inconnu.", "refusal")
            return None
        try:
            result = edit_config(self.source, change, env=self.env)
        except ConfigWriteError as error:
            self._say(refused, str(error), "refusal")
            return None
        self.last_result = result
        if result.errors:
            intro = [*refusal_intro, "La configuration serait invalide :"]
            self._say(refused, "\n".join(intro) + "\n" + problem_lines(result.errors), "refusal")
            return result
        if result.unchanged:
            self._say("Rien à enregistrer", f"La configuration dit déjà cela ({what}).", "notice")
            return result
        assert result.config is not None
        self.config = result.config
        self._show_config()
        if immediate:
            lines = ["La table en tient compte tout de suite."]
        else:
            if what not in self.pending:
                self.pending.append(what)
            lines = [
                "Ce changement prendra effet au redémarrage de la table.",
                "En attente du redémarrage : " + ", ".join(self.pending) + ".",
            ]
        warnings = [
            p
            for p in result.problems
            if p.severity != "erreur" and any(p.key.startswith(k) for k in keys)
        ]
        if warnings:
            lines.append("À vérifier :\n" + problem_lines(warnings))
        self._say(f"Enregistré : {what}", "\n".join(lines), "saved", restart=not immediate)
        self._show_pending()
        self.config_saved.emit(result.config)
        return result

    def _say(self, title: str, text: str, style: str, restart: bool = False) -> OutcomeDialog:
        """What became of a change, in a box over the panel until "Compris"."""
        self.message = f"{title}\n{text}"
        if self.outcome_dialog is not None:
            with contextlib.suppress(RuntimeError):  # already deleted
                self.outcome_dialog.close()
        dialog = OutcomeDialog(title, nbsp(text), style, restart, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restart_requested.connect(self._on_restart_button_clicked)
        dialog.open()
        self.outcome_dialog = dialog
        return dialog

    def _show_pending(self) -> None:
        self.pending_label.setText("Au redémarrage : " + ", ".join(self.pending) + ".")
        self.pending_label.setVisible(bool(self.pending))
        self.restart_button.setVisible(bool(self.pending))

    def _on_screens_save_requested(self) -> None:
        master, seats = self.screens_section.chosen()
        self.save(
            set_displays(master, seats),
            what="les écrans",
            immediate=False,
            keys=("master", "seats"),
        )

    def _on_seats_save_requested(self) -> None:
        self.save(
            set_seat_members(self.seats_section.sitting),
            what="les élus des sièges",
            immediate=False,
            keys=("seats",),
            refusal_intro=self.seats_section.doubles(),
        )

    def _on_documents_save_requested(self, folder: str) -> None:
        if not folder:
            self._say("Rien n'a été enregistré", "Tapez d'abord le chemin du dossier.", "refusal")
            return
        self.save(
            set_documents_folder(folder),
            what="le dossier des documents",
            immediate=False,
            keys=("documents",),
        )

    def _on_certificate_save_requested(self, path: str) -> None:
        if not path:
            self._say(
                "Rien n'a été enregistré", "Tapez d'abord le chemin du fichier .p12.", "refusal"
            )
            return
        self.save(
            set_signing_certificate(path),
            what="le certificat de signature",
            immediate=False,
            keys=("signing",),
        )

    def _on_printer_save_requested(self, printer: str | None) -> None:
        self.save(
            set_printer(printer),
            what=nbsp(f"l'imprimante « {printer} »")
            if printer
            else "l'imprimante par défaut de CUPS",
            immediate=True,
            keys=("printing",),
        )

    def _on_codes_code_chosen(self, member_id: str, code: str) -> None:
        name = next((m.name for m in self.config.members if m.id == member_id), member_id)
        self.save(
            set_member_pin(member_id, hash_pin(code)),
            what=nbsp(f"le code personnel de {name}"),
            immediate=False,
            keys=("members",),
        )

    # --- the seats on the network ------------------------------------------------------

    def open_seats_admin(self) -> SeatsAdminDialog | None:
        """ "Sièges en réseau" over this panel (the code was typed to open it)."""
        if self.seats is None:
            return None
        from screens.seats_admin import SeatsAdminDialog

        dialog = SeatsAdminDialog(self.seats, self, timezone=self.config.commune.timezone)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.seats_dialog = dialog
        return dialog

    # --- restarting -----------------------------------------------------------------------

    def _on_restart_button_clicked(self) -> ConfirmDialog:
        if os.environ.get("NOTIFY_SOCKET"):
            text = (
                "Tous les écrans s'éteignent quelques secondes, puis la table revient avec "
                "les nouveaux réglages, sur la séance où elle en était."
            )
        else:
            text = (
                "La table n'a pas été lancée par son service (kiosk.service) : elle va se "
                "fermer, et il faudra la relancer."
            )
        dialog = ConfirmDialog("Redémarrer la table ?", text, "Redémarrer maintenant", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.restart_table)
        dialog.open()
        self.confirm_dialog = dialog
        return dialog

    def restart_table(self) -> None:
        """Quit with ``RESTART_EXIT_CODE``; systemd starts the table again."""
        log.warning(
            "Redémarrage de la table demandé depuis l'administration (en attente : %s)",
            ", ".join(self.pending) or "rien",
        )
        self.restart_requested.emit(RESTART_EXIT_CODE)
        app = QApplication.instance()
        if app is not None:
            app.exit(RESTART_EXIT_CODE)


__all__ = [
    "IDENTIFY_SECONDS",
    "RESTART_EXIT_CODE",
    "AdminPanel",
    "CertificateSection",
    "DisplayOverlay",
    "DocumentsSection",
    "FolderFacts",
    "NetworkSeatsSection",
    "PrinterSection",
    "ScreensSection",
    "SeatsSection",
    "breakable",
    "folder_facts",
    "role_title",
]
