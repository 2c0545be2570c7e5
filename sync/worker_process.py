"""One worker process, from its start to its end: both sides of what every kind shares.

The table runs three kinds of worker, all from its one fork server
(``sync.workers.forkserver_context``): the library's readers
(``sync.workers.ExtractionPool``), the seats' page renderers
(``screens.render.PageRenderer``) and the printer's (``screens.printing``).
Each is started the same way, limits itself the same way, says ``("ready",
pid)`` once warmed up, answers on one pipe (read with the table's safe
unpickler, ``sync.worker_pipe``), and may hang or die on a bad file.  That
part is here, once:

- in the table's process, ``WorkerProcess``: start a worker, wait for its
  ready message or its next answer until a deadline, kill it, stop it.  A wait
  that does not end with a message raises a ``WorkerFailure`` that says how
  (``WorkerTimedOut``, ``WorkerDied``, ``BadAnswer``, ``WorkerInterrupted``);
  what that means for the job (the French reason, replacing the worker) is the
  user's;
- in the worker, ``limit_worker`` and ``send_ready``.

A ``WorkerProcess`` is used by one thread at a time; ``kill`` may be called
from any thread, to end a wait another thread is in.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from sync.worker_pipe import load_answer, send

log = logging.getLogger("sync.ingest")

#: A worker that runs out of memory exits with this status instead of answering
#: from a process whose heap may be unusable.
EXIT_OUT_OF_MEMORY = 86


class WorkerFailure(Exception):
    """A wait on a worker that ended without a message."""


class WorkerTimedOut(WorkerFailure):
    """Nothing came by the deadline: the worker still runs (hung, or slow); kill it."""

    def __init__(self, waited_s: float) -> None:
        super().__init__(f"nothing from the worker in {waited_s:.1f} s")
        self.waited_s = waited_s


class WorkerDied(WorkerFailure):
    """The worker ended, or closed its pipe, before its message; ``exitcode`` (None: unknown)."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the worker ended (exit {exitcode})")
        self.exitcode = exitcode


class BadAnswer(WorkerFailure):
    """What came is not an answer the table reads (a confused or hostile worker)."""


class WorkerInterrupted(WorkerFailure):
    """The caller's ``stopping`` became true during the wait."""


