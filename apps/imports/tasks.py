"""Thin Celery tasks: a large import's preview and commit run on a worker; the run row keeps its
status and progress."""

from collections.abc import Callable

from celery import shared_task
from django.db import OperationalError

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 3}


def _carry_out(run_id: int, status: str, service: Callable) -> str:
    """Run `service` on the run while it is still `status`; a run that moved on (already done,
    or the task redelivered after it finished) is left alone."""
    from apps.imports.models import ImportRun

    run = ImportRun.objects.filter(pk=run_id, status=status).first()
    if run is None:
        return f"not {status}"
    return service(run=run).status


@shared_task(name="imports.commit_import", **RETRY)
def commit_import(run_id: int) -> str:
    """Commit a queued run."""
    from apps.imports.models import ImportRun
    from apps.imports.services import import_commit

    return _carry_out(run_id, ImportRun.Status.QUEUED, import_commit)


@shared_task(name="imports.preview_import", **RETRY)
def preview_import(run_id: int) -> str:
    """Dry-run a run waiting for its preview."""
    from apps.imports.models import ImportRun
    from apps.imports.services import import_preview

    return _carry_out(run_id, ImportRun.Status.PREVIEWING, import_preview)
