from django.db.models import QuerySet

from apps.notifications.models import Notification
from apps.users.models import User


def notification_inbox(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's notifications, newest first."""
    rows = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
