"""Real processes for the network seats' tests: a master table and seat devices.

``Master`` runs ``python -m bench.master_process`` (the kiosk's stack, driven
by JSON lines); ``SeatProcess`` runs ``table-app seat`` and reads the state
file it keeps up to date. Every child runs offscreen, writes its standard
error to a log file next to its data (shown when a wait fails), and is
killed by ``close``/``kill`` whatever happened: the tests' fixtures call them
in their teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from demo import DEMO_SCRIPT

ROOT = Path(__file__).resolve().parent.parent
TABLE_APP = Path(sys.executable).with_name("table-app")

#: What a wait gives a child on a loaded 2-core machine before calling it a failure.
WAIT_S = 60.0
#: How often a state file is read while waiting.
POLL_S = 0.1

State = dict[str, Any]


def child_env() -> dict[str, str]:
    """The environment of every child: offscreen Qt, the project importable."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONUNBUFFERED"] = "1"
    paths = [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def demo_commands() -> list[tuple[dict[str, Any], str]]:
    """The demo session's commands, each with its author (the "by" key, popped)."""
    out = []
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        command = json.loads(line)
        author = command.pop("by", "president")
        out.append((command, author))
    return out


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if "does not support propagateSizeHints" not in line]
    return "\n".join(kept[-lines:])


def _stop(process: subprocess.Popen[Any], grace_s: float) -> int:
    """SIGTERM, then SIGKILL after ``grace_s``; the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(30)


class Master:
    """The master table in its own process (bench/master_process.py).

    Each one announces a name of its own: zeroconf tells the services of one
    computer apart by name only, and other masters may run on this one (other
    tests, benchmarks) under the demo commune's name.
    """

    started = 0

    def __init__(
        self, folder: Path, *, documents: bool = False, views: bool = True, ready_s: float = WAIT_S
    ) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder.with_name(folder.name + ".stderr")
        Master.started += 1
        self.commune = f"Val-de-Sauve essai {os.getpid()}-{Master.started}"
        argv = [sys.executable, "-m", "bench.master_process", str(folder)]
        argv += ["--commune", self.commune]
        if documents:
            argv.append("--documents")
        if not views:
            argv.append("--no-views")
        self._stderr: IO[bytes] = self.log.open("ab")
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            ready = self._answer(ready_s)
            if not ready.get("ready"):
                raise AssertionError(f"the master did not start: {ready}\n{_tail(self.log)}")
        except BaseException:
            self.close()  # nobody else holds it yet
            raise
        self.port = int(ready["port"])
        self.fingerprint = str(ready["fingerprint"])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self._lines.put(line)
        self._lines.put(None)

    def _answer(self, within_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no answer from the master in {within_s:.0f} s\n{_tail(self.log)}"
                ) from None
            if line is None:
                raise AssertionError(
                    f"the master exited ({self.process.poll()})\n{_tail(self.log)}"
                )
            try:
                answer: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:
                continue  # something a library printed: not an answer
            return answer

    def send(self, op: str, within_s: float = WAIT_S, **fields: Any) -> dict[str, Any]:
        """One order, its answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        return self._answer(within_s)

    def execute(self, command: dict[str, Any], by: str = "president") -> int:
        """A command the master must accept; the journal's seq of its event."""
        answer = self.send("execute", command=command, by=by)
        assert "seq" in answer, f"refused: {command} → {answer}"
        return int(answer["seq"])

    def play(self, commands: list[tuple[dict[str, Any], str]]) -> None:
        for command, by in commands:
            self.execute(command, by)

    def pair(self) -> str:
        """Open the pairing window: the code a person would read on the screen."""
        return str(self.send("pair")["code"])

    def state(self) -> State:
        return self.send("state")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> int | None:
        """Quit (or be killed); the exit code. Safe to call twice."""
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write('{"op": "quit"}\n')
                self.process.stdin.flush()
                self.process.wait(20)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        code = _stop(self.process, 10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()
        return code


class SeatProcess:
    """``table-app seat`` in its own process, read through its state file."""

    def __init__(
        self,
        root: Path,
        name: str,
        *,
        folder: Path | None = None,
        code: str | None = None,
        master: str | None = None,
        browse: bool = True,
    ) -> None:
        self.name = name
        slug = name.lower().replace(" ", "-")
        self.folder = folder or root / slug
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state_file = self.folder.with_name(slug + ".state.json")
        self.state_file.unlink(missing_ok=True)
        self.log = self.folder.with_name(slug + ".stderr")
        argv = [str(TABLE_APP), "-v", "seat", "--dir", str(self.folder), "--name", name]
        argv += ["--state-file", str(self.state_file)]
        if code is not None:
            argv += ["--code", code]
        if master is not None:
            argv += ["--master", master]
        if not browse:
            argv.append("--no-browse")
        with self.log.open("ab") as stderr:
            stderr.write(f"--- {' '.join(argv)}\n".encode())
            stderr.flush()
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    # --- what it says -----------------------------------------------------

    def state(self) -> State | None:
        """The state file as last written (None before the first write)."""
        try:
            data: State = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data

    def stderr(self) -> str:
        return _tail(self.log, 200)

    def wait_for(
        self, condition: Callable[[State], bool], what: str, within_s: float = WAIT_S
    ) -> State:
        """Poll the state file until ``condition`` holds; the state then.

        Fails at once if the seat exits, else after ``within_s`` seconds with
        the last state and the seat's log (nothing here is a speed test)."""
        deadline = time.monotonic() + within_s
        state = None
        while True:
            state = self.state()
            if state is not None and condition(state):
                return state
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited ({self.process.returncode}) before: {what}\n"
                    f"last state: {state}\n{self.stderr()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name}, not in {within_s:.0f} s: {what}\n"
                    f"last state: {json.dumps(state, ensure_ascii=False)[:3000]}\n{self.stderr()}"
                )
            time.sleep(POLL_S)

    def wait_exit(self, within_s: float = WAIT_S) -> int:
        try:
            return self.process.wait(within_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still running after {within_s:.0f} s") from None

    # --- its end ------------------------------------------------------------

    def stop(self) -> int:
        """SIGTERM, as systemd would; the exit code."""
        return _stop(self.process, 15)

    def kill(self) -> None:
        """SIGKILL: the tablet's battery dies."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)


def same_state(seat: State, master: State) -> bool:
    """The seat holds exactly the master's sessions, up to its last event."""
    return seat["journal"] == master["journal"] and seat["sessions"] == master["sessions"]


__all__ = [
    "POLL_S",
    "TABLE_APP",
    "WAIT_S",
    "Master",
    "SeatProcess",
    "child_env",
    "demo_commands",
    "same_state",
]
