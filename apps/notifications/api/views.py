from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.viewsets import ReadOnlyApiViewSet
from apps.notifications import selectors, services
from apps.notifications.api.serializers import MarkedReadSerializer, NotificationSerializer
from apps.notifications.models import Notification


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)."
    )

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class NotificationViewSet(ReadOnlyApiViewSet):
    """The signed-in user's own notifications, newest first; anyone signed in has an inbox."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_inbox(user=self.request.user).select_related("subject_type")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read (as opening it on the inbox page does)."""
        notification = self.get_object()
        services.notification_open(notification=notification)
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of the user read."""
        marked = services.notifications_mark_all_read(recipient=request.user)
        return Response(MarkedReadSerializer({"marked": marked}).data)
