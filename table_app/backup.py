"""Online backups of the table's database, and bringing one back.

``take_backup`` copies the SQLite database with SQLite's own backup API in
one step: it reads one consistent snapshot (a WAL read transaction) while
the table keeps recording, never a file half written by another process.
The copy goes to a hidden temporary file in the backup folder, is turned
into a self-contained file (rollback journal, no ``-wal`` beside it), synced
to disk and checked (``PRAGMA integrity_check``, then the journal's hash
chain) *before* it is renamed into place under a name sortable by date,
``table-du-conseil-AAAA-MM-JJ-HHMMSS.sqlite3`` (UTC: the names sort in the
order the backups were taken, across the changes to and from summer time).
Only then are the oldest backups beyond ``keep`` removed, and only files
with that exact name pattern. A failure at any step removes the temporary
file and leaves the database and the older backups as they were.

``restore_backup`` checks a backup the same way, read-only, refuses while
the table runs (``table_app.heartbeat``), keeps a copy of the current
database beside it (``…-avant-restauration-AAAA-MM-JJ-HHMMSS.sqlite3``),
then writes the backup into the database with the backup API again: one
write transaction, so the database holds the old content or the new, never
a mix, even across a power cut.

Every message is French: the secretary reads them.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import make_url

from table_app.atomic_files import atomic_write_bytes, fsync_dir
from table_app.journal import Event, Journal
from table_app.store.database import open_read_only

log = logging.getLogger("table_app.backup")

BACKUP_PREFIX = "table-du-conseil-"
BACKUP_SUFFIX = ".sqlite3"
#: The names ``take_backup`` writes, and the only files pruning may remove.
BACKUP_NAME = re.compile(r"^table-du-conseil-\d{4}-\d{2}-\d{2}-\d{6}\.sqlite3$")
#: The last backup's facts, in the data folder, for ``table-app status``.
STATUS_FILE = "derniere-sauvegarde.json"
_STAMP = "%Y-%m-%d-%H%M%S"

_SESSION_STATUS = {
    "convoquee": "convoquée",
    "ouverte": "ouverte",
    "suspendue": "suspendue",
    "close": "close",
    "carence": "carence de quorum",
}


class BackupError(Exception):
    """A backup or a restore could not be done; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BackupRefused(BackupError):
    """The file checked is not a sound backup of the table (see ``check``)."""

    def __init__(self, message: str, check: BackupCheck) -> None:
        super().__init__(message)
        self.check = check


@dataclass(frozen=True)
class SessionSummary:
    id: str
    title: str
    date: str
    status: str  # in French

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "date": self.date, "status": self.status}


@dataclass(frozen=True)
class BackupCheck:
    """What a backup file holds and whether it can be trusted.

    Attributes:
        problems: each reason not to trust it, in French; empty: sound.
        events: the events of its journal.
        last_event: its last event (None: an empty journal or an unreadable file).
        sessions: its sessions, oldest first.
    """

    path: Path
    problems: list[str]
    events: int = 0
    last_event: Event | None = None
    sessions: list[SessionSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self, timezone: str = "Europe/Paris") -> list[str]:
        """The content in French, one line each (for ``restore`` and ``backup``)."""
        lines = [f"Journal : {self.events} événement(s), chaîne d'empreintes vérifiée."]
        if self.last_event is not None:
            event = self.last_event
            where = f", séance {event.session_id}" if event.session_id else ""
            lines.append(
                f"Dernier événement : n° {event.seq} ({event.type}{where}), enregistré le "
                f"{local_text(parse_utc(event.recorded_at), timezone)}."
            )
        if self.sessions:
            lines.append(f"Séances ({len(self.sessions)}) :")
            lines.extend(
                f"  - {s.id} : {s.title} ({s.status})" if s.title else f"  - {s.id} ({s.status})"
                for s in self.sessions
            )
        else:
            lines.append("Aucune séance.")
        return lines


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    taken_at: datetime
    check: BackupCheck
    removed: list[Path]


@dataclass(frozen=True)
class RestoreResult:
    check: BackupCheck
    kept_copy: Path | None  # the database as it was before, None if there was none


# --- names and places -----------------------------------------------------------


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL; ``BackupError`` for any other store."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            f"La base configurée ({parsed.get_backend_name()}) n'est pas une base SQLite : "
            "sauvegardez-la avec les outils de ce serveur (pg_dump pour PostgreSQL)."
        )
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("La base configurée est en mémoire : il n'y a rien à sauvegarder.")
    return Path(parsed.database)


