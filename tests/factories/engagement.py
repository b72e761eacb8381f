import factory
from django.utils import timezone

from apps.engagement.models import Event, EventKind, EventSource, SignalRule
from tests.factories.accounts import AccountFactory
from tests.factories.journeys import JourneyStageFactory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    account = factory.SubFactory(AccountFactory)
    kind = EventKind.PAGE_VIEW
    source = EventSource.WEB
    occurred_at = factory.LazyFunction(timezone.now)
    external_id = factory.Sequence(lambda n: f"evt-{n}")


class SignalRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalRule

    kind = EventKind.PRICING_PAGE_VIEW
    journey_stage = factory.SubFactory(JourneyStageFactory)
    weight = 10
