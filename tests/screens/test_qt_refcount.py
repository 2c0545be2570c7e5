"""Guard against the PySide6 6.12.0 reference-count bug in ``Signal.emit``.

On CPython 3.11, PySide6 6.12.0 drops one reference to ``True`` / ``None``
per emit.  Nothing fails at first; minutes later the interpreter aborts with
"bool_dealloc: deallocating True or False".  The table emits thousands of
signals per session, so this would crash the kiosk in the middle of a council.

The emits run in small batches and the drift is checked after each batch, so
a buggy PySide6 fails here with a clear message instead of aborting the whole
test run once the refcount reaches zero.  (From CPython 3.12 on, ``True`` and
``None`` are immortal: their refcount never moves and these tests pass.)
"""

import gc
import sys
from collections.abc import Callable

import PySide6
import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

EMITS = 20_000
BATCH = 100
# Unrelated interpreter activity may move a refcount by a few units; the bug
# moves it by one per emit, i.e. by BATCH after the first batch.
TOLERANCE = 10
BROKEN_RELEASE = "6.12.0"


class _Emitter(QObject):
    ping = Signal()
    flag = Signal(bool)
    payload = Signal(object)


def _refcounts(*, collect: bool = False) -> dict[str, int]:
    if collect:  # slow (~5 ms): only around the whole run, not per batch
        gc.collect()
    return {
        "True": sys.getrefcount(True),
        "False": sys.getrefcount(False),
        "None": sys.getrefcount(None),
    }


def _assert_no_drift(
    before: dict[str, int], what: str, emitted: int, *, collect: bool = False
) -> None:
    after = _refcounts(collect=collect)
    drift = {name: after[name] - before[name] for name in before}
    assert all(abs(delta) <= TOLERANCE for delta in drift.values()), (
        f"{what} changed refcounts by {drift} after {emitted} emits: this PySide6 "
        f"({PySide6.__version__}) corrupts reference counts and will abort the "
        "interpreter (bool_dealloc). Pin PySide6-Essentials to a release without the bug."
    )


@pytest.mark.parametrize(
    ("signal_name", "args"),
    [
        pytest.param("ping", (), id="no-argument"),
        pytest.param("flag", (True,), id="bool-True"),
        pytest.param("flag", (False,), id="bool-False"),
        pytest.param("payload", (None,), id="object-None"),
        pytest.param("payload", (True,), id="object-True"),
    ],
)
def test_emit_keeps_refcounts_of_true_and_none(
    qapp: QApplication, signal_name: str, args: tuple[object, ...]
) -> None:
    emitter = _Emitter()
    received = [0]  # a counter only: keeping the values would add references

    def slot(*values: object) -> None:
        if values == args:
            received[0] += 1

    getattr(emitter, signal_name).connect(slot)
    emit: Callable[..., object] = getattr(emitter, signal_name).emit

    for _ in range(BATCH):  # warm up PySide's caches before measuring
        emit(*args)
    received[0] = 0
    before = _refcounts(collect=True)

    what = f"{signal_name}.emit with arguments {args!r}"
    for batch in range(1, EMITS // BATCH + 1):
        for _ in range(BATCH):
            emit(*args)
        _assert_no_drift(before, what, batch * BATCH)
    _assert_no_drift(before, what, EMITS, collect=True)

    assert received[0] == EMITS, "the slot did not receive every emit with its value"


def test_pyside6_is_not_the_broken_release() -> None:
    assert PySide6.__version__ != BROKEN_RELEASE, (
        f"PySide6 {BROKEN_RELEASE} drops a reference to True/None on every "
        "Signal.emit under CPython 3.11 and the table later aborts with "
        "'bool_dealloc: deallocating True or False'. Keep the pin "
        "PySide6-Essentials==6.11.3 in pyproject.toml until a fixed release."
    )
