from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.campaigns import selectors, services
from apps.campaigns.api.filters import CampaignFilter
from apps.campaigns.api.serializers import (
    CampaignSerializer,
    KpiProgressSerializer,
    PlanningFindingSerializer,
    StatusChangeSerializer,
)
from apps.campaigns.models import Campaign
from apps.core.api.archive import ArchivableModelViewSet


class CampaignViewSet(ArchivableModelViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name", "objective"]
    ordering_fields = ["name", "start_date", "end_date", "budget", "created_at"]
    owner_field = "owner"

    def get_queryset(self):
        return Campaign.objects.select_related(
            "owner", "goal_stage__parent", "goal_stage__journey"
        ).prefetch_related("assets", "segment_stages", "segment_personas")

    def create_record(self, *, data):
        return services.campaign_create(data=data)

    def update_record(self, *, instance, data):
        return services.campaign_update(campaign=instance, data=data)

    def delete_record(self, *, instance):
        services.campaign_delete(campaign=instance)

    def _read_back(self, campaign: Campaign) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=campaign.pk)).data

    @extend_schema(request=StatusChangeSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def status(self, request, pk=None):
        """Move along draft → planned → live → completed, or cancel; a planned campaign may
        go back to draft."""
        change = StatusChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        campaign = services.campaign_change_status(
            campaign=self.get_object(), status=change.validated_data["status"]
        )
        return Response(self._read_back(campaign))

    @extend_schema(request=None, responses={201: CampaignSerializer})
    @action(detail=True, methods=["post"], model_permission="add")
    def duplicate(self, request, pk=None):
        """A new draft with the same plan, owned by the requester."""
        copy = services.campaign_duplicate(campaign=self.get_object(), owner=request.user)
        return Response(self._read_back(copy), status=status.HTTP_201_CREATED)

    @extend_schema(responses=KpiProgressSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def progress(self, request, pk=None):
        """The KPI measured on the segment inside the campaign's dates, against its target."""
        progress = selectors.campaign_progress(campaign=self.get_object())
        return Response(KpiProgressSerializer(progress).data)

    @extend_schema(responses=PlanningFindingSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def checks(self, request, pk=None):
        """The planning checks' findings: what deserves a second look before going live."""
        plan = selectors.Plan.of(self.get_object())
        return Response(
            PlanningFindingSerializer(selectors.campaign_plan_findings(plan=plan), many=True).data
        )
