import factory
from django.utils import timezone

from apps.enablement.models import AssetRecommendation, DealObjection
from tests.factories.content import AssetFactory
from tests.factories.pipeline import OpportunityFactory
from tests.factories.users import UserFactory


class DealObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealObjection

    opportunity = factory.SubFactory(OpportunityFactory)
    text = "Integration with our ERP looks risky"
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)


class AssetRecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetRecommendation

    asset = factory.SubFactory(AssetFactory)
    opportunity = factory.SubFactory(OpportunityFactory)
    first_recommended_at = factory.LazyFunction(timezone.now)
