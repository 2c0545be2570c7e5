"""Screens' tests: Python's garbage collector runs on the GUI thread only, as
in the table (``screens.app.application``): a collection started on a worker
thread (asyncio.to_thread, a render thread) would free Qt objects there."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()  # Qt objects in reference cycles die here, on the GUI thread
    if enabled:
        gc.enable()
