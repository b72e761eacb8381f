"""`make bench`: speed and memory targets, each measured against a baseline in the same run.

An app registers a benchmark in its `benchmarks.py` module:

    @benchmark
    def ingest(report: BenchReport) -> None:
        ...
        report.line("ingest_vs_copy", ours / baseline, target=">= 0.25")

Every benchmark runs against a throw-away PostgreSQL database of its own.
"""

import importlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
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


def scaled(count: int) -> int:
    """`count` times `BENCH_SCALE` (default 1): a smaller world to check that a benchmark works
    on a busy machine (`BENCH_SCALE=0.05 manage.py bench dashboards`); targets are full size."""
    return max(1, round(count * float(os.environ.get("BENCH_SCALE", "1"))))


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


def median_ms(statement: str, *, times: int = 200) -> float:
    """The median time of `statement` run on its own (autocommit): one round trip, and for a
    write its synchronous commit."""
    seconds = []
    with connection.cursor() as cursor:
        for _ in range(times):
            start = time.perf_counter()
            cursor.execute(statement)
            seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000


def commit_ms() -> float:
    """What a synchronous commit that writes one row costs here and now: the disk's part of
    every figure (machines of one kind differ by four times), printed beside them."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit (n integer)")
    return median_ms("INSERT INTO bench_commit VALUES (1)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(settings_module: str) -> dict[str, str]:
    db = connection.settings_dict
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "600",
    }


class GunicornServer:
    """gunicorn serving Waymark on the bench database, with a broker that only collects (the
    enqueued tasks stay in the workers: background work is not what a bench of requests
    measures) unless `env` names one. Database connections persist across requests, as in
    production. `app` and `worker_class` pick the application and gunicorn's worker (the
    tracking server: `config.asgi:application` on `uvicorn_worker.UvicornWorker`)."""

    def __init__(
        self,
        *,
        workers: int = 2,
        settings_module: str = "config.settings.test",
        env: dict[str, str] | None = None,
        app: str = "config.wsgi:application",
        worker_class: str = "sync",
    ) -> None:
        self.port = free_port()
        env = _environment(settings_module) | {"CELERY_BROKER_URL": "memory://"} | (env or {})
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                f"--worker-class={worker_class}",
                "--timeout=300",
                "--log-level=warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        # Waits as long as gunicorn is still starting, however slow the machine: only a
        # gunicorn that exited (a bad setting, a port taken) is a failure.
        while self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn exited with {self.process.returncode} before serving")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def rss_mb(self, field: str) -> float:
        """`VmRSS` (now) or `VmHWM` (peak) of the largest worker, in MB."""
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    sizes.append(int(line.split()[1]) / 1024)
        return max(sizes)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class CeleryWorker:
    """A Celery worker on the bench database and the configured broker, taking `queues` only;
    started before the clock, ready when its log says so."""

    def __init__(self, *, queues: str, concurrency: int = 1, log: Path) -> None:
        env = _environment("config.settings.test") | {
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--queues={queues}",
                f"--concurrency={concurrency}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=info",
                f"--logfile={log}",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,  # its banner; the log file says what happens
        )
        while self.process.poll() is None:
            if log.exists() and " ready." in log.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"the Celery worker exited with {self.process.returncode}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def discover() -> list[Callable[[BenchReport], None]]:
    for config in apps.get_app_configs():
        if config.name.startswith("apps."):
            try:
                importlib.import_module(f"{config.name}.benchmarks")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.benchmarks":
                    raise
    return list(_REGISTRY)
