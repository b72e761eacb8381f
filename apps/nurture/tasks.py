"""Thin Celery tasks: each calls one service. Periodic ones are scheduled in settings
(`CELERY_BEAT_SCHEDULE`); steps wait as database rows, never as ETA tasks in the broker.

`acks_late` and `reject_on_worker_lost` come from settings: a task whose worker dies is run
again, which the services make harmless (advisory lock and unique rows for the sweep, leased
claims and unique touches for the dispatcher).
"""

from dataclasses import asdict

from celery import shared_task


@shared_task(name="nurture.stall_sweep")
def stall_sweep() -> dict:
    from apps.nurture.services import stall_sweep as sweep

    return asdict(sweep())


@shared_task(name="nurture.dispatch_due_steps")
def dispatch_due_steps() -> dict:
    from apps.nurture.dispatch import due_steps_dispatch

    return asdict(due_steps_dispatch())


@shared_task(name="nurture.send_stall_alerts")
def send_stall_alerts() -> int:
    from apps.nurture.services import stall_alerts_send

    return stall_alerts_send()


@shared_task(name="nurture.drain_tracking_hits")
def drain_tracking_hits() -> int:
    """Record the opens and clicks waiting in Redis as their emails fall due; goes on in a new
    run when its time is up and some still wait."""
    from apps.nurture.tracking import hits_drain

    recorded, more = hits_drain()
    if more:
        drain_tracking_hits.delay()
    return recorded


@shared_task(name="nurture.record_tracking_hits")
def record_tracking_hits(hits: list[str]) -> int:
    """Hits handed over one by one where there is no Redis to wait in (`make run` alone)."""
    from apps.nurture.tracking import Hit, hits_record

    return hits_record(hits=[Hit.decode(hit) for hit in hits]).events
