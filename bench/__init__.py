"""Benchmarks of the session engine and the journal.

Run from the repository root::

    .venv/bin/python -m bench            # every benchmark
    .venv/bin/python -m bench --quick    # fewer iterations (smoke test)
    .venv/bin/python -m bench --only replay

Each benchmark writes one JSON object per line on standard output::

    {"name": ..., "value": ..., "unit": ..., "target": ..., "better": "lower"|"higher", ...}

with comparison figures as extra keys (``p99_ms``, ``baseline_...``). Progress
and a one-line human summary per benchmark go to standard error only.

The databases are temporary SQLite files on the real disk (never ``:memory:``
or a tmpfs), opened by the store with its own settings: WAL and
``synchronous=FULL``, so every timed command includes its fsync. Figures depend
heavily on the disk and on what else runs on the machine: compare runs made on
the same machine, not absolute numbers from different ones.
"""
