"""The demo journey's playbook: cells, a tier-1 account's own playbook, a review and a review
trigger that makes the review due. Seeded on the starter kit's journey and the demo's personas
(`apps.demo.world`)."""

import datetime

import pytest

from apps.accounts.models import Account
from apps.core.services import model_create
from apps.demo import journeys as demo_journeys
from apps.demo import world
from apps.journeys.models import PlaybookCell
from apps.journeys.selectors import (
    journey_health,
    journey_review_status,
    journey_structure_problems,
)
from apps.personas.models import Persona
from apps.starter.selectors import template_journey, template_stages
from apps.starter.services import starter_kit_install
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(marketer):
    anchor = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    starter_kit_install(at=anchor - datetime.timedelta(days=world.JOURNEY_PUBLISHED_DAYS_AGO))
    journey = template_journey()
    stages = template_stages(journey=journey)
    personas = {key: model_create(model=Persona, data=data) for key, data in world.PERSONAS.items()}
    AccountFactory(name="Zeta", tier=Account.Tier.TIER_2)
    target = AccountFactory(name="Acme", tier=Account.Tier.TIER_1, is_target=True)

    demo_journeys.seed_playbook(stages=stages, personas=personas, owner=marketer, anchor=anchor)

    journey.refresh_from_db()
    return journey, target, anchor


def test_the_demo_playbook_is_seeded_valid(seeded):
    journey, target, anchor = seeded

    cells = PlaybookCell.objects.filter(stage__journey=journey)
    assert cells.filter(account=None).count() == len(demo_journeys.CELLS)
    for cell in cells:
        cell.full_clean()
    assert {cell.account for cell in cells.exclude(account=None)} == {target}
    assert cells.filter(account=target, replaces_persona_cell=True).count() == 1
    reviewed = anchor - datetime.timedelta(days=world.JOURNEY_LAST_REVIEWED_DAYS_AGO)
    assert journey.published_at < journey.last_reviewed_at == reviewed


def test_the_demo_journey_is_due_for_review_and_its_health_check_has_things_to_show(seeded):
    journey, _, anchor = seeded

    status = journey_review_status(journey=journey)
    rules = {finding.rule for finding in journey_health(journey=journey)}

    assert status.is_due(today=anchor.date())
    assert status.triggers[0].note == demo_journeys.TRIGGER_NOTE
    assert [r.notes for r in journey.reviews.all()] == [
        demo_journeys.REVIEW_NOTES,
        "Published as version 1.",
    ]
    assert journey_structure_problems(journey=journey) == []
    assert "empty_cells" in rules
    assert "no_back_transitions" not in rules
