"""Backups and restores of the table's database: real SQLite files, the real
command line in a subprocess where it matters, and a session recorded live
while the backups are taken."""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from demo import DEMO_CONFIG, DEMO_SCRIPT
from table_app.backup import (
    BACKUP_NAME,
    BackupError,
    BackupRefused,
    backup_name,
    check_backup,
    list_backups,
    read_status,
    restore_backup,
    sqlite_path,
    take_backup,
)
from table_app.cli import main
from table_app.config import Config, check_config
from table_app.council import projection
from table_app.council.engine import SessionEngine
from table_app.heartbeat import HEARTBEAT_FILE, Heartbeat, write_heartbeat
from table_app.journal import Journal
from table_app.report import session_json
from table_app.script import play_lines
from table_app.store import Database, open_database

TABLE_APP = [sys.executable, "-m", "screens.cli"]
SCRIPT_LINES = [
    line
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]
DEMO_EVENTS = 47


def cli(*args: str, stdin: str | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TABLE_APP, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        input=stdin,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture
def config_file(config: Config) -> Path:
    assert config.source is not None
    return config.source


@pytest.fixture
def db_path(config: Config) -> Path:
    return sqlite_path(config.database_url)


@pytest.fixture
def played(engine: SessionEngine) -> SessionEngine:
    """The demo session, recorded whole (47 events)."""
    play_lines(engine, SCRIPT_LINES, author="president")
    return engine


def events_of(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT seq, hash FROM events ORDER BY seq"))


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


# --- configuration -------------------------------------------------------------------


def _config(tmp_path: Path, backup_section: str) -> tuple[Config | None, list[str]]:
    path = tmp_path / "config.toml"
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8") + backup_section, encoding="utf-8")
    config, problems = check_config(path)
    return config, [f"{p.severity} {p}" for p in problems]


def test_backups_go_to_sauvegardes_in_the_document_folder_by_default(tmp_path: Path) -> None:
    config, _ = _config(tmp_path, "")
    assert config is not None
    assert config.backups == tmp_path / "documents" / "Sauvegardes"
    assert config.backup_keep == 14


def test_the_backup_section_is_read_relative_to_the_file(tmp_path: Path) -> None:
    config, problems = _config(tmp_path, '\n[backup]\nfolder = "cloud/Sauvegardes"\nkeep = 30\n')
    assert config is not None, problems
    assert config.backups == tmp_path / "cloud" / "Sauvegardes"
    assert config.backup_keep == 30


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("keep = 0", "backup.keep : nombre de sauvegardes gardées invalide : 0"),
        ('keep = "14"', "backup.keep : nombre de sauvegardes gardées invalide : '14'"),
        ("keep = 2.5", "backup.keep : nombre de sauvegardes gardées invalide : 2.5"),
        ("keep = true", "backup.keep : nombre de sauvegardes gardées invalide : True"),
        ("folder = 12", "backup.folder : doit être un chemin de dossier (trouvé : 12)"),
        ('folder = ""', "backup.folder : doit être un chemin de dossier"),
        (
            'folder = "config.toml"',
            "backup.folder : " + "{tmp}/config.toml existe mais n'est pas un dossier",
        ),
    ],
)
def test_a_wrong_backup_setting_is_named_with_its_fix(
    tmp_path: Path, section: str, expected: str
) -> None:
    config, problems = _config(tmp_path, f"\n[backup]\n{section}\n")
    assert config is None
    wanted = expected.replace("{tmp}", str(tmp_path))
    assert any(p.startswith("erreur ") and wanted in p for p in problems), problems
    assert all("→" in p for p in problems)  # each says how to fix it


def test_doubtful_backup_settings_are_warnings(tmp_path: Path) -> None:
    config, problems = _config(
        tmp_path, '\n[backup]\nfolder = "donnees/sauvegardes"\nfrequency = "nightly"\n'
    )
    assert config is not None
    assert any(
        p.startswith("attention backup.folder") and "dans le dossier de données" in p
        for p in problems
    ), problems
    assert any(p.startswith("attention backup.frequency : clé inconnue") for p in problems)


# --- names -----------------------------------------------------------------------------


def test_names_are_in_utc_and_sort_by_date_across_the_change_of_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 25 October 2026: 02:30 summer time, then 02:10 winter time (40 minutes later).
    first = datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=paris)
    second = datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=paris)
    assert second.astimezone(UTC) > first.astimezone(UTC)
    assert second.strftime("%H%M") < first.strftime("%H%M")  # local names would not sort
    names = [backup_name(first), backup_name(second)]
    assert names == [
        "table-du-conseil-2026-10-25-003000.sqlite3",
        "table-du-conseil-2026-10-25-011000.sqlite3",
    ]
    assert sorted(names) == names
    assert all(BACKUP_NAME.match(n) for n in names)


