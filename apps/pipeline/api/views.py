from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.archive import ArchivableModelViewSet
from apps.core.api.viewsets import ReadOnlyApiViewSet
from apps.imports.api.views import bulk_upsert_action
from apps.imports.models import RecordKind
from apps.nurture.services import record_archive_leaving_sequences
from apps.pipeline.api.filters import OpportunityFilter
from apps.pipeline.api.serializers import (
    ActivityInput,
    ActivitySerializer,
    MoveStageSerializer,
    OpportunitySerializer,
    PipelineStageSerializer,
    StageChangeSerializer,
)
from apps.pipeline.models import Opportunity, PipelineStage
from apps.pipeline.services import (
    opportunity_activity_log,
    opportunity_create,
    opportunity_delete,
    opportunity_move_stage,
    opportunity_update,
)


class PipelineStageViewSet(ReadOnlyApiViewSet):
    serializer_class = PipelineStageSerializer
    filterset_fields = ["outcome"]
    search_fields = ["name"]
    ordering_fields = ["position", "name"]

    def get_queryset(self):
        return PipelineStage.objects.all()


class OpportunityViewSet(ArchivableModelViewSet):
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    search_fields = ["name", "account__name"]
    ordering_fields = ["name", "amount", "expected_close_date", "stage_entered_at", "created_at"]
    owner_field = "owner"

    def get_queryset(self):
        return Opportunity.objects.select_related("account", "owner", "stage")

    def create_record(self, *, data):
        return opportunity_create(data=data, created_by=self.request.user)

    def update_record(self, *, instance, data):
        return opportunity_update(opportunity=instance, data=data, changed_by=self.request.user)

    def delete_record(self, *, instance):
        opportunity_delete(opportunity=instance)

    bulk = bulk_upsert_action(RecordKind.OPPORTUNITIES)

    def archive_record(self, *, instance):
        record_archive_leaving_sequences(record=instance, by=self.request.user)

    @extend_schema(request=MoveStageSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"], url_path="move-stage", model_permission="change")
    def move_stage(self, request, pk=None):
        """Move the deal to another stage; its stage history records who moved it and why."""
        opportunity = self.get_object()
        move = MoveStageSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        opportunity_move_stage(
            opportunity=opportunity, changed_by=request.user, **move.validated_data
        )
        # Read back with the joins the representation needs.
        return Response(self.get_serializer(self.get_queryset().get(pk=opportunity.pk)).data)

    @extend_schema(responses=StageChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """Every stay of the deal in a stage, oldest first."""
        changes = self.get_object().stage_changes.select_related(
            "stage", "from_stage", "changed_by"
        )
        return Response(StageChangeSerializer(changes, many=True).data)

    @extend_schema(request=ActivityInput, responses={201: ActivitySerializer})
    @action(detail=True, methods=["post"], model_permission="change")
    def activities(self, request, pk=None):
        """Log a call, meeting or note on the deal (its owner or a sales manager): stored as a
        seller-initiated event of the account, so it shows as coverage and never as intent."""
        opportunity = self.get_object()
        data = ActivityInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        event = opportunity_activity_log(
            opportunity=opportunity,
            logged_by=request.user,
            kind=values["kind"],
            occurred_at=values.get("occurred_at") or timezone.now(),
            outcome=values["outcome"],
            notes=values["notes"],
            contact=values["contact"],
        )
        return Response(ActivitySerializer(event).data, status=status.HTTP_201_CREATED)
