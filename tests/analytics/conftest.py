"""Fixtures of the analytics tests; `journey`, `pipeline` and `add_rows` also build the world of
the browser test of the dashboards (tests/browser/test_dashboards.py)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.analytics.models import (
    CampaignKpiSnapshot,
    JourneyStageSnapshot,
    PipelineStageSnapshot,
)
from apps.campaigns.models import Campaign
from apps.engagement.models import EventKind
from apps.journeys.kpis import Kpi
from apps.journeys.models import Journey, Phase
from apps.pipeline.models import PipelineStage
from tests.factories import (
    AccountFactory,
    AccountScoreFactory,
    CampaignFactory,
    ContactFactory,
    EventFactory,
    HandoffFactory,
    InferredStageChangeFactory,
    JourneyFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
    StageKpiFactory,
)


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client signed in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def journey():
    return make_journey()


@pytest.fixture
def pipeline():
    return make_pipeline()


def make_journey() -> Journey:
    """A published journey: Aware (with a reach KPI), then Consider."""
    journey = JourneyFactory(status=Journey.Status.PUBLISHED, name="Buying")
    aware = JourneyStageFactory(
        journey=journey, name="Aware", slug="aware", position=1, phase=Phase.AWARENESS
    )
    JourneyStageFactory(
        journey=journey, name="Consider", slug="consider", position=2, phase=Phase.CONSIDERATION
    )
    StageKpiFactory(stage=aware, kpi=Kpi.REACH, target=10)
    return journey


def make_pipeline() -> dict[str, PipelineStage]:
    return {
        "open": PipelineStageFactory(name="Discovery", position=1),
        "won": PipelineStageFactory(name="Won", position=2, outcome=PipelineStage.Outcome.WON),
    }


def add_rows(n: int, *, journey, pipeline, rep) -> None:
    """`n` more of everything the dashboards count or list."""
    aware, consider = journey.stages.order_by("position")
    now = timezone.now()
    today = now.date()
    for day in (today - timedelta(days=2), today - timedelta(days=1)):
        for stage in (aware, consider):
            row, _ = JourneyStageSnapshot.objects.get_or_create(day=day, stage=stage)
            row.contacts += 2 * n
            row.accounts += n
            row.save()
    for _ in range(n):
        account = AccountFactory(owner=rep)
        contact = ContactFactory(account=account)
        # Aware five days ago, considering two days ago: three days in "Aware".
        InferredStageChangeFactory(
            account=account, to_stage=aware, changed_at=now - timedelta(days=5)
        )
        InferredStageChangeFactory(
            account=account,
            from_stage=aware,
            to_stage=consider,
            changed_at=now - timedelta(days=2),
        )
        AccountScoreFactory(account=account, stage=consider, score=50, score_week_ago=10)
        campaign = CampaignFactory(
            status=Campaign.Status.LIVE,
            goal_stage=aware,
            kpi=Kpi.REACH,
            kpi_target=100,
            start_date=today - timedelta(days=3),
            end_date=today + timedelta(days=3),
        )
        CampaignKpiSnapshot.objects.create(
            day=today, campaign=campaign, kpi=Kpi.REACH, value=25, target=100
        )
        OpportunityFactory(account=account, owner=rep, stage=pipeline["open"], amount=1000)
        deals, _ = PipelineStageSnapshot.objects.get_or_create(day=today, stage=pipeline["open"])
        deals.opportunities += 1
        deals.amount += 1000
        deals.save()
        EventFactory(
            account=account,
            contact=contact,
            kind=EventKind.PRICING_PAGE_VIEW,
            occurred_at=now - timedelta(hours=1),
        )
        HandoffFactory(contact=contact, account=account, owner=rep)
        PersonaFactory()
