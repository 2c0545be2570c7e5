"""``table-app status``: every part of the table, and each problem in one French
line (exit 1). Real files throughout: the database, the ingested folder, the
certificate, the backup's status file, the paired seats, the heartbeat."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption
from cryptography.hazmat.primitives.serialization.pkcs12 import serialize_key_and_certificates
from cryptography.x509.oid import NameOID

from sync.net.pairing import PairedDevices
from sync.status import PAIRED_SEATS, table_status
from table_app.backup import STATUS_FILE, local_text, take_backup, write_status
from table_app.cli import main as domain_main
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.heartbeat import (
    HEARTBEAT_FILE,
    DisplayState,
    Heartbeat,
    SeatsState,
    WatcherState,
    write_heartbeat,
)
from table_app.signing import Pkcs12Key, certificate_facts, create_self_signed, self_signed_path
from tests.sync.conftest import make_pdf
from tests.test_backup import SCRIPT_LINES

TABLE_APP = [sys.executable, "-m", "screens.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TABLE_APP, *args], capture_output=True, text=True, timeout=180, check=False
    )


def certificate(path: Path, not_after: datetime, password: bytes | None = None) -> Path:
    """A PKCS#12 for « Mairie de Val-de-Sauve », issued by a CA, valid until ``not_after``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mairie de Val-de-Sauve")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC Collectivités RGS")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=1000))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    path.write_bytes(serialize_key_and_certificates(b"mairie", key, cert, None, encryption))
    return path


def beat(
    config: Config,
    at: datetime,
    *,
    unplugged: tuple[str, ...] = (),
    watcher: WatcherState | None = None,
    seats: SeatsState | None = None,
    stopped: bool = False,
) -> None:
    displays = [DisplayState(config.master_display, "Écran du maire", True)] + [
        DisplayState(s.display, s.name, s.display not in unplugged) for s in config.seats
    ]
    write_heartbeat(
        config.data_dir / HEARTBEAT_FILE,
        Heartbeat(
            written_at=at,
            started_at=at - timedelta(hours=1),
            pid=4242,
            displays=tuple(displays),
            watcher=watcher or WatcherState(True, "inotify", str(config.documents_folder)),
            seats=seats,
            stopped=stopped,
        ),
    )


@pytest.fixture
def played(engine: SessionEngine) -> SessionEngine:
    from table_app.script import play_lines

    play_lines(engine, SCRIPT_LINES, author="president")
    return engine


def test_a_table_in_good_order(played: SessionEngine, config: Config) -> None:
    assert config.source is not None
    folder = config.documents_folder
    make_pdf(folder / "Séances" / "2026-11-28" / "02 - Budget" / "budget.pdf", pages=3)
    make_pdf(folder / "Commissions" / "Finances" / "note.pdf")
    (folder / "Autres" / "abîmé.pdf").parent.mkdir(parents=True)
    (folder / "Autres" / "abîmé.pdf").write_bytes(b"%PDF-1.7\n pas un vrai PDF")
    ingested = cli("--config", str(config.source), "ingest")
    assert ingested.returncode == 0, ingested.stderr
    assert cli("--config", str(config.source), "backup").returncode == 0
    create_self_signed("Val-de-Sauve", self_signed_path(config.data_dir))
    seats = PairedDevices(config.data_dir / PAIRED_SEATS)
    seats.add("AA:11", "Tablette 1", "-")
    seats.add("BB:22", "Tablette 2", "-")
    seats.revoke("BB:22")
    now = datetime.now(UTC)
    beat(config, now, seats=SeatsState(8443, ("AA:11",)))

    done = cli("--config", str(config.source), "status")
    assert done.returncode == 0, done.stdout
    out = done.stdout
    db = config.data_dir / "conseil.sqlite3"
    cert = certificate_facts(Pkcs12Key(self_signed_path(config.data_dir)))
    days = cert.days_left(datetime.now(UTC))
    for line in [
        "Table du conseil de Val-de-Sauve — état au ",
        f"Base de données : {db}\n",
        "; journal : 47 événement(s), le dernier (n° 47) le ",
        f"Dossier des documents : {folder} (présent)\n",
        "  3 document(s) dont 1 refusé(s) (table-app ingest dit pourquoi)\n",
        "  dernière intégration : le ",
        "Certificat de signature : Mairie de Val-de-Sauve (auto-signé, non qualifié), "
        "émis par Mairie de Val-de-Sauve\n",
        f"  expire le {cert.not_after.strftime('%d/%m/%Y')}, dans ",
        "Dernière sauvegarde : le ",
        f"  1 sauvegarde(s) dans {config.backups} (on en garde 14)\n",
        "Sièges appairés : 1 actif(s) sur 2\n",
        "  - Tablette 1 : actif, connecté\n",
        "  - Tablette 2 : retiré le ",
        "Table : ouverte depuis le ",
        f"  écran {config.master_display} (Écran du maire) : branché\n",
        "  écran HDMI-A-4 (Siège 6) : branché\n",
        "  surveillance du dossier des documents : active (inotify)\n",
        "  sièges en réseau : servis sur le port 8443, 1 connecté(s)\n",
        "\nTout est en ordre.\n",
    ]:
        assert line in out, (line, out)
    assert f"dans {days} jour(s)" in out or f"dans {days + 1} jour(s)" in out

    done = cli("--config", str(config.source), "status", "--json")
    assert done.returncode == 0
    shown = json.loads(done.stdout)
    assert shown["ok"] is True
    assert shown["problems"] == []
    assert shown["database"]["events"] == 47
    assert shown["database"]["size"] >= db.stat().st_size
    assert shown["documents"]["documents"] == 3
    assert shown["documents"]["rejected"] == 1
    assert shown["documents"]["last_ingest"]["type"].startswith("document.")
    [commune] = shown["certificates"]
    assert commune["subject"] == "Mairie de Val-de-Sauve"
    assert commune["self_signed"] is True
    assert shown["backup"]["count"] == 1
    assert shown["backup"]["last_success"]["events"] == 47
    assert [(s["name"], s["active"], s["connected"]) for s in shown["seats"]] == [
        ("Tablette 1", True, True),
        ("Tablette 2", False, False),
    ]
    assert shown["table"]["running"] is True
    assert len(shown["table"]["displays"]) == 7


