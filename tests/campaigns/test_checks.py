"""Each planning check with a plan that fails it and one that passes; the checks read no
database, so their inputs are loaded first and the calls run under a zero-query guard."""

from dataclasses import replace
from datetime import date

import pytest

from apps.campaigns import checks
from apps.campaigns.checks import Audience, Booking
from apps.campaigns.models import Campaign
from apps.campaigns.segments import Segment
from apps.campaigns.selectors import Plan, campaign_plan_findings
from apps.content.models import Asset
from apps.journeys.kpis import Kpi
from apps.journeys.models import Journey
from tests.campaigns.conftest import make_stages
from tests.factories import (
    AssetFactory,
    CampaignFactory,
    ContactFactory,
    JourneyFactory,
    PersonaFactory,
)

pytestmark = pytest.mark.django_db


def _loaded(*assets: Asset) -> list[Asset]:
    return list(
        Asset.objects.filter(pk__in=[a.pk for a in assets])
        .select_related("journey_stage__journey", "journey_stage__parent")
        .prefetch_related("personas")
        .order_by("pk")
    )


# --- content stage ---------------------------------------------------------------------------


def test_asset_from_another_phase_is_flagged_but_does_not_block(stages, django_assert_num_queries):
    assets = _loaded(AssetFactory(title="Pricing sheet", journey_stage=stages.decision))
    with django_assert_num_queries(0):
        findings = checks.check_asset_stages(goal_stage=stages.awareness, assets=assets)

    assert [(f.check, f.field, f.blocks) for f in findings] == [("asset_stage", "assets", False)]
    assert "“Pricing sheet” is decision content" in findings[0].message


def test_asset_from_another_journey_blocks(stages, other_stages):
    assets = _loaded(AssetFactory(title="Partner blog", journey_stage=other_stages.awareness))

    findings = checks.check_asset_stages(goal_stage=stages.awareness, assets=assets)

    assert [(f.field, f.blocks) for f in findings] == [("assets", True)]
    assert "another journey" in findings[0].message


def test_assets_of_the_goals_phase_pass_even_from_a_sub_stage_or_another_version(stages):
    draft = make_stages(
        JourneyFactory(key=stages.journey.key, version=2, status=Journey.Status.DRAFT)
    )
    assets = _loaded(
        AssetFactory(journey_stage=stages.problem),
        AssetFactory(journey_stage=stages.awareness),
        AssetFactory(journey_stage=draft.awareness),
    )

    assert checks.check_asset_stages(goal_stage=stages.awareness, assets=assets) == []


# --- personas without content ----------------------------------------------------------------


def test_persona_of_the_segment_without_an_asset_is_flagged(db, django_assert_num_queries):
    cfo, it_director = PersonaFactory(name="CFO"), PersonaFactory(name="IT Director")
    asset = AssetFactory()
    asset.personas.add(cfo)
    assets = _loaded(asset, AssetFactory())  # the second asset names no persona

    with django_assert_num_queries(0):
        findings = checks.check_persona_coverage(personas=[cfo, it_director], assets=assets)

    assert [(f.check, f.field) for f in findings] == [("persona_without_asset", "assets")]
    assert "IT Director" in findings[0].message


def test_every_persona_of_the_segment_with_an_asset_passes(db):
    cfo, it_director = PersonaFactory(name="CFO"), PersonaFactory(name="IT Director")
    asset = AssetFactory()
    asset.personas.add(cfo, it_director)

    assert checks.check_persona_coverage(personas=[cfo, it_director], assets=_loaded(asset)) == []


# --- KPI fit ---------------------------------------------------------------------------------


def test_kpi_that_does_not_measure_the_goals_phase_is_flagged(stages):
    findings = checks.check_kpi_fit(kpi=Kpi.DEAL_VELOCITY, goal_stage=stages.problem)

    assert [(f.check, f.field, f.blocks) for f in findings] == [("kpi_fit", "kpi", True)]
    assert "use Reach (unique contacts touched), Engagement rate" in findings[0].message


def test_kpi_that_fits_the_goals_phase_passes(stages):
    assert checks.check_kpi_fit(kpi=Kpi.PIPELINE_INFLUENCE, goal_stage=stages.shortlist) == []


# --- weekly cadence --------------------------------------------------------------------------

PLAN = Booking("plan", "this campaign", date(2026, 3, 1), date(2026, 3, 31), cadence=2)
WEBINAR = Booking(1, "Webinar", date(2026, 3, 10), date(2026, 3, 20), cadence=2)
ROADSHOW = Booking(2, "Roadshow", date(2026, 3, 15), date(2026, 4, 25), cadence=1)


