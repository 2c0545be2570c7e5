"""Worker processes that read the commune's documents under a time and memory limit.

MuPDF never crashed on 1,972 real-world and attack PDFs, but a handful ran for
minutes or asked for 4 GB: each file is read in a long-lived worker process
(``sync.extract``), one file at a time, and

- a job that runs past its deadline gets its worker killed (SIGKILL) and
  replaced: ``Rejection("timeout")``;
- each worker limits its own address space (RLIMIT_AS) when it starts; running
  out of memory ends the job with ``Rejection("too_large")``;
- a worker that dies (segfault, killed by the kernel) gives
  ``Rejection("crashed")`` and is replaced.

Workers come from a fork server that has already imported PyMuPDF: the table
runs Qt and threads, which plain fork would copy in a broken state, while
spawning a fresh interpreter costs a few hundred milliseconds per worker.  They
start with the pool and warm MuPDF up, so the first file is read at full speed.

The program has one fork server, for every kind of worker (these, the seats'
page renderers, the printer's): each kind registers the modules its workers
need (``register_forkserver_preload``) and gets its context from
``forkserver_context``, which starts the server once, with everything
registered, whichever kind starts first.  The server imports no Qt, so neither
does a worker.  How a worker is started, waited for, killed and stopped is
shared by every kind too: ``sync.worker_process.WorkerProcess``.

The API is blocking and thread-safe, meant for the library's background
thread, never the GUI thread.  No bad file makes it raise or hang.

Two codes (TRANSIENT_CODES) are not about the file, and the library should
try it again later rather than store the refusal: "cancelled" (the pool was
closed during the job) and "unavailable" (no worker could start).
"""

import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import stat
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Self

from sync import extract
from sync.extract import Probe
from sync.worker_pipe import load_answer
from sync.worker_pipe import send as _send
from sync.worker_process import (
    EXIT_OUT_OF_MEMORY,
    BadAnswer,
    WorkerDied,
    WorkerProcess,
    WorkerTimedOut,
    limit_worker,
    send_ready,
)

log = logging.getLogger("sync.ingest")

# Not about the file: the library should try it again later, not store the refusal.
TRANSIENT_CODES = frozenset({"cancelled", "unavailable"})
# A worker is replaced after this many files, so that nothing MuPDF keeps or
# leaks can pile up over months.
JOBS_PER_WORKER = 500
_SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}


# --- the fork server, shared by every kind of worker -----------------------------