def test_a_table_never_set_up_says_each_problem_in_one_line(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert config.source is not None
    config.documents_folder.rmdir()
    code = status_here(config)
    assert code == 1
    out = capsys.readouterr().out
    problems = out.split("À vérifier (")[1].splitlines()[1:]
    db = config.data_dir / "conseil.sqlite3"
    assert problems == [
        f"  - Base de données introuvable : {db} (la table la crée à son premier lancement)",
        f"  - Dossier des documents absent : {config.documents_folder} (vérifiez le client "
        "de synchronisation et [documents] folder)",
        "  - Aucune sauvegarde : lancez table-app backup, et activez la sauvegarde de chaque "
        "nuit (table-du-conseil-backup.timer)",
        "  - Table arrêtée (aucun signe de vie) : démarrez-la (sudo systemctl start "
        "table-du-conseil) ; si elle ne donne plus signe de vie depuis plus de 30 s, regardez "
        "son journal (journalctl -u table-du-conseil)",
    ]
    assert "Certificat de signature : aucun configuré ; un certificat auto-signé (non " in out
    assert "Sièges appairés : aucun" in out
    assert not db.exists()  # status created nothing


def status_here(config: Config) -> int:
    """``table-app status`` in this process (sync.cli's parser)."""
    from sync.cli import main

    assert config.source is not None
    return main(["--config", str(config.source), "status"])


def test_an_old_or_failed_backup_needs_attention(played: SessionEngine, config: Config) -> None:
    db = config.data_dir / "conseil.sqlite3"
    now = datetime.now(UTC)
    result = take_backup(db, config.backups, keep=3, now=now - timedelta(days=3, hours=1))
    write_status(config.data_dir, result)
    beat(config, now)
    status = table_status(config, config.database_url, now)
    taken = local_text(result.taken_at, config.commune.timezone)
    assert status.problems == [
        f"Dernière sauvegarde vieille de 3 jour(s) (le {taken}) : vérifiez le minuteur "
        "(systemctl status table-du-conseil-backup.timer)"
    ]
    # A backup taken yesterday is recent enough...
    result = take_backup(db, config.backups, keep=3, now=now - timedelta(days=1))
    write_status(config.data_dir, result)
    assert table_status(config, config.database_url, now).problems == []
    # ...but a failure since then needs attention.
    write_status(config.data_dir, None, "Sauvegarde impossible dans /mnt/cloud : disque plein.")
    problems = table_status(config, config.database_url, datetime.now(UTC)).problems
    assert len(problems) == 1
    assert problems[0].startswith("La sauvegarde du ")
    assert problems[0].endswith(" a échoué : Sauvegarde impossible dans /mnt/cloud : disque plein.")
    # The status file names a backup that was removed since.
    result = take_backup(db, config.backups, keep=3, now=now)
    write_status(config.data_dir, result)
    result.path.unlink()
    assert table_status(config, config.database_url, now).problems == [
        f"Le fichier de la dernière sauvegarde a disparu : {result.path}"
    ]
    assert (config.data_dir / STATUS_FILE).exists()


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (400, None),
        (10, "Certificat de signature de Mairie de Val-de-Sauve expire dans 10 jour(s), le "),
        (-2, "Certificat de signature de Mairie de Val-de-Sauve expiré depuis le "),
    ],
)
def test_a_certificate_near_its_end_needs_attention(
    played: SessionEngine, config: Config, tmp_path: Path, days: int, expected: str | None
) -> None:
    now = datetime.now(UTC)
    p12 = certificate(tmp_path / "mairie.p12", now + timedelta(days=days, hours=1))
    config = replace(config, signing_key=Pkcs12Key(p12))
    write_status(
        config.data_dir, take_backup(config.data_dir / "conseil.sqlite3", config.backups, 3)
    )
    beat(config, now)
    status = table_status(config, config.database_url, now)
    assert "Certificat de signature : Mairie de Val-de-Sauve, émis par AC Collectivités RGS" in (
        status.text()
    )
    if expected is None:
        assert status.problems == []
        assert f"dans {days} jour(s)" in status.text()
    else:
        [problem] = status.problems
        assert problem.startswith(expected), problem


