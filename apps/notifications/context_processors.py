from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.notifications.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict:
    """`unread_notifications` in every template: the signed-in user's unread count, counted at
    most once per request (one query, and none on a page that does not show it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def count() -> int:
        if not hasattr(request, "_unread_notifications"):
            request._unread_notifications = unread_count(user=user)
        return request._unread_notifications

    return {"unread_notifications": SimpleLazyObject(count)}