class _ForkServer:
    """The modules the fork server imports before it forks, and whether it started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # modules, started, starting
        self.start_lock = threading.Lock()  # one start at a time
        # The table's PyMuPDF workers: the page renderer's and the printer's
        # modules are named here too because the table starts this pool before
        # it first imports the screens that use them.
        self.modules: dict[str, None] = dict.fromkeys(
            [
                "pymupdf",
                "sync.extract",
                "sync.workers",
                "sync.render_worker",
                "sync.print_worker",
            ]
        )
        self.starting = False
        self.started: tuple[str, ...] | None = None
        self.warned: set[str] = set()


_FORK_SERVER = _ForkServer()


def register_forkserver_preload(*modules: str) -> None:
    """Have the fork server import ``modules`` before it forks any worker.

    Call it when the module that starts workers is imported, before any worker
    starts: once the server runs, what it imported is fixed, and a module
    registered later is imported by each worker itself (slower, and logged).
    Never waits for the server's start.
    """
    server = _FORK_SERVER
    with server.lock:
        server.modules.update(dict.fromkeys(modules))
        if server.started is None and not server.starting:
            # Also for a caller that starts a process from the context directly.
            multiprocessing.get_context("forkserver").set_forkserver_preload(list(server.modules))


def forkserver_context() -> Any:
    """The fork-server context of every worker, its server started (once) with
    every module registered so far and the main script's imports.

    Blocks for the server's start the first time (its imports, about 0.3 s):
    call it on a worker-starting thread, never the GUI thread.
    """
    server = _FORK_SERVER
    context = multiprocessing.get_context("forkserver")
    with server.start_lock:
        with server.lock:
            if server.started is not None:
                late = [
                    m for m in server.modules if m not in server.started and m not in server.warned
                ]
                if late:
                    server.warned.update(late)
                    log.info(
                        "imported by each worker (registered after the fork server started): %s",
                        ", ".join(late),
                    )
                return context
            modules = list(dict.fromkeys([*server.modules, *main_script_imports()]))
            context.set_forkserver_preload(modules)
            server.starting = True
        try:
            multiprocessing.forkserver.ensure_running()
        except Exception:  # the process start that follows fails too, and says so
            log.exception("cannot start the fork server")
            with server.lock:
                server.starting = False
            return context
        with server.lock:
            server.starting = False
            server.started = tuple(modules)
        log.debug("fork server started, preloaded: %s", ", ".join(modules))
    return context


def forkserver_preloaded() -> tuple[str, ...] | None:
    """What the fork server imported when ``forkserver_context`` started it (None: not yet)."""
    with _FORK_SERVER.lock:
        return _FORK_SERVER.started


# The table's own list from the start, for a caller that starts a process from
# multiprocessing's context directly.
register_forkserver_preload()


@dataclass(frozen=True)
class Rejection:
    """Why a file is not shown: ``code`` for the library, ``reason`` in French."""

    code: str
    reason: str


@dataclass
class _Slot:
    index: int
    worker: WorkerProcess | None = None
    busy: bool = False


class ExtractionPool:
    """``processes`` workers, each reading one file at a time within the limits.

    - ``timeout_s``: for ``probe`` (type, pages, title, thumbnail);
      ``texts_timeout_s`` (default 4 x ``timeout_s``) for ``texts``, which
      reads every page; an office document's conversion adds
      ``convert_timeout_s``.
    - ``memory_bytes``: the address space of each worker (RLIMIT_AS).
    - ``max_file_bytes``: larger files are refused without being opened.
    - ``office_profile_dir``: LibreOffice's profile, kept between conversions
      (creating one takes it seconds); by default a folder of each ``workdir``.
    """

    def __init__(
        self,
        processes: int = 2,
        timeout_s: float = 30.0,
        memory_bytes: int = 1536 * 2**20,
        max_file_bytes: int = 512 * 2**20,
        *,
        texts_timeout_s: float | None = None,
        convert_timeout_s: float = extract.CONVERT_TIMEOUT_S,
        office_profile_dir: Path | None = None,
    ) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.timeout_s = timeout_s
        self.texts_timeout_s = texts_timeout_s if texts_timeout_s is not None else 4 * timeout_s
        self.convert_timeout_s = convert_timeout_s
        self.office_profile_dir = office_profile_dir
        self.memory_bytes = memory_bytes
        self.max_file_bytes = max_file_bytes
        self._cond = threading.Condition()
        self._closed = False
        self._slots = [_Slot(index) for index in range(processes)]
        self._idle: list[_Slot] = []
        # The first start also starts the fork server (about 0.2 s): not on the
        # caller's thread, which may be the GUI's.  Jobs wait for a worker.
        self._starter = threading.Thread(
            target=self._start_all, name="extraction-pool-start", daemon=True
        )
        self._starter.start()

    # --- the API ---------------------------------------------------------------

    def probe(self, path: Path, workdir: Path) -> Probe | Rejection:
        """Type, pages, title and thumbnail of ``path`` (office documents: converted in ``workdir``)."""
        refused = self._check_file(path)
        if refused is not None:
            return refused
        result = self._call(
            "probe",
            (str(path), str(workdir), self.convert_timeout_s, self.office_profile_dir),
            self.timeout_s,
            path,
        )
        if isinstance(result, Probe | Rejection):
            return result
        return self._unexpected(path, result)

    def texts(self, path: Path) -> list[str] | Rejection:
        """The text of each page of ``path`` (for an office document: of its converted PDF)."""
        refused = self._check_file(path)
        if refused is not None:
            return refused
        result = self._call("texts", (str(path),), self.texts_timeout_s, path)
        if isinstance(result, Rejection):
            return result
        if isinstance(result, list) and all(isinstance(text, str) for text in result):
            return result
        return self._unexpected(path, result)

    def close(self) -> None:
        """Stop the workers; a job still running ends with Rejection("cancelled")."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [slot.worker for slot in self._slots if slot.busy and slot.worker]
            self._cond.notify_all()
        for slot in idle:
            self._stop_worker(slot)
        for worker in busy:  # their jobs' threads see them die and clean up
            worker.kill()
        self._starter.join(10)

    def worker_pids(self) -> list[int]:
        """The process ids of the workers now running, for monitoring."""
        with self._cond:
            workers = [slot.worker for slot in self._slots if slot.worker is not None]
        return [worker.pid for worker in workers if worker.pid]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- jobs ------------------------------------------------------------------

    def _check_file(self, path: Path) -> Rejection | None:
        """What the table's process can tell from the file system alone."""
        try:
            info = path.stat()
        except FileNotFoundError:
            return Rejection("unreadable", "fichier introuvable : il a été déplacé ou supprimé")
        except OSError as exc:
            return Rejection("unreadable", f"fichier illisible : {exc.strerror or exc}")
        if not stat.S_ISREG(info.st_mode):
            return Rejection("unsupported", "format non pris en charge (pas un fichier ordinaire)")
        if info.st_size == 0:
            return Rejection("empty", "fichier vide")
        if info.st_size > self.max_file_bytes:
            return Rejection(
                "too_large",
                f"trop volumineux : {_size(info.st_size)} (limite {_size(self.max_file_bytes)})",
            )
        return None

    def _call(self, op: str, args: tuple[Any, ...], timeout_s: float, path: Path) -> object:
        slot = self._acquire()
        if slot is None:
            return _cancelled()
        try:
            return self._run(slot, op, args, timeout_s, path)
        finally:
            self._release(slot)

    def _run(
        self, slot: _Slot, op: str, args: tuple[Any, ...], timeout_s: float, path: Path
    ) -> object:
        worker = self._ready_worker(slot)
        if worker is None:
            return _unavailable()
        started = time.monotonic()
        deadline = started + timeout_s
        converter_group: int | None = None
        if not worker.send((op, args)):  # it died while idle: the file is not to blame
            self._replace(slot)
            worker = slot.worker
            if worker is None:
                return _cancelled() if self._closed else _unavailable()
            if not worker.send((op, args)):
                return _unavailable()
        while True:
            try:
                message = worker.receive(deadline)
            except WorkerTimedOut:
                limit = deadline - started
                log.warning(
                    "%s: %s still running after %.1f s, worker %d killed",
                    path,
                    op,
                    limit,
                    worker.pid,
                )
                worker.kill()
                _kill_group(converter_group)
                self._replace(slot)
                return Rejection(
                    "timeout", f"délai dépassé : lecture arrêtée après {_seconds(limit)} s"
                )
            except WorkerDied as died:
                return self._died(slot, worker, died.exitcode, path, converter_group)
            except BadAnswer as exc:
                log.error("%s: unreadable answer from worker %d: %s", path, worker.pid, exc)
                self._replace(slot)
                return _crashed()
            tag = message[0]
            if tag == "ready":  # it has warmed up (``receive`` noted it): the job is next
                continue
            if tag == "converting":
                converter_group = int(message[1])
                # LibreOffice starts slowly and has its own limit; the PDF it
                # makes is then read within the usual one.
                deadline = max(deadline, time.monotonic() + self.convert_timeout_s + timeout_s)
            else:
                worker.jobs += 1
                elapsed = time.monotonic() - started
                if tag == "ok":
                    log.debug("%s: %s in %.0f ms", path, op, elapsed * 1000)
                    return message[1]
                if tag == "rejected":
                    log.info("%s: refused (%s): %s", path, message[1], message[2])
                    return Rejection(str(message[1]), str(message[2]))
                log.error("%s: %s failed in the worker:\n%s", path, op, message[1])
                return _crashed()

    def _died(
        self,
        slot: _Slot,
        worker: WorkerProcess,
        code: int | None,
        path: Path,
        converter_group: int | None,
    ) -> Rejection:
        _kill_group(converter_group)
        was_ready = worker.ready
        self._replace(slot)
        if self._closed:
            return _cancelled()
        how = _SIGNAL_NAMES.get(-code, str(code)) if code is not None and code < 0 else code
        if not was_ready:
            log.error("extraction worker died while starting (%s)", how)
            return _unavailable()
        if code == EXIT_OUT_OF_MEMORY:
            log.warning("%s: out of memory (limit %s)", path, _size(self.memory_bytes))
            return Rejection(
                "too_large",
                f"trop volumineux : la mémoire nécessaire dépasse {_size(self.memory_bytes)}",
            )
        log.error("%s: extraction worker died (%s)", path, how)
        return _crashed()

    def _unexpected(self, path: Path, result: object) -> Rejection:
        log.error("%s: unexpected answer from the worker: %r", path, type(result))
        return _crashed()

    # --- workers ---------------------------------------------------------------

    def _start_all(self) -> None:
        for slot in self._slots:
            worker = self._start_worker(slot)
            with self._cond:
                if not self._closed:
                    slot.worker = worker
                    self._idle.append(slot)
                    self._cond.notify()
                    continue
            if worker is not None:
                worker.discard()
            return

    def _acquire(self) -> _Slot | None:
        with self._cond:
            while not self._closed and not self._idle:
                self._cond.wait()
            if self._closed:
                return None
            slot = self._idle.pop()
            slot.busy = True
            return slot

    def _release(self, slot: _Slot) -> None:
        with self._cond:
            slot.busy = False
            if not self._closed:
                self._idle.append(slot)
                self._cond.notify()
                return
        self._stop_worker(slot)

    def _ready_worker(self, slot: _Slot) -> WorkerProcess | None:
        """The slot's worker, (re)started if it is missing, dead or worn."""
        worker = slot.worker
        if worker is not None and (worker.jobs >= JOBS_PER_WORKER or not worker.is_alive()):
            self._replace(slot)
            worker = slot.worker
        if worker is None:
            worker = slot.worker = self._start_worker(slot)
        return worker

    def _start_worker(self, slot: _Slot) -> WorkerProcess | None:
        if self._closed:
            return None
        return WorkerProcess.start(
            forkserver_context(),
            _worker_main,
            (self.memory_bytes,),
            f"extraction-{slot.index}",
            answers=_ANSWER_CLASSES,
        )

    def _replace(self, slot: _Slot) -> None:
        self._stop_worker(slot)
        slot.worker = self._start_worker(slot)

    def _stop_worker(self, slot: _Slot) -> None:
        worker, slot.worker = slot.worker, None
        if worker is not None:
            worker.discard()


