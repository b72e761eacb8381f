"""`make bench`: speed and memory targets, each measured against a baseline in the same run.

An app registers a benchmark in its `benchmarks.py` module:

    @benchmark
    def ingest(report: BenchReport) -> None:
        ...
        report.line("ingest_vs_copy", ours / baseline, target=">= 0.25")

Every benchmark runs against a throw-away PostgreSQL database of its own.
"""

import importlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction

_REGISTRY: list[Callable[["BenchReport"], None]] = []


def benchmark(func: Callable[["BenchReport"], None]) -> Callable[["BenchReport"], None]:
    _REGISTRY.append(func)
    return func


@dataclass
class BenchReport:
    lines: list[tuple[str, float, str]] = field(default_factory=list)

    def line(self, name: str, value: float, *, target: str = "") -> None:
        self.lines.append((name, value, target))


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """`with stopwatch() as elapsed: ...` then `elapsed()` gives the seconds it took."""
    start = time.perf_counter()
    end: list[float] = []
    try:
        yield lambda: (end[0] if end else time.perf_counter()) - start
    finally:
        end.append(time.perf_counter())


def timed_copy(*, table: str, columns: Iterable[str], path: Path) -> float:
    """Seconds a raw PostgreSQL COPY of `path` (COPY's text format) into `table` takes,
    committed: the baseline a bulk path is measured against."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with (
        stopwatch() as elapsed,
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
        path.open("rb") as source,
    ):
        while block := source.read(1 << 20):
            copy.write(block)
    return elapsed()


def discover() -> list[Callable[[BenchReport], None]]:
    for config in apps.get_app_configs():
        if config.name.startswith("apps."):
            try:
                importlib.import_module(f"{config.name}.benchmarks")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.benchmarks":
                    raise
    return list(_REGISTRY)
