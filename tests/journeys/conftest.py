"""A small draft journey for the journey tests, and helpers to read its parts by name."""

from dataclasses import dataclass

import pytest

from apps.journeys.models import Journey, JourneyStage, Phase
from apps.personas.models import Persona
from tests.factories import (
    JourneyFactory,
    JourneyStageFactory,
    PersonaFactory,
    StageTransitionFactory,
)


@dataclass
class SmallJourney:
    """Awareness → Consideration (Shortlist, Business case) → Decision, with a move back from
    Decision to Consideration; two personas."""

    journey: Journey
    awareness: JourneyStage
    consideration: JourneyStage
    shortlist: JourneyStage
    business_case: JourneyStage
    decision: JourneyStage
    cfo: Persona
    it_director: Persona

    @property
    def stages(self) -> list[JourneyStage]:
        return [
            self.awareness,
            self.consideration,
            self.shortlist,
            self.business_case,
            self.decision,
        ]


def _persona(name: str) -> Persona:
    return Persona.objects.filter(name=name).first() or PersonaFactory(name=name)


def build_journey(*, owner, key: str = "finance", **fields) -> SmallJourney:
    journey = JourneyFactory(key=key, name="Finance buyers", owner=owner, **fields)

    def stage(name, phase, position, parent=None):
        return JourneyStageFactory(
            journey=journey,
            name=name,
            slug=name.lower().replace(" ", "-"),
            phase=phase,
            position=position,
            parent=parent,
        )

    awareness = stage("Awareness", Phase.AWARENESS, 1)
    consideration = stage("Consideration", Phase.CONSIDERATION, 2)
    shortlist = stage("Shortlist", Phase.CONSIDERATION, 1, consideration)
    business_case = stage("Business case", Phase.CONSIDERATION, 2, consideration)
    decision = stage("Decision", Phase.DECISION, 3)
    for source, target in [
        (awareness, consideration),
        (shortlist, business_case),
        (consideration, decision),
        (decision, consideration),
    ]:
        StageTransitionFactory(journey=journey, from_stage=source, to_stage=target)
    return SmallJourney(
        journey=journey,
        awareness=awareness,
        consideration=consideration,
        shortlist=shortlist,
        business_case=business_case,
        decision=decision,
        cfo=_persona("CFO"),
        it_director=_persona("IT Director"),
    )


@pytest.fixture
def small(marketer) -> SmallJourney:
    """A draft journey owned by the marketer."""
    return build_journey(owner=marketer)
