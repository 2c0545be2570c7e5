"""The paired devices' list tells its listeners; the pairing window says its time left."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.net.pairing import (
    CODE_ATTEMPTS,
    CODE_LIFETIME_S,
    PairedDevice,
    PairedDevices,
    PairingWindow,
)


def test_listeners_are_told_of_each_pairing_and_withdrawal(tmp_path: Path) -> None:
    devices = PairedDevices(tmp_path / "sieges.json")
    told: list[tuple[str, bool, int]] = []

    def listener(device: PairedDevice) -> None:
        # A listener may read the list again (no lock held while it is told).
        told.append((device.name, device.active, len(devices.all())))

    unsubscribe = devices.subscribe(listener)
    devices.add("aa" * 32, "Siège 1", "PEM")
    devices.revoke("aa" * 32)
    devices.revoke("aa" * 32)  # already withdrawn: nothing new to tell
    assert told == [("Siège 1", True, 1), ("Siège 1", False, 1)]
    unsubscribe()
    unsubscribe()  # twice is harmless
    devices.add("bb" * 32, "Siège 2", "PEM")
    assert len(told) == 2


def test_a_failing_listener_does_not_undo_a_pairing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    devices = PairedDevices(tmp_path / "sieges.json")
    seen: list[str] = []

    def broken(_device: PairedDevice) -> None:
        raise RuntimeError("écran détruit")

    devices.subscribe(broken)
    devices.subscribe(lambda d: seen.append(d.name))
    devices.add("aa" * 32, "Siège 1", "PEM")
    assert devices.is_trusted("aa" * 32)
    assert seen == ["Siège 1"]
    assert "Écouteur des appareils appairés en erreur" in caplog.text
    assert PairedDevices(tmp_path / "sieges.json").is_trusted("aa" * 32)  # written


def test_time_and_attempts_left() -> None:
    now = [50.0]
    window = PairingWindow(monotonic=lambda: now[0])
    assert window.seconds_left == 0.0
    code = window.open()
    assert window.seconds_left == CODE_LIFETIME_S
    assert window.attempts_left == CODE_ATTEMPTS
    now[0] += 100
    assert window.seconds_left == CODE_LIFETIME_S - 100
    window.check("x")
    assert window.attempts_left == CODE_ATTEMPTS - 1
    assert window.check(code) is None
    assert window.seconds_left == 0.0
