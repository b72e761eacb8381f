import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.content.models import Asset, AssetShare
from apps.content.selectors import asset_usage
from apps.content.services import asset_share
from apps.core.exceptions import ApplicationError
from apps.enablement import selectors
from apps.engagement.models import Event, EventKind
from apps.journeys.phases import Phase
from apps.personas.models import BuyingRole
from tests.factories import (
    AssetFactory,
    AssetShareFactory,
    ContactFactory,
    DealObjectionFactory,
    EventFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
    StageChangeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(deal, evaluation):
    """The hand-worked fixture; expected points are written next to each asset."""
    cfo = PersonaFactory(name="CFO", buying_role=BuyingRole.ECONOMIC_BUYER)
    it_lead = PersonaFactory(name="IT lead")
    # The CFO is quiet (economic buyer missing); the champion engaged two days ago.
    ContactFactory(account=deal.account, persona=cfo, buying_role=BuyingRole.ECONOMIC_BUYER)
    champion = ContactFactory(account=deal.account, persona=it_lead, buying_role="champion")
    EventFactory(
        account=deal.account,
        contact=champion,
        occurred_at=timezone.now() - datetime.timedelta(days=2),
    )
    DealObjectionFactory(opportunity=deal, text="Integration with our ERP looks risky")
    other_decision = JourneyStageFactory(slug="negotiate", phase=Phase.DECISION)
    # 3 same stage + 2 CFO (role missing) + 2 objection "integration" + 2 customer proof = 9
    best = AssetFactory(title="ERP integration case study", journey_stage=evaluation)
    best.personas.set([cfo])
    # 1 same phase + 1 IT lead + 2 × (1 of 1 deals advanced) = 4
    pricing = AssetFactory(
        title="Pricing sheet", asset_type="pricing_sheet", journey_stage=other_decision
    )
    pricing.personas.set([it_lead])
    earlier, later = PipelineStageFactory(), PipelineStageFactory()
    moved = OpportunityFactory(stage=earlier)
    AssetShareFactory(
        asset=pricing,
        opportunity=moved,
        contact=ContactFactory(account=moved.account),
        shared_at=timezone.now() - datetime.timedelta(days=1),
    )
    StageChangeFactory(opportunity=moved, stage=later, from_stage=earlier)
    # Left out: shared on this deal already, a draft, and one with no match at all.
    shared = AssetFactory(title="ERP integration guide", journey_stage=evaluation)
    AssetShareFactory(asset=shared, opportunity=deal, contact=champion)
    AssetFactory(title="ERP draft", journey_stage=evaluation, status=Asset.Status.DRAFT)
    AssetFactory(title="Industry trends", asset_type="trend_report")
    return {"best": best, "pricing": pricing, "champion": champion}


def test_ranking_matches_the_hand_worked_fixture(world, deal):
    space = selectors.opportunity_workspace(opportunity_id=deal.pk)
    ranked = [(r.asset, r.score) for r in space.recommendations]
    assert ranked == [(world["best"], 9), (world["pricing"], 4)]
    best, pricing = space.recommendations
    assert best.reasons == [
        "Made for the deal's stage: Evaluation",
        "Speaks to CFO in the committee (a role not engaged yet)",
        'Answers the objection "Integration with our ERP looks risky" (integration)',
        "Customer proof for a late-stage deal",
    ]
    assert "Moved 1 of 1 deals it was shared into forward" in pricing.reasons


def test_coverage_lists_missing_roles_with_actions(world, deal):
    coverage = {
        row.role: row for row in selectors.opportunity_workspace(opportunity_id=deal.pk).coverage
    }
    assert coverage[BuyingRole.CHAMPION].engaged == [world["champion"]]
    economic = coverage[BuyingRole.ECONOMIC_BUYER]
    assert economic.is_missing and economic.present
    assert "No economic buyer engaged yet" in economic.summary and "ROI" in economic.summary
    assert coverage[BuyingRole.PROCUREMENT].summary.startswith("No procurement in the committee")


def test_workspace_queries_do_not_grow(deal, evaluation):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.opportunity_workspace(opportunity_id=deal.pk)
        return len(queries)

    ContactFactory(account=deal.account)
    AssetFactory(journey_stage=evaluation).personas.set([PersonaFactory()])
    one = count()
    for _ in range(4):
        person = ContactFactory(account=deal.account, persona=PersonaFactory())
        AssetFactory(journey_stage=evaluation).personas.set([person.persona])
        AssetShareFactory(contact=person, opportunity=OpportunityFactory())
    assert count() == one


def test_share_records_shares_and_events_in_one_go(world, deal, sales_rep):
    asset, champion = world["pricing"], world["champion"]
    shares = asset_share(asset=asset, contacts=[champion], opportunity=deal, shared_by=sales_rep)
    assert len(shares) == 1
    event = Event.objects.get(kind=EventKind.ASSET_SHARED)
    assert (event.contact, event.asset, event.source) == (champion, asset, "waymark")
    outsider = ContactFactory()
    with pytest.raises(ApplicationError) as error:
        asset_share(
            asset=asset, contacts=[champion, outsider], opportunity=deal, shared_by=sales_rep
        )
    assert "contacts" in error.value.fields
    assert AssetShare.objects.filter(asset=asset, opportunity=deal).count() == 1
    # Shared now, it leaves the recommendations.
    space = selectors.opportunity_workspace(opportunity_id=deal.pk)
    assert asset not in [r.asset for r in space.recommendations]


def test_a_share_can_be_back_dated_with_stable_event_ids(world, deal, sales_rep):
    asset, champion = world["pricing"], world["champion"]
    yesterday = timezone.now() - datetime.timedelta(days=1)

    (share,) = asset_share(
        asset=asset,
        contacts=[champion],
        opportunity=deal,
        shared_by=sales_rep,
        at=yesterday,
        event_ids=["import-7"],
    )

    event = Event.objects.get(kind=EventKind.ASSET_SHARED)
    assert (share.shared_at, event.occurred_at, event.external_id) == (
        yesterday,
        yesterday,
        "import-7",
    )


def test_asset_usage_counts(world):
    usage = asset_usage(asset=world["pricing"])
    assert (usage.times_shared, usage.opportunities_shared_into, usage.opportunities_advanced) == (
        1,
        1,
        1,
    )


def test_my_opportunities_stalled_first(sales_rep, deal):
    stalled = OpportunityFactory(
        owner=sales_rep, stalled_since=timezone.now(), stall_reason="no_activity"
    )
    assert selectors.my_opportunities(owner=sales_rep) == [stalled, deal]
