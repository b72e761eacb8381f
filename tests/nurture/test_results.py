"""A sequence's results: what its touches met, per step and per A/B variant, and whether its
enrolled deals moved on more than comparable stalled deals that were not enrolled."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.nurture.models import Sequence, Step
from apps.nurture.results import sequence_results
from apps.nurture.services import step_variant_create
from apps.pipeline.services import opportunity_move_stage
from tests.factories import (
    ContactFactory,
    EnrollmentFactory,
    JourneyStageFactory,
    OpportunityStallFactory,
    PipelineStageFactory,
    SequenceFactory,
    StepFactory,
    TouchFactory,
    TrackingHitFactory,
)
from tests.nurture.conftest import NOW, days_ago, email_step

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SENT = days_ago(30)


@pytest.fixture
def sequence(world) -> Sequence:
    sequence = SequenceFactory(name="Pilot follow-up", journey_stage=world.shortlist)
    step = email_step(sequence, 1)
    step_variant_create(step=step, data={"subject": "B", "body": "B"})
    StepFactory(sequence=sequence, position=2, kind=Step.Kind.TASK, body="")
    return sequence


def _touch(world, sequence, label: str, *, moved_to=None, moved_after=None, **outcomes):
    """One email of step 1 (variant `label`) sent 30 days ago to a new contact of a new deal,
    with these outcomes; the deal moved to `moved_to` `moved_after` later when given."""
    deal = world.deal(entered_days_ago=60, name=f"Deal {label} {len(outcomes)}")
    step = sequence.steps.get(position=1)
    touch = TouchFactory(
        enrollment=EnrollmentFactory(
            sequence=sequence,
            contact=ContactFactory(account=world.account),
            opportunity=deal,
            enrolled_at=SENT,
        ),
        step=step,
        variant=step.variants.get(label=label),
        sent_at=SENT,
        **{f"{name}_at": SENT + DAY for name in outcomes},
    )
    if moved_to is not None:
        opportunity_move_stage(
            opportunity=deal, stage=moved_to, changed_by=None, at=SENT + moved_after
        )
    return touch


def test_each_step_counts_what_its_emails_met_and_each_variant_its_rates(world, sequence):
    _touch(
        world,
        sequence,
        "A",
        delivered=1,
        opened=1,
        clicked=1,
        moved_to=world.proposal,
        moved_after=3 * DAY,
    )
    _touch(
        world, sequence, "A", delivered=1, opened=1, moved_to=world.proposal, moved_after=20 * DAY
    )
    _touch(world, sequence, "A", bounced=1)
    _touch(world, sequence, "A", delivered=1, unsubscribed=1)
    _touch(
        world,
        sequence,
        "B",
        delivered=1,
        opened=1,
        clicked=1,
        replied=1,
        moved_to=world.lost,
        moved_after=2 * DAY,
    )
    scanned = _touch(world, sequence, "B", delivered=1)
    # A link scanner opened it and followed every link: flagged, once, and not an open.
    TrackingHitFactory(touch=scanned, kind="open")
    TrackingHitFactory(touch=scanned, kind="click", reason="burst")

    results = sequence_results(sequence=sequence, days=14, now=NOW)

    email, task = results.steps
    counts = email.counts
    assert (counts.sent, counts.delivered, counts.opened, counts.clicked) == (6, 5, 3, 2)
    assert (counts.replied, counts.bounced, counts.unsubscribed, counts.flagged) == (1, 1, 1, 1)
    assert counts.rate("delivered") == pytest.approx(5 / 6)
    a, b = email.variants
    # Only A's first deal moved on within 14 days; B's closed lost, which is not moving on.
    assert (a.variant.label, a.counts.sent, a.counts.opened, a.counts.clicked) == ("A", 4, 2, 1)
    assert (a.counts.replied, a.counts.progressed) == (0, 1)
    assert (b.counts.sent, b.counts.clicked, b.counts.replied, b.counts.progressed) == (2, 1, 1, 0)
    assert (a.counts.flagged, b.counts.flagged) == (0, 1)
    assert email.verdict.text == "Not enough data yet (need ≥ 100 sends each)"
    assert (task.counts.sent, task.variants, task.counts.rate("opened")) == (0, [], None)


def test_enrolled_deals_are_set_against_comparable_stalled_deals_not_enrolled(world, sequence):
    def enrolled(days: int, *, moved_days: int | None = None):
        deal = world.deal(entered_days_ago=90, name=f"Enrolled {days}")
        OpportunityStallFactory(opportunity=deal, started_at=days_ago(days))
        EnrollmentFactory(
            sequence=sequence,
            contact=ContactFactory(account=world.account),
            opportunity=deal,
            enrolled_at=days_ago(days),
        )
        if moved_days is not None:
            opportunity_move_stage(
                opportunity=deal, stage=world.proposal, changed_by=None, at=days_ago(moved_days)
            )

    def stalled(days: int, *, stage=None, moved_days: int | None = None):
        deal = world.deal(entered_days_ago=90, stage=stage, name=f"Stalled {days} {stage}")
        OpportunityStallFactory(opportunity=deal, started_at=days_ago(days))
        if moved_days is not None:
            opportunity_move_stage(
                opportunity=deal, stage=world.proposal, changed_by=None, at=days_ago(moved_days)
            )

    enrolled(40, moved_days=35)
    enrolled(30)
    enrolled(5, moved_days=2)  # too recent: it has not had its 14 days yet
    stalled(38, moved_days=30)
    stalled(35)
    stalled(36, stage=PipelineStageFactory(journey_stage=JourneyStageFactory()))  # another stage
    stalled(50, moved_days=45)  # before the sequence's first enrolment

    deals = sequence_results(sequence=sequence, days=14, now=NOW).deals

    assert (deals.since, deals.until) == (days_ago(40), days_ago(14))
    assert (deals.enrolled, deals.enrolled_moved, deals.enrolled_rate) == (2, 1, 0.5)
    assert (deals.comparable, deals.comparable_moved, deals.comparable_rate) == (2, 1, 0.5)

    # Within 3 days: the older moves took longer; the recent enrolment is old enough now.
    deals = sequence_results(sequence=sequence, days=3, now=NOW).deals
    assert (deals.enrolled, deals.enrolled_moved, deals.comparable_moved) == (3, 1, 0)


def test_a_sequence_nobody_was_enrolled_in_has_nothing_to_compare(sequence):
    deals = sequence_results(sequence=sequence, now=NOW).deals
    assert (deals.since, deals.enrolled, deals.comparable, deals.enrolled_rate) == (
        None,
        0,
        0,
        None,
    )


def test_reading_results_takes_the_same_queries_whatever_the_number_of_touches(world, sequence):
    def queries_for(count: int) -> int:
        for _ in range(count):
            _touch(world, sequence, "A", opened=1, moved_to=world.proposal, moved_after=DAY)
            _touch(world, sequence, "B", clicked=1)
        with CaptureQueriesContext(connection) as queries:
            sequence_results(sequence=sequence, now=NOW)
        return len(queries)

    assert queries_for(1) == queries_for(5)
