import datetime

import factory
from django.utils import timezone

from apps.nurture.models import (
    Enrollment,
    Holiday,
    MailEvent,
    Sequence,
    Step,
    StepVariant,
    SuppressedAddress,
    Touch,
    TrackingHit,
)
from tests.factories.accounts import ContactFactory
from tests.factories.journeys import JourneyStageFactory


class SequenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sequence

    name = factory.Sequence(lambda n: f"Sequence {n}")
    journey_stage = factory.SubFactory(JourneyStageFactory)


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    sequence = factory.SubFactory(SequenceFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = Step.Kind.EMAIL
    subject = "Following up"
    body = "Hello {{ contact.first_name }}"


class StepVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepVariant

    step = factory.SubFactory(StepFactory)
    label = "B"
    subject = "Still on your list?"
    body = "Hello again {{ contact.first_name }}"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    sequence = factory.SubFactory(SequenceFactory)
    contact = factory.SubFactory(ContactFactory)


class TouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touch

    enrollment = factory.SubFactory(EnrollmentFactory)
    step = factory.SubFactory(StepFactory, sequence=factory.SelfAttribute("..enrollment.sequence"))
    sent_at = factory.LazyFunction(timezone.now)


class TrackingHitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackingHit

    touch = factory.SubFactory(TouchFactory)
    kind = TrackingHit.Kind.OPEN
    reason = TrackingHit.Reason.SCANNER
    user_agent = "Mozilla/5.0"
    at = factory.LazyFunction(timezone.now)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Holiday {n}")


class MailEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailEvent

    provider = MailEvent.Provider.MAILGUN
    provider_event_id = factory.Sequence(lambda n: f"mg-{n}")
    kind = MailEvent.Kind.DELIVERED
    email = factory.Sequence(lambda n: f"buyer{n}@acme.example")
    touch = factory.SubFactory(TouchFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    received_at = factory.LazyFunction(timezone.now)


class SuppressedAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuppressedAddress

    email = factory.Sequence(lambda n: f"gone{n}@acme.example")
    reason = SuppressedAddress.Reason.HARD_BOUNCE
    suppressed_at = factory.LazyFunction(timezone.now)
    touch = factory.SubFactory(TouchFactory)
