"""``table-app status``: the state of the configured table, in French.

Read-only: the database is opened as it is (never created nor migrated), the
files are only read. Each part says what it found; each thing that needs
someone's attention is also one French line in ``problems`` (exit code 1).

- database: its file, size, the events in the journal and the last one's time;
- document folder: whether it is there, the documents listed, the last
  ingest (the document feed's last event);
- signing certificates: who they name, when they expire (under 30 days: a
  problem);
- last backup: from ``derniere-sauvegarde.json`` (``table_app.backup``);
  older than 2 days, failed, or none: a problem;
- paired seats: ``<data_dir>/reseau/sieges-appaires.json``;
- the kiosk: its heartbeat ``etat-table.json`` (``table_app.heartbeat``),
  its displays and the folder watcher; older than 30 s: "table arrêtée".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from sync.feed import DocumentEvent
from sync.net.pairing import PairedDevices
from table_app import backup
from table_app.backup import list_backups, local_text, parse_utc, size_text
from table_app.config import Config
from table_app.heartbeat import HEARTBEAT_FILE, STALE_AFTER_S, Heartbeat, read_heartbeat
from table_app.signing import (
    Pkcs12Key,
    SigningError,
    SigningKey,
    certificate_facts,
    self_signed_path,
)
from table_app.store import open_read_only
from table_app.store.database import Database
from table_app.store.models import Document, DocumentFeedRecord, EventRecord

#: A certificate expiring within this many days needs attention.
CERTIFICATE_WARNING_DAYS = 30
#: The last backup is too old after this.
BACKUP_MAX_AGE = timedelta(days=2)
PAIRED_SEATS = Path("reseau") / "sieges-appaires.json"

_FEED_KINDS: dict[str, str] = {
    DocumentEvent.ADDED: "ajouté",
    DocumentEvent.UPDATED: "nouvelle version",
    DocumentEvent.MOVED: "déplacé",
    DocumentEvent.REMOVED: "retiré",
    DocumentEvent.REJECTED: "refusé",
    DocumentEvent.INDEXED: "texte indexé",
}


@dataclass
class TableStatus:
    """What ``status`` found: French lines by part, the problems, and the JSON."""

    checked_at: datetime
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked_at": _iso(self.checked_at),
            "problems": self.problems,
            **self.facts,
        }

    def text(self) -> str:
        out = list(self.lines)
        out.append("")
        if self.problems:
            out.append(f"À vérifier ({len(self.problems)}) :")
            out.extend(f"  - {p}" for p in self.problems)
        else:
            out.append("Tout est en ordre.")
        return "\n".join(out)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def table_status(config: Config, database_url: str, now: datetime | None = None) -> TableStatus:
    """Look at every part of the configured table (see the module's doc)."""
    now = now or datetime.now(UTC)
    tz = config.commune.timezone
    status = TableStatus(now)
    status.lines.append(
        f"Table du conseil de {config.commune.name} — état au {local_text(now, tz)}"
    )
    db = _database(config, database_url, status)
    try:
        _documents(config, db, status)
    finally:
        if db is not None:
            db.dispose()
    _certificates(config, now, status)
    _backup(config, now, status)
    heartbeat = read_heartbeat(config.data_dir / HEARTBEAT_FILE)
    connected = set(heartbeat.seats.connected) if heartbeat and heartbeat.seats else set()
    alive = heartbeat is not None and heartbeat.alive(now)
    _seats(config, connected if alive else set(), status)
    _kiosk(config, heartbeat, now, status)
    return status


# --- the parts ----------------------------------------------------------------------


def _database(config: Config, url: str, status: TableStatus) -> Database | None:
    tz = config.commune.timezone
    try:
        path = backup.sqlite_path(url)
    except backup.BackupError:
        status.lines.append(f"Base de données : {url} (hors SQLite : taille non mesurée)")
        status.facts["database"] = {"url": url}
        return None
    facts: dict[str, Any] = {"path": str(path), "exists": path.is_file()}
    status.facts["database"] = facts
    status.lines.append(f"Base de données : {path}")
    if not path.is_file():
        status.lines.append("  introuvable")
        status.problems.append(
            f"Base de données introuvable : {path} (la table la crée à son premier lancement)"
        )
        return None
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.is_file())
    facts["size"] = size
    db = open_read_only(path)
    try:
        with db.engine.connect() as conn:
            count = int(conn.execute(select(func.count()).select_from(EventRecord)).scalar() or 0)
            last = conn.execute(
                select(EventRecord.seq, EventRecord.recorded_at, EventRecord.type)
                .order_by(EventRecord.seq.desc())
                .limit(1)
            ).first()
    except Exception as error:
        status.lines.append(f"  taille : {size_text(size)} ; journal illisible")
        status.problems.append(f"Base de données illisible : {path} ({error})")
        db.dispose()
        return None
    facts["events"] = count
    facts["last_event_at"] = last.recorded_at if last else None
    when = (
        f", le dernier (n° {last.seq}) le {local_text(parse_utc(last.recorded_at), tz)}"
        if last
        else ""
    )
    status.lines.append(f"  taille : {size_text(size)} ; journal : {count} événement(s){when}")
    return db


