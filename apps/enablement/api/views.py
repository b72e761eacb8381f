from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.content import services
from apps.content.models import EnablementRequest
from apps.content.selectors import enablement_requests_visible_to
from apps.core.api.viewsets import ServiceModelViewSet
from apps.enablement.api.serializers import (
    AssignInput,
    DeclineInput,
    DeliverInput,
    EnablementRequestSerializer,
)
from apps.users.models import Role
from apps.users.selectors import user_role


class WorksQueue(permissions.BasePermission):
    """Moving a request on is marketing's work, whatever a rep's change permission says."""

    def has_permission(self, request, view):
        return user_role(user=request.user) in {Role.MARKETER, Role.ADMIN}


class EnablementRequestViewSet(ServiceModelViewSet):
    """Reps list and edit their own requests; marketing works every request."""

    serializer_class = EnablementRequestSerializer
    owner_field = "requested_by"
    filterset_fields = ["status", "priority", "persona", "opportunity", "assignee"]
    ordering_fields = ["created_at", "due_date", "priority"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EnablementRequest.objects.none()
        return enablement_requests_visible_to(user=self.request.user).order_by("-created_at", "pk")

    def create_record(self, *, data):
        data.pop("requested_by", None)
        return services.enablement_request_create(requested_by=self.request.user, data=data)

    def update_record(self, *, instance, data):
        return services.enablement_request_update(request=instance, data=data)

    def delete_record(self, *, instance):
        instance.delete()

    def _respond(self, instance):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data)

    def get_permissions(self):
        extra = (
            [WorksQueue()]
            if self.action in {"accept", "start", "assign", "deliver", "decline"}
            else []
        )
        return [*super().get_permissions(), *extra]

    @extend_schema(request=None, responses=EnablementRequestSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def accept(self, request, pk=None):
        return self._respond(
            services.enablement_request_accept(request=self.get_object(), assignee=request.user)
        )

    @extend_schema(request=None, responses=EnablementRequestSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def start(self, request, pk=None):
        return self._respond(services.enablement_request_start(request=self.get_object()))

    @extend_schema(request=AssignInput, responses=EnablementRequestSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def assign(self, request, pk=None):
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            services.enablement_request_assign(request=self.get_object(), **data.validated_data)
        )

    @extend_schema(request=DeliverInput, responses=EnablementRequestSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def deliver(self, request, pk=None):
        data = DeliverInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            services.enablement_request_deliver(
                request=self.get_object(), asset=data.validated_data.get("asset")
            )
        )

    @extend_schema(request=DeclineInput, responses=EnablementRequestSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def decline(self, request, pk=None):
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            services.enablement_request_decline(
                request=self.get_object(), reason=data.validated_data["reason"]
            )
        )
