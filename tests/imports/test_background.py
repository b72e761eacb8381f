from unittest import mock

import pytest
from django.test import override_settings

from apps.accounts.models import Account
from apps.core.exceptions import ApplicationError
from apps.imports import services
from apps.imports.models import ImportRun
from apps.imports.tasks import commit_import

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
