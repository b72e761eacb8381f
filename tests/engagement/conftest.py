import datetime
from dataclasses import dataclass

import pytest

from apps.engagement.models import ScoringSettings
from apps.engagement.services import scores_recompute
from apps.journeys.models import JourneyStage, Phase
from tests.factories import JourneyFactory, JourneyStageFactory, ScoringSettingsFactory

NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def days_ago(days: float, *, at: datetime.datetime = NOW) -> datetime.datetime:
    return at - datetime.timedelta(days=days)


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
