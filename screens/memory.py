"""The C allocator told to keep large freed blocks for the next ones.

glibc's ``malloc`` hands a block over 128 KiB (a row of the ordre du jour
pictured, 0.2 MB; a text's layout; a page's image) fresh pages from the
kernel, and gives them back when the block is freed: every such block is
touched page by page anew, each touch a fault. On the table's small machines
(and in a virtual machine more so) that made filling a row's picture 0.1 ms
instead of 0.016, with spikes of 1–2 ms, several times a take-up in every
view. Kept in the heap instead, freed blocks are reused as they are.

The cost: memory a view freed stays with the process (up to
``TRIM_THRESHOLD`` unused at the heap's top) instead of going back to the
system at once, which the table has plenty of.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("screens")

#: ``mallopt`` parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: Blocks up to this size come from the heap, not from pages of their own:
#: a full 1920x1080 screen's image (8 MB) included. glibc's own ceiling is 32 MiB.
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the heap's top given back to the system beyond this.
TRIM_THRESHOLD = 64 * 2**20


def keep_freed_memory() -> bool:
    """Set glibc's thresholds (once is enough, at start); False where the C
    library is not glibc (its ``mallopt`` missing or refusing)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    if not done:
        log.info("Réglage de l'allocateur mémoire refusé par la bibliothèque C")
    return done