def main_script_imports() -> list[str]:
    """The modules that the program's main script uses, to preload in the fork server.

    Python 3.11 runs the main script again in every new worker (the fork server
    never gets its path, so "__main__" cannot be preloaded).  ``table-app``
    imports table_app.cli, which then costs 0.4 s per worker start; imported
    once in the fork server, it is already there when the script runs again.
    A program run with ``-m`` or ``-c`` is not run again: nothing to preload
    (and preloading what such a program imported would bring Qt into every worker).
    """
    main = sys.modules.get("__main__")
    if (
        main is None
        or getattr(main, "__spec__", None) is not None
        or not getattr(main, "__file__", None)
    ):
        return []  # run with -m or -c: the workers do not run it again
    names = set()
    for value in list(vars(main).values()):
        name = (
            value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        )
        if isinstance(name, str) and name in sys.modules and not name.endswith("__main__"):
            names.add(name)
    return sorted(names)


def _kill_group(group: int | None) -> None:
    if group is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def _seconds(duration: float) -> str:
    return f"{duration:.0f}" if duration >= 10 else f"{duration:.1f}".replace(".", ",")


def _size(size: int) -> str:
    """A size as the secretary reads it: "850 Ko", "600 Mo", "1,5 Go"."""
    if size < 2**20:
        return f"{-(-size // 1024)} Ko"
    if size < 2**30:
        return f"{size / 2**20:.0f} Mo"
    return f"{size / 2**30:.1f} Go".replace(".", ",")


