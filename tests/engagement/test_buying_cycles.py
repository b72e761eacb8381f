"""A closed deal, or a handoff rejected to recycle, ends a person's buying cycle: their earlier
signals stop counting toward the next cycle's stage and score, and stay on their page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Contact
from apps.engagement.models import ContactScore, EventKind, RecomputeRequest
from apps.engagement.services import handoff_decide
from apps.pipeline.models import PipelineStage
from apps.pipeline.services import opportunity_move_stage
from tests.engagement.conftest import days_ago
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    HandoffFactory,
    OpportunityFactory,
    PipelineStageFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(stages):
    """A demo request says decision; a content download says awareness (both fade slowly)."""
    SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision, weight=10, half_life_days=60
    )
    SignalRuleFactory(
        kind=EventKind.CONTENT_DOWNLOAD, journey_stage=stages.awareness, weight=8, half_life_days=60
    )


def _signal(contact, kind, when):
    return EventFactory(account=contact.account, contact=contact, kind=kind, occurred_at=when)


def _state(contact):
    return ContactScore.objects.select_related("stage").get(contact=contact)


@pytest.mark.parametrize("outcome", [PipelineStage.Outcome.WON, PipelineStage.Outcome.LOST])
def test_a_closed_deal_starts_a_new_cycle_for_the_accounts_people(
    stages, rules, recompute, outcome, client_for_role
):
    account = AccountFactory()
    ann, bob = ContactFactory(account=account), ContactFactory(account=account)
    bystander = ContactFactory()  # another account's person keeps their evidence
    deal = OpportunityFactory(account=account, stage_entered_at=days_ago(40))
    for person in (ann, bob, bystander):
        _signal(person, EventKind.DEMO_REQUEST, days_ago(20))
    recompute(at=days_ago(11))
    assert _state(ann).stage == stages.decision

    opportunity_move_stage(
        opportunity=deal,
        stage=PipelineStageFactory(outcome=outcome, probability=0),
        changed_by=None,
        at=days_ago(10),
    )
    _signal(ann, EventKind.CONTENT_DOWNLOAD, days_ago(2))
    recompute()

    ann_state = _state(ann)
    assert ann_state.stage == stages.awareness
    assert ann_state.stage_evidence == pytest.approx(8 * 2 ** (-2 / 60))
    assert ann_state.engagement == pytest.approx(8 * 2 ** (-2 / 60))
    assert _state(bob).stage is None
    assert _state(bystander).stage == stages.decision
    assert RecomputeRequest.objects.filter(account=account).exists()
    # The earlier signal is still on the person's page, marked as a past cycle.
    page = client_for_role("marketer").get(reverse("signals:contact_detail", args=[ann.pk]))
    assert page.content.decode().count('data-testid="past-cycle"') == 1


def test_a_replay_before_the_close_still_counts_the_earlier_cycle(stages, rules, recompute):
    deal = OpportunityFactory(stage_entered_at=days_ago(40))
    ann = ContactFactory(account=deal.account)
    _signal(ann, EventKind.DEMO_REQUEST, days_ago(20))
    opportunity_move_stage(
        opportunity=deal,
        stage=PipelineStageFactory(outcome=PipelineStage.Outcome.WON),
        changed_by=None,
        at=days_ago(10),
    )

    recompute(at=days_ago(15))

    assert _state(ann).stage == stages.decision


def test_reopening_and_closing_again_never_moves_a_cycle_back(stages, rules):
    deal = OpportunityFactory(stage_entered_at=days_ago(40))
    ann = ContactFactory(account=deal.account)
    won = PipelineStageFactory(outcome=PipelineStage.Outcome.WON)
    opportunity_move_stage(opportunity=deal, stage=won, changed_by=None, at=days_ago(10))
    opportunity_move_stage(
        opportunity=deal, stage=PipelineStageFactory(), changed_by=None, at=days_ago(5)
    )
    opportunity_move_stage(opportunity=deal, stage=won, changed_by=None, at=days_ago(3))

    assert Contact.objects.get(pk=ann.pk).buying_cycle_started_at == days_ago(3)


@pytest.mark.parametrize("kind", ["mql", "mqa"])
def test_a_rejected_handoff_recycles_the_person_into_a_new_cycle(
    stages, rules, recompute, sales_rep, kind
):
    ann = ContactFactory()
    colleague = ContactFactory(account=ann.account)
    now = timezone.now()
    for person in (ann, colleague):
        _signal(person, EventKind.DEMO_REQUEST, now - datetime.timedelta(days=3))
    handoff = HandoffFactory(
        contact=ann if kind == "mql" else None, account=ann.account, kind=kind, owner=sales_rep
    )

    handoff_decide(handoff=handoff, user=sales_rep, accept=False, reason="Not now")
    _signal(ann, EventKind.CONTENT_DOWNLOAD, now + datetime.timedelta(minutes=1))
    recompute(at=now + datetime.timedelta(hours=1))

    assert _state(ann).stage == stages.awareness
    recycled_colleague = kind == "mqa"
    assert (_state(colleague).stage is None) == recycled_colleague


def test_an_accepted_handoff_keeps_the_cycle(stages, rules, recompute, sales_rep):
    ann = ContactFactory()
    _signal(ann, EventKind.DEMO_REQUEST, days_ago(3))

    handoff_decide(
        handoff=HandoffFactory(contact=ann, owner=sales_rep), user=sales_rep, accept=True
    )
    recompute()

    assert Contact.objects.get(pk=ann.pk).buying_cycle_started_at is None
    assert _state(ann).stage == stages.decision