class WorkerProcess:
    """A worker process and the table's end of its pipe.

    Attributes:
        process: the process (daemon: it dies with the table).
        conn: the table's end of the pipe, for a user that reads raw bytes after a message.
        name: the process's name, for the logs.
        pid: its process id.
        started: when it was started (``time.monotonic``).
        ready: it has said ``("ready", pid)``.
        jobs: the jobs its user has given it (counted by the user), to replace a worn worker.
    """

    def __init__(
        self,
        process: BaseProcess,
        conn: Connection,
        name: str,
        answers: Mapping[tuple[str, str], type] | None = None,
    ) -> None:
        self.process = process
        self.conn = conn
        self.name = name
        self.pid = process.pid or 0
        self.started = time.monotonic()
        self.ready = False
        self.jobs = 0
        self._answers = answers or {}
        self._exitcode: int | None = None

    @classmethod
    def start(
        cls,
        context: Any,
        target: Callable[..., None],
        args: tuple[Any, ...],
        name: str,
        *,
        answers: Mapping[tuple[str, str], type] | None = None,
    ) -> WorkerProcess | None:
        """Start ``target(pipe_end, *args)`` in a daemon process of ``context`` (the fork
        server's); None (logged) if it cannot start.

        ``answers``: the classes, by (module, name), its answers may carry besides plain data.
        """
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=target, args=(theirs, *args), name=name, daemon=True)
        try:
            process.start()
        except Exception:
            log.exception("cannot start the worker process %s", name)
            ours.close()
            return None
        finally:
            theirs.close()
        return cls(process, ours, name, answers)

    # --- talking to it -----------------------------------------------------------------

    def send(self, message: object) -> bool:
        """Hand ``message`` to the worker; False if its pipe is broken (it has died)."""
        try:
            self.conn.send(message)
        except (OSError, ValueError):
            return False
        return True

    def receive(
        self,
        deadline: float,
        *,
        stopping: Callable[[], bool] | None = None,
        poll_s: float | None = None,
    ) -> tuple[Any, ...]:
        """The worker's next message, waited for until ``deadline`` (``time.monotonic``).

        ``stopping`` is asked before each wait of at most ``poll_s`` seconds
        (None: one wait, until a message, the worker's death or the deadline).
        A ``("ready", pid)`` message sets ``ready`` and is returned like any other.

        Raises:
            WorkerInterrupted: ``stopping()`` said so.
            WorkerTimedOut: nothing came by the deadline (the worker is left running).
            WorkerDied: the worker ended, or closed its pipe, first (it has been reaped).
            BadAnswer: the bytes are not a message of plain data and ``answers``.
        """
        since = time.monotonic()
        while True:
            if stopping is not None and stopping():
                raise WorkerInterrupted
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimedOut(time.monotonic() - since)
            ready = wait(
                [self.conn, self.process.sentinel],
                remaining if poll_s is None else min(poll_s, remaining),
            )
            if not ready:
                continue
            if self.conn not in ready and not self.conn.poll():
                raise WorkerDied(self.reap())
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                raise WorkerDied(self.reap()) from None
            try:
                message = load_answer(data, self._answers)
            except Exception as exc:  # whatever the bytes made the unpickler raise
                raise BadAnswer(str(exc) or type(exc).__name__) from exc
            if message[0] == "ready":
                self.ready = True
                log.debug(
                    "%s: worker %d ready %.0f ms after its start",
                    self.name,
                    self.pid,
                    (time.monotonic() - self.started) * 1000,
                )
            return message

    def wait_ready(
        self,
        timeout_s: float,
        *,
        stopping: Callable[[], bool] | None = None,
        poll_s: float | None = 0.1,
    ) -> None:
        """Wait for the worker's ``("ready", pid)`` (its first start may also start the
        fork server), in short waits so that ``stopping`` is heard.

        Raises ``WorkerFailure`` as ``receive``; ``BadAnswer`` if it says anything else first.
        """
        message = self.receive(time.monotonic() + timeout_s, stopping=stopping, poll_s=poll_s)
        if message[0] != "ready":
            raise BadAnswer(f"{message[0]!r} before being ready")

    # --- its end -----------------------------------------------------------------------

    def is_alive(self) -> bool:
        with contextlib.suppress(ValueError):  # closed
            return self.process.is_alive()
        return False

    @property
    def exitcode(self) -> int | None:
        """Its exit status once it has ended (negative: the signal that ended it)."""
        if self._exitcode is None:
            with contextlib.suppress(ValueError):  # closed
                self._exitcode = self.process.exitcode
        return self._exitcode

    def kill(self) -> None:
        """SIGKILL, at once, from any thread: a wait on it then ends with ``WorkerDied``."""
        with contextlib.suppress(ValueError, OSError):  # already closed or gone
            self.process.kill()

    def reap(self, timeout_s: float = 5.0) -> int | None:
        """Wait up to ``timeout_s`` for the process to end; its exit status (None: still running)."""
        if self.exitcode is None:
            with contextlib.suppress(ValueError):  # closed
                self.process.join(timeout_s)
        return self.exitcode

    def discard(self, join_s: float = 5.0) -> None:
        """Kill the worker (hung, broken, worn out or no longer wanted), reap it, close its pipe."""
        self.kill()
        self.reap(join_s)
        self.close()

    def stop(self, grace_s: float = 1.0) -> None:
        """Ask the worker to stop (``None``), give it ``grace_s``, kill it if it is still
        there, and close its pipe."""
        self.send(None)
        if self.reap(grace_s) is None:
            self.kill()
            self.reap(2.0)
        self.close()

    def close(self) -> None:
        """Close the table's end of the pipe, and the process once it has ended."""
        self.conn.close()
        if self.exitcode is not None:
            with contextlib.suppress(ValueError):
                self.process.close()


# --- inside the worker ---------------------------------------------------------------


def limit_worker(memory_bytes: int, nice: int = 0) -> None:
    """What a worker does first: leave Ctrl-C to the table (which stops it), lower its
    CPU priority by ``nice``, limit its address space to ``memory_bytes`` (RLIMIT_AS,
    soft limit only: LibreOffice, started from a worker, lifts it for itself) and
    write no core file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def send_ready(conn: Connection) -> None:
    """Tell the table the worker has warmed up and takes jobs."""
    send(conn, ("ready", os.getpid()))
