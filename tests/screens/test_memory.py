"""The C allocator keeps large freed blocks for the next ones (``screens.memory``)."""

from __future__ import annotations

import resource

from screens.memory import keep_freed_memory

KIB = 1024


def _faults_and_pages(sizes: list[int]) -> tuple[int, int]:
    """Minor page faults while blocks of ``sizes`` are made, filled and freed
    one after the other; and the pages they filled in all."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for size in sizes:
        block = bytearray(size)  # filled with zeros: every page touched
        del block
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    return faults, sum(sizes) // resource.getpagesize()


def test_large_blocks_freed_are_reused_not_faulted_in_again() -> None:
    """Pictures a little larger each time (a row taking one more line, a
    wider list): glibc's default gave each its own pages, faulted in anew."""
    assert keep_freed_memory()
    _faults_and_pages([256 * KIB])  # the heap grown once
    faults, pages = _faults_and_pages([256 * KIB + n * 8 * KIB for n in range(1, 41)])
    assert faults < pages // 4, (faults, pages)