def _documents(config: Config, db: Database | None, status: TableStatus) -> None:
    tz = config.commune.timezone
    folder = config.documents_folder
    facts: dict[str, Any] = {"folder": str(folder), "exists": folder.is_dir()}
    status.facts["documents"] = facts
    status.lines.append(
        f"Dossier des documents : {folder} ({'présent' if folder.is_dir() else 'ABSENT'})"
    )
    if not folder.is_dir():
        status.problems.append(
            f"Dossier des documents absent : {folder} (vérifiez le client de synchronisation "
            "et [documents] folder)"
        )
    if db is None:
        return
    try:
        with db.engine.connect() as conn:
            counts = dict(
                conn.execute(select(Document.status, func.count()).group_by(Document.status)).all()
            )
            last = conn.execute(
                select(
                    DocumentFeedRecord.seq,
                    DocumentFeedRecord.recorded_at,
                    DocumentFeedRecord.type,
                    DocumentFeedRecord.payload,
                )
                .order_by(DocumentFeedRecord.seq.desc())
                .limit(1)
            ).first()
    except Exception as error:
        status.problems.append(f"Liste des documents illisible dans la base ({error})")
        return
    listed = sum(n for s, n in counts.items() if s != "removed")
    rejected = int(counts.get("rejected", 0))
    facts["documents"] = listed
    facts["rejected"] = rejected
    refused = f" dont {rejected} refusé(s) (table-app ingest dit pourquoi)" if rejected else ""
    status.lines.append(f"  {listed} document(s){refused}")
    if last is None:
        facts["last_ingest"] = None
        status.lines.append("  dernière intégration : aucune (lancez table-app ingest)")
        return
    try:
        path = str(json.loads(last.payload).get("path") or "")
    except ValueError:
        path = ""
    facts["last_ingest"] = {"at": last.recorded_at, "type": last.type, "path": path}
    what = _FEED_KINDS.get(last.type, last.type)
    status.lines.append(
        f"  dernière intégration : le {local_text(parse_utc(last.recorded_at), tz)}, "
        f"{what}{f' : {path}' if path else ''}"
    )


def _certificates(config: Config, now: datetime, status: TableStatus) -> None:
    keys: list[tuple[str, SigningKey | None]] = [("commune", config.signing_key)]
    if config.secretary_key is not None:
        keys.append(("secrétaire", config.secretary_key))
    facts: list[dict[str, Any]] = []
    status.facts["certificates"] = facts
    for who, key in keys:
        label = "Certificat de signature" + ("" if who == "commune" else " du secrétaire")
        if key is None:
            own = self_signed_path(config.data_dir)
            if not own.is_file():
                status.lines.append(
                    f"{label} : aucun configuré ; un certificat auto-signé (non qualifié) sera "
                    "créé au premier export"
                )
                facts.append({"for": who, "configured": False})
                continue
            key = Pkcs12Key(own)
        try:
            cert = certificate_facts(key)
        except SigningError as error:
            status.lines.append(f"{label} : {key} — illisible")
            status.problems.append(f"{label} illisible : {error}")
            facts.append({"for": who, "source": _source(key), "error": str(error)})
            continue
        days = cert.days_left(now)
        expiry = cert.not_after.astimezone(UTC).strftime("%d/%m/%Y")
        kind = " (auto-signé, non qualifié)" if cert.self_signed else ""
        status.lines.append(f"{label} : {cert.subject}{kind}, émis par {cert.issuer}")
        if days < 0:
            status.lines.append(f"  EXPIRÉ depuis le {expiry}")
            status.problems.append(
                f"{label} de {cert.subject} expiré depuis le {expiry} : les exports ne "
                "peuvent plus être signés valablement, installez le nouveau certificat"
            )
        else:
            status.lines.append(f"  expire le {expiry}, dans {days} jour(s)")
            if days < CERTIFICATE_WARNING_DAYS:
                status.problems.append(
                    f"{label} de {cert.subject} expire dans {days} jour(s), le {expiry} : "
                    "demandez son renouvellement"
                )
        facts.append(
            {
                "for": who,
                "source": _source(key),
                "subject": cert.subject,
                "issuer": cert.issuer,
                "self_signed": cert.self_signed,
                "not_after": _iso(cert.not_after),
                "days_left": days,
            }
        )


def _source(key: SigningKey) -> str:
    return str(key.path) if isinstance(key, Pkcs12Key) else str(key)


