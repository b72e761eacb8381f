"""A large import's commit on a real Celery worker that is killed while it writes: the task is
handed out again, the run is taken up again (apps/core/run_locks.py), and every row lands once.
Before, the second delivery found the run marked running and left it so for ever."""

import os
import signal
from datetime import timedelta

import pytest

from apps.accounts.models import Account
from apps.imports import services
from apps.imports.models import ImportRun
from config.celery_app import app as celery_app
from tests.waiting import wait_for_progress
from tests.workers import pool_children

ROWS = 60_000


@pytest.fixture
def big_file() -> str:
    return "name,domain\n" + "".join(f"Account {n},a{n}.example\n" for n in range(ROWS))


def test_a_commit_killed_mid_way_is_run_again_and_writes_every_row_once(
    run_import, big_file, shared_uploads, celery_worker_process, settings, tmp_path
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    run = run_import("accounts", big_file, commit=False)
    worker = celery_worker_process("doomed", concurrency=1)

    services.import_commit_later(run=run)  # queued once committed: at once, here
    wait_for_progress(
        lambda: ImportRun.objects.values_list("status", "rows_done").get(pk=run.pk),
        lambda state: state[0] == ImportRun.Status.RUNNING and state[1] > 0,
    )
    assert not Account.objects.exists(), "killed while it still writes"
    for pid in pool_children(worker.pid):
        os.kill(pid, signal.SIGKILL)
    # The worker starts a new pool process and takes the task again (acks late, reject on
    # worker lost).
    wait_for_progress(
        lambda: ImportRun.objects.values_list("status", "rows_done").get(pk=run.pk),
        lambda state: state[0] not in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
    )

    run.refresh_from_db()
    assert (run.status, run.creates, run.rows_done) == ("committed", ROWS, ROWS)
    assert Account.objects.count() == ROWS
    assert "SIGKILL" in (tmp_path / "doomed.log").read_text()


def test_a_commit_whose_task_the_broker_lost_is_sent_again_by_the_sweep_and_done(
    run_import, shared_uploads, celery_worker_process, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    text = "name,domain\nA,a.example\nB,b.example\nC,c.example\n"
    run = run_import("accounts", text, commit=False)
    services.import_commit_later(run=run)  # sent to the broker at once (committed here)
    channel = celery_app.connection_for_write().default_channel
    for queue in settings.CELERY_TASK_QUEUES:  # Redis restarted: every queued task is gone
        channel.queue_purge(queue.name)
    celery_worker_process("survivor", concurrency=1)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED  # and would stay so, with no task to run it
    assert services.stranded_runs_resend(now=run.queued_at + timedelta(minutes=29)) == 0
    assert services.stranded_runs_resend(now=run.queued_at + timedelta(minutes=31)) == 1
    wait_for_progress(
        lambda: ImportRun.objects.values_list("status", "rows_done").get(pk=run.pk),
        lambda state: state[0] == ImportRun.Status.COMMITTED,
    )
    assert Account.objects.count() == 3
