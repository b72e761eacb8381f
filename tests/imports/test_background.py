from datetime import timedelta
from unittest import mock

import pytest
from django.test import override_settings

from apps.accounts.models import Account
from apps.core.exceptions import ApplicationError
from apps.imports import services
from apps.imports.models import ImportRun
from apps.imports.tasks import commit_import, preview_import

pytestmark = pytest.mark.django_db

FILE = "name,domain\nA,a.example\nB,b.example\nC,c.example\n"


@override_settings(IMPORT_BACKGROUND_ROWS=2)
def test_a_large_file_is_queued_and_committed_by_the_task(
    run_import, django_capture_on_commit_callbacks
):
    run = run_import("accounts", FILE, commit=False)

    with (
        mock.patch.object(commit_import, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = services.import_commit_start(run=run)

    assert run.status == "queued"
    delay.assert_called_once_with(run.pk)
    assert not Account.objects.exists()

    assert commit_import(run.pk) == "committed"
    run.refresh_from_db()
    assert (run.status, run.creates, run.rows_done, run.rows_total, run.progress_percent) == (
        "committed",
        3,
        3,
        3,
        100,
    )
    # Delivered twice: the second delivery finds the run done and leaves it.
    assert commit_import(run.pk) == "not queued"
    assert Account.objects.count() == 3


@override_settings(IMPORT_BACKGROUND_ROWS=2)
def test_a_commit_whose_worker_died_runs_again_and_one_still_being_written_is_left(
    run_import, run_lock_elsewhere
):
    orphan, busy = (
        services.import_commit_later(run=run_import("accounts", text, commit=False))
        for text in (FILE, "name,domain\nD,d.example\n")
    )
    # Both were taken by workers; the first one's was killed (its transaction with it), the
    # second one's writes on.
    ImportRun.objects.update(status=ImportRun.Status.RUNNING)
    run_lock_elsewhere("imports.commit", busy.pk)

    # Redelivered, as Celery does when a worker is lost.
    assert commit_import(orphan.pk) == "committed"
    assert commit_import(busy.pk) == "not queued"

    busy.refresh_from_db()
    assert busy.status == "running"
    assert sorted(Account.objects.values_list("name", flat=True)) == ["A", "B", "C"]


def test_runs_whose_task_was_lost_are_sent_again_once_and_runs_being_worked_are_left(
    run_import, run_lock_elsewhere
):
    runs = {
        name: services.import_commit_later(
            run=run_import("accounts", f"name,domain\n{name},{name}.example\n", commit=False)
        )
        for name in ("lost", "recent", "busy", "orphan", "preview")
    }
    ImportRun.objects.filter(pk=runs["busy"].pk).update(status=ImportRun.Status.RUNNING)
    ImportRun.objects.filter(pk=runs["orphan"].pk).update(status=ImportRun.Status.RUNNING)
    ImportRun.objects.filter(pk=runs["preview"].pk).update(status=ImportRun.Status.PREVIEWING)
    run_lock_elsewhere("imports.commit", runs["busy"].pk)  # a worker still writes it
    queued_at = ImportRun.objects.get(pk=runs["recent"].pk).queued_at
    later = queued_at + timedelta(minutes=31)
    ImportRun.objects.filter(pk=runs["recent"].pk).update(queued_at=later - timedelta(minutes=5))

    with (
        mock.patch.object(commit_import, "delay") as commit,
        mock.patch.object(preview_import, "delay") as preview,
    ):
        assert services.stranded_runs_resend(now=later) == 3
        assert services.stranded_runs_resend(now=later) == 0  # sent again once, not each sweep

    assert sorted(call.args[0] for call in commit.call_args_list) == sorted(
        [runs["lost"].pk, runs["orphan"].pk]
    )
    preview.assert_called_once_with(runs["preview"].pk)
    assert ImportRun.objects.get(pk=runs["lost"].pk).queued_at == later
    # The task sent again does the work, once.
    assert commit_import(runs["lost"].pk) == "committed"
    assert preview_import(runs["preview"].pk) == "previewed"
    assert Account.objects.filter(name="lost").count() == 1


@override_settings(IMPORT_BACKGROUND_ROWS=10)
def test_a_small_file_commits_at_once(run_import):
    run = services.import_commit_start(run=run_import("accounts", FILE, commit=False))

    assert (run.status, run.creates) == ("committed", 3)


def test_a_run_commits_once(run_import):
    run = run_import("accounts", FILE)

    with pytest.raises(ApplicationError, match="must be previewed or queued first"):
        services.import_commit(run=run)


def test_a_second_commit_of_the_same_run_is_refused(run_import):
    run = run_import("accounts", FILE, commit=False)
    stale = ImportRun.objects.get(pk=run.pk)
    services.import_commit(run=run)

    with pytest.raises(ApplicationError, match="it must be previewed or queued first"):
        services.import_commit(run=stale)
    assert Account.objects.count() == 3
