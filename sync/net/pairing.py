"""Which seat devices the master trusts, and the short code that pairs a new one.

The master screen opens a pairing window: a six-digit code, valid for a few
minutes and for a few attempts. The seat's user types it; the seat sends its
certificate with the code, and the master pins that certificate's
fingerprint. A revoked device is kept in the list (who, since when) and gets
nothing more.

The list is a small JSON file in the master's data folder, written
atomically: readable by a person, and nothing to migrate. Whoever shows it
(the master screen's "Sièges en réseau") subscribes to its changes.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from table_app.atomic_files import atomic_write_bytes

CODE_DIGITS = 6
CODE_LIFETIME_S = 300.0
CODE_ATTEMPTS = 5

log = logging.getLogger("sync.net.pairing")

#: Told of a device just paired or withdrawn, from the thread that changed it.
DeviceListener = Callable[["PairedDevice"], None]


@dataclass
class PairedDevice:
    fingerprint: str
    name: str
    cert_pem: str
    paired_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class PairedDevices:
    """The pinned seat devices, kept in ``path``; safe to use from several threads.

    ``subscribe`` tells a listener of each device added or revoked, after the
    file is written, from the thread that made the change (the feed server's
    loop): a Qt view hands it to its own thread with a signal.
    """

    def __init__(self, path: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._devices: dict[str, PairedDevice] = {}
        self._listeners: list[DeviceListener] = []
        if path.exists():
            for raw in json.loads(path.read_text(encoding="utf-8")):
                device = PairedDevice(**raw)
                self._devices[device.fingerprint] = device

    def get(self, fingerprint: str) -> PairedDevice | None:
        with self._lock:
            return self._devices.get(fingerprint)

    def is_trusted(self, fingerprint: str) -> bool:
        device = self.get(fingerprint)
        return device is not None and device.active

    def all(self) -> list[PairedDevice]:
        with self._lock:
            return sorted(self._devices.values(), key=lambda d: d.paired_at)

    def subscribe(self, listener: DeviceListener) -> Callable[[], None]:
        """Call ``listener`` after each add or revoke; returns the unsubscribe
        function (safe to call more than once)."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def add(self, fingerprint: str, name: str, cert_pem: str) -> PairedDevice:
        with self._lock:
            device = PairedDevice(fingerprint, name, cert_pem, self._now())
            self._devices[fingerprint] = device
            self._save()
        self._tell(device)
        return device

    def revoke(self, fingerprint: str) -> PairedDevice:
        with self._lock:
            device = self._devices.get(fingerprint)
            if device is None:
                raise KeyError(fingerprint)
            changed = device.revoked_at is None
            if changed:
                device.revoked_at = self._now()
                self._save()
        if changed:
            self._tell(device)
        return device

    def _tell(self, device: PairedDevice) -> None:
        # Outside the lock: a listener may read the list again.
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(device)
            except Exception:  # a screen's fault must not undo a pairing
                log.exception("Écouteur des appareils appairés en erreur")

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")

    def _save(self) -> None:
        data = json.dumps([asdict(d) for d in self._devices.values()], ensure_ascii=False, indent=2)
        atomic_write_bytes(self.path, data.encode("utf-8"), mode=0o600)


class PairingWindow:
    """One code at a time, shown on the master screen; closed by success, by
    time (``CODE_LIFETIME_S``) or after ``CODE_ATTEMPTS`` wrong codes."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._code: str | None = None
        self._until = 0.0
        self._attempts_left = 0

    def open(self) -> str:
        with self._lock:
            self._code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            self._until = self._monotonic() + CODE_LIFETIME_S
            self._attempts_left = CODE_ATTEMPTS
            return self._code

    def close(self) -> None:
        with self._lock:
            self._code = None

    @property
    def code(self) -> str | None:
        with self._lock:
            return self._code if self._code and self._monotonic() < self._until else None

    @property
    def attempts_left(self) -> int:
        """Wrong codes still allowed; 0 once too many closed the window."""
        with self._lock:
            return self._attempts_left

    @property
    def seconds_left(self) -> float:
        """How long the code shown is still valid; 0 once the window is closed."""
        with self._lock:
            if self._code is None:
                return 0.0
            return max(0.0, self._until - self._monotonic())

    def check(self, typed: str) -> str | None:
        """None if ``typed`` is the code (the window closes); else why not, in French."""
        with self._lock:
            if self._code is None or self._monotonic() >= self._until:
                self._code = None
                return (
                    "Aucun appairage n'est en cours : sur l'écran du maire, ouvrez "
                    "« Appairer un siège » pour obtenir un code"
                )
            if hmac.compare_digest(typed.strip().encode(), self._code.encode()):
                self._code = None
                return None
            self._attempts_left -= 1
            if self._attempts_left <= 0:
                self._code = None
                return "Code erroné, trop d'essais : demandez un nouveau code sur l'écran du maire"
            return f"Code erroné : vérifiez le code affiché sur l'écran du maire ({self._attempts_left} essai(s) restant(s))"


__all__ = [
    "CODE_ATTEMPTS",
    "CODE_LIFETIME_S",
    "DeviceListener",
    "PairedDevice",
    "PairedDevices",
    "PairingWindow",
]
