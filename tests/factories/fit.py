import factory
from django.utils import timezone

from apps.fit.models import FitModel


class FitModelFactory(factory.django.DjangoModelFactory):
    """A retired version with no weights (train one through the service for a working model)."""

    class Meta:
        model = FitModel

    version = factory.Sequence(lambda n: n + 1)
    status = FitModel.Status.RETIRED
    requested_at = factory.LazyFunction(timezone.now)
