import factory
from django.utils import timezone

from apps.notifications.models import Notification
from tests.factories.users import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Notification.Kind.STALL
    text = "Acme rollout has stalled."
    link = "/opportunities/"
    created_at = factory.LazyFunction(timezone.now)
