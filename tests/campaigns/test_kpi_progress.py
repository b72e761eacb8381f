"""Each KPI measured against a fixture worked out by hand in its docstring.

Campaign window: 1–31 January 2026 (UTC). Segment: tier-1 accounts. Acme and Birch are tier 1,
Cedar is tier 2 (outside the segment).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.accounts.models import Account
from apps.campaigns.kpi_progress import (
    Window,
    kpi_progress,
    measure_conversion_rate,
    measure_deal_velocity,
    measure_engagement_rate,
    measure_pipeline_influence,
    measure_reach,
    progress_share,
)
from apps.campaigns.segments import Segment
from apps.engagement.models import EventKind
from apps.journeys.kpis import Kpi
from apps.pipeline.models import PipelineStage
from apps.pipeline.services import opportunity_create, opportunity_move_stage
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    PipelineStageFactory,
    TouchFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WINDOW = Window.for_dates(date(2026, 1, 1), date(2026, 1, 31))
TIER_1 = Segment(tiers=(Account.Tier.TIER_1,))


def at(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def world():
    acme = AccountFactory(name="Acme", tier=Account.Tier.TIER_1)
    birch = AccountFactory(name="Birch", tier=Account.Tier.TIER_1)
    cedar = AccountFactory(name="Cedar", tier=Account.Tier.TIER_2)
    return {
        "acme": acme,
        "birch": birch,
        "cedar": cedar,
        "ann": ContactFactory(account=acme),
        "abe": ContactFactory(account=acme),
        "bea": ContactFactory(account=birch),
        "cal": ContactFactory(account=cedar),
    }


@pytest.fixture
def pipeline():
    return {
        "discovery": PipelineStageFactory(name="Discovery", position=1),
        "proposal": PipelineStageFactory(name="Proposal", position=2),
        "won": PipelineStageFactory(name="Won", position=8, outcome=PipelineStage.Outcome.WON),
        "lost": PipelineStageFactory(name="Lost", position=9, outcome=PipelineStage.Outcome.LOST),
    }


def deal(account, stage, opened: datetime, amount: int = 10_000, moves=()):
    """A deal opened in `stage` at `opened`, then moved as `moves` = [(stage, when), …]."""
    owner = UserFactory()
    opportunity = opportunity_create(
        data={"account": account, "name": "Deal", "owner": owner, "stage": stage, "amount": amount},
        created_by=owner,
        at=opened,
    )
    for stage_to, when in moves:
        opportunity = opportunity_move_stage(
            opportunity=opportunity, stage=stage_to, changed_by=owner, at=when
        )
    return opportunity


def test_reach_counts_each_segment_contact_touched_in_the_window_once(world):
    """Ann: two nurture touches in January → 1. Bea: opened our email → 1. Abe: touched on
    31 December and viewed a page in January (not outreach) → 0. Cal: touched, outside the
    segment → 0. Reach 2 contacts at 2 accounts."""
    TouchFactory(enrollment__contact=world["ann"], sent_at=at(1, 10))
    TouchFactory(enrollment__contact=world["ann"], sent_at=at(1, 20))
    EventFactory(
        account=world["birch"],
        contact=world["bea"],
        kind=EventKind.EMAIL_OPEN,
        occurred_at=at(1, 15),
    )
    TouchFactory(enrollment__contact=world["abe"], sent_at=at(12, 31, 23, year=2025))
    EventFactory(
        account=world["acme"], contact=world["abe"], kind=EventKind.PAGE_VIEW, occurred_at=at(1, 5)
    )
    TouchFactory(enrollment__contact=world["cal"], sent_at=at(1, 10))

    measure = measure_reach(segment=TIER_1, window=WINDOW)

    assert measure.value == 2
    assert dict(measure.facts) == {"Contacts reached": 2, "Accounts reached": 2}


def test_engagement_rate_is_engaged_segment_contacts_over_all_segment_contacts(world):
    """Segment contacts: Ann, Abe, Bea (3). Abe viewed a page on 5 Jan; Ann clicked an email at
    23:00 on 31 Jan (still inside). Bea only opened an email (not engagement) and attended a
    webinar on 1 Feb (outside). Cal engaged but is outside. 2 / 3 = 66.67 %."""
    EventFactory(
        account=world["acme"], contact=world["abe"], kind=EventKind.PAGE_VIEW, occurred_at=at(1, 5)
    )
    EventFactory(
        account=world["acme"],
        contact=world["ann"],
        kind=EventKind.EMAIL_CLICK,
        occurred_at=at(1, 31, 23),
    )
    EventFactory(
        account=world["birch"],
        contact=world["bea"],
        kind=EventKind.EMAIL_OPEN,
        occurred_at=at(1, 8),
    )
    EventFactory(
        account=world["birch"],
        contact=world["bea"],
        kind=EventKind.WEBINAR_ATTENDED,
        occurred_at=at(2, 1),
    )
    EventFactory(
        account=world["cedar"],
        contact=world["cal"],
        kind=EventKind.DEMO_REQUEST,
        occurred_at=at(1, 9),
    )

    measure = measure_engagement_rate(segment=TIER_1, window=WINDOW)

    assert measure.value == Decimal("66.67")
    assert dict(measure.facts) == {"Engaged contacts": 2, "Contacts in segment": 3}


def test_engagement_rate_of_an_empty_segment_is_not_a_number(world):
    measure = measure_engagement_rate(segment=Segment(tiers=(3,)), window=WINDOW)
    assert measure.value is None


def test_pipeline_influence_is_the_value_of_deals_created_or_advanced_in_the_window(
    world, pipeline
):
    """Acme: a 10k deal opened 5 Jan (created) and a 20k deal moved Discovery → Proposal on
    10 Jan (advanced), counted once though it moved twice; a 40k deal moved back Proposal →
    Discovery (not advanced). Birch: a deal lost in January (not advanced) and one advanced on
    2 Feb (outside). Cedar: a deal opened in January, outside the segment. → 2 deals, 30k."""
    discovery, proposal = pipeline["discovery"], pipeline["proposal"]
    deal(world["acme"], discovery, at(1, 5), 10_000)
    deal(
        world["acme"],
        discovery,
        at(11, 1, year=2025),
        20_000,
        moves=[(proposal, at(1, 10)), (pipeline["won"], at(1, 20))],
    )
    deal(world["acme"], proposal, at(11, 1, year=2025), 40_000, moves=[(discovery, at(1, 12))])
    deal(world["birch"], discovery, at(11, 1, year=2025), moves=[(pipeline["lost"], at(1, 14))])
    deal(world["birch"], discovery, at(11, 1, year=2025), moves=[(proposal, at(2, 2))])
    deal(world["cedar"], discovery, at(1, 6), 99_000)

    measure = measure_pipeline_influence(segment=TIER_1, window=WINDOW)

    assert measure.value == Decimal("30000")
    assert dict(measure.facts) == {
        "Opportunities influenced": 2,
        "of them created": 1,
        "Their value": Decimal("30000"),
    }


def test_conversion_rate_is_won_over_decided_deals_closed_in_the_window(world, pipeline):
    """Closed in January in the segment: Acme won (10 Jan) and lost (20 Jan), Birch won
    (25 Jan). Birch's December win and Cedar's January loss do not count. 2 / 3 = 66.67 %."""
    discovery, won, lost = pipeline["discovery"], pipeline["won"], pipeline["lost"]
    deal(world["acme"], discovery, at(12, 1, year=2025), moves=[(won, at(1, 10))])
    deal(world["acme"], discovery, at(12, 1, year=2025), moves=[(lost, at(1, 20))])
    deal(world["birch"], discovery, at(12, 1, year=2025), moves=[(won, at(1, 25))])
    deal(world["birch"], discovery, at(11, 1, year=2025), moves=[(won, at(12, 20, year=2025))])
    deal(world["cedar"], discovery, at(12, 1, year=2025), moves=[(lost, at(1, 15))])
    deal(world["acme"], discovery, at(1, 3))  # still open

    measure = measure_conversion_rate(segment=TIER_1, window=WINDOW)

    assert measure.value == Decimal("66.67")
    assert dict(measure.facts) == {"Won": 2, "Closed (won or lost)": 3}


def test_deal_velocity_averages_days_from_opening_to_winning(world, pipeline):
    """Won in January in the segment: Acme's deal opened 1 Dec, won 10 Jan (40 days); Birch's
    opened 5 Jan, moved on 12 Jan, won 25 Jan (20 days). A loss and Cedar's win do not count.
    (40 + 20) / 2 = 30.0 days."""
    discovery, proposal = pipeline["discovery"], pipeline["proposal"]
    won, lost = pipeline["won"], pipeline["lost"]
    deal(world["acme"], discovery, at(12, 1, year=2025), moves=[(won, at(1, 10))])
    deal(world["birch"], discovery, at(1, 5), moves=[(proposal, at(1, 12)), (won, at(1, 25))])
    deal(world["birch"], discovery, at(10, 1, year=2025), moves=[(lost, at(1, 11))])
    deal(world["cedar"], discovery, at(1, 2), moves=[(won, at(1, 3))])

    measure = measure_deal_velocity(segment=TIER_1, window=WINDOW)

    assert measure.value == Decimal("30.0")
    assert dict(measure.facts) == {"Won opportunities": 2}


def test_deal_velocity_without_wins_is_not_a_number(world):
    assert measure_deal_velocity(segment=TIER_1, window=WINDOW).value is None


@pytest.mark.parametrize(
    ("value", "target", "baseline", "lower_is_better", "share"),
    [
        ("2", "4", None, False, "0.50"),  # half of the target
        ("2", "4", "1", False, "0.33"),  # a third of the way from 1 to 4
        ("5", "4", None, False, "1.25"),  # beyond the target
        ("30", "45", None, True, "1.50"),  # faster than the target: met
        ("50", "45", "60", True, "0.67"),  # two thirds of the way from 60 days down to 45
        ("70", "45", "60", True, "-0.67"),  # slower than the baseline
    ],
)
def test_progress_share_runs_from_baseline_to_target(
    value, target, baseline, lower_is_better, share
):
    assert progress_share(
        value=Decimal(value),
        target=Decimal(target),
        baseline=Decimal(baseline) if baseline else None,
        lower_is_better=lower_is_better,
    ) == Decimal(share)


def test_kpi_progress_reports_value_target_baseline_and_whether_it_is_met(world):
    TouchFactory(enrollment__contact=world["ann"], sent_at=at(1, 10))

    progress = kpi_progress(
        kpi=Kpi.REACH,
        target=Decimal("2"),
        baseline=Decimal("0"),
        segment=TIER_1,
        window=WINDOW,
    )

    assert (progress.value, progress.share, progress.met) == (1, Decimal("0.50"), False)
    assert progress.bar_percent == 50
    assert "Each contact counts once" in progress.definition
