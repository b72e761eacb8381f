import datetime

import factory
from django.utils import timezone

from apps.engagement.models import (
    AccountScore,
    AccountScoreSnapshot,
    Backtest,
    Calibration,
    ContactScore,
    Event,
    EventKind,
    EventSource,
    Handoff,
    InferredStageChange,
    RecomputeRequest,
    RuleSet,
    ScoringSettings,
    SignalRule,
    WebhookDelivery,
    WebhookSource,
)
from tests.factories.accounts import AccountFactory, ContactFactory
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


class ScoringSettingsFactory(factory.django.DjangoModelFactory):
    """The single settings row: every call returns the same one."""

    class Meta:
        model = ScoringSettings
        django_get_or_create = ("id",)

    id = ScoringSettings.SINGLETON_ID


class ContactScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactScore

    contact = factory.SubFactory(ContactFactory)
    account = factory.SelfAttribute("contact.account")
    score = 12.5
    computed_at = factory.LazyFunction(timezone.now)


class AccountScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountScore

    account = factory.SubFactory(AccountFactory)
    score = 40.0
    computed_at = factory.LazyFunction(timezone.now)


class AccountScoreSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountScoreSnapshot

    account = factory.SubFactory(AccountFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())
    score = 30.0


class InferredStageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InferredStageChange

    account = factory.SubFactory(AccountFactory)
    is_forward = True
    changed_at = factory.LazyFunction(timezone.now)
    score = 20.0
    stage_evidence = 6.0
    threshold = 5.0


class HandoffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handoff

    kind = Handoff.Kind.MQL
    contact = factory.SubFactory(ContactFactory)
    account = factory.SelfAttribute("contact.account")
    score = 75.0
    threshold = 60.0
    raised_at = factory.LazyFunction(timezone.now)


class BacktestFactory(factory.django.DjangoModelFactory):
    """A finished backtest; its results are empty (run one through the service for numbers)."""

    class Meta:
        model = Backtest

    as_of = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=120))
    horizon_days = 90
    status = Backtest.Status.DONE


class RuleSetFactory(factory.django.DjangoModelFactory):
    """A proposed rule set version holding no rules (store real ones through the services)."""

    class Meta:
        model = RuleSet

    version = factory.Sequence(lambda n: n + 1)
    status = RuleSet.Status.PROPOSED
    origin = RuleSet.Origin.CALIBRATION
    summary = "Calibration proposes new numbers for 0 of 0 rules"
    stage_threshold = 5


class CalibrationFactory(factory.django.DjangoModelFactory):
    """A queued calibration of last year's history."""

    class Meta:
        model = Calibration

    start = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=500))
    end = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=200))
    horizon_days = 90


class RecomputeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecomputeRequest

    account = factory.SubFactory(AccountFactory)
    requested_at = factory.LazyFunction(timezone.now)


class WebhookSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSource

    name = factory.Sequence(lambda n: f"feed-{n}")
    source = "intent"
    secret = factory.Sequence(lambda n: f"secret-{n}")


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    webhook_source = factory.SubFactory(WebhookSourceFactory)
    signature = factory.Sequence(lambda n: f"{n:064x}")
    signed_at = factory.LazyFunction(timezone.now)
    received_at = factory.LazyFunction(timezone.now)
