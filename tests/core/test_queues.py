"""Each kind of background work has its own Celery queue, so a cluster can split the work."""

import pytest
from django.conf import settings
from django.utils import timezone

from apps.engagement.models import RecomputeRequest
from apps.engagement.tasks import recompute_pending_scores
from apps.nurture.tasks import stall_sweep
from apps.pipeline.models import OpportunityStall
from config.celery_app import app
from tests.factories import (
    ContactFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PipelineStageFactory,
    RecomputeRequestFactory,
)
from tests.waiting import wait_for_progress

QUEUES = {"ingestion", "scoring", "dispatch", "housekeeping"}


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("imports.commit_import", "ingestion"),
        ("imports.preview_import", "ingestion"),
        ("engagement.recompute_pending_scores", "scoring"),
        ("engagement.recompute_score_slice", "scoring"),
        ("engagement.run_calibration", "scoring"),
        ("fit.train_fit_model", "scoring"),
        ("nurture.dispatch_due_steps", "dispatch"),
        ("nurture.stall_sweep", "housekeeping"),
        ("nurture.send_stall_alerts", "housekeeping"),
        ("journeys.send_review_reminders", "housekeeping"),
        ("engagement.event_partitions_upkeep", "housekeeping"),
    ],
)
def test_each_kind_of_work_is_routed_to_its_queue(task_name, queue):
    assert _queue_of(task_name) == queue


def test_every_task_of_ours_lands_on_one_of_the_four_queues():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours
    assert {_queue_of(name) for name in ours} <= QUEUES
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == QUEUES


def _waiting_in(queue: str) -> int:
    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen(queue)


def test_a_worker_takes_only_its_own_queues(celery_worker_process):
    """A scoring worker leaves the housekeeping sweep in its queue for a housekeeping worker."""
    RecomputeRequestFactory(account=ContactFactory().account)
    discovery = PipelineStageFactory(journey_stage=JourneyStageFactory(), max_days_in_stage=10)
    OpportunityFactory(stage=discovery, stage_entered_at=timezone.now() - timezone.timedelta(30))
    celery_worker_process("scorer", queues=("scoring",))

    stall_sweep.delay()
    recompute_pending_scores.delay()

    wait_for_progress(RecomputeRequest.objects.count, lambda n: n == 0)
    assert _waiting_in("housekeeping") == 1
    assert not OpportunityStall.objects.exists()

    celery_worker_process("sweeper", queues=("housekeeping",))
    wait_for_progress(OpportunityStall.objects.count, lambda n: n == 1)
    assert _waiting_in("housekeeping") == 0
