"""Thin Celery tasks: each imports its service when it runs and calls it."""

from celery import shared_task
from django.db import IntegrityError, OperationalError


@shared_task(
    name="engagement.recompute_pending_scores",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_pending_scores() -> int:
    """Rescore the accounts whose signals arrived since; repeats coalesce in the waiting list,
    so many queued runs cost one recompute per account."""
    from apps.engagement.services import scores_recompute_pending

    return scores_recompute_pending()


@shared_task(name="engagement.recompute_all_scores")
def recompute_all_scores() -> int:
    """The nightly full recompute (evidence decays even for buyers who sent nothing new), cut
    into slices of the accounts that the workers score side by side; then housekeeping."""
    from apps.engagement.selectors import score_slices
    from apps.engagement.services import signals_housekeeping

    slices = score_slices()
    for kwargs in slices:
        recompute_score_slice.delay(**kwargs)
    signals_housekeeping()
    return len(slices)


@shared_task(
    name="engagement.recompute_score_slice",
    # A slice waits for a rescoring of its accounts to finish, but a second full run started
    # while one is running may cut its slices one account apart; should two slices of the two
    # runs then write the same new buyer, the one refused tries again once the other is done.
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=True,
    max_retries=3,
)
def recompute_score_slice(
    *, part: int, parts: int, after: int | None = None, through: int | None = None
) -> int:
    """Every account whose id falls in this slice, rescored; returns how many contacts."""
    from apps.engagement.services import scores_recompute

    return scores_recompute(part=part, parts=parts, after=after, through=through).contacts


@shared_task(name="engagement.run_backtest")
def run_backtest(backtest_id: int) -> None:
    """A queued backtest, run once (a second delivery finds it no longer queued)."""
    from apps.engagement.services import backtest_run

    backtest_run(backtest_id=backtest_id)


@shared_task(name="engagement.run_calibration")
def run_calibration(calibration_id: int) -> None:
    """A queued calibration, run once (a second delivery finds it no longer queued)."""
    from apps.engagement.services import calibration_run

    calibration_run(calibration_id=calibration_id)


@shared_task(name="engagement.resend_stranded_runs")
def resend_stranded_runs() -> int:
    """Backtests and calibrations whose task was lost, sent to a worker again."""
    from apps.engagement.services import stranded_runs_resend

    return stranded_runs_resend()


@shared_task(name="engagement.event_partitions_upkeep")
def event_partitions_upkeep() -> int:
    """The events' monthly partitions made ahead and the old ones retired; returns how many
    partitions it created."""
    from apps.engagement.partitions import event_partitions_upkeep

    return len(event_partitions_upkeep().created)
