"""One named logger per subsystem, and the log's two formats: the terminal's
(``LEVEL name: message``) and the systemd journal's (``<priority>name: message``)."""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from table_app.logs import JournalFormatter, priority, under_journal

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("table_app", "sync", "screens", "demo")
ROOT_LOGGING_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        and path != ROOT / "table_app" / "logs.py"  # configures the root logger's handler
    ]


def test_every_module_logs_to_a_named_logger_of_its_own_layer() -> None:
    """``log = logging.getLogger("sync.watcher")``: named after the layer it is in,
    and never the root logger (``logging.info(…)``, ``getLogger()``)."""
    found: dict[str, str] = {}
    wrong: list[str] = []
    for path in _sources():
        package = path.relative_to(ROOT).parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            target = node.func.value
            if not (isinstance(target, ast.Name) and target.id == "logging"):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if node.func.attr in ROOT_LOGGING_CALLS:
                wrong.append(f"{where}: logging.{node.func.attr}() logs to the root logger")
            elif node.func.attr == "getLogger":
                if not node.args or not isinstance(node.args[0], ast.Constant):
                    wrong.append(f"{where}: getLogger without a literal name")
                    continue
                name = str(node.args[0].value)
                if name == "pyhanko":  # silencing a library, not logging
                    continue
                layer = name.split(".")[0]
                if layer != package:
                    wrong.append(f"{where}: logger {name!r} is not of the {package} layer")
                found[name] = where
    assert wrong == []
    for subsystem in (
        "table_app.journal",
        "table_app.engine",
        "table_app.store",
        "table_app.backup",
        "table_app.export",
        "table_app.signing",
        "table_app.heartbeat",
        "sync.watcher",
        "sync.ingest",
        "sync.feed",
        "sync.net.server",
        "sync.net.client",
        "sync.net.pairing",
        "screens",
    ):
        assert subsystem in found, subsystem


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (logging.CRITICAL, 2),
        (logging.ERROR, 3),
        (logging.WARNING, 4),
        (logging.INFO, 6),
        (logging.DEBUG, 7),
        (logging.INFO + 5, 6),
        (1, 7),
    ],
)
def test_levels_map_to_syslog_priorities(level: int, expected: int) -> None:
    assert priority(level) == expected


def test_the_journal_format_prefixes_every_line_and_has_no_time() -> None:
    formatter = JournalFormatter()
    record = logging.LogRecord(
        "sync.watcher", logging.WARNING, __file__, 1, "inotify indisponible : %s", ("ENOSPC",), None
    )
    assert formatter.format(record) == "<4>sync.watcher: inotify indisponible : ENOSPC"
    try:
        raise ValueError("page illisible")
    except ValueError:
        error = logging.LogRecord(
            "sync.ingest", logging.ERROR, __file__, 1, "Échec", (), sys.exc_info()
        )
    lines = formatter.format(error).splitlines()
    assert lines[0] == "<3>sync.ingest: Échec"
    assert lines[-1] == "<3>ValueError: page illisible"
    assert all(line.startswith("<3>") for line in lines)


def test_the_journal_is_recognised_by_the_stream_systemd_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (tmp_path / "flux").open("w") as stream, (tmp_path / "autre").open("w") as other:
        info = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        assert under_journal(stream)
        assert not under_journal(other)  # stderr redirected: the variable is only inherited
        monkeypatch.setenv("JOURNAL_STREAM", "n'importe quoi")
        assert not under_journal(stream)
        monkeypatch.delenv("JOURNAL_STREAM")
        assert not under_journal(stream)


def _run_verbose(tmp_path: Path, journal: bool) -> str:
    """``table-app -v session list`` on a new database: the store logs its
    migration at INFO. Its stderr is a pipe whose identity we know."""
    read_end, write_end = os.pipe()
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    if journal:
        info = os.fstat(write_end)
        env["JOURNAL_STREAM"] = f"{info.st_dev}:{info.st_ino}"
    try:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "screens.cli", "-v"),
                *("--database", f"sqlite:///{tmp_path / 'conseil.sqlite3'}"),
                *("session", "list"),
            ],
            stdout=subprocess.PIPE,
            stderr=write_end,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as err:
        text = err.read()
    assert done.returncode == 0, text
    return text


def test_the_command_line_logs_with_the_logger_name(tmp_path: Path) -> None:
    text = _run_verbose(tmp_path / "terminal", journal=False)
    assert "INFO table_app.store: Mise à jour du schéma de la base : vide → " in text


def test_under_systemd_the_command_line_logs_in_the_journal_format(tmp_path: Path) -> None:
    text = _run_verbose(tmp_path / "journal", journal=True)
    lines = text.splitlines()
    assert "<6>table_app.store: Mise à jour du schéma de la base : vide → " in text
    assert all(line.startswith("<") for line in lines), lines  # no line without its priority
    assert "INFO" not in text
