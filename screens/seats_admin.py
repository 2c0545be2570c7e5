"""The master screen's "Sièges en réseau": pair a seat device, list and withdraw seats.

Reached from the master screen behind the administrator's code
(``[kiosk] admin_pin``), like "Quitter la table": pairing a device hands it
the session and its documents, so a passer-by at the mayor's screen must not
be able to do it. A table served to seats without an administrator's code
configured therefore shows the button but refuses it, saying which setting
to add (``MasterScreen.open_seats_admin``).

The panel covers the master screen's window and is window-modal to it: the
seats' views go on showing the session while it is open. The pairing code
lives only while the panel shows it: closing the panel closes the pairing
window. The paired devices' list tells the panel of each change through
``PairedDevices.subscribe``, from the feed server's thread; a Qt signal
brings it back to the GUI thread.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.seat_service import SeatService
from screens.widgets import ConfirmDialog, card, cover_parent_window, label, nbsp, restyle
from sync.net.discovery import lan_addresses
from sync.net.identity import short_fingerprint
from sync.net.pairing import PairedDevice

log = logging.getLogger("screens")

#: How often the panel reads the code's time left and who is connected.
REFRESH_MS = 500


def paired_when(iso: str, timezone: str = "Europe/Paris") -> str:
    """ "28/11/2026 à 19 h 40", in the commune's time (the list keeps UTC)."""
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone))
    return f"{moment:%d/%m/%Y} à {moment.hour} h {moment.minute:02d}"


def time_left(seconds: float) -> str:
    """ "4 min 05 s", "42 s"."""
    whole = max(0, math.ceil(seconds))
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


