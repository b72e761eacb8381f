"""A segment picks accounts and contacts by every criterion it names, in constant queries."""

import pytest

from apps.accounts.models import Account
from apps.campaigns.segments import Segment
from apps.campaigns.selectors import segment_accounts, segment_contacts, segment_size
from apps.journeys.models import Journey
from apps.personas.models import BuyingRole
from apps.pipeline.models import PipelineStage
from tests.campaigns.conftest import make_stages
from tests.factories import (
    AccountFactory,
    ContactFactory,
    JourneyFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db


def names(rows) -> set[str]:
    return {row.name for row in rows}


@pytest.fixture
def accounts():
    return {
        "acme": AccountFactory(
            name="acme", tier=1, industry="Retail", region="Europe", fit_score=90
        ),
        "birch": AccountFactory(
            name="birch", tier=2, industry="Retail", region="North America", fit_score=60
        ),
        "cedar": AccountFactory(
            name="cedar", tier=1, industry="Healthcare", region="Europe", fit_score=40
        ),
    }


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (Segment(), {"acme", "birch", "cedar"}),
        (Segment(tiers=(1,)), {"acme", "cedar"}),
        (Segment(industries=("Retail",)), {"acme", "birch"}),
        (Segment(regions=("Europe",)), {"acme", "cedar"}),
        (Segment(fit_score_min=60), {"acme", "birch"}),
        (Segment(fit_score_max=60), {"birch", "cedar"}),
        (Segment(fit_score_min=50, fit_score_max=70), {"birch"}),
        (Segment(tiers=(1,), industries=("Retail",)), {"acme"}),
    ],
    ids=["everyone", "tier", "industry", "region", "fit-from", "fit-to", "fit-range", "and"],
)
def test_account_criteria_narrow_together(accounts, segment, expected):
    assert names(segment_accounts(segment=segment)) == expected


def test_current_stage_is_an_open_deal_in_the_stage_or_its_sub_stages_in_any_version(
    accounts, stages
):
    newer = make_stages(
        JourneyFactory(key=stages.journey.key, version=2, status=Journey.Status.DRAFT)
    )
    shortlisting = PipelineStageFactory(journey_stage=stages.shortlist)
    deciding = PipelineStageFactory(journey_stage=stages.decision)
    won = PipelineStageFactory(journey_stage=stages.decision, outcome=PipelineStage.Outcome.WON)
    OpportunityFactory(account=accounts["acme"], stage=shortlisting)
    OpportunityFactory(account=accounts["birch"], stage=deciding)
    OpportunityFactory(account=accounts["cedar"], stage=won)  # closed: no current stage

    # Consideration includes its shortlist sub-stage; version 2's decision is the same stage.
    assert names(segment_accounts(segment=Segment(stage_ids=(stages.consideration.pk,)))) == {
        "acme"
    }
    assert names(segment_accounts(segment=Segment(stage_ids=(newer.decision.pk,)))) == {"birch"}


def test_contacts_match_through_persona_or_buying_role_at_segment_accounts(accounts):
    cfo = PersonaFactory(name="CFO")
    ContactFactory(account=accounts["acme"], first_name="Ann", persona=cfo, buying_role="")
    ContactFactory(account=accounts["acme"], first_name="Abe", buying_role=BuyingRole.PROCUREMENT)
    ContactFactory(account=accounts["acme"], first_name="Ada", buying_role=BuyingRole.END_USER)
    ContactFactory(account=accounts["birch"], first_name="Bea", persona=cfo)

    segment = Segment(
        tiers=(Account.Tier.TIER_1,),
        persona_ids=(cfo.pk,),
        buying_roles=(BuyingRole.PROCUREMENT,),
    )

    assert {c.first_name for c in segment_contacts(segment=segment)} == {"Ann", "Abe"}
    assert segment_size(segment=segment).contacts == 2
    assert segment_size(segment=segment).accounts == 2  # acme and cedar are tier 1


def test_segment_size_runs_two_queries_whatever_it_counts(
    accounts, stages, django_assert_num_queries
):
    segment = Segment(
        tiers=(1, 2),
        industries=("Retail",),
        regions=("Europe",),
        stage_ids=(stages.consideration.pk,),
        fit_score_min=1,
        fit_score_max=99,
        persona_ids=(PersonaFactory().pk,),
        buying_roles=(BuyingRole.CHAMPION,),
    )
    with django_assert_num_queries(2):
        segment_size(segment=segment)
