"""Thin Celery tasks: each imports its service when it runs and calls it. Scheduled in
settings (`CELERY_BEAT_SCHEDULE`)."""

from dataclasses import asdict

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="analytics.snapshot_day",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def snapshot_day(days_ago: int = 0) -> dict:
    """The daily snapshots of today so far (`days_ago=0`) or of a day just closed (1); a
    second run of the same day replaces the first."""
    from apps.analytics.snapshots import snapshot_days_ago

    counts = asdict(snapshot_days_ago(days_ago=days_ago))
    counts["day"] = counts["day"].isoformat()
    return counts
