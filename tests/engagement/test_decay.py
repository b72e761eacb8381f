"""Engagement is Σ weight × 2^(−age / half-life), capped per rule, weighted by phase."""

import pytest

from apps.engagement.models import ContactScore, EventKind
from apps.personas.models import BuyingRole
from tests.engagement.conftest import NOW, days_ago
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    PersonaFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.django_db


def _signals(contact, kind, *ages):
    for age in ages:
        EventFactory(account=contact.account, contact=contact, kind=kind, occurred_at=days_ago(age))


def _score(contact) -> ContactScore:
    return ContactScore.objects.get(contact=contact)


def test_each_signal_halves_every_half_life(stages, recompute):
    SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST, journey_stage=stages.awareness, weight=8, half_life_days=10
    )
    contact = ContactFactory()
    _signals(contact, EventKind.DEMO_REQUEST, 0, 10, 20, 5)

    recompute()

    # 8 + 4 + 2 + 8 / √2
    assert _score(contact).engagement == pytest.approx(14 + 8 * 2**-0.5)
    assert _score(contact).score == pytest.approx(14 + 8 * 2**-0.5)


def test_a_rule_adds_at_most_its_cap(stages, recompute):
    SignalRuleFactory(
        kind=EventKind.PAGE_VIEW,
        journey_stage=stages.awareness,
        weight=4,
        half_life_days=30,
        cap=10,
    )
    contact = ContactFactory()
    _signals(contact, EventKind.PAGE_VIEW, 0, 0, 0, 0)

    recompute()

    assert _score(contact).engagement == pytest.approx(10)


def test_later_phases_count_more(stages, recompute, scoring):
    for stage in (stages.awareness, stages.shortlist, stages.decision):
        SignalRuleFactory(kind=EventKind.MEETING, journey_stage=stage, weight=2, half_life_days=30)
    contact = ContactFactory()
    _signals(contact, EventKind.MEETING, 0)

    recompute()

    # Awareness ×1, consideration ×2, decision ×3 (the default multipliers).
    assert _score(contact).engagement == pytest.approx(2 * (1 + 2 + 3))


def test_only_rules_matching_kind_and_url_count_and_future_signals_wait(stages, recompute):
    SignalRuleFactory(
        kind=EventKind.PRICING_PAGE_VIEW,
        url_pattern="/pricing",
        journey_stage=stages.decision,
        weight=6,
        half_life_days=21,
    )
    contact = ContactFactory()
    account = contact.account
    EventFactory(account=account, contact=contact, kind=EventKind.PRICING_PAGE_VIEW,
                 url="https://site.example/Pricing/enterprise", occurred_at=NOW)  # fmt: skip
    EventFactory(account=account, contact=contact, kind=EventKind.PRICING_PAGE_VIEW,
                 url="https://site.example/blog/pricing_tips", occurred_at=NOW)  # fmt: skip
    EventFactory(account=account, contact=contact, kind=EventKind.PRICING_PAGE_VIEW,
                 url="https://site.example/about", occurred_at=NOW)  # fmt: skip
    EventFactory(account=account, contact=contact, kind=EventKind.PAGE_VIEW,
                 url="https://site.example/pricing", occurred_at=NOW)  # fmt: skip
    EventFactory(account=account, contact=contact, kind=EventKind.PRICING_PAGE_VIEW,
                 url="https://site.example/pricing", occurred_at=days_ago(-1))  # fmt: skip

    recompute()

    # Two pricing-page views under /pricing (any case), × 3 for the decision phase.
    assert _score(contact).engagement == pytest.approx(2 * 6 * 3)


def test_fit_adds_account_fit_target_persona_and_buying_role(stages, recompute, scoring):
    cfo = PersonaFactory(name="CFO")
    scoring.firmographic_fit_points = 30
    scoring.persona_fit_points = 10
    scoring.buying_role_points = {BuyingRole.ECONOMIC_BUYER: 15}
    scoring.save()
    scoring.target_personas.set([cfo])
    account = AccountFactory(fit_score=50)
    buyer = ContactFactory(account=account, persona=cfo, buying_role=BuyingRole.ECONOMIC_BUYER)
    user = ContactFactory(
        account=account, persona=PersonaFactory(), buying_role=BuyingRole.END_USER
    )

    recompute()

    assert _score(buyer).fit == pytest.approx(15 + 10 + 15)
    assert _score(user).fit == pytest.approx(15)
    assert _score(user).score == _score(user).fit  # no signals, no engagement


def test_a_url_pattern_is_plain_text_not_a_wildcard(stages, recompute):
    SignalRuleFactory(
        kind=EventKind.PAGE_VIEW, url_pattern="/plan_b", journey_stage=stages.awareness, weight=5
    )
    exact, lookalike = ContactFactory(), ContactFactory()
    EventFactory(account=exact.account, contact=exact, kind=EventKind.PAGE_VIEW,
                 url="https://site.example/plan_b/", occurred_at=NOW)  # fmt: skip
    EventFactory(account=lookalike.account, contact=lookalike, kind=EventKind.PAGE_VIEW,
                 url="https://site.example/planXb/", occurred_at=NOW)  # fmt: skip

    recompute()

    assert _score(exact).engagement == pytest.approx(5)
    assert _score(lookalike).engagement == 0