def test_contacts_in_overlapping_campaigns_over_the_weekly_limit_are_flagged():
    """40 contacts are also in the webinar only: 2 + 2 = 4 a week from 10 to 20 March. 3 are
    also in both: 2 + 2 + 1 = 5 a week from 15 to 20 March, the worst. The limit is 3."""
    audiences = [
        Audience(frozenset(), contacts=100),
        Audience(frozenset({WEBINAR.key}), contacts=40),
        Audience(frozenset({WEBINAR.key, ROADSHOW.key}), contacts=3),
    ]

    findings = checks.check_weekly_cadence(
        plan=PLAN, others=[WEBINAR, ROADSHOW], audiences=audiences, limit=3
    )

    assert [(f.check, f.field) for f in findings] == [("weekly_cadence", "cadence")]
    assert findings[0].message == (
        "From 15 Mar 2026 to 20 Mar 2026, 3 contacts also in “Roadshow” and “Webinar” could "
        "get up to 5 touches a week; the most a contact should get is 3."
    )


def test_a_cadence_alone_over_the_limit_is_flagged():
    findings = checks.check_weekly_cadence(
        plan=replace(PLAN, cadence=4),
        others=[],
        audiences=[Audience(frozenset(), contacts=1)],
        limit=3,
    )

    assert "1 contact of this campaign alone could get up to 4 touches" in findings[0].message


@pytest.mark.parametrize(
    ("others", "audiences"),
    [
        # The webinar's contacts are not this campaign's.
        ([WEBINAR], [Audience(frozenset(), 50)]),
        # Shared contacts, but the other campaign ends before this one starts.
        (
            [replace(WEBINAR, start=date(2026, 2, 1), end=date(2026, 2, 28))],
            [Audience(frozenset({WEBINAR.key}), 50)],
        ),
        # Shared contacts at the same time, within the limit: 2 + 1.
        ([ROADSHOW], [Audience(frozenset({ROADSHOW.key}), 50)]),
    ],
    ids=["no-shared-contacts", "no-overlap", "within-the-limit"],
)
def test_campaigns_within_the_weekly_limit_pass(others, audiences):
    assert checks.check_weekly_cadence(plan=PLAN, others=others, audiences=audiences, limit=3) == []


# --- stages without a campaign ---------------------------------------------------------------


def test_stages_without_a_campaign_in_the_period_are_flagged(stages):
    findings = checks.check_stage_coverage(
        stages=stages.all(),
        goal_stage_ids={stages.awareness.pk},
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
    )

    # A campaign aimed at a parent stage does not serve its sub-stages.
    assert [f.message for f in findings] == [
        f"No campaign serves {stage} between 1 Mar 2026 and 31 Mar 2026."
        for stage in (stages.problem, stages.consideration, stages.shortlist, stages.decision)
    ]
    assert {f.field for f in findings} == {"goal_stage"}


def test_every_stage_served_passes_sub_stage_campaigns_serving_their_parent(stages):
    goals = {stages.problem.pk, stages.shortlist.pk, stages.decision.pk}

    findings = checks.check_stage_coverage(
        stages=stages.all(), goal_stage_ids=goals, start=date(2026, 3, 1), end=date(2026, 3, 31)
    )

    assert findings == []


# --- all checks on one plan, from the database -----------------------------------------------


def test_plan_findings_gather_each_check_from_saved_campaigns(stages, settings):
    settings.CAMPAIGN_WEEKLY_TOUCH_LIMIT = 3
    cfo = PersonaFactory(name="CFO")
    ContactFactory(persona=cfo)
    decision_asset = AssetFactory(title="Pricing", journey_stage=stages.decision)
    CampaignFactory(
        name="Webinar",
        goal_stage=stages.problem,
        status=Campaign.Status.LIVE,
        cadence=2,
        start_date=date(2026, 3, 10),
        end_date=date(2026, 3, 20),
    )
    CampaignFactory(  # a draft does not touch anyone yet
        goal_stage=stages.consideration,
        cadence=5,
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
    )
    plan = Plan(
        goal_stage=stages.awareness,
        kpi=Kpi.REACH,
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
        cadence=2,
        asset_ids=(decision_asset.pk,),
        segment=Segment(persona_ids=(cfo.pk,)),
    )

    findings = campaign_plan_findings(plan=plan)

    assert {f.check for f in findings} == {
        "asset_stage",
        "persona_without_asset",
        "weekly_cadence",
        "stage_without_campaign",
    }
    gaps = [f.message for f in findings if f.check == "stage_without_campaign"]
    # The draft at consideration counts as planned cover; decision has nothing.
    assert len(gaps) == 2 and "Shortlist" in gaps[0] and "Decision" in gaps[1]
