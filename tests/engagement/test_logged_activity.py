"""A call a rep logs on their deal is seller-initiated: coverage, never a stage or a score."""

import pytest

from apps.engagement.models import ContactScore, Direction, EventKind
from apps.engagement.selectors import account_coverage
from apps.pipeline.services import opportunity_activity_log
from tests.engagement.conftest import NOW, days_ago
from tests.factories import ContactFactory, EventFactory, OpportunityFactory, SignalRuleFactory

pytestmark = pytest.mark.django_db


def test_a_logged_call_does_not_change_the_inferred_stage(stages, recompute, sales_rep):
    SignalRuleFactory(
        kind=EventKind.CALL, journey_stage=stages.decision, weight=50, half_life_days=365
    )
    deal = OpportunityFactory(owner=sales_rep)
    buyer = ContactFactory(account=deal.account)
    recompute()

    event = opportunity_activity_log(
        opportunity=deal,
        logged_by=sales_rep,
        kind="call",
        occurred_at=days_ago(1),
        outcome="connected",
        contact=buyer,
    )
    recompute()

    assert (event.kind, event.direction) == (EventKind.CALL, Direction.SELLER)
    score = ContactScore.objects.filter(contact=buyer).first()
    assert score is None or (score.stage_id, score.engagement) == (None, 0)
    assert account_coverage(account_id=deal.account_id, at=NOW).touches == 1

    # The same rule does read a call the buyer started: the rep's log was left out on purpose.
    EventFactory(
        account=deal.account,
        contact=buyer,
        kind=EventKind.CALL,
        direction=Direction.BUYER,
        occurred_at=days_ago(1),
    )
    recompute()
    assert ContactScore.objects.get(contact=buyer).stage_id == stages.decision.pk
