from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.core.api.archive import ArchivableModelViewSet
from apps.core.api.bulk_actions import BulkIdsSerializer, bulk_response, bulk_result_serializer
from apps.core.api.permissions import bound_to_own_records
from apps.core.api.viewsets import (
    ApiViewSet,
    CsvListModelMixin,
    ReadOnlyApiViewSet,
    ServiceModelViewSet,
)
from apps.core.services import model_update
from apps.nurture import selectors, services
from apps.nurture.api.serializers import (
    EnrollmentSerializer,
    SequenceSerializer,
    StallRuleSerializer,
    StepPreviewQuerySerializer,
    StepPreviewSerializer,
    StepSerializer,
    TouchSerializer,
)
from apps.nurture.models import Enrollment, Sequence, Step, Touch
from apps.pipeline.models import PipelineStage


class StallRuleViewSet(
    mixins.UpdateModelMixin, CsvListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Each open pipeline stage's stall limits: days in the stage, days without activity."""

    serializer_class = StallRuleSerializer
    ordering_fields = ["name"]

    def get_queryset(self):
        return PipelineStage.objects.filter(outcome=PipelineStage.Outcome.OPEN).order_by("position")

    def perform_update(self, serializer):
        serializer.instance, _ = model_update(
            instance=serializer.instance,
            fields=["max_days_in_stage", "max_days_without_activity"],
            data=serializer.validated_data,
        )


class SequenceViewSet(ArchivableModelViewSet):
    serializer_class = SequenceSerializer
    filterset_fields = ["journey_stage", "buying_role", "persona", "is_active"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return Sequence.objects.select_related("journey_stage")

    def create_record(self, *, data):
        return services.sequence_create(data=data)

    def update_record(self, *, instance, data):
        return services.sequence_update(sequence=instance, data=data)

    def delete_record(self, *, instance):
        services.sequence_delete(sequence=instance)

    def archive_record(self, *, instance):
        services.record_archive_leaving_sequences(record=instance, by=self.request.user)


class StepViewSet(ServiceModelViewSet):
    serializer_class = StepSerializer
    filterset_fields = ["sequence", "kind"]
    search_fields = ["subject", "body", "sequence__name"]
    ordering_fields = ["sequence", "position"]

    def get_queryset(self):
        return Step.objects.order_by("sequence", "position")

    def create_record(self, *, data):
        return services.step_create(data=data)

    def update_record(self, *, instance, data):
        return services.step_update(step=instance, data=data)

    def delete_record(self, *, instance):
        services.step_delete(step=instance)

    @extend_schema(parameters=[StepPreviewQuerySerializer], responses=StepPreviewSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def preview(self, request, pk=None):
        """The step as the given contact would get it."""
        step = self.get_object()
        query = StepPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        contact = query.validated_data["contact"]
        preview = selectors.step_preview(step=step, contact=contact)
        return Response({"contact": contact.pk, "subject": preview.subject, "body": preview.body})


def _own_deal_only(user, opportunity) -> None:
    """Sales reps enrol and end enrolments for their own deals only."""
    if bound_to_own_records(user=user) and (opportunity is None or opportunity.owner_id != user.pk):
        raise PermissionDenied


class BulkEnrolInput(BulkIdsSerializer):
    sequence = serializers.PrimaryKeyRelatedField(queryset=Sequence.objects.active())


EnrollmentBulkResult = bulk_result_serializer("EnrollmentBulkResult", EnrollmentSerializer)


class EnrollmentViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Enrolments: listed, made by hand, ended by hand (`exit`); the dispatcher does the rest."""

    serializer_class = EnrollmentSerializer
    filterset_fields = ["sequence", "contact", "opportunity", "status"]
    search_fields = [
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "sequence__name",
    ]
    ordering_fields = ["enrolled_at", "due_at"]

    def get_queryset(self):
        return Enrollment.objects.select_related("sequence", "contact").order_by("-enrolled_at")

    def perform_create(self, serializer):
        data = serializer.validated_data
        _own_deal_only(self.request.user, data.get("opportunity"))
        serializer.instance = services.enrollment_create(
            sequence=data["sequence"],
            contact=data["contact"],
            opportunity=data.get("opportunity"),
            enrolled_by=self.request.user,
        )

    @extend_schema(request=None, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def exit(self, request, pk=None):
        """End the enrolment by hand; it records `manual` as the reason."""
        enrollment = self.get_object()
        _own_deal_only(request.user, enrollment.opportunity)
        services.enrollment_exit(enrollment=enrollment)
        return Response(self.get_serializer(self.get_queryset().get(pk=enrollment.pk)).data)

    @extend_schema(
        operation_id="enrollments_bulk_exit",
        request=BulkIdsSerializer,
        responses=EnrollmentBulkResult,
    )
    @action(
        detail=False,
        methods=["post"],
        model_permission="change",
        url_path="exit",
        url_name="bulk-exit",
        parser_classes=[JSONParser],
    )
    def bulk_exit(self, request):
        """End many enrolments in one transaction: `{"ids": [...]}`; a rep only on their own
        deals. Each one left alone (already ended, another rep's, unknown) is listed with why."""
        data = BulkIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.enrollments_exit(
            enrollment_ids=data.validated_data["ids"], by=request.user
        )
        return bulk_response(self, result)

    @extend_schema(request=BulkEnrolInput, responses=EnrollmentBulkResult)
    @action(detail=False, methods=["post"], model_permission="add", parser_classes=[JSONParser])
    def enrol(self, request):
        """Enrol many contacts in one active sequence in one transaction: `{"ids": [contact
        ids], "sequence": id}`; marketing, managers and admins (a rep enrols for their own deal,
        one at a time). Each contact refused (opted out, archived, already in it) is listed."""
        if bound_to_own_records(user=request.user):
            raise PermissionDenied("A rep enrols contacts for their own deal, one at a time.")
        data = BulkEnrolInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.contacts_enrol(
            contact_ids=data.validated_data["ids"],
            sequence=data.validated_data["sequence"],
            enrolled_by=request.user,
        )
        return bulk_response(self, result)


class TouchViewSet(ReadOnlyApiViewSet):
    """What the dispatcher carried out, once per enrolment and step; rep tasks among them."""

    serializer_class = TouchSerializer
    filterset_fields = ["enrollment", "step", "kind", "assignee"]
    ordering_fields = ["sent_at"]
    owner_field = "assignee"

    def get_queryset(self):
        return Touch.objects.select_related("enrollment").order_by("-sent_at", "-pk")

    @extend_schema(request=None, responses=TouchSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def complete(self, request, pk=None):
        """Mark a rep task done; a sales rep completes only their own."""
        touch = services.task_complete(touch=self.get_object())
        return Response(self.get_serializer(touch).data)
