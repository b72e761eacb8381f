"""The demo's campaign plans and templates (apps/demo/campaigns.py), on a small journey."""

import pytest

from apps.campaigns.models import Campaign, CampaignTemplate
from apps.demo import world
from apps.demo.campaigns import PLANS, TEMPLATES, plan_campaigns
from apps.journeys.kpis import kpi_fits_phase
from apps.journeys.models import Phase
from tests.factories import CampaignFactory, PersonaFactory

pytestmark = pytest.mark.django_db


def test_every_demo_campaign_has_a_plan():
    assert set(PLANS) == {spec["name"] for spec in world.CAMPAIGNS}


def test_plans_fill_in_channels_cadence_and_segment_and_templates_cover_every_phase(stages):
    keys = {key for plan in PLANS.values() for key in plan.get("personas", ())}
    personas = {key: PersonaFactory(name=key) for key in keys}
    slugs = {slug for plan in PLANS.values() for slug in plan.get("stages", ())}
    journey_stages = dict.fromkeys(slugs, stages.shortlist)
    for name in PLANS:
        CampaignFactory(name=name, goal_stage=stages.awareness)

    plan_campaigns(journey_stages=journey_stages, personas=personas)

    for campaign in Campaign.objects.all():
        plan = PLANS[campaign.name]
        assert campaign.channels == plan["channels"] and len(campaign.channels) >= 2
        assert campaign.cadence == plan["cadence"]
        named = {p.name for p in campaign.segment_personas.all()}
        assert named == set(plan.get("personas", ()))
        assert named or campaign.segment_buying_roles
    templates = CampaignTemplate.objects.all()
    assert len(templates) == len(TEMPLATES)
    assert {t.phase for t in templates} == set(Phase)
    assert all(kpi_fits_phase(kpi=t.kpi, phase=t.phase) for t in templates)