def _cancelled() -> Rejection:
    return Rejection("cancelled", "lecture interrompue : la table s'arrête")


def _crashed() -> Rejection:
    return Rejection("crashed", "le lecteur de documents s'est arrêté sur ce fichier")


def _unavailable() -> Rejection:
    return Rejection("unavailable", "lecture impossible pour l'instant : le lecteur ne démarre pas")


# --- the answers of the workers ------------------------------------------------------


_ANSWER_CLASSES = {("sync.extract", "Probe"): Probe}


def _load(data: bytes) -> tuple[Any, ...]:
    return load_answer(data, _ANSWER_CLASSES)


# --- inside the worker -----------------------------------------------------------


def _worker_main(conn: Connection, memory_bytes: int) -> None:
    """A worker's life: limit itself, warm MuPDF up, then read files until told to stop."""
    limit_worker(memory_bytes)
    try:
        extract.quiet_mupdf()
        extract.warm_up()
        send_ready(conn)
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the table is gone
            return
        if job is None:
            return
        reply: tuple[object, ...]
        try:
            reply = _do(conn, *job)
        except extract.RejectedFile as exc:
            reply = ("rejected", exc.code, exc.reason)
        except MemoryError:
            os._exit(EXIT_OUT_OF_MEMORY)
        except Exception:
            reply = ("error", traceback.format_exc())
        try:
            _send(conn, reply)
        except MemoryError:
            os._exit(EXIT_OUT_OF_MEMORY)
        except (OSError, ValueError):
            return
        del reply


def _do(conn: Connection, op: str, args: tuple[Any, ...]) -> tuple[str, object]:
    if op == "probe":
        path, workdir, convert_timeout_s, profile_dir = args

        def converting(group: int) -> None:
            _send(conn, ("converting", group))

        probe = extract.probe_file(
            Path(path),
            Path(workdir),
            convert_timeout_s=convert_timeout_s,
            profile_dir=profile_dir,
            on_convert=converting,
        )
        return ("ok", probe)
    if op == "texts":
        (path,) = args
        return ("ok", extract.page_texts(Path(path)))
    raise ValueError(f"unknown job {op!r}")
