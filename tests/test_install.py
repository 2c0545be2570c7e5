"""scripts/install.sh into a temporary root, and the kiosk unit verified by
systemd's own checker (`systemd-analyze verify`)."""

from __future__ import annotations

import configparser
import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _install(target: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "bash",
            "scripts/install.sh",
            "--root",
            str(target),
            "--venv",
            str(ROOT / ".venv"),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8").replace("\\\n", " "))
    return parser


def test_the_table_installs_into_a_root_and_its_units_pass_systemd_analyze(tmp_path: Path) -> None:
    target = tmp_path / "racine"
    done = _install(target)
    assert done.returncode == 0, done.stderr
    assert "configuration valide" in done.stdout

    app = target / "opt" / "table-du-conseil"
    assert (app / "table_app" / "council" / "rules.py").is_file()
    assert os.access(app / ".venv" / "bin" / "table-app", os.X_OK)
    for folder, wanted in (
        ("var/lib/table-du-conseil", 0o750),
        ("srv/table-du-conseil/documents", 0o750),
        ("etc/table-du-conseil", 0o770),  # the table saves its configuration (Administration)
    ):
        mode = (target / folder).stat().st_mode
        assert stat.S_ISDIR(mode), folder
        assert stat.S_IMODE(mode) == wanted, folder
    config = target / "etc" / "table-du-conseil" / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o660
    text = config.read_text(encoding="utf-8")
    assert f'folder = "{target}/srv/table-du-conseil/documents"' in text
    assert f'folder = "{target}/var/lib/table-du-conseil"' in text

    units = sorted((target / "etc" / "systemd" / "system").iterdir())
    assert "table-du-conseil.service" in [u.name for u in units]
    for unit in units:
        verified = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        assert verified.returncode == 0, f"{unit.name}: {verified.stderr}"

    kiosk = _unit(target / "etc" / "systemd" / "system" / "table-du-conseil.service")
    service = kiosk["Service"]
    assert service["Type"] == "notify"
    assert service["Restart"] == "always"
    assert int(service["WatchdogSec"]) > 0
    assert service["User"] == "conseil"
    assert service["ExecStart"].split()[:2] == [
        "/usr/bin/xinit",
        f"{app}/.venv/bin/table-app",
    ]
    for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[hardening] == "yes"
    assert service["ProtectSystem"] == "strict"
    writable = service["ReadWritePaths"].split()
    assert writable == [
        f"{target}/var/lib/table-du-conseil",
        f"{target}/srv/table-du-conseil",
        f"{target}/etc/table-du-conseil",
    ]


def test_installing_again_keeps_the_communes_configuration(tmp_path: Path) -> None:
    target = tmp_path / "racine"
    assert _install(target).returncode == 0
    config = target / "etc" / "table-du-conseil" / "config.toml"
    edited = config.read_text(encoding="utf-8").replace('admin_pin = "2468"', 'admin_pin = "97531"')
    config.write_text(edited, encoding="utf-8")
    assert _install(target).returncode == 0
    assert 'admin_pin = "97531"' in config.read_text(encoding="utf-8")


def test_a_wrong_configuration_stops_the_install_with_the_reason(tmp_path: Path) -> None:
    wrong = tmp_path / "config.toml"
    wrong.write_text('[commune]\nname = "Val-de-Sauve"\n', encoding="utf-8")
    done = _install(tmp_path / "racine", "--config", str(wrong))
    assert done.returncode != 0
    assert "à corriger" in done.stderr
    assert not (tmp_path / "racine" / "etc" / "systemd" / "system").exists()
