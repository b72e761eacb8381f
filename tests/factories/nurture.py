import datetime

import factory
from django.utils import timezone

from apps.nurture.models import Enrollment, Holiday, Sequence, Step, Touch
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


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Holiday {n}")
