"""The generated world: a hidden truth leaves events, deals and handoffs behind."""

import pytest
from django.core.management import CommandError, call_command

from apps.core.exceptions import ApplicationError
from apps.demo.synthetic import world_generate
from apps.engagement.models import Direction, Event, EventKind, Handoff
from apps.pipeline.models import Opportunity, StageChange
from apps.starter.services import starter_kit_install

pytestmark = pytest.mark.django_db


def test_a_world_has_buyers_sellers_deals_and_handoffs_from_its_seed():
    starter_kit_install()

    report = world_generate(accounts=40, seed=5, weeks=30)

    assert report.events == Event.objects.count() > 0
    assert Event.objects.filter(kind=EventKind.EMAIL_SENT, direction=Direction.SELLER).exists()
    assert Event.objects.filter(kind=EventKind.MEETING, direction=Direction.BUYER).exists()
    assert not Event.objects.filter(occurred_at__lt=report.start).exists()
    assert Opportunity.objects.count() == report.opportunities > 0
    # Every deal has its pipeline history, a closed one ends where it closed.
    assert StageChange.objects.values("opportunity").distinct().count() == report.opportunities
    for deal in Opportunity.objects.filter(closed_at__isnull=False)[:5]:
        assert deal.stage.outcome in ("won", "lost")
        assert deal.stage_changes.order_by("entered_at").last().entered_at == deal.closed_at
    assert Handoff.objects.count() == report.handoffs


def test_the_same_seed_twice_is_refused_and_the_kit_is_needed():
    with pytest.raises(ApplicationError, match="starter kit"):
        world_generate(accounts=2, seed=1)
    starter_kit_install()
    call_command("generate_world", accounts=3, seed=1, weeks=4)

    with pytest.raises(CommandError, match="already"):
        call_command("generate_world", accounts=3, seed=1, weeks=4)
