import factory
from django.utils import timezone

from apps.pipeline.models import (
    Opportunity,
    OpportunityStall,
    PipelineStage,
    StageChange,
    StallReason,
)
from tests.factories.accounts import AccountFactory
from tests.factories.users import UserFactory


class PipelineStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipelineStage

    name = factory.Sequence(lambda n: f"Pipeline stage {n}")
    position = factory.Sequence(lambda n: n + 1)
    probability = 20


class OpportunityFactory(factory.django.DjangoModelFactory):
    """An opportunity with the first entry of its stage history, as the service makes it."""

    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    owner = factory.SubFactory(UserFactory)
    stage = factory.SubFactory(PipelineStageFactory)
    amount = 25000
    stage_entered_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            StageChange.objects.create(
                opportunity=self, stage=self.stage, entered_at=self.stage_entered_at
            )


class StageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageChange

    opportunity = factory.SubFactory(OpportunityFactory)
    stage = factory.SubFactory(PipelineStageFactory)
    entered_at = factory.LazyFunction(timezone.now)
    exited_at = factory.LazyAttribute(lambda o: o.entered_at)


class OpportunityStallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityStall

    opportunity = factory.SubFactory(OpportunityFactory)
    reason = StallReason.NO_ACTIVITY
    started_at = factory.LazyFunction(timezone.now)