def test_a_certificate_that_cannot_be_read_needs_attention(config: Config, tmp_path: Path) -> None:
    p12 = certificate(tmp_path / "mairie.p12", datetime.now(UTC) + timedelta(days=900), b"secret")
    config = replace(config, signing_key=Pkcs12Key(p12))  # no TABLE_APP_SIGNING_PASSWORD
    problems = table_status(config, config.database_url).problems
    assert (
        f"Certificat de signature illisible : Certificat illisible : {p12} (mot de passe absent "
        "(TABLE_APP_SIGNING_PASSWORD))." in problems
    )
    config = replace(config, signing_key=Pkcs12Key(p12, b"secret"))
    assert not any("Certificat" in p for p in table_status(config, config.database_url).problems)


def test_the_kiosk_heartbeat(played: SessionEngine, config: Config) -> None:
    now = datetime.now(UTC)
    write_status(
        config.data_dir, take_backup(config.data_dir / "conseil.sqlite3", config.backups, 3)
    )

    def problems() -> list[str]:
        return table_status(config, config.database_url, now).problems

    beat(config, now - timedelta(seconds=10))
    assert problems() == []
    beat(config, now - timedelta(seconds=31))
    [stale] = problems()
    assert stale.startswith("Table arrêtée (dernier signe de vie le ")
    beat(config, now - timedelta(seconds=5), stopped=True)
    [quit_] = problems()
    assert quit_.startswith("Table arrêtée (quittée le ")
    beat(
        config,
        now,
        unplugged=("HDMI-A-4",),
        watcher=WatcherState(True, "polling", str(config.documents_folder)),
    )
    assert problems() == [
        "Écran HDMI-A-4 (Siège 6) débranché : vérifiez son câble et son alimentation",
        "Le dossier des documents est surveillé par scrutation, plus lente : augmentez "
        "fs.inotify.max_user_watches puis redémarrez la table",
    ]
    beat(config, now, watcher=WatcherState(False, "inotify", str(config.documents_folder)))
    assert problems() == [
        "La surveillance du dossier des documents est arrêtée : les nouveaux documents "
        "n'arrivent plus sur les sièges (redémarrez la table)"
    ]


def test_a_broken_list_of_seats_needs_attention(played: SessionEngine, config: Config) -> None:
    path = config.data_dir / PAIRED_SEATS
    path.parent.mkdir(parents=True)
    path.write_text("[{", encoding="utf-8")
    problems = table_status(config, config.database_url).problems
    assert any(p.startswith(f"Liste des sièges appairés illisible : {path}") for p in problems)


def test_status_is_a_command_of_the_document_layer() -> None:
    """It reads the paired seats (sync): the domain's own parser has no status."""
    with pytest.raises(SystemExit):
        domain_main(["status"])
