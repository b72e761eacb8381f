from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.content import services
from apps.content.models import AssetShare, EnablementRequest
from apps.content.selectors import enablement_requests_visible_to
from apps.core.api.bulk_actions import BulkIdsSerializer, bulk_response, bulk_result_serializer
from apps.core.api.viewsets import ApiViewSet, ReadOnlyApiViewSet, ServiceModelViewSet
from apps.enablement import selectors
from apps.enablement import services as enablement_services
from apps.enablement.api.serializers import (
    AssetShareInput,
    AssetShareSerializer,
    AssignInput,
    DealObjectionSerializer,
    DeclineInput,
    DeliverInput,
    EnablementRequestSerializer,
    WorkspaceSerializer,
)
from apps.enablement.models import DealObjection
from apps.pipeline.models import Opportunity
from apps.users.models import Role
from apps.users.selectors import user_role


class WorksQueue(permissions.BasePermission):
    """Moving a request on is marketing's work, whatever a rep's change permission says."""

    def has_permission(self, request, view):
        return user_role(user=request.user) in {Role.MARKETER, Role.ADMIN}


class BulkAssignInput(BulkIdsSerializer, AssignInput):
    pass


class BulkDeclineInput(BulkIdsSerializer, DeclineInput):
    pass


RequestBulkResult = bulk_result_serializer(
    "EnablementRequestBulkResult", EnablementRequestSerializer
)


class EnablementRequestViewSet(ServiceModelViewSet):
    """Reps list and edit their own requests; marketing works every request."""

    serializer_class = EnablementRequestSerializer
    owner_field = "requested_by"
    filterset_fields = ["status", "priority", "persona", "opportunity", "assignee"]
    search_fields = ["notes", "decline_reason", "opportunity__name"]
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
        return Response(self.get_serializer(self.as_listed(instance)).data)

    def get_permissions(self):
        extra = (
            [WorksQueue()]
            if self.action
            in {"accept", "start", "assign", "deliver", "decline", "bulk_assign", "bulk_decline"}
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

    @extend_schema(
        operation_id="enablement_requests_bulk_assign",
        request=BulkAssignInput,
        responses=RequestBulkResult,
    )
    @action(
        detail=False,
        methods=["post"],
        model_permission="change",
        url_path="assign",
        url_name="bulk-assign",
        parser_classes=[JSONParser],
    )
    def bulk_assign(self, request):
        """Assign many requests to one marketer in one transaction: `{"ids": [...], "assignee":
        id}`; each closed or unknown one is listed with why."""
        data = BulkAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.enablement_requests_assign(
            request_ids=data.validated_data["ids"], assignee=data.validated_data["assignee"]
        )
        return bulk_response(self, result)

    @extend_schema(
        operation_id="enablement_requests_bulk_decline",
        request=BulkDeclineInput,
        responses=RequestBulkResult,
    )
    @action(
        detail=False,
        methods=["post"],
        model_permission="change",
        url_path="decline",
        url_name="bulk-decline",
        parser_classes=[JSONParser],
    )
    def bulk_decline(self, request):
        """Decline many requests with one reason in one transaction: `{"ids": [...], "reason":
        "..."}`; each closed or unknown one is listed with why."""
        data = BulkDeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.enablement_requests_decline(
            request_ids=data.validated_data["ids"], reason=data.validated_data["reason"]
        )
        return bulk_response(self, result)


class OpportunityWorkspaceViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """One open deal as a rep works it: committee, coverage and ranked recommendations."""

    serializer_class = WorkspaceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Opportunity.objects.none()
        return selectors.opportunities_visible_to(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        space = selectors.opportunity_workspace(opportunity_id=self.get_object().pk)
        enablement_services.asset_recommendations_record_later(
            opportunity=space.opportunity, assets=[r.asset for r in space.recommendations]
        )
        return Response(self.get_serializer(space).data)


class DealObjectionViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Objections heard on deals (filter by `opportunity`); recommendations answer them."""

    serializer_class = DealObjectionSerializer
    filterset_fields = ["opportunity", "persona"]
    search_fields = ["text", "opportunity__name"]
    ordering_fields = ["recorded_at"]

    def get_queryset(self):
        return DealObjection.objects.order_by("-recorded_at", "pk")

    def perform_create(self, serializer):
        serializer.instance = enablement_services.deal_objection_record(
            recorded_by=self.request.user, **serializer.validated_data
        )


class AssetShareViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Assets reps sent to committee members; a share also records an engagement event."""

    serializer_class = AssetShareSerializer
    filterset_fields = ["opportunity", "asset", "contact"]
    ordering_fields = ["shared_at"]

    def get_queryset(self):
        return AssetShare.objects.order_by("-shared_at", "pk")

    @extend_schema(request=AssetShareInput, responses={201: AssetShareSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        data = AssetShareInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        shares = services.asset_share(shared_by=request.user, **data.validated_data)
        return Response(
            AssetShareSerializer(shares, many=True).data, status=status.HTTP_201_CREATED
        )
