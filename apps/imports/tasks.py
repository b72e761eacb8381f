"""Thin Celery task: a large import's commit runs on a worker; the run row keeps its status."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="imports.commit_import",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def commit_import(run_id: int) -> str:
    """Commit a queued run; a run no longer queued (already done, or redelivered after it
    finished) is left alone."""
    from apps.imports.models import ImportRun
    from apps.imports.services import import_commit

    run = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).first()
    if run is None:
        return "not queued"
    return import_commit(run=run).status
