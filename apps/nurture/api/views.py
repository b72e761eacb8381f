import json

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.core.api.archive import ArchivableModelViewSet
from apps.core.api.bulk_actions import BulkIdsSerializer, bulk_response, bulk_result_serializer
from apps.core.api.permissions import bound_to_own_records
from apps.core.api.throttling import BulkIntakeThrottle
from apps.core.api.viewsets import (
    ApiViewSet,
    CsvListModelMixin,
    ReadOnlyApiViewSet,
    ServiceModelViewSet,
)
from apps.core.exceptions import ApplicationError
from apps.core.services import model_update
from apps.engagement import ingestion, webhooks
from apps.nurture import mail_events, results, selectors, services
from apps.nurture.api.serializers import (
    EnrollmentSerializer,
    MailEventInputSerializer,
    MailEventReportSerializer,
    MailEventResultSerializer,
    MailEventsInputSerializer,
    PickWinnerSerializer,
    ResultsQuerySerializer,
    SequenceResultsSerializer,
    SequenceSerializer,
    StallRuleSerializer,
    StepPreviewQuerySerializer,
    StepPreviewSerializer,
    StepSerializer,
    StepVariantSerializer,
    TouchSerializer,
)
from apps.nurture.models import Enrollment, Sequence, Step, StepVariant, Touch
from apps.nurture.services import MailEventOutcome
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

    @extend_schema(parameters=[ResultsQuerySerializer], responses=SequenceResultsSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request, pk=None):
        """Per step what its emails met, per A/B variant its rates and verdict, and the deals
        enrolled against comparable stalled deals not enrolled (as on the results page)."""
        sequence = self.get_object()
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = results.sequence_results(sequence=sequence, **query.validated_data)
        return Response(SequenceResultsSerializer(found).data)


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

    @extend_schema(request=PickWinnerSerializer, responses=StepSerializer)
    @action(
        detail=True,
        methods=["post"],
        model_permission="change",
        url_path="pick-winner",
        parser_classes=[JSONParser],
    )
    def pick_winner(self, request, pk=None):
        """End the step's A/B test: every new send uses this variant (`{"variant": id}`)."""
        step = self.get_object()
        data = PickWinnerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.step_pick_winner(step=step, variant=data.validated_data["variant"])
        return Response(self.get_serializer(self.as_listed(step)).data)

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


class StepVariantViewSet(ServiceModelViewSet):
    """A/B variants of email steps; the first one of a step makes its own text variant A."""

    serializer_class = StepVariantSerializer
    filterset_fields = ["step", "is_active"]
    ordering_fields = ["step", "label"]

    def get_queryset(self):
        return StepVariant.objects.order_by("step", "label")

    def create_record(self, *, data):
        return services.step_variant_create(step=data.pop("step"), data=data)

    def update_record(self, *, instance, data):
        if data.pop("step", instance.step) != instance.step:
            raise ApplicationError(
                "A variant stays with its step.",
                fields={"step": ["Add a variant to the other step instead."]},
            )
        return services.step_variant_update(variant=instance, data=data)

    def delete_record(self, *, instance):
        services.step_variant_delete(variant=instance)


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


MAX_MAIL_EVENTS = 1_000
_SIGNED = {
    401: OpenApiResponse(
        description="Bad, missing or stale signature, or the endpoint's secret is not set: "
        "nothing stored."
    )
}


def _refused(error: ApplicationError) -> Response:
    return Response(
        {"detail": error.message},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": "Waymark-Signature"},
    )


def _raw_body(request) -> bytes:
    return request.stream.read(ingestion.MAX_BODY_BYTES + 1) if request.stream else b""


