"""Telling a background run that is still being worked from one whose worker died.

A long run on a worker (an import's commit, a backtest, a calibration) is marked running while
it works. When the worker is killed (an OOM kill, a lost machine), Celery hands the task out
again (`CELERY_TASK_ACKS_LATE`, `CELERY_TASK_REJECT_ON_WORKER_LOST`), and that delivery finds
the run still marked running: without more to go on it must either skip it, leaving it running
for ever, or run it again, which is wrong when the first worker is alive and merely slow (a
delivery repeated after the broker's visibility timeout).

So whoever works a run holds a PostgreSQL session advisory lock named after it for as long as
it works. The server releases the lock with the connection when the process dies, so a run
marked running whose lock is free is an orphan, and safe to run again: each of these runs
writes its results in one transaction, which died with its worker.

A worker killed in the middle of a statement keeps its lock until the server notices, when that
statement ends; a redelivery comes at once, so it waits for the lock (`RUN_LOCK_WAIT_SECONDS`)
before it takes the run for one still being worked.

A run can also lose its task before any worker took it: Redis restarted without persistence,
a queue purged. A periodic task sends those (and orphans whose redelivery was lost too) to a
worker again (`stranded_runs_send_again`); a run sent twice is still run once.

SQLite (the embedded `make run`, one worker) has no such locks: there the lock is always taken,
and a run marked running is never taken for stranded.
"""

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import QuerySet

logger = logging.getLogger(__name__)


def _key(kind: str) -> int:
    """A stable int4 for the kind of run (advisory locks are keyed by two int4s)."""
    return zlib.crc32(kind.encode()) - 2**31


@contextmanager
def run_lock(kind: str, run_id: int, *, wait_seconds: float = 0) -> Iterator[bool]:
    """Hold the lock on run `run_id` of `kind` while the block runs, if no one else holds it
    (or lets go of it within `wait_seconds`); yields whether it is held. Re-entrant within one
    connection."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = [_key(kind), run_id]
    held = _acquire(key, wait_seconds)
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:
                # The connection broke while the run worked, or cannot take a statement: closing
                # it is what releases the lock for sure.
                connection.close()


def redelivered_run_lock(kind: str, run_id: int):
    """`run_lock` for a task that may be a redelivery: it waits for a dead worker's lock."""
    return run_lock(kind, run_id, wait_seconds=settings.RUN_LOCK_WAIT_SECONDS)


def _acquire(key: list[int], wait_seconds: float) -> bool:
    with connection.cursor() as cursor:
        if wait_seconds <= 0:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            return cursor.fetchone()[0]
        try:
            with transaction.atomic():
                timeout = f"{int(wait_seconds * 1000)}ms"
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
        except OperationalError:  # lock_timeout ran out: someone else holds it
            return False
    return True


def run_orphaned(kind: str, run_id: int) -> bool:
    """Whether no worker holds the run's lock now (PostgreSQL); False on SQLite, which cannot
    tell."""
    if connection.vendor != "postgresql":
        return False
    with run_lock(kind, run_id) as free:
        return free


def stranded_runs_send_again(
    runs: QuerySet, *, lock: str, working: str, sent_field: str, task, now: datetime
) -> int:
    """Send again to a worker (`task`) each of `runs` (those waiting for a worker) last sent to
    one over `RUN_STRANDED_MINUTES` before `now` whose task is lost: queued, or `working` with
    its lock free. Each is marked sent at `now` (`sent_field`), so it is sent once a sweep; a run
    a worker is on (its lock held) is left alone however long it takes. Returns how many."""
    before = now - timedelta(minutes=settings.RUN_STRANDED_MINUTES)
    sent = 0
    for pk, status in runs.filter(**{f"{sent_field}__lt": before}).values_list("pk", "status"):
        if status == working and not run_orphaned(lock, pk):
            continue
        # Only if nothing changed it meanwhile (a worker claiming it, another sweep).
        if runs.filter(pk=pk, status=status, **{f"{sent_field}__lt": before}).update(
            **{sent_field: now}
        ):
            name = runs.model.__name__
            logger.warning("%s %s had lost its task: sent to a worker again", name, pk)
            task.delay(pk)
            sent += 1
    return sent
