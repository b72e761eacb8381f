import factory
from django.utils import timezone

from apps.content.models import Asset, AssetShare, AssetType, EnablementRequest
from tests.factories.accounts import ContactFactory
from tests.factories.journeys import JourneyStageFactory
from tests.factories.users import UserFactory


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    title = factory.Sequence(lambda n: f"Asset {n}")
    asset_type = AssetType.CASE_STUDY
    journey_stage = factory.SubFactory(JourneyStageFactory)
    url = factory.Sequence(lambda n: f"https://content.example/asset-{n}")
    status = Asset.Status.PUBLISHED


class AssetShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetShare

    asset = factory.SubFactory(AssetFactory)
    contact = factory.SubFactory(ContactFactory)
    shared_by = factory.SubFactory(UserFactory)
    shared_at = factory.LazyFunction(timezone.now)


class EnablementRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnablementRequest

    requested_by = factory.SubFactory(UserFactory)
    need = "A TCO comparison for the CFO"
