"""An asyncio loop in a thread of its own: where the master serves its seats.

The kiosk's GUI thread lays out and paints seven views after each event; a
feed server on that thread's loop sent each event only once they had painted,
and serving a hundred TLS clients stalled the views. On a loop of its own the
feed sends an event as soon as the engine hands it over, whatever the GUI is
doing, and the GUI thread never serves a socket.

``FeedThread`` is that loop: ``start`` makes the thread, ``run`` hands it a
coroutine and waits for its result (from another thread: the GUI's), ``stop``
ends what is left on the loop, closes it and joins the thread. Qt-free.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger("sync.net.feed_thread")

T = TypeVar("T")

#: How long a caller waits for a step on the loop (start or stop a server).
STEP_TIMEOUT_S = 30.0


class FeedThread:
    """A daemon thread running an asyncio loop; driven from other threads.

    Attributes:
        name: the thread's name (``seat-feed`` in the kiosk).
    """

    def __init__(self, name: str = "seat-feed") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop while the thread runs; None before ``start`` and after ``stop``."""
        return self._loop

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Start the thread and its loop (nothing if it runs already)."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            try:
                loop.run_forever()
            finally:
                try:
                    _cancel_all(loop)
                    loop.run_until_complete(loop.shutdown_asyncgens())
                    loop.run_until_complete(loop.shutdown_default_executor())
                finally:
                    asyncio.set_event_loop(None)
                    loop.close()

        thread = threading.Thread(target=main, name=self.name, daemon=True)
        self._loop, self._thread = loop, thread
        thread.start()
        if not ready.wait(STEP_TIMEOUT_S):  # pragma: no cover - a machine on its knees
            raise TimeoutError(f"the {self.name} thread did not start")

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = STEP_TIMEOUT_S) -> T:
        """Run ``coroutine`` on the loop; wait for its result (or its exception).

        Called from another thread: on the loop's own thread it would wait for
        itself. A step that outlasts ``timeout`` is cancelled (TimeoutError).
        """
        loop = self._loop
        if loop is None or self._thread is None:
            coroutine.close()
            raise RuntimeError(f"the {self.name} thread is not running")
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(f"FeedThread.run called on the {self.name} thread itself")
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"{self.name}: no answer in {timeout:.0f} s") from None

    def call(self, function: Callable[[], T], timeout: float = STEP_TIMEOUT_S) -> T:
        """Call ``function`` on the loop's thread (to read what lives there); its result."""

        async def call() -> T:
            return function()

        return self.run(call(), timeout)

    def stop(self, timeout: float = STEP_TIMEOUT_S) -> None:
        """Cancel what still runs on the loop, close it, join the thread.

        Safe to call more than once, and before ``start``.
        """
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if threading.current_thread() is thread:
            raise RuntimeError(f"FeedThread.stop called on the {self.name} thread itself")
        if not loop.is_closed():
            # Closed in between: the thread is ending anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if thread.is_alive():  # pragma: no cover - a worker thread that never returns
            log.warning("Le fil des sièges ne s'est pas arrêté en %.0f s", timeout)
            return
        self._loop = self._thread = None


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    """What ``asyncio.run`` does on its way out: cancel the tasks left, let them end."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("Tâche du fil des sièges en échec à l'arrêt", exc_info=task.exception())


__all__ = ["STEP_TIMEOUT_S", "FeedThread"]