def test_only_sqlite_stores_are_backed_up() -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path("postgresql://conseil@localhost/conseil")
    with pytest.raises(BackupError, match="en mémoire"):
        sqlite_path("sqlite://")


# --- taking backups ------------------------------------------------------------------


def test_a_backup_is_one_checked_file_and_its_status_is_recorded(
    played: SessionEngine, config: Config, config_file: Path
) -> None:
    done = cli("--config", str(config_file), "backup")
    assert done.returncode == 0, done.stderr
    [backup] = list_backups(config.backups)
    assert f"Sauvegarde écrite : {backup}" in done.stdout
    assert "47 événement(s), intégrité et chaîne d'empreintes vérifiées" in done.stdout
    assert "(heure de la commune ; le nom du fichier est en heure UTC)" in done.stdout
    # One self-contained file: no -wal, no -shm, no temporary file left beside it.
    assert sorted(p.name for p in config.backups.iterdir()) == [backup.name]
    check = check_backup(backup)
    assert check.ok, check.problems
    assert check.events == DEMO_EVENTS
    assert [s.id for s in check.sessions] == ["2026-11-28"]
    assert check.sessions[0].status == "close"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    status = read_status(config.data_dir)
    assert status is not None
    assert status["last_success"]["file"] == str(backup)
    assert status["last_success"]["events"] == DEMO_EVENTS
    assert status["last_success"]["size"] == backup.stat().st_size
    assert status["last_failure"] is None
    taken = datetime.fromisoformat(status["last_success"]["at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - taken).total_seconds()) < 120


def test_keep_n_removes_only_the_oldest_of_our_backups(
    played: SessionEngine, config: Config, db_path: Path
) -> None:
    folder = config.backups
    folder.mkdir(parents=True)
    old = [folder / f"table-du-conseil-2001-01-0{d}-030000.sqlite3" for d in range(1, 6)]
    for path in old:
        path.write_bytes(b"old")
    foreign = [
        folder / "notes du secrétaire.txt",
        folder / "table-du-conseil-manuelle.sqlite3",
        folder / "table-du-conseil-2001-01-01-030000.sqlite3.bak",
        folder / "autre-2001-01-01-030000.sqlite3",
    ]
    for path in foreign:
        path.write_bytes(b"not ours")
    result = take_backup(db_path, folder, keep=3)
    assert result.removed == old[:3]
    assert list_backups(folder) == [old[3], old[4], result.path]
    assert all(path.exists() for path in foreign)
    # Through the command line, --keep overrides [backup] keep.
    assert main(["--config", str(config.source), "backup", "--keep", "1"]) == 0
    assert len(list_backups(folder)) == 1
    assert all(path.exists() for path in foreign)


def test_the_backup_just_written_is_kept_even_if_the_clock_went_back(
    played: SessionEngine, config: Config, db_path: Path
) -> None:
    folder = config.backups
    folder.mkdir(parents=True)
    future = folder / "table-du-conseil-2099-01-01-030000.sqlite3"
    future.write_bytes(b"written when the clock was wrong")
    result = take_backup(db_path, folder, keep=1)
    assert list_backups(folder) == [result.path]


def test_two_backups_in_one_second_get_two_names(
    played: SessionEngine, config: Config, db_path: Path
) -> None:
    moment = datetime.now(UTC)
    first = take_backup(db_path, config.backups, keep=5, now=moment)
    second = take_backup(db_path, config.backups, keep=5, now=moment)
    assert first.path != second.path
    assert list_backups(config.backups) == [first.path, second.path]


def test_a_backup_of_a_tampered_journal_fails_and_keeps_the_older_ones(
    played: SessionEngine, config: Config, config_file: Path, db_path: Path
) -> None:
    assert main(["--config", str(config_file), "backup", "--keep", "1"]) == 0
    [good] = list_backups(config.backups)
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE events SET payload = replace(payload, '\"pour\":10', '\"pour\":12') "
            "WHERE type = 'vote.recorded'"
        )
    done = cli("--config", str(config_file), "backup", "--keep", "1")
    assert done.returncode == 1
    assert "ÉCHEC de la sauvegarde : La copie de la base ne passe pas les contrôles" in done.stderr
    assert "journal altéré : l'événement n°" in done.stderr
    assert "les sauvegardes précédentes n'ont pas été supprimées" in done.stderr
    assert sorted(config.backups.iterdir()) == [good]  # kept; nothing else left
    status = read_status(config.data_dir)
    assert status is not None
    assert status["last_success"]["file"] == str(good)
    assert "journal altéré" in status["last_failure"]["message"]


def test_a_backup_into_an_unusable_folder_fails_cleanly(
    played: SessionEngine, config: Config, config_file: Path, db_path: Path, tmp_path: Path
) -> None:
    good = take_backup(db_path, config.backups, keep=3)
    before = events_of(db_path)
    blocker = tmp_path / "un-fichier"
    blocker.write_text("pas un dossier", encoding="utf-8")
    done = cli("--config", str(config_file), "backup", "--to", str(blocker / "Sauvegardes"))
    assert done.returncode == 1
    assert "ÉCHEC de la sauvegarde : Impossible de créer le dossier des sauvegardes" in done.stderr
    assert "la base et les sauvegardes précédentes sont intactes" in done.stderr
    assert list_backups(config.backups) == [good.path]
    assert events_of(db_path) == before
    status = read_status(config.data_dir)
    assert status is not None
    assert "Impossible de créer" in status["last_failure"]["message"]


def _read_only_folder(folder: Path) -> list[str] | None:
    """Make ``folder`` unwritable: mode 500, or for root (who ignores modes) the
    immutable attribute; returns the command that undoes it, None if impossible."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        return ["chmod", "700", str(folder)]
    if shutil.which("chattr") is None:
        return None
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if done.returncode != 0:
        return None
    return ["chattr", "-i", str(folder)]


def test_a_backup_into_a_read_only_folder_fails_cleanly(
    played: SessionEngine, config: Config, config_file: Path, db_path: Path
) -> None:
    folder = config.backups
    folder.mkdir(parents=True)
    good = take_backup(db_path, folder, keep=3)
    undo = _read_only_folder(folder)
    if undo is None:
        pytest.skip("no way to make a folder read-only for root here (chattr)")
    try:
        done = cli("--config", str(config_file), "backup")
    finally:
        subprocess.run(undo, check=True)
    assert done.returncode == 1
    assert "ÉCHEC de la sauvegarde : Sauvegarde impossible dans" in done.stderr
    assert "écriture interdite" in done.stderr
    assert "la base et les sauvegardes précédentes sont intactes" in done.stderr
    assert sorted(folder.iterdir()) == [good.path]


def test_a_full_disk_fails_cleanly_and_loses_nothing(
    played: SessionEngine, config: Config, config_file: Path, db_path: Path
) -> None:
    good = take_backup(db_path, config.backups, keep=3)
    before = events_of(db_path)
    limit = good.size // 3  # the disk fills up a third of the way through the copy

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [*TABLE_APP, "--config", str(config_file), "backup"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=small_disk,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 1, done.stdout
    assert "ÉCHEC de la sauvegarde : Sauvegarde impossible dans" in done.stderr
    assert "Le fichier incomplet a été supprimé" in done.stderr
    assert sorted(config.backups.iterdir()) == [good.path]  # no partial file, the old one kept
    assert check_backup(good.path).ok
    assert events_of(db_path) == before


# --- a backup during a live session -------------------------------------------------


class LiveSession:
    """The demo session played line by line in a thread, as the mayor would."""

    def __init__(self, engine: SessionEngine, pause_s: float = 0.03) -> None:
        self.engine = engine
        self.pause_s = pause_s
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._play, name="seance", daemon=True)

    def _lines(self) -> Iterator[str]:
        for line in SCRIPT_LINES:
            yield line
            time.sleep(self.pause_s)

    def _play(self) -> None:
        try:
            play_lines(self.engine, self._lines(), author="president")
        except BaseException as error:
            self.error = error

    def recorded(self) -> int:
        return self.engine.state.last_seq


def test_backups_taken_during_a_live_session_restore_a_prefix_of_its_journal(
    engine: SessionEngine, database: Database, config: Config, config_file: Path, db_path: Path
) -> None:
    session = LiveSession(engine)
    session.thread.start()
    deadline = time.monotonic() + 30
    while session.recorded() < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    backups = []
    cli_done: subprocess.CompletedProcess[str] | None = None
    while session.thread.is_alive():
        backups.append(take_backup(db_path, config.backups, keep=1000).path)
        if cli_done is None:  # another process backs up too, as the nightly timer would
            cli_done = cli("--config", str(config_file), "backup", "--keep", "1000")
        time.sleep(0.01)
    session.thread.join()
    assert session.error is None, session.error
    assert cli_done is not None
    assert cli_done.returncode == 0, cli_done.stderr

    live = events_of(db_path)
    assert len(live) == DEMO_EVENTS
    counts = {}
    for path in list_backups(config.backups):
        check = check_backup(path)
        assert check.ok, (path, check.problems)
        held = events_of(path)
        assert held == live[: len(held)], path  # a prefix of the journal, hash for hash
        counts[path] = len(held)
    assert len(counts) == len(backups) + 1
    partial = [path for path, n in counts.items() if 0 < n < DEMO_EVENTS]
    assert partial, counts  # at least one was taken in the middle of the session

    # The table is stopped; the secretary brings a backup taken mid-session back.
    chosen = partial[len(partial) // 2]
    n = counts[chosen]
    done = cli("--config", str(config_file), "restore", str(chosen), "--yes")
    assert done.returncode == 0, done.stderr
    assert f"Journal : {n} événement(s), chaîne d'empreintes vérifiée." in done.stdout
    assert f"Base restaurée : {db_path} ({n} événement(s))." in done.stdout
    assert events_of(db_path) == live[:n]
    # The state it gives is the journal's at that prefix, replayed.
    restored = SessionEngine(Journal(database), config)
    expected = projection.replay(Journal(open_database(config.database_url)).events()[:n])
    assert restored.state.last_seq == n
    assert {k: session_json(s) for k, s in restored.state.sessions.items()} == {
        k: session_json(s) for k, s in expected.sessions.items()
    }
    # The database as it was (the whole session) is kept beside it.
    [kept] = db_path.parent.glob(f"{db_path.stem}-avant-restauration-*.sqlite3")
    assert f"La base d'avant est gardée dans : {kept}" in done.stdout
    assert events_of(kept) == live


# --- restoring --------------------------------------------------------------------


@pytest.fixture
def backup_file(played: SessionEngine, config: Config, db_path: Path) -> Path:
    return take_backup(db_path, config.backups, keep=3).path


def _payload_offset(path: Path, marker: bytes) -> int:
    offset = path.read_bytes().find(marker)
    assert offset > 0
    return offset


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("header", "fichier illisible comme base SQLite"),
        ("payload", "journal altéré : l'événement n°"),
        ("truncated", ""),
    ],
)
def test_a_corrupted_backup_is_refused_and_the_database_is_untouched(
    backup_file: Path, config_file: Path, db_path: Path, tmp_path: Path, where: str, reason: str
) -> None:
    bad = tmp_path / "abîmée.sqlite3"
    shutil.copyfile(backup_file, bad)
    if where == "header":
        flip(bad, 3)  # "SQLite format 3"
    elif where == "payload":
        flip(bad, _payload_offset(bad, b'"pour":10') + 7)  # 10 votes become another number
    else:
        bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    before = events_of(db_path)
    with sqlite3.connect(db_path) as conn:  # the same rows, and the same file content
        dump_before = list(conn.iterdump())
    done = cli("--config", str(config_file), "restore", str(bad), "--yes")
    assert done.returncode == 1
    assert f"Sauvegarde REFUSÉE : {bad}" in done.stderr
    assert reason in done.stderr
    assert f"La base actuelle ({db_path}) n'a pas été modifiée." in done.stderr
    assert events_of(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert list(conn.iterdump()) == dump_before
    assert not list(db_path.parent.glob("*avant-restauration*"))


def test_a_file_that_is_not_the_tables_is_refused(tmp_path: Path, db_path: Path) -> None:
    other = tmp_path / "autre.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    check = check_backup(other)
    assert check.problems == [
        "ce fichier n'est pas une base de la table du conseil (aucun journal)"
    ]
    with pytest.raises(BackupRefused, match="La base actuelle n'a pas été modifiée"):
        restore_backup(other, db_path)


def test_restore_is_refused_while_the_table_holds_its_lock(
    backup_file: Path, config: Config, config_file: Path, db_path: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from table_app.heartbeat import hold_table_lock;"
            f"lock = hold_table_lock(Path({str(config.data_dir)!r})); print('ok', flush=True);"
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ok"
        before = events_of(db_path)
        done = cli("--config", str(config_file), "restore", str(backup_file), "--yes")
        assert done.returncode == 1
        assert "La table est ouverte : arrêtez-la d'abord" in done.stderr
        assert "Rien n'a été modifié." in done.stderr
        assert events_of(db_path) == before
        assert not list(db_path.parent.glob("*avant-restauration*"))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    # The table quit: the restore goes through.
    done = cli("--config", str(config_file), "restore", str(backup_file), "--yes")
    assert done.returncode == 0, done.stderr


def test_restore_is_refused_while_the_table_shows_signs_of_life(
    backup_file: Path, config: Config, config_file: Path
) -> None:
    now = datetime.now(UTC)
    write_heartbeat(config.data_dir / HEARTBEAT_FILE, Heartbeat(now, now, 4242))
    done = cli("--config", str(config_file), "restore", str(backup_file), "--yes")
    assert done.returncode == 1
    assert "La table semble ouverte (signe de vie il y a" in done.stderr
    assert "processus 4242" in done.stderr


def test_restore_asks_first_and_a_no_changes_nothing(
    backup_file: Path, config_file: Path, db_path: Path
) -> None:
    done = cli("--config", str(config_file), "restore", str(backup_file), stdin="n\n")
    assert done.returncode == 1
    assert "Remplacer la base actuelle" in done.stdout
    assert "Restauration abandonnée : rien n'a été modifié" in done.stdout
    assert not list(db_path.parent.glob("*avant-restauration*"))
    done = cli("--config", str(config_file), "restore", str(backup_file), stdin="oui\n")
    assert done.returncode == 0, done.stderr
    assert len(list(db_path.parent.glob("*avant-restauration*"))) == 1


def test_restore_on_a_new_machine_creates_the_database(backup_file: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "nouveau-pc" / "conseil.sqlite3"
    result = restore_backup(backup_file, fresh)
    assert result.kept_copy is None
    assert events_of(fresh) == events_of(backup_file)
    # The table opens it as its own (WAL, migrations already at head).
    journal = Journal(open_database(f"sqlite:///{fresh}"))
    assert journal.verify() == []
    assert journal.last_seq() == DEMO_EVENTS


def test_restore_without_configuration_uses_the_database_given(
    backup_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "rien"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TABLE_APP_CONFIG", raising=False)
    target = tmp_path / "ailleurs" / "conseil.sqlite3"
    code = main(["--database", f"sqlite:///{target}", "restore", str(backup_file), "--yes"])
    assert code == 0
    assert events_of(target) == events_of(backup_file)


# --- the nightly run ------------------------------------------------------------------

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_nightly_units_say_what_they_do() -> None:
    service = (DEPLOY / "table-du-conseil-backup.service").read_text(encoding="utf-8")
    timer = (DEPLOY / "table-du-conseil-backup.timer").read_text(encoding="utf-8")
    assert "Type=oneshot" in service
    assert "User=conseil" in service
    assert "Environment=TABLE_APP_CONFIG=/etc/table-du-conseil/config.toml" in service
    assert "\nExecStart=/opt/table-du-conseil/.venv/bin/table-app backup\n" in service
    assert "\nOnCalendar=*-*-* 03:00\n" in timer
    assert "\nPersistent=true\n" in timer
    assert "\nUnit=table-du-conseil-backup.service\n" in timer


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_the_nightly_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd checks that ExecStart exists: the units are verified with it
    pointing at this checkout's table-app, everything else as shipped."""
    table_app = Path(sys.executable).parent / "table-app"
    assert table_app.exists()
    for name in ("table-du-conseil-backup.service", "table-du-conseil-backup.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/opt/table-du-conseil/.venv/bin/table-app", str(table_app))
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(tmp_path / "table-du-conseil-backup.service"),
            str(tmp_path / "table-du-conseil-backup.timer"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "table-du-conseil-backup" not in done.stderr, done.stderr
    # And the calendar expression is the one meant: every day at 03:00.
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", "*-*-* 03:00"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Normalized form: *-*-* 03:00:00" in calendar.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes files for another user")
def test_run_as_root_the_files_made_belong_to_the_tables_user(
    backup_file: Path, config: Config, db_path: Path
) -> None:
    """``sudo table-app restore``: the table (its own user) must still open its
    database's -wal and -shm; the cloud client must read the backups."""
    table_user = 65534
    os.chown(db_path, table_user, table_user)
    os.chown(config.backups, table_user, table_user)
    backup = take_backup(db_path, config.backups, keep=3)
    assert backup.path.stat().st_uid == table_user
    result = restore_backup(backup_file, db_path)
    assert result.kept_copy is not None
    made = [result.kept_copy, db_path.with_name(db_path.name + "-wal")]
    made += [db_path.with_name(db_path.name + "-shm")]
    for path in made:
        if path.exists():
            assert path.stat().st_uid == table_user, path