class SeatRow(QFrame):
    """One paired device: its name, fingerprint, date, state, and "Retirer".

    Signals:
        revoke_requested(str): the fingerprint whose "Retirer" was touched.
    """

    revoke_requested = Signal(str)

    def __init__(self, device: PairedDevice, timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seatRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.fingerprint = device.fingerprint
        self.name = device.name
        # Two lines, so that a long name or date never widens the list past its column.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(20)
        self.name_label = label(device.name, "seatDeviceName", wrap=True)
        top.addWidget(self.name_label, 1)
        self.state = label("")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        top.addWidget(self.state, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        bottom = QHBoxLayout()
        bottom.setSpacing(20)
        self.details = label(
            f"Empreinte {short_fingerprint(device.fingerprint)}\n"
            f"appairé le {paired_when(device.paired_at, timezone)}",
            "muted",
        )
        bottom.addWidget(self.details, 1)
        self.revoke_button: QPushButton | None = None
        if device.active:
            self.revoke_button = QPushButton("Retirer")
            self.revoke_button.setObjectName("danger")
            self.revoke_button.clicked.connect(lambda: self.revoke_requested.emit(self.fingerprint))
            bottom.addWidget(self.revoke_button, 0, Qt.AlignmentFlag.AlignBottom)
        else:
            self.state.setText(f"retiré le {paired_when(device.revoked_at or '', timezone)}")
            restyle(self.state, "seatRevoked")
        layout.addLayout(bottom)

    def show_connected(self, connected: bool) -> None:
        if self.revoke_button is None:
            return
        text = "connecté" if connected else "hors ligne"
        if self.state.text() != text:
            self.state.setText(text)
            restyle(self.state, "seatConnected" if connected else "seatOffline")


class SeatsAdminDialog(QDialog):
    """ "Sièges en réseau": pair a seat with a code, see and withdraw the seats.

    Attributes:
        service: the table's seat service (its identity, paired list, pairing
            window and feed server).
        rows: the paired devices shown, by fingerprint, in pairing order.
        confirm_dialog: the last "Retirer" question asked, if any.

    Signals:
        device_changed(str): a device was paired or withdrawn (any thread
            emits it; the panel redraws on the GUI thread).
    """

    device_changed = Signal(str)

    def __init__(
        self,
        service: SeatService,
        parent: QWidget | None = None,
        timezone: str = "Europe/Paris",
        addresses: Callable[[], list[str]] = lan_addresses,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.timezone = timezone
        self._addresses = addresses
        self.rows: dict[str, SeatRow] = {}
        self.confirm_dialog: ConfirmDialog | None = None
        self._shown: list[tuple[str, str, str | None]] = []
        self._pairing = False  # a code of ours is (or was until this tick) on screen
        self._known: set[tuple[str, str]] = set()
        self._address_port: int | None = None
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle("Sièges en réseau")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QWidget()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(32, 10, 32, 10)
        header_layout.addWidget(label("Sièges en réseau", "headerTitle"))
        header_layout.addStretch(1)
        header_layout.addWidget(label(service.identity.name, "seatName"))
        layout.addWidget(header)

        body = QVBoxLayout()
        body.setContentsMargins(32, 20, 32, 20)
        body.setSpacing(18)
        columns = QHBoxLayout()
        columns.setSpacing(28)
        columns.addWidget(self._pairing_card(), 1)
        columns.addWidget(self._list_card(), 1)
        body.addLayout(columns, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.close_button = QPushButton("Fermer")
        self.close_button.clicked.connect(self.accept)
        bottom.addWidget(self.close_button)
        body.addLayout(bottom)
        layout.addLayout(body, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.device_changed.connect(self._on_self_device_changed)
        unsubscribe = service.paired.subscribe(lambda d: self.device_changed.emit(d.fingerprint))
        self._unsubscribe = unsubscribe
        # Also when the master's window goes without closing us first.
        self.destroyed.connect(lambda _object=None: unsubscribe())
        self._show_addresses()
        self.refresh()

    # --- building ------------------------------------------------------------

    def _pairing_card(self) -> QFrame:
        frame, layout = card()
        layout.addWidget(label("Appairer un siège", "sectionTitle"))
        self.explanation = label(
            nbsp(
                "Pour brancher la tablette ou l'écran d'un siège : touchez « Appairer un "
                "siège », puis tapez sur le siège le code qui s'affiche ici."
            ),
            wrap=True,
        )
        layout.addWidget(self.explanation)
        self.pair_button = QPushButton("Appairer un siège")
        self.pair_button.setObjectName("primary")
        self.pair_button.clicked.connect(self.open_pairing)
        layout.addWidget(self.pair_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.code_box = QWidget()
        code_layout = QVBoxLayout(self.code_box)
        code_layout.setContentsMargins(0, 0, 0, 0)
        code_layout.setSpacing(8)
        code_layout.addWidget(label("Code à taper sur le siège :"))
        self.code_label = label("", "pairingCode")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        code_layout.addWidget(self.code_label)
        under = QHBoxLayout()
        self.time_left_label = label("", "muted")
        under.addWidget(self.time_left_label, 1)
        self.cancel_pairing_button = QPushButton("Annuler le code")
        self.cancel_pairing_button.clicked.connect(self.close_pairing)
        under.addWidget(self.cancel_pairing_button)
        code_layout.addLayout(under)
        layout.addWidget(self.code_box)

        self.outcome = label("", "adopted", wrap=True)
        self.outcome.hide()
        layout.addWidget(self.outcome)

        layout.addWidget(label("Empreinte de la table :"))
        self.fingerprint_label = label(
            short_fingerprint(self.service.identity.fingerprint), "fingerprint"
        )
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.fingerprint_label)
        layout.addWidget(
            label(
                "Vérifiez que le siège affiche la même empreinte avant de taper le code. "
                "Si elle est différente, ne tapez rien et prévenez la mairie.",
                "muted",
                wrap=True,
            )
        )
        self.address_label = label("", "muted", wrap=True)
        layout.addWidget(self.address_label)
        layout.addStretch(1)
        return frame

    def _list_card(self) -> QFrame:
        frame, layout = card()
        layout.addWidget(label("Sièges appairés", "sectionTitle"))
        self.empty_label = label(
            "Aucun siège appairé pour l'instant : appairez-en un avec un code.", "muted", wrap=True
        )
        layout.addWidget(self.empty_label)
        scroll = QScrollArea()
        scroll.setObjectName("seatList")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        host = QWidget()
        host.setObjectName("seatListHost")
        self._rows_layout = QVBoxLayout(host)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(10)
        self._rows_layout.addStretch(1)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        return frame

    # --- showing -------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Cover the master screen's window (kiosk: no window manager to place us)."""
        cover_parent_window(self)
        self._show_addresses()
        self.refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self._timer.stop()
        super().hideEvent(event)

    def done(self, result: int) -> None:
        """Closing the panel takes its code off the table and stops listening."""
        self._unsubscribe()
        self._timer.stop()
        if self._pairing:
            self.service.window.close()
            self._pairing = False
        super().done(result)

    def refresh(self) -> None:
        """The code and its time left, the list, who is connected."""
        self._show_pairing()
        self._show_devices()
        if self.service.port != self._address_port:  # started (or stopped) since
            self._show_addresses()

    # --- pairing -------------------------------------------------------------

    def open_pairing(self) -> str:
        """A new code, valid ``CODE_LIFETIME_S``; returns it."""
        self._known = {(d.fingerprint, d.paired_at) for d in self.service.paired.all()}
        code = self.service.window.open()
        self._pairing = True
        self.outcome.hide()
        log.info("Appairage d'un siège ouvert depuis l'écran du maire")
        self._show_addresses()
        self.refresh()
        return code

    def close_pairing(self) -> None:
        self.service.window.close()
        self._pairing = False
        self.refresh()

    def _show_pairing(self) -> None:
        window = self.service.window
        if self._pairing:
            fresh = [
                d
                for d in self.service.paired.all()
                if d.active and (d.fingerprint, d.paired_at) not in self._known
            ]
            code = window.code
            if fresh:
                self._pairing = False
                self._say(f"Siège « {fresh[-1].name} » appairé", "adopted")
            elif code is None:
                self._pairing = False
                if window.attempts_left <= 0:
                    self._say(
                        "Trop de codes erronés : le code est annulé. Touchez « Appairer un "
                        "siège » pour en obtenir un nouveau.",
                        "refusal",
                    )
                else:
                    self._say(
                        "Code expiré : touchez « Appairer un siège » pour en obtenir un nouveau.",
                        "notice",
                    )
            else:
                spaced = f"{code[:3]} {code[3:]}"
                if self.code_label.text() != spaced:
                    self.code_label.setText(spaced)
                self.time_left_label.setText(
                    f"Code valable encore {time_left(window.seconds_left)}"
                )
        self.code_box.setVisible(self._pairing)
        self.cancel_pairing_button.setVisible(self._pairing)
        self.pair_button.setVisible(not self._pairing)
        if not self._pairing:
            self.code_label.setText("")

    def _say(self, text: str, style: str) -> None:
        self.outcome.setText(nbsp(text))
        restyle(self.outcome, style)
        self.outcome.show()

    def _show_addresses(self) -> None:
        port = self._address_port = self.service.port
        if port is None:
            text = "Le service des sièges démarre : son adresse s'affichera dans un instant."
        else:
            addresses = self._addresses()
            if not addresses:
                text = (
                    "Aucune adresse réseau : vérifiez que la table est branchée au réseau "
                    f"de la mairie (port {port})."
                )
            elif len(addresses) == 1:
                text = f"Adresse de la table : {addresses[0]}, port {port}"
            else:
                text = f"Adresses de la table : {' ou '.join(addresses)}, port {port}"
        self.address_label.setText(text)

    # --- the list ------------------------------------------------------------

    def _show_devices(self) -> None:
        devices = self.service.paired.all()
        shown = [(d.fingerprint, d.paired_at, d.revoked_at) for d in devices]
        if shown != self._shown:
            self._shown = shown
            for row in self.rows.values():
                row.setParent(None)
                row.deleteLater()
            self.rows = {}
            for device in devices:
                row = SeatRow(device, self.timezone)
                row.revoke_requested.connect(self._on_row_revoke_requested)
                self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)
                self.rows[device.fingerprint] = row
            self.empty_label.setVisible(not devices)
        connected = self.service.server.connected  # a copy the feed thread replaces
        for fingerprint, row in self.rows.items():
            row.show_connected(fingerprint in connected)

    def _on_self_device_changed(self, _fingerprint: str) -> None:
        self.refresh()

    def _on_row_revoke_requested(self, fingerprint: str) -> ConfirmDialog | None:
        device = self.service.paired.get(fingerprint)
        if device is None or not device.active:
            return None
        dialog = ConfirmDialog(
            f"Retirer le siège « {device.name} » ?",
            "Cet appareil ne recevra plus rien de la table ; s'il est connecté, il est coupé "
            "tout de suite. Pour le rebrancher, il faudra l'appairer de nouveau avec un code.",
            "Retirer ce siège",
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.revoke(fingerprint))
        dialog.open()
        self.confirm_dialog = dialog
        return dialog

    def revoke(self, fingerprint: str) -> None:
        """Withdraw a device: pinned no more, cut off now if connected."""
        device = self.service.paired.get(fingerprint)
        if device is None:
            return
        self.service.server.revoke(fingerprint)
        log.warning("Siège « %s » retiré depuis l'écran du maire", device.name)
        self._say(f"Siège « {device.name} » retiré", "notice")
        self.refresh()


__all__ = ["ConfirmDialog", "SeatRow", "SeatsAdminDialog", "nbsp", "paired_when", "time_left"]
