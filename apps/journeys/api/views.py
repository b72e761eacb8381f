from django.db.models import F, Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.viewsets import ServiceModelViewSet
from apps.journeys import selectors, services
from apps.journeys.api.filters import PlaybookCellFilter, StageKpiFilter
from apps.journeys.api.serializers import (
    FindingSerializer,
    JourneyChangeSerializer,
    JourneyDetailSerializer,
    JourneyReviewSerializer,
    JourneyReviewTriggerSerializer,
    JourneySerializer,
    JourneyStageSerializer,
    PlaybookCellSerializer,
    StageKpiSerializer,
    StageTransitionSerializer,
)
from apps.journeys.models import Journey, JourneyStage, PlaybookCell, StageKpi, StageTransition
from apps.starter.services import starter_journey_reset


class JourneyViewSet(ServiceModelViewSet):
    """Journey versions. A draft is edited in place; a published or archived version is kept
    as it was (400 naming `status`): start a new version, edit it, publish it."""

    filterset_fields = ["key", "status", "owner"]
    search_fields = ["name", "scope", "key"]
    ordering_fields = ["name", "version", "updated_at"]

    def get_serializer_class(self):
        detailed = ("retrieve", "publish", "new_version", "reset_to_template")
        return JourneyDetailSerializer if self.action in detailed else JourneySerializer

    def get_queryset(self):
        journeys = Journey.objects.select_related("owner")
        if self.action in ("retrieve", "publish", "new_version", "reset_to_template"):
            stages = JourneyStage.objects.order_by(
                F("parent_id").asc(nulls_first=True), "position"
            ).prefetch_related("pipeline_stages")
            journeys = journeys.prefetch_related(Prefetch("stages", stages), "transitions")
        return journeys

    def _detail(self, journey: Journey, *, code: int = status.HTTP_200_OK) -> Response:
        journey = self.get_queryset().get(pk=journey.pk)
        return Response(self.get_serializer(journey).data, status=code)

    def create_record(self, *, data):
        data.setdefault("owner", self.request.user)
        return services.journey_create(data=data, changed_by=self.request.user)

    def update_record(self, *, instance, data):
        return services.journey_update(journey=instance, data=data, changed_by=self.request.user)

    def delete_record(self, *, instance):
        services.journey_delete(journey=instance, changed_by=self.request.user)

    @extend_schema(request=None, responses=JourneyDetailSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def publish(self, request, pk=None):
        """Publish this draft; the version published before is archived and the pipeline
        stages lined up with it move to this version's stages of the same slug."""
        journey = services.journey_publish(journey=self.get_object(), changed_by=request.user)
        return self._detail(journey)

    @extend_schema(request=None, responses={201: JourneyDetailSerializer})
    @action(detail=True, methods=["post"], url_path="new-version", model_permission="add")
    def new_version(self, request, pk=None):
        """Start a new draft version copied from this published one."""
        draft = services.journey_new_version(journey=self.get_object(), changed_by=request.user)
        return self._detail(draft, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: JourneyDetailSerializer})
    @action(detail=True, methods=["post"], url_path="reset-to-template", model_permission="add")
    def reset_to_template(self, request, pk=None):
        """Start a new draft version from this published one with the starter template's
        stages, transitions and KPIs instead of its own; publish the draft to put it in force."""
        draft = starter_journey_reset(journey=self.get_object(), changed_by=request.user)
        return self._detail(draft, code=status.HTTP_201_CREATED)

    @extend_schema(request=JourneyReviewSerializer, responses={201: JourneyReviewSerializer})
    @action(detail=True, methods=["post"], url_path="mark-reviewed", model_permission="change")
    def mark_reviewed(self, request, pk=None):
        """Record that the journey was reviewed: the next review falls due a cadence later."""
        journey = self.get_object()
        review = JourneyReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        saved = services.journey_mark_reviewed(
            journey=journey, reviewed_by=request.user, **review.validated_data
        )
        return Response(JourneyReviewSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=JourneyReviewTriggerSerializer, responses={201: JourneyReviewTriggerSerializer}
    )
    @action(detail=True, methods=["post"], url_path="review-triggers", model_permission="change")
    def review_triggers(self, request, pk=None):
        """Record what changed (a new product, market, buying behaviour): the review is due now."""
        journey = self.get_object()
        trigger = JourneyReviewTriggerSerializer(data=request.data)
        trigger.is_valid(raise_exception=True)
        saved = services.journey_review_trigger_record(
            journey=journey, recorded_by=request.user, **trigger.validated_data
        )
        return Response(JourneyReviewTriggerSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def health(self, request, pk=None):
        """The health check: how this map may fail the team, errors first."""
        findings = selectors.journey_health(journey=self.get_object())
        return Response(FindingSerializer(findings, many=True).data)

    @extend_schema(responses=JourneyChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def changes(self, request, pk=None):
        """Who changed what in this version, newest first."""
        history = selectors.journey_history(journey=self.get_object())
        return Response(JourneyChangeSerializer(history.changes, many=True).data)


class JourneyPartViewSet(ServiceModelViewSet):
    """Stages, transitions, playbook cells and stage KPIs: written only in draft versions."""

    def create_record(self, *, data):
        model = self.get_queryset().model
        return services.journey_part_create(model=model, data=data, changed_by=self.request.user)

    def update_record(self, *, instance, data):
        return services.journey_part_update(part=instance, data=data, changed_by=self.request.user)

    def delete_record(self, *, instance):
        services.journey_part_delete(part=instance, changed_by=self.request.user)


class JourneyStageViewSet(JourneyPartViewSet):
    serializer_class = JourneyStageSerializer
    filterset_fields = ["journey", "parent", "phase"]
    search_fields = ["name", "slug"]
    ordering_fields = ["position", "name"]

    def get_queryset(self):
        return JourneyStage.objects.select_related("journey", "parent").prefetch_related(
            "pipeline_stages"
        )


class StageTransitionViewSet(JourneyPartViewSet):
    serializer_class = StageTransitionSerializer
    filterset_fields = ["journey", "from_stage", "to_stage"]

    def get_queryset(self):
        return StageTransition.objects.select_related("from_stage", "to_stage")


class PlaybookCellViewSet(JourneyPartViewSet):
    """Stage × persona cells; with `account`, a tier-1 target account's own cell."""

    serializer_class = PlaybookCellSerializer
    filterset_class = PlaybookCellFilter
    ordering_fields = ["updated_at"]

    def get_queryset(self):
        return PlaybookCell.objects.select_related("stage", "persona")


class StageKpiViewSet(JourneyPartViewSet):
    serializer_class = StageKpiSerializer
    filterset_class = StageKpiFilter

    def get_queryset(self):
        return StageKpi.objects.select_related("stage")
