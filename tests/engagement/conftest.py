import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from apps.engagement import services
from apps.engagement.calibration import CalibrationResult, RuleProposal
from apps.engagement.models import EventKind, ScoringSettings, SignalRule
from apps.engagement.services import scores_recompute
from apps.journeys.models import JourneyStage, Phase
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    JourneyFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PipelineStageFactory,
    ScoringSettingsFactory,
    SignalRuleFactory,
)

NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def days_ago(days: float, *, at: datetime.datetime = NOW) -> datetime.datetime:
    return at - datetime.timedelta(days=days)


# The day the planted backtest world (`planted`) is scored as of.
BACKTEST_AS_OF = days_ago(60)


@dataclass
class Stages:
    awareness: JourneyStage
    consideration: JourneyStage
    shortlist: JourneyStage
    decision: JourneyStage


@pytest.fixture
def stages(db) -> Stages:
    """Awareness → Consideration (with its sub-stage Shortlist) → Decision."""
    journey = JourneyFactory(key="buying", name="Buying")

    def stage(name, phase, position, parent=None):
        return JourneyStageFactory(
            journey=journey,
            parent=parent,
            name=name,
            slug=name.lower(),
            phase=phase,
            position=position,
        )

    consideration = stage("Consideration", Phase.CONSIDERATION, 2)
    return Stages(
        awareness=stage("Awareness", Phase.AWARENESS, 1),
        consideration=consideration,
        shortlist=stage("Shortlist", Phase.CONSIDERATION, 1, parent=consideration),
        decision=stage("Decision", Phase.DECISION, 3),
    )


@pytest.fixture
def scoring(db) -> ScoringSettings:
    """Settings with no fit points, so a score is its engagement alone unless a test adds fit."""
    return ScoringSettingsFactory(
        stage_threshold=5,
        firmographic_fit_points=0,
        persona_fit_points=0,
        buying_role_points={},
        mql_threshold=1000,
        mqa_threshold=1000,
    )


@pytest.fixture
def recompute(scoring):
    """`recompute(at=...)` rescores every buyer as of that moment (default NOW)."""

    def run(at: datetime.datetime = NOW, account_ids=None):
        return scores_recompute(at=at, account_ids=account_ids)

    return run


@pytest.fixture
def client_for_role(marketer, sales_rep, admin_member):
    """`client_for_role("sales")`: a test client signed in as the fixture user of that role."""
    from django.test import Client

    users = {"marketer": marketer, "sales": sales_rep, "admin": admin_member}

    def make(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return make


@pytest.fixture
def planted(stages, scoring):
    """Six accounts: three whose buyers asked for a demo before BACKTEST_AS_OF and opened a
    deal within 30 days after; three whose buyers only opened many emails (no rule counts an
    open)."""
    SignalRuleFactory(kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision, weight=10)
    pipeline = PipelineStageFactory(journey_stage=stages.decision)
    buyers, browsers = [], []
    for n in range(6):
        account = AccountFactory()
        contact = ContactFactory(account=account)
        if n < 3:
            EventFactory(
                account=account,
                contact=contact,
                kind=EventKind.DEMO_REQUEST,
                occurred_at=days_ago(70),
            )
            deal = OpportunityFactory(account=account, stage=pipeline)
            type(deal).objects.filter(pk=deal.pk).update(created_at=days_ago(45))
            buyers.append(contact)
        else:
            for days in (80, 75, 65):
                EventFactory(
                    account=account,
                    contact=contact,
                    kind=EventKind.EMAIL_OPEN,
                    occurred_at=days_ago(days),
                )
            browsers.append(contact)
        # A demo request after BACKTEST_AS_OF: a backtest must not see it.
        EventFactory(
            account=account, contact=contact, kind=EventKind.DEMO_REQUEST, occurred_at=days_ago(50)
        )
    return buyers, browsers


# -- rule sets ------------------------------------------------------------------------------------


def rule_data(stage, kind=EventKind.DEMO_REQUEST, weight=10, **extra) -> dict:
    return {"kind": kind, "journey_stage": stage, "weight": Decimal(weight), **extra}


def proposal_for(
    rules: list[SignalRule], *, weights: dict, old_threshold=5, new_threshold=5, intervals=None
) -> CalibrationResult:
    """A calibration's result by hand: new weights for some rules, every other number kept;
    each rule's lift interval is 1.5–4.0 unless `intervals` gives it another (low, high)."""
    intervals = intervals or {}
    return CalibrationResult(
        rules=tuple(
            RuleProposal(
                rule_id=rule.pk,
                label=rule.label,
                old_weight=float(rule.weight),
                new_weight=weights.get(rule.pk, float(rule.weight)),
                old_half_life_days=float(rule.half_life_days),
                new_half_life_days=float(rule.half_life_days),
                old_cap=None,
                new_cap=None,
                lift=2.5,
                lift_low=intervals.get(rule.pk, (1.5, 4.0))[0],
                lift_high=intervals.get(rule.pk, (1.5, 4.0))[1],
                events=40,
                reason="Buyers with this signal opened deals 2.5 times as often.",
            )
            for rule in rules
        ),
        old_threshold=old_threshold,
        new_threshold=new_threshold,
        threshold_reason="Best agreement with the stages of open deals.",
        metrics={"examples": 120, "positives": 12},
    )


@pytest.fixture
def two_rules(stages, scoring) -> list[SignalRule]:
    """A demo request says decision (version 1), a pricing-page view consideration (version 2)."""
    return [
        services.signal_rule_create(data=rule_data(stages.decision)),
        services.signal_rule_create(
            data=rule_data(stages.consideration, kind=EventKind.PRICING_PAGE_VIEW, weight=6)
        ),
    ]
