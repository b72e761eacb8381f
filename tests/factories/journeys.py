import datetime

import factory
from django.utils import timezone

from apps.journeys.kpis import Kpi
from apps.journeys.models import (
    Journey,
    JourneyChange,
    JourneyReview,
    JourneyReviewTrigger,
    JourneyStage,
    Phase,
    PlaybookCell,
    ReviewReminder,
    StageKpi,
    StageTransition,
)
from tests.factories.personas import PersonaFactory
from tests.factories.users import UserFactory


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    key = factory.Sequence(lambda n: f"journey-{n}")
    name = factory.Sequence(lambda n: f"Journey {n}")
    owner = factory.SubFactory(UserFactory)


class JourneyStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStage

    journey = factory.SubFactory(JourneyFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    slug = factory.Sequence(lambda n: f"stage-{n}")
    phase = Phase.AWARENESS
    position = factory.Sequence(lambda n: n)


class StageTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageTransition

    journey = factory.SelfAttribute("from_stage.journey")
    from_stage = factory.SubFactory(JourneyStageFactory)
    to_stage = factory.SubFactory(
        JourneyStageFactory, journey=factory.SelfAttribute("..from_stage.journey")
    )


class PlaybookCellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaybookCell

    stage = factory.SubFactory(JourneyStageFactory)
    persona = factory.SubFactory(PersonaFactory)
    buyer_questions = factory.LazyFunction(lambda: ["How do peers solve this?"])
    objections = factory.LazyFunction(
        lambda: [{"objection": "Too expensive", "response": "Show the payback"}]
    )


class StageKpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageKpi

    stage = factory.SubFactory(JourneyStageFactory)  # an awareness stage
    kpi = Kpi.REACH
    target = 1000


class JourneyChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyChange

    journey = factory.SubFactory(JourneyFactory)
    summary = "stage Awareness: name edited"


class JourneyReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyReview

    journey = factory.SubFactory(JourneyFactory)
    notes = "Checked with sales"


class JourneyReviewTriggerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyReviewTrigger

    journey = factory.SubFactory(JourneyFactory)
    kind = JourneyReviewTrigger.Kind.NEW_PRODUCT
    recorded_at = factory.LazyFunction(timezone.now)


class ReviewReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewReminder

    journey = factory.SubFactory(JourneyFactory)
    due_on = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
