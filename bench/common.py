"""The benchmark registry, timing helpers and the JSON line printer."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Better = Literal["lower", "higher"]


@dataclass
class Result:
    """One benchmark's figure: ``value`` against ``target``, plus comparison figures."""

    name: str
    value: float
    unit: str
    target: float
    better: Better
    extra: dict[str, Any] = field(default_factory=dict)
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _round(self.value),
            "unit": self.unit,
            "target": self.target,
            "better": self.better,
            **{k: _round(v) if isinstance(v, float) else v for k, v in self.extra.items()},
        }

    @property
    def meets_target(self) -> bool:
        if self.better == "lower":
            return self.value <= self.target
        return self.value >= self.target


@dataclass
class BenchContext:
    """What the runner hands every benchmark.

    Attributes:
        tmp: a temporary directory on the real disk, removed after the run.
        quick: fewer iterations (a smoke test, figures less stable).
        cache: data a benchmark prepared and another may reuse (e.g. a journal).
    """

    tmp: Path
    quick: bool
    cache: dict[str, Any] = field(default_factory=dict)

    def workdir(self, name: str) -> Path:
        """A fresh sub-directory of ``tmp``."""
        path = self.tmp / name
        n = 1
        while path.exists():
            n += 1
            path = self.tmp / f"{name}-{n}"
        path.mkdir(parents=True)
        return path


BenchFn = Callable[[BenchContext], Result]


@dataclass(frozen=True)
class Benchmark:
    name: str
    fn: BenchFn


#: Every registered benchmark, in registration (= run) order.
REGISTRY: list[Benchmark] = []


def benchmark(name: str) -> Callable[[BenchFn], BenchFn]:
    """Register ``fn`` as the benchmark ``name`` (``python -m bench --only`` filters on it)."""

    def register(fn: BenchFn) -> BenchFn:
        if any(b.name == name for b in REGISTRY):
            raise ValueError(f"benchmark {name!r} registered twice")
        REGISTRY.append(Benchmark(name, fn))
        return fn

    return register


# --- timing ----------------------------------------------------------------


def ns_to_ms(ns: float) -> float:
    return ns / 1e6


@contextmanager
def stopwatch() -> Iterator[list[int]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed time in ns."""
    box: list[int] = [0]
    start = time.perf_counter_ns()
    try:
        yield box
    finally:
        box[0] = time.perf_counter_ns() - start


def percentile(samples: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100), linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def latency_stats_ms(samples_ns: Sequence[int], prefix: str = "") -> dict[str, float]:
    """Median, p95, p99 and max of nanosecond samples, in ms."""
    ms = [ns_to_ms(s) for s in samples_ns]
    return {
        f"{prefix}median_ms": median(ms),
        f"{prefix}p95_ms": percentile(ms, 95),
        f"{prefix}p99_ms": percentile(ms, 99),
        f"{prefix}max_ms": max(ms),
    }


# --- output ----------------------------------------------------------------


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if abs(value) < 10 else round(value, 2)
    return value


def emit(result: Result) -> None:
    """One JSON line on stdout (flushed, so a consumer sees it at once)."""
    sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    """Human progress, on stderr only."""
    print(message, file=sys.stderr, flush=True)


def filesystem_type(path: Path) -> str:
    """The type of the filesystem holding ``path`` ("ext4", "tmpfs"…), from /proc/mounts."""
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    target = os.path.realpath(path)
    best, kind = "", "unknown"
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, parts[2]
    return kind
