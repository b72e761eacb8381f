"""A small journey to plan against: three phases, two with a sub-stage, and its content."""

from dataclasses import dataclass

import pytest
from django.test import Client

from apps.journeys.models import Journey, JourneyStage, Phase
from tests.factories import JourneyFactory, JourneyStageFactory


@dataclass
class Stages:
    journey: Journey
    awareness: JourneyStage
    problem: JourneyStage  # awareness → problem recognition
    consideration: JourneyStage
    shortlist: JourneyStage  # consideration → shortlist
    decision: JourneyStage

    def all(self) -> list[JourneyStage]:
        return [
            self.awareness,
            self.problem,
            self.consideration,
            self.shortlist,
            self.decision,
        ]


def make_stages(journey: Journey) -> Stages:
    def stage(slug, name, phase, position, parent=None):
        return JourneyStageFactory(
            journey=journey, slug=slug, name=name, phase=phase, position=position, parent=parent
        )

    awareness = stage("awareness", "Awareness", Phase.AWARENESS, 1)
    consideration = stage("consideration", "Consideration", Phase.CONSIDERATION, 2)
    return Stages(
        journey=journey,
        awareness=awareness,
        problem=stage("problem", "Problem recognition", Phase.AWARENESS, 1, awareness),
        consideration=consideration,
        shortlist=stage("shortlist", "Shortlist", Phase.CONSIDERATION, 1, consideration),
        decision=stage("decision", "Decision", Phase.DECISION, 3),
    )


@pytest.fixture
def stages(db) -> Stages:
    journey = JourneyFactory(
        key="buyer-journey", name="Buyer journey", status=Journey.Status.PUBLISHED
    )
    return make_stages(journey)


@pytest.fixture
def other_stages(db) -> Stages:
    """Another journey altogether (another key), with stages of the same names."""
    journey = JourneyFactory(key="partner-journey", name="Partner journey")
    return make_stages(journey)


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client signed in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
