"""``python -m bench``: run the registered benchmarks, one JSON line each on stdout."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import bench
from bench.common import REGISTRY, BenchContext, Benchmark, emit, filesystem_type, log

#: Filesystems that live in memory: an fsync there costs nothing and the figures lie.
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs", "devtmpfs"})


def discover() -> list[Benchmark]:
    """Import every ``bench/*_bench.py`` module; each registers its benchmarks."""
    for module in pkgutil.iter_modules(bench.__path__):
        if module.name.endswith("_bench"):
            importlib.import_module(f"bench.{module.name}")
    return list(REGISTRY)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of the session engine and the journal (JSON lines on stdout).",
    )
    parser.add_argument(
        "--only", metavar="NAME", help="run the benchmarks whose name contains NAME"
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer iterations: a smoke test, not a measure"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="where the temporary databases go (default: the system's; must be a real disk)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    benchmarks = discover()
    if args.only:
        benchmarks = [b for b in benchmarks if args.only in b.name]
    if args.list:
        for b in benchmarks:
            print(b.name)
        return 0
    if not benchmarks:
        log(f"no benchmark matches {args.only!r}")
        return 2
    parent = args.tmpdir or Path(tempfile.gettempdir())
    fs = filesystem_type(parent)
    if fs in MEMORY_FILESYSTEMS:
        log(f"{parent} is on {fs}: fsync would be free there; pass --tmpdir on a real disk")
        return 2
    failures = 0
    with tempfile.TemporaryDirectory(prefix="table-bench-", dir=parent) as tmp:
        ctx = BenchContext(Path(tmp), quick=args.quick)
        log(
            f"bench: {len(benchmarks)} benchmark(s), databases in {tmp} ({fs})"
            + (", quick mode" if args.quick else "")
        )
        for b in benchmarks:
            log(f"[{b.name}] running…")
            start = time.perf_counter()
            try:
                result = b.fn(ctx)
            except Exception:
                failures += 1
                log(f"[{b.name}] FAILED")
                traceback.print_exc(file=sys.stderr)
                continue
            result.extra.setdefault("quick", args.quick)
            result.extra.setdefault("fs", fs)
            emit(result)
            verdict = "meets" if result.meets_target else "MISSES"
            log(
                f"[{b.name}] {result.summary or f'{result.value:.3f} {result.unit}'} "
                f"— {verdict} target {result.target} {result.unit} "
                f"({time.perf_counter() - start:.1f} s)"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
