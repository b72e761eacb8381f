"""A buyer's stage is the furthest stage with enough recent evidence; every change is kept
with the rules and events behind it."""

import datetime

import pytest

from apps.engagement.models import AccountScore, ContactScore, EventKind, InferredStageChange
from apps.personas.models import BuyingRole
from tests.engagement.conftest import NOW, days_ago
from tests.factories import AccountFactory, ContactFactory, EventFactory, SignalRuleFactory

pytestmark = pytest.mark.django_db


def _signal(contact, kind, age, **fields):
    return EventFactory(
        account=contact.account, contact=contact, kind=kind, occurred_at=days_ago(age), **fields
    )


def _stage(contact):
    return ContactScore.objects.select_related("stage").get(contact=contact).stage


@pytest.fixture
def rules(stages):
    """Blog reading says awareness for long; a pricing-page view says decision, briefly."""
    return {
        "blog": SignalRuleFactory(
            kind=EventKind.PAGE_VIEW, journey_stage=stages.awareness, weight=10, half_life_days=60
        ),
        "pricing": SignalRuleFactory(
            kind=EventKind.PRICING_PAGE_VIEW,
            journey_stage=stages.decision,
            weight=6,
            half_life_days=7,
        ),
    }


def test_the_furthest_stage_with_enough_evidence_wins(stages, rules, recompute):
    contact = ContactFactory()
    _signal(contact, EventKind.PAGE_VIEW, 3)
    _signal(contact, EventKind.PRICING_PAGE_VIEW, 1)

    recompute()

    assert _stage(contact) == stages.decision


def test_stage_moves_back_as_its_evidence_decays(stages, rules, recompute):
    contact = ContactFactory()
    _signal(contact, EventKind.PAGE_VIEW, 0)
    pricing_view = _signal(contact, EventKind.PRICING_PAGE_VIEW, 0)

    recompute(at=NOW)
    assert _stage(contact) == stages.decision

    # A week later the pricing view is worth 3 (< 5); the blog visit still 10 × 2^(-7/60).
    week_later = NOW + datetime.timedelta(days=7)
    recompute(at=week_later)
    assert _stage(contact) == stages.awareness

    back = InferredStageChange.objects.get(contact=contact, changed_at=week_later)
    assert (back.from_stage, back.to_stage, back.is_forward) == (
        stages.decision,
        stages.awareness,
        False,
    )
    # The trail shows both sides: what still holds awareness, and the faded pricing evidence.
    by_rule = {item["rule"]: item for item in back.evidence}
    assert by_rule[rules["pricing"].pk]["points"] == pytest.approx(3)
    assert by_rule[rules["pricing"].pk]["last_event"] == pricing_view.pk
    assert by_rule[rules["blog"].pk]["points"] == pytest.approx(10 * 2 ** (-7 / 60))

    # After a long silence nothing is left: no stage at all.
    much_later = NOW + datetime.timedelta(days=400)
    recompute(at=much_later)
    assert _stage(contact) is None
    gone = InferredStageChange.objects.get(contact=contact, changed_at=much_later)
    assert (gone.from_stage, gone.to_stage, gone.is_forward) == (stages.awareness, None, False)


def test_a_stage_change_keeps_its_rules_events_and_points(stages, rules, recompute):
    contact = ContactFactory()
    views = [_signal(contact, EventKind.PRICING_PAGE_VIEW, age) for age in (7, 0)]

    recompute()

    change = InferredStageChange.objects.get(contact=contact)
    assert (change.from_stage, change.to_stage, change.is_forward) == (None, stages.decision, True)
    assert change.changed_at == NOW
    assert change.stage_evidence == pytest.approx(6 + 3)
    assert change.threshold == 5
    assert change.evidence == [
        {
            "rule": rules["pricing"].pk,
            "label": "Pricing page view",
            "stage": stages.decision.pk,
            "stage_name": "Decision",
            "events": 2,
            "points": pytest.approx(9),
            "last_event": views[-1].pk,
        }
    ]
    # Nothing moved: the next run adds no change.
    recompute(at=NOW + datetime.timedelta(hours=1))
    assert InferredStageChange.objects.filter(contact=contact).count() == 1
    assert ContactScore.objects.get(contact=contact).stage_since == NOW


def test_repeat_rule_counts_only_the_nth_visit_within_its_window(stages, recompute):
    SignalRuleFactory(
        kind=EventKind.PRODUCT_PAGE_VIEW,
        journey_stage=stages.consideration,
        weight=4,
        half_life_days=14,
        repeat_count=3,
        repeat_window_days=14,
    )
    twice, thrice, spread = ContactFactory(), ContactFactory(), ContactFactory()
    for age in (10, 2):
        _signal(twice, EventKind.PRODUCT_PAGE_VIEW, age)
    for age in (13, 6, 0, 0):
        _signal(thrice, EventKind.PRODUCT_PAGE_VIEW, age)
    for age in (30, 15, 0):  # three visits, but the first two are over 14 days before the third
        _signal(spread, EventKind.PRODUCT_PAGE_VIEW, age)

    recompute()

    assert _stage(twice) is None
    assert _stage(spread) is None
    score = ContactScore.objects.get(contact=thrice)
    assert score.stage == stages.consideration
    # The third and fourth visits completed a repeat; each counts, × 2 for consideration.
    assert score.stage_evidence == pytest.approx(4 + 4)
    assert score.engagement == pytest.approx(2 * 8)


def test_account_stage_needs_its_committee(stages, rules, recompute, scoring):
    scoring.committee_for_decision = 2
    scoring.save()
    account = AccountFactory()
    first = ContactFactory(account=account, buying_role=BuyingRole.CHAMPION)
    _signal(first, EventKind.PRICING_PAGE_VIEW, 0)
    _signal(first, EventKind.PRICING_PAGE_VIEW, 0)

    recompute()
    assert _stage(first) == stages.decision
    assert AccountScore.objects.get(account=account).stage is None  # one person is not the account

    second = ContactFactory(account=account, buying_role=BuyingRole.ECONOMIC_BUYER)
    _signal(second, EventKind.PRICING_PAGE_VIEW, 0)

    recompute(at=NOW + datetime.timedelta(minutes=5))
    state = AccountScore.objects.get(account=account)
    assert (state.stage, state.committee_coverage) == (stages.decision, 2)
    change = InferredStageChange.objects.get(account=account, contact__isnull=True)
    assert (change.to_stage, change.committee_coverage) == (stages.decision, 2)
    assert change.evidence[0]["events"] == 3  # the account's evidence adds up its people


def test_anonymous_visits_place_an_account_in_awareness_only(stages, rules, recompute):
    account = AccountFactory()
    EventFactory(account=account, kind=EventKind.PAGE_VIEW, occurred_at=NOW)
    EventFactory(account=account, kind=EventKind.PRICING_PAGE_VIEW, occurred_at=NOW)

    recompute()

    state = AccountScore.objects.get(account=account)
    assert state.stage == stages.awareness
    assert state.engagement == pytest.approx(10 + 6 * 3)
