"""Thin Celery tasks: a large import's preview and commit run on a worker; the run row keeps its
status and progress."""

from celery import shared_task
from django.db import OperationalError

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 3}


@shared_task(name="imports.commit_import", **RETRY)
def commit_import(run_id: int) -> str:
    """Commit a queued run (or one whose worker died while it wrote)."""
    from apps.imports.services import import_commit_queued

    run = import_commit_queued(run_id=run_id)
    return run.status if run else "not queued"


@shared_task(name="imports.preview_import", **RETRY)
def preview_import(run_id: int) -> str:
    """Dry-run a run waiting for its preview."""
    from apps.imports.services import import_preview_queued

    run = import_preview_queued(run_id=run_id)
    return run.status if run else "not previewing"


@shared_task(name="imports.resend_stranded_runs")
def resend_stranded_runs() -> int:
    """Previews and commits whose task was lost, sent to a worker again."""
    from apps.imports.services import stranded_runs_resend

    return stranded_runs_resend()
