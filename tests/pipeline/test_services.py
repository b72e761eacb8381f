import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.pipeline.models import Opportunity, PipelineStage
from apps.pipeline.services import opportunity_create, opportunity_move_stage, opportunity_update
from tests.factories import AccountFactory, PipelineStageFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def stages():
    return {
        "discovery": PipelineStageFactory(name="Discovery", max_days_in_stage=10),
        "demo": PipelineStageFactory(name="Demo"),
        "won": PipelineStageFactory(name="Won", outcome=PipelineStage.Outcome.WON),
    }


def _create(stage, at=T0, **extra):
    data = {"account": AccountFactory(), "name": "Acme AP", "owner": UserFactory(), "stage": stage}
    return opportunity_create(data=data | extra, created_by=None, at=at)


def test_creating_an_opportunity_opens_its_stage_history(stages):
    opportunity = _create(stages["discovery"])
    (change,) = opportunity.stage_changes.all()
    assert (change.stage, change.entered_at, change.exited_at) == (stages["discovery"], T0, None)
    assert opportunity.stage_entered_at == T0


def test_a_backdated_opportunity_was_created_when_it_began_and_a_new_one_now(stages):
    backdated = _create(stages["discovery"])
    assert backdated.created_at == T0
    assert Opportunity.objects.get(pk=backdated.pk).created_at == T0

    before = timezone.now()
    fresh = _create(stages["discovery"], at=None)
    assert Opportunity.objects.get(pk=fresh.pk).created_at >= before
    assert fresh.stage_entered_at >= before


def test_moving_stage_closes_the_current_stay_and_opens_the_next(stages):
    rep = UserFactory()
    opportunity = _create(stages["discovery"])
    moved_at = T0 + datetime.timedelta(days=4)
    opportunity = opportunity_move_stage(
        opportunity=opportunity, stage=stages["demo"], changed_by=rep, at=moved_at
    )
    first, second = opportunity.stage_changes.order_by("entered_at")
    assert first.exited_at == moved_at
    assert (second.stage, second.from_stage, second.changed_by) == (
        stages["demo"],
        stages["discovery"],
        rep,
    )
    assert second.exited_at is None
    assert opportunity.stage_entered_at == moved_at
    assert opportunity.closed_at is None


def test_moving_to_a_closed_stage_closes_the_deal(stages):
    opportunity = _create(stages["demo"])
    at = T0 + datetime.timedelta(days=1)
    opportunity = opportunity_move_stage(
        opportunity=opportunity, stage=stages["won"], changed_by=None, at=at
    )
    assert opportunity.closed_at == at


def test_moving_to_the_same_stage_changes_nothing(stages):
    opportunity = _create(stages["demo"])
    opportunity_move_stage(opportunity=opportunity, stage=stages["demo"], changed_by=None)
    assert opportunity.stage_changes.count() == 1


def test_a_move_cannot_predate_the_current_stage(stages):
    opportunity = _create(stages["demo"])
    with pytest.raises(ApplicationError) as error:
        opportunity_move_stage(
            opportunity=opportunity,
            stage=stages["won"],
            changed_by=None,
            at=T0 - datetime.timedelta(days=1),
        )
    assert "stage" in error.value.fields
    assert opportunity.stage_changes.count() == 1


def test_update_moves_stage_through_the_history(stages):
    rep = UserFactory()
    opportunity = _create(stages["discovery"], at=timezone.now() - datetime.timedelta(days=2))
    opportunity = opportunity_update(
        opportunity=opportunity, data={"amount": 5000, "stage": stages["demo"]}, changed_by=rep
    )
    opportunity.refresh_from_db()
    assert (opportunity.amount, opportunity.stage) == (5000, stages["demo"])
    assert opportunity.stage_changes.filter(exited_at__isnull=True).get().changed_by == rep


def test_invalid_update_saves_nothing(stages):
    opportunity = _create(stages["discovery"])
    with pytest.raises(ValidationError) as error:
        opportunity_update(
            opportunity=opportunity, data={"amount": -1, "stage": stages["demo"]}, changed_by=None
        )
    assert "amount" in error.value.message_dict
    assert Opportunity.objects.get().stage == stages["discovery"]


def test_days_in_stage_and_the_stage_time_limit(stages):
    opportunity = _create(stages["discovery"], at=timezone.now() - datetime.timedelta(days=12))
    assert opportunity.days_in_stage == 12
    assert opportunity.is_over_stage_time_limit
    fresh = _create(stages["discovery"], at=timezone.now() - datetime.timedelta(days=3))
    assert not fresh.is_over_stage_time_limit
