"""An account scores from its buying committee: breadth beats one very busy person."""

import datetime

import pytest

from apps.accounts.models import Account
from apps.engagement.models import AccountScore, AccountScoreSnapshot, EventKind
from apps.personas.models import BuyingRole
from tests.engagement.conftest import NOW, days_ago
from tests.factories import AccountFactory, ContactFactory, EventFactory, SignalRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_rule(stages):
    return SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST, journey_stage=stages.awareness, weight=5, half_life_days=30
    )


def _requests(contact, count):
    for n in range(count):
        EventFactory(
            account=contact.account,
            contact=contact,
            kind=EventKind.DEMO_REQUEST,
            occurred_at=days_ago(n),
        )


def _score(account) -> AccountScore:
    return AccountScore.objects.get(account=account)


def test_several_engaged_roles_beat_one_very_active_person(recompute):
    broad = AccountFactory(tier=Account.Tier.TIER_3)
    for role in (BuyingRole.CHAMPION, BuyingRole.ECONOMIC_BUYER, BuyingRole.TECHNICAL_EVALUATOR):
        _requests(ContactFactory(account=broad, buying_role=role), 2)
    narrow = AccountFactory(tier=Account.Tier.TIER_3)
    busy = ContactFactory(account=narrow, buying_role=BuyingRole.CHAMPION)
    _requests(busy, 30)

    recompute()

    busiest_in_broad = max(c.signal_score.engagement for c in broad.contacts.all())
    assert busy.signal_score.engagement > 5 * busiest_in_broad
    assert _score(broad).engaged_roles == 3
    assert _score(narrow).engaged_roles == 1
    assert _score(broad).score > _score(narrow).score


def test_tier_weighs_the_account_score(recompute):
    scores = {}
    for tier in Account.Tier:
        account = AccountFactory(tier=tier)
        _requests(ContactFactory(account=account), 2)
        scores[tier] = account
    recompute()

    tier_3 = _score(scores[Account.Tier.TIER_3]).score
    assert _score(scores[Account.Tier.TIER_2]).score == pytest.approx(1.2 * tier_3)
    assert _score(scores[Account.Tier.TIER_1]).score == pytest.approx(1.5 * tier_3)


def test_trend_compares_with_the_score_a_week_ago(recompute):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    EventFactory(
        account=account, contact=contact, kind=EventKind.DEMO_REQUEST, occurred_at=days_ago(8)
    )
    recompute(at=NOW - datetime.timedelta(days=7))
    EventFactory(account=account, contact=contact, kind=EventKind.DEMO_REQUEST, occurred_at=NOW)

    recompute()

    state = _score(account)
    week_ago = AccountScoreSnapshot.objects.get(
        account=account, day=NOW.date() - datetime.timedelta(days=7)
    )
    assert state.score_week_ago == week_ago.score
    assert state.trend == pytest.approx(state.score - week_ago.score)
    assert state.trend > 0
    # A contact's week-ago score comes from its own events as they stood then.
    person = contact.signal_score
    assert person.score_week_ago == pytest.approx(5 * 2 ** (-1 / 30))
    assert person.score == pytest.approx(5 + 5 * 2 ** (-8 / 30))


def _account_with(people: int, *, roles=()) -> tuple[Account, list]:
    """An account whose first person is a hot buyer (20 requests) and every other one read a
    little (one request each): the old sum of everyone grew with the headcount."""
    account = AccountFactory(tier=Account.Tier.TIER_3, fit_score=0)
    contacts = [
        ContactFactory(account=account, buying_role=roles[n] if n < len(roles) else "")
        for n in range(people)
    ]
    _requests(contacts[0], 20)
    for contact in contacts[1:]:
        _requests(contact, 1)
    return account, contacts


def test_one_hot_buyer_scores_the_same_in_a_big_account_as_in_a_small_one(recompute, scoring):
    small, _ = _account_with(3)
    big, _ = _account_with(50)

    recompute()

    assert scoring.top_members == 3
    assert _score(big).score == pytest.approx(_score(small).score)
    assert _score(big).stage_evidence == pytest.approx(_score(small).stage_evidence)
    assert _score(big).engaged_contacts == 50  # everyone still counts as committee coverage


def test_each_buying_role_engaged_adds_breadth(recompute, scoring):
    roles = (BuyingRole.CHAMPION, BuyingRole.ECONOMIC_BUYER, BuyingRole.TECHNICAL_EVALUATOR)
    flat, _ = _account_with(50)
    broad, _ = _account_with(50, roles=roles)

    recompute()

    assert _score(broad).engaged_roles == 3
    assert _score(broad).score - _score(flat).score == pytest.approx(
        3 * float(scoring.role_breadth_points)
    )


def test_top_members_sets_how_many_people_the_account_counts(recompute, scoring):
    account, contacts = _account_with(10)
    scoring.top_members = 10
    scoring.save()

    recompute()

    everyone = sum(min(c.signal_score.engagement, float(scoring.person_cap)) for c in contacts)
    assert _score(account).engagement == pytest.approx(everyone)
