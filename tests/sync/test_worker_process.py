"""The worker process every kind of worker shares (sync.worker_process): its ready
message, an answer, a deadline, a death, a garbled answer, a cancelled wait, its end.

The workers here are small functions of this module, run in forked processes
(the fork server could not import a test module); the real workers are tested
with their users (tests/sync/test_bad_files.py, tests/screens/test_document_viewer.py,
tests/screens/test_printing.py).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection

import pytest

from sync.worker_pipe import send
from sync.worker_process import (
    BadAnswer,
    WorkerDied,
    WorkerInterrupted,
    WorkerProcess,
    WorkerTimedOut,
    send_ready,
)


def _echo(conn: Connection, first: str) -> None:
    """Says ``first`` ("ready" or anything else), then answers each job until None."""
    if first == "ready":
        send_ready(conn)
    else:
        send(conn, (first,))
    while True:
        job = conn.recv()
        if job is None:
            return
        if job == "hang":
            time.sleep(60)
        elif job == "garbage":  # what a worker taken over by a file could send
            conn.send_bytes(pickle.dumps(("ok", os.system)))
        else:
            send(conn, ("echo", job))


def _start(first: str = "ready") -> WorkerProcess:
    worker = WorkerProcess.start(multiprocessing.get_context("fork"), _echo, (first,), "echo")
    assert worker is not None
    return worker


@pytest.fixture
def worker() -> Iterator[WorkerProcess]:
    worker = _start()
    worker.wait_ready(30)
    yield worker
    worker.discard()


def test_a_worker_says_it_is_ready_answers_and_stops_when_asked() -> None:
    worker = _start()
    ready_before = worker.ready
    worker.wait_ready(30)
    assert not ready_before
    assert worker.ready
    assert worker.is_alive()
    assert worker.pid > 0
    assert worker.send("bonjour")
    assert worker.receive(time.monotonic() + 10) == ("echo", "bonjour")
    worker.stop()
    assert worker.exitcode == 0
    assert not worker.is_alive()
    assert not worker.send("encore")  # its pipe is closed


def test_a_worker_that_says_anything_else_first_is_not_ready() -> None:
    worker = _start("bonjour")
    try:
        with pytest.raises(BadAnswer):
            worker.wait_ready(30)
        assert not worker.ready
    finally:
        worker.discard()


def test_a_hung_worker_times_out_and_is_killed(worker: WorkerProcess) -> None:
    assert worker.send("hang")
    started = time.monotonic()
    with pytest.raises(WorkerTimedOut, match=r"nothing from the worker in \d+\.\d s") as timed_out:
        worker.receive(started + 0.2)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 5
    # What the log says of a hung worker: the wait, counted from the call (a
    # little after ``started``: 0.1995 s was seen for a deadline 0.2 s ahead).
    assert 0.1 < timed_out.value.waited_s <= elapsed
    assert worker.is_alive()  # left running: the caller decides
    worker.discard()
    assert worker.exitcode == -signal.SIGKILL


def test_a_worker_killed_during_a_wait_is_reported_dead(worker: WorkerProcess) -> None:
    assert worker.send("hang")
    threading.Timer(0.2, worker.kill).start()  # from another thread, as a closing pool does
    with pytest.raises(WorkerDied) as died:
        worker.receive(time.monotonic() + 30)
    assert died.value.exitcode == -signal.SIGKILL


def test_an_answer_that_carries_code_is_a_bad_answer(worker: WorkerProcess) -> None:
    assert worker.send("garbage")
    with pytest.raises(BadAnswer):
        worker.receive(time.monotonic() + 10)


def test_a_wait_ends_when_the_caller_stops(worker: WorkerProcess) -> None:
    assert worker.send("hang")
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(WorkerInterrupted):
        worker.receive(started + 30, stopping=stop.is_set, poll_s=0.05)
    assert time.monotonic() - started < 5


def test_stop_kills_a_worker_that_does_not_listen(worker: WorkerProcess) -> None:
    assert worker.send("hang")
    started = time.monotonic()
    worker.stop(grace_s=0.2)
    assert worker.exitcode == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_a_worker_that_cannot_start_gives_none() -> None:
    class _Unstartable:
        def __init__(self, **_kwargs: object) -> None:
            pass

        def start(self) -> None:
            raise OSError("no more processes")

    class _Context:  # a context whose processes cannot start (the fork server is gone)
        Pipe = staticmethod(multiprocessing.Pipe)
        Process = _Unstartable

    assert WorkerProcess.start(_Context(), _echo, ("ready",), "echo") is None
