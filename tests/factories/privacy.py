import factory
from django.utils import timezone

from apps.privacy.models import Erasure
from tests.factories.users import UserFactory


class ErasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Erasure

    contact_id = factory.Sequence(lambda n: n + 1)
    erased_by = factory.SubFactory(UserFactory)
    erased_at = factory.LazyFunction(timezone.now)
    counts = factory.LazyFunction(lambda: {"contacts": 1, "events": 3})