def backup_name(moment: datetime) -> str:
    """``table-du-conseil-2026-11-28-021500.sqlite3``: the moment in UTC."""
    return f"{BACKUP_PREFIX}{moment.astimezone(UTC).strftime(_STAMP)}{BACKUP_SUFFIX}"


def list_backups(folder: Path) -> list[Path]:
    """The backups in ``folder`` (our name pattern only), oldest first."""
    try:
        names = [p for p in folder.iterdir() if BACKUP_NAME.match(p.name) and p.is_file()]
    except FileNotFoundError:
        return []
    return sorted(names, key=lambda p: p.name)


def parse_utc(text: str) -> datetime:
    """An ISO moment as the table writes it ("…Z" or with an offset), aware."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_text(moment: datetime, timezone: str = "Europe/Paris") -> str:
    """ "28/11/2026 à 03:00" in the commune's time."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(timezone))
    return local.strftime("%d/%m/%Y à %H:%M")


# --- checking ---------------------------------------------------------------------


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """``path`` opened read-only: nothing is created or changed beside it.

    A backup is a single file (rollback journal); a database still in WAL
    mode is read as it is on disk (``immutable``), without its ``-wal``."""
    uri = f"file:{quote(str(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            conn = sqlite3.connect(f"file:{quote(str(path))}?immutable=1", uri=True)
        yield conn
    finally:
        conn.close()