def _backup(config: Config, now: datetime, status: TableStatus) -> None:
    tz = config.commune.timezone
    folder = config.backups
    kept = list_backups(folder)
    recorded = backup.read_status(config.data_dir) or {}
    success = recorded.get("last_success")
    failure = recorded.get("last_failure")
    status.facts["backup"] = {
        "folder": str(folder),
        "count": len(kept),
        "last_success": success,
        "last_failure": failure,
    }
    if isinstance(success, dict):
        taken = parse_utc(str(success["at"]))
        name = Path(str(success.get("file", ""))).name
        size = size_text(int(success.get("size", 0)))
        status.lines.append(
            f"Dernière sauvegarde : le {local_text(taken, tz)} — {name} ({size}, "
            f"{success.get('events', 0)} événement(s))"
        )
        if now - taken > BACKUP_MAX_AGE:
            days = (now - taken).days
            status.problems.append(
                f"Dernière sauvegarde vieille de {days} jour(s) (le {local_text(taken, tz)}) : "
                "vérifiez le minuteur (systemctl status table-du-conseil-backup.timer)"
            )
        elif not Path(str(success.get("file", ""))).is_file():
            status.problems.append(
                f"Le fichier de la dernière sauvegarde a disparu : {success.get('file')}"
            )
    else:
        status.lines.append("Dernière sauvegarde : aucune")
        status.problems.append(
            "Aucune sauvegarde : lancez table-app backup, et activez la sauvegarde de chaque "
            "nuit (table-du-conseil-backup.timer)"
        )
    status.lines.append(
        f"  {len(kept)} sauvegarde(s) dans {folder} (on en garde {config.backup_keep})"
    )
    if isinstance(failure, dict):
        when = local_text(parse_utc(str(failure["at"])), tz)
        status.lines.append(f"  ÉCHEC le {when}")
        status.problems.append(f"La sauvegarde du {when} a échoué : {failure.get('message', '')}")


def _seats(config: Config, connected: set[str], status: TableStatus) -> None:
    path = config.data_dir / PAIRED_SEATS
    facts: list[dict[str, Any]] = []
    status.facts["seats"] = facts
    try:
        devices = PairedDevices(path).all()
    except (OSError, ValueError, TypeError) as error:
        status.lines.append(f"Sièges appairés : liste illisible ({path})")
        status.problems.append(f"Liste des sièges appairés illisible : {path} ({error})")
        return
    if not devices:
        status.lines.append("Sièges appairés : aucun")
        return
    active = sum(d.active for d in devices)
    status.lines.append(f"Sièges appairés : {active} actif(s) sur {len(devices)}")
    tz = config.commune.timezone
    for device in devices:
        if device.revoked_at:
            state = f"retiré le {local_text(parse_utc(device.revoked_at), tz)}"
        else:
            state = "actif, " + ("connecté" if device.fingerprint in connected else "hors ligne")
        status.lines.append(f"  - {device.name} : {state}")
        facts.append(
            {
                "name": device.name,
                "fingerprint": device.fingerprint,
                "paired_at": device.paired_at,
                "revoked_at": device.revoked_at,
                "active": device.active,
                "connected": device.fingerprint in connected,
            }
        )


def _kiosk(config: Config, heartbeat: Heartbeat | None, now: datetime, status: TableStatus) -> None:
    tz = config.commune.timezone
    if heartbeat is None or not heartbeat.alive(now):
        if heartbeat is None:
            seen = "aucun signe de vie"
        elif heartbeat.stopped:
            seen = f"quittée le {local_text(heartbeat.written_at, tz)}"
        else:
            seen = f"dernier signe de vie le {local_text(heartbeat.written_at, tz)}"
        status.facts["table"] = {
            "running": False,
            "last_seen": _iso(heartbeat.written_at) if heartbeat else None,
        }
        status.lines.append(f"Table : arrêtée ({seen})")
        status.problems.append(
            f"Table arrêtée ({seen}) : démarrez-la (sudo systemctl start table-du-conseil) ; "
            f"si elle ne donne plus signe de vie depuis plus de {STALE_AFTER_S:.0f} s, "
            "regardez son journal (journalctl -u table-du-conseil)"
        )
        return
    status.facts["table"] = {"running": True, **heartbeat.to_json()}
    status.lines.append(
        f"Table : ouverte depuis le {local_text(heartbeat.started_at, tz)} "
        f"(processus {heartbeat.pid}, signe de vie il y a {max(0, round(heartbeat.age(now)))} s)"
    )
    for display in heartbeat.displays:
        state = "branché" if display.connected else "DÉBRANCHÉ"
        status.lines.append(f"  écran {display.display} ({display.view}) : {state}")
        if not display.connected:
            status.problems.append(
                f"Écran {display.display} ({display.view}) débranché : vérifiez son câble et "
                "son alimentation"
            )
    watcher = heartbeat.watcher
    if watcher is None or not watcher.running:
        status.lines.append("  surveillance du dossier des documents : ARRÊTÉE")
        status.problems.append(
            "La surveillance du dossier des documents est arrêtée : les nouveaux documents "
            "n'arrivent plus sur les sièges (redémarrez la table)"
        )
    elif watcher.mode != "inotify":
        status.lines.append(
            "  surveillance du dossier des documents : par scrutation (inotify indisponible)"
        )
        status.problems.append(
            "Le dossier des documents est surveillé par scrutation, plus lente : augmentez "
            "fs.inotify.max_user_watches puis redémarrez la table"
        )
    else:
        status.lines.append("  surveillance du dossier des documents : active (inotify)")
    if heartbeat.seats is not None:
        status.lines.append(
            f"  sièges en réseau : servis sur le port {heartbeat.seats.port}, "
            f"{len(heartbeat.seats.connected)} connecté(s)"
        )
