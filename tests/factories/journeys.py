import factory

from apps.journeys.models import Journey, JourneyStage, Phase, StageTransition
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