def check_backup(path: Path) -> BackupCheck:
    """Open ``path`` read-only and check it: SQLite's integrity check, the
    table's journal present, its hash chain intact; then say what it holds."""
    if not path.is_file():
        return BackupCheck(path, [f"fichier introuvable : {path}"])
    problems: list[str] = []
    try:
        with _read_only(path) as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)")]
            if rows != ["ok"]:
                shown = " ; ".join(rows[:3]) + (" ; …" if len(rows) > 3 else "")
                problems.append(f"fichier SQLite endommagé (contrôle d'intégrité : {shown})")
            tables = {
                str(r[0])
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    except sqlite3.DatabaseError as error:
        return BackupCheck(path, [f"fichier illisible comme base SQLite ({error})"])
    if "events" not in tables:
        problems.append("ce fichier n'est pas une base de la table du conseil (aucun journal)")
        return BackupCheck(path, problems)
    db = open_read_only(path)
    events: list[Event] = []
    try:
        journal = Journal(db)
        try:
            chain = journal.verify()
            if not chain:
                events = journal.events()
        except Exception as error:  # a damaged row the integrity check let through
            problems.append(f"journal illisible ({error})")
            return BackupCheck(path, problems)
        for problem in chain[:5]:
            problems.append(f"journal altéré : {problem.message}")
        if len(chain) > 5:
            problems.append(f"journal altéré : {len(chain) - 5} autre(s) anomalie(s)")
        sessions = _sessions(events)
    finally:
        db.dispose()
    return BackupCheck(
        path,
        problems,
        events=len(events),
        last_event=events[-1] if events else None,
        sessions=sessions,
    )


def _sessions(events: list[Event]) -> list[SessionSummary]:
    from table_app.council import projection

    try:
        state = projection.replay(events)
    except Exception as error:  # the chain is intact but an event cannot be applied
        log.warning("Séances de la sauvegarde non relues : %s", error)
        return []
    sessions = sorted(state.sessions.values(), key=lambda s: (s.date, s.id))
    return [
        SessionSummary(s.id, s.title, s.date, _SESSION_STATUS.get(s.status.value, s.status.value))
        for s in sessions
    ]


# --- writing ----------------------------------------------------------------------


def _why(error: BaseException) -> str:
    """The cause of a failed write, in French."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(error, OSError):
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return f"disque plein ({error.strerror})"
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"écriture interdite ({error.strerror})"
        if error.errno in (errno.ENOTDIR, errno.EEXIST):
            return f"un fichier porte déjà ce nom ({error.strerror})"
        return error.strerror or str(error)
    if code is not None:
        primary = code & 0xFF
        if primary == sqlite3.SQLITE_FULL:
            return "disque plein"
        if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
            return f"écriture impossible ({error})"
        if primary == sqlite3.SQLITE_IOERR:
            return f"erreur d'écriture sur le disque, disque plein ou retiré ({error})"
    return str(error)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """One consistent snapshot of ``source`` into the file ``target``, made a
    single self-contained file and synced to disk."""
    dst = sqlite3.connect(target)
    try:
        source.backup(dst)  # pages=-1: the whole database in one step, one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def _open_source(database: Path) -> sqlite3.Connection:
    if not database.is_file():
        raise BackupError(f"Base de données introuvable : {database}")
    conn = sqlite3.connect(f"file:{quote(str(database))}?mode=rw", uri=True)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _temporary(folder: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.tmp-", dir=folder)
    os.close(fd)
    return Path(tmp)


def take_backup(
    database: Path,
    folder: Path,
    keep: int,
    *,
    now: datetime | None = None,
) -> BackupResult:
    """Back ``database`` up into ``folder`` and keep the last ``keep`` backups.

    Raises ``BackupError`` (the database, the older backups and the folder
    left as they were) or ``BackupRefused`` when the copy fails its check."""
    if keep < 1:
        raise BackupError("Le nombre de sauvegardes gardées doit être d'au moins 1.")
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"Impossible de créer le dossier des sauvegardes {folder} : {_why(error)}. "
            "Aucune sauvegarde n'a été écrite ; la base et les sauvegardes précédentes sont "
            "intactes."
        ) from error
    tmp: Path | None = None
    try:
        tmp = _temporary(folder, backup_name(moment))
        source = _open_source(database)
        try:
            _copy(source, tmp)
        finally:
            source.close()
    except (OSError, sqlite3.Error) as error:
        _discard(tmp)
        raise BackupError(
            f"Sauvegarde impossible dans {folder} : {_why(error)}. Le fichier incomplet a été "
            "supprimé ; la base et les sauvegardes précédentes sont intactes. Vérifiez la place "
            "libre et les droits d'écriture de ce dossier."
        ) from error
    except BaseException:
        _discard(tmp)
        raise
    check = check_backup(tmp)
    if not check.ok:
        _discard(tmp)
        raise BackupRefused(
            "La copie de la base ne passe pas les contrôles : "
            + " ; ".join(check.problems)
            + ". Elle n'a pas été gardée et les sauvegardes précédentes n'ont pas été "
            "supprimées. Lancez table-app journal verify pour examiner la base.",
            check,
        )
    try:
        size = tmp.stat().st_size
        final = _put_in_place(tmp, folder, moment)
        owned_like(final, folder)
    except OSError as error:
        _discard(tmp)
        raise BackupError(
            f"Sauvegarde impossible dans {folder} : {_why(error)}. La base et les sauvegardes "
            "précédentes sont intactes."
        ) from error
    check = BackupCheck(final, [], check.events, check.last_event, check.sessions)
    removed = prune(folder, keep, protect=final)
    log.info("Sauvegarde écrite : %s (%d octets, %d événements)", final, size, check.events)
    return BackupResult(final, size, moment, check, removed)


def owned_like(path: Path, reference: Path) -> None:
    """Run as root (``sudo table-app restore``), give what was made the owner of
    ``reference``: the table runs as its own user and must still open its
    database's ``-wal`` and ``-shm``, and the cloud client read the backups."""
    if os.geteuid() != 0:
        return
    try:
        info = reference.stat()
        os.chown(path, info.st_uid, info.st_gid)
    except OSError as error:
        log.warning("Propriétaire de %s non changé : %s", path, error.strerror)


def _put_in_place(tmp: Path, folder: Path, moment: datetime) -> Path:
    """Give the checked copy its final name, never over another backup (two
    backups within one second, by two processes: the later name is a second
    later). A hard link is atomic and refuses an existing name; on a folder
    that has no hard links (some network or FUSE mounts), a rename."""
    while True:
        final = folder / backup_name(moment)
        try:
            os.link(tmp, final)
        except FileExistsError:
            moment += timedelta(seconds=1)
            continue
        except OSError:
            if final.exists():
                moment += timedelta(seconds=1)
                continue
            os.replace(tmp, final)
        else:
            tmp.unlink()
        fsync_dir(folder)
        return final


def prune(folder: Path, keep: int, *, protect: Path | None = None) -> list[Path]:
    """Remove the oldest backups of ``folder`` beyond ``keep`` (never ``protect``,
    the one just written, even if the clock went back); files that do not
    have our name pattern are never touched."""
    others = [p for p in list_backups(folder) if p != protect]
    room = keep - (1 if protect is not None else 0)
    doomed = others[: max(0, len(others) - room)]
    removed: list[Path] = []
    for path in doomed:
        try:
            path.unlink()
            removed.append(path)
        except OSError as error:
            log.warning("Ancienne sauvegarde %s non supprimée : %s", path, error.strerror)
    return removed


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


# --- the status file --------------------------------------------------------------


def write_status(data_dir: Path, result: BackupResult | None, failure: str | None = None) -> None:
    """Record the last backup (or the last failure, keeping the last success)
    in ``<data_dir>/derniere-sauvegarde.json`` for ``table-app status``."""
    path = data_dir / STATUS_FILE
    status = read_status(data_dir) or {}
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if result is not None:
        status["last_success"] = {
            "at": result.taken_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "file": str(result.path),
            "size": result.size,
            "events": result.check.events,
            "sessions": len(result.check.sessions),
        }
        status["last_failure"] = None
    else:
        status["last_failure"] = {"at": now, "message": failure or ""}
    status.setdefault("last_success", None)
    status["format"] = 1
    text = json.dumps(status, ensure_ascii=False, indent=2) + "\n"
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as error:  # the backup itself is what matters
        log.warning("État de la sauvegarde non écrit (%s) : %s", path, error.strerror)


def read_status(data_dir: Path) -> dict[str, Any] | None:
    """The status file's content; None when absent or unreadable."""
    try:
        raw = json.loads((data_dir / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


# --- restoring --------------------------------------------------------------------


def restore_backup(backup: Path, database: Path, *, now: datetime | None = None) -> RestoreResult:
    """Replace ``database`` with ``backup`` once checked, keeping a copy of it.

    The caller makes sure the table is stopped (``table_app.heartbeat``).
    Raises ``BackupRefused`` (nothing touched) or ``BackupError``."""
    check = check_backup(backup)
    if not check.ok:
        raise BackupRefused(
            f"{backup} n'est pas une sauvegarde utilisable : "
            + " ; ".join(check.problems)
            + ". La base actuelle n'a pas été modifiée.",
            check,
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    kept: Path | None = None
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        if database.exists():
            kept = _keep_copy(database, moment)
        with _read_only(backup) as source:
            page_size = int(source.execute("PRAGMA page_size").fetchone()[0])
            target = sqlite3.connect(database)
            try:
                target.execute("PRAGMA busy_timeout=10000")
                if int(target.execute("PRAGMA page_size").fetchone()[0]) != page_size:
                    # SQLite cannot change a WAL database's page size in a backup.
                    target.execute("PRAGMA journal_mode=DELETE")
                # One write transaction on the database: all of it or nothing.
                source.backup(target)
                target.execute("PRAGMA journal_mode=WAL")
            finally:
                target.close()
    except (OSError, sqlite3.Error) as error:
        where = f" ; la base d'avant est gardée dans {kept}" if kept else ""
        raise BackupError(
            f"Restauration impossible : {_why(error)}. La base n'a pas été remplacée{where}."
        ) from error
    restored = check_backup(database)
    if restored.problems or restored.events != check.events:
        raise BackupError(
            "La base restaurée ne correspond pas à la sauvegarde ("
            + ("; ".join(restored.problems) or f"{restored.events} événement(s)")
            + f") : remettez la base d'avant, gardée dans {kept}."
        )
    for made in (
        kept,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        if made is not None and made.exists():
            owned_like(made, database)
    log.info("Base %s restaurée depuis %s (copie d'avant : %s)", database, backup, kept)
    return RestoreResult(check, kept)


def _keep_copy(database: Path, moment: datetime) -> Path:
    """``<base>-avant-restauration-AAAA-MM-JJ-HHMMSS.sqlite3`` beside the database:
    a consistent copy (the backup API again, so the WAL's content is in it)."""
    stamp = moment.astimezone(UTC).strftime(_STAMP)
    copy = database.with_name(f"{database.stem}-avant-restauration-{stamp}{BACKUP_SUFFIX}")
    n = 1
    while copy.exists():
        n += 1
        copy = database.with_name(f"{database.stem}-avant-restauration-{stamp}-{n}{BACKUP_SUFFIX}")
    tmp = _temporary(database.parent, copy.name)
    try:
        source = _open_source(database)
        try:
            _copy(source, tmp)
        finally:
            source.close()
        os.replace(tmp, copy)
        fsync_dir(database.parent)
    except BaseException:
        _discard(tmp)
        raise
    return copy


def size_text(size: int) -> str:
    """ "245 Ko", "1,2 Mo": a size as the French write it."""
    if size < 1024:
        return f"{size} octets"
    value = float(size)
    for unit in ("Ko", "Mo", "Go", "To"):
        value /= 1024
        if value < 1024 or unit == "To":
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return f"{text.replace('.', ',')} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
