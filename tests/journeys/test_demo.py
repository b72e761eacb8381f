"""The demo journey's playbook: cells, KPIs that fit their stages, a tier-1 account's own
playbook and a review trigger that makes the review due. Seeded on the demo's own journey,
stages and personas (`apps.demo.world`)."""

import datetime

import pytest

from apps.accounts.models import Account
from apps.core.services import model_create
from apps.demo import journeys as demo_journeys
from apps.demo import world
from apps.journeys.kpis import kpi_fits_phase
from apps.journeys.models import Journey, JourneyStage, PlaybookCell, StageKpi, StageTransition
from apps.journeys.selectors import (
    journey_health,
    journey_review_status,
    journey_structure_problems,
)
from apps.personas.models import Persona
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(marketer):
    anchor = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    journey = model_create(
        model=Journey,
        data={
            **world.JOURNEY,
            "owner": marketer,
            "status": Journey.Status.PUBLISHED,
            "last_reviewed_at": anchor - datetime.timedelta(days=45),
        },
    )
    stages: dict[str, JourneyStage] = {}
    for spec in world.JOURNEY_STAGES:
        parent = stages[spec["parent"]] if spec["parent"] else None
        stages[spec["slug"]] = model_create(
            model=JourneyStage, data={**spec, "journey": journey, "parent": parent}
        )
    for source, target, trigger in world.STAGE_TRANSITIONS:
        StageTransition.objects.create(
            journey=journey, from_stage=stages[source], to_stage=stages[target], trigger=trigger
        )
    personas = {key: model_create(model=Persona, data=data) for key, data in world.PERSONAS.items()}
    AccountFactory(name="Zeta", tier=Account.Tier.TIER_2)
    target = AccountFactory(name="Acme", tier=Account.Tier.TIER_1, is_target=True)

    demo_journeys.seed_playbook(stages=stages, personas=personas, owner=marketer, anchor=anchor)

    journey.refresh_from_db()
    return journey, target, anchor


def test_the_demo_playbook_is_seeded_valid(seeded):
    journey, target, _ = seeded

    cells = PlaybookCell.objects.filter(stage__journey=journey)
    assert cells.filter(account=None).count() == len(demo_journeys.CELLS)
    for cell in cells:
        cell.full_clean()
    assert {cell.account for cell in cells.exclude(account=None)} == {target}
    assert cells.filter(account=target, replaces_persona_cell=True).count() == 1
    kpis = StageKpi.objects.filter(stage__journey=journey).select_related("stage")
    assert kpis.count() == sum(len(k) for k in demo_journeys.STAGE_KPIS.values())
    assert all(kpi_fits_phase(kpi=k.kpi, phase=k.stage.phase) for k in kpis)
    assert journey.published_at == journey.last_reviewed_at


def test_the_demo_journey_is_due_for_review_and_its_health_check_has_things_to_show(seeded):
    journey, _, anchor = seeded

    status = journey_review_status(journey=journey)
    rules = {finding.rule for finding in journey_health(journey=journey)}

    assert status.is_due(today=anchor.date())
    assert status.triggers[0].note == demo_journeys.TRIGGER_NOTE
    assert journey.reviews.get().notes == demo_journeys.REVIEW_NOTES
    assert journey_structure_problems(journey=journey) == []
    assert "empty_cells" in rules
    assert "no_back_transitions" not in rules