class MailEventViewSet(ApiViewSet):
    """What the mail provider reports after a sequence email left: delivered, bounced,
    complained, replied, unsubscribed (apps/nurture/mail_events.py). The signature is the
    credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [BulkIntakeThrottle]
    serializer_class = MailEventReportSerializer

    @extend_schema(
        request=MailEventsInputSerializer,
        parameters=[
            OpenApiParameter(
                webhooks.SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="t=<unix time>,v1=<hex HMAC-SHA256 of `<unix time>.<body>` under "
                "MAIL_EVENTS_SECRET>",
            )
        ],
        responses={
            200: MailEventReportSerializer,
            400: OpenApiResponse(
                description="Not a JSON object with an `events` list of at most "
                f"{MAX_MAIL_EVENTS:,}, or every event rejected (the report, with a `detail`)."
            ),
            413: OpenApiResponse(description="A body over 32 MB: nothing is stored."),
            **_SIGNED,
        },
        auth=[],
    )
    def create(self, request):
        """Up to 1,000 events, signed. Each is checked on its own: a bad one is reported by its
        index and fields, the others are recorded; a repeated id counts once."""
        body = _raw_body(request)
        if len(body) > ingestion.MAX_BODY_BYTES:
            return Response({"detail": "The body is too large: send fewer events."}, status=413)
        try:
            mail_events.generic_verify(
                header=request.headers.get(webhooks.SIGNATURE_HEADER, ""),
                body=body,
                now=timezone.now(),
            )
        except webhooks.SignatureRejected as error:
            return _refused(error)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            payload = None
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list) or not events or len(events) > MAX_MAIL_EVENTS:
            message = f"Send a JSON object whose `events` lists 1 to {MAX_MAIL_EVENTS:,} events."
            return Response({"detail": message, "errors": {"events": [message]}}, status=400)
        checked = [MailEventInputSerializer(data=event) for event in events]
        good = [(item, s) for item, s in enumerate(checked) if s.is_valid()]
        outcomes = services.mail_reports_record(reports=[s.report() for _, s in good])
        results = [
            {"item": item, "outcome": o} for (item, _), o in zip(good, outcomes, strict=True)
        ]
        results += [
            {"item": item, "outcome": "rejected", "errors": _item_errors(s.errors)}
            for item, s in enumerate(checked)
            if s.errors
        ]
        results.sort(key=lambda result: result["item"])
        report = {
            "recorded": outcomes.count(MailEventOutcome.RECORDED),
            "unmatched": outcomes.count(MailEventOutcome.UNMATCHED),
            "duplicates": outcomes.count(MailEventOutcome.DUPLICATE),
            "ignored": 0,
            "rejected": len(checked) - len(good),
            "results": results,
        }
        data = MailEventReportSerializer(report).data
        if not good:
            return Response(
                {"detail": "No event was accepted: see each one's errors.", **data}, 400
            )
        return Response(data)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: MailEventResultSerializer,
            406: OpenApiResponse(description="Signed but without event-data: do not retry."),
            **_SIGNED,
        },
        auth=[],
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def mailgun(self, request):
        """A Mailgun webhook (delivered, failed, complained, unsubscribed; others acknowledged
        and ignored), signed with the domain's HTTP webhook signing key."""
        body = _raw_body(request)
        try:
            report = mail_events.mailgun_webhook(body, now=timezone.now())
        except webhooks.SignatureRejected as error:
            return _refused(error)
        except ApplicationError as error:
            # 406 tells Mailgun not to retry: the same body would fail again.
            return Response({"detail": error.message, "errors": error.fields}, status=406)
        if report is None:
            return Response({"item": 0, "outcome": MailEventOutcome.IGNORED})
        (outcome,) = services.mail_reports_record(reports=[report])
        return Response({"item": 0, "outcome": outcome})

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            200: MailEventResultSerializer,
            406: OpenApiResponse(description="Signed but without a Message-Id: do not retry."),
            **_SIGNED,
        },
        auth=[],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="mailgun/replies",
        parser_classes=[MultiPartParser, FormParser],
    )
    def mailgun_replies(self, request):
        """A reply forwarded by a Mailgun route (`forward("<this URL>")`), signed with the same
        key: the contact leaves the sequence and the deal's owner is told."""
        try:
            report = mail_events.mailgun_reply(request.data, now=timezone.now())
        except webhooks.SignatureRejected as error:
            return _refused(error)
        except ApplicationError as error:
            return Response({"detail": error.message, "errors": error.fields}, status=406)
        (outcome,) = services.mail_reports_record(reports=[report])
        return Response({"item": 0, "outcome": outcome})


def _item_errors(errors) -> dict[str, list[str]]:
    """DRF's errors of one item as field → messages (`non_field_errors` as `event`)."""
    return {
        ("event" if name == "non_field_errors" else name): [str(m) for m in messages]
        for name, messages in errors.items()
    }
