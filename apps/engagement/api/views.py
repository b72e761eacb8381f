from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.core.api.throttling import BulkIntakeThrottle
from apps.core.api.viewsets import ApiViewSet, ReadOnlyApiViewSet, ServiceModelViewSet
from apps.core.exceptions import ApplicationError
from apps.engagement import ingestion, selectors, services, webhooks
from apps.engagement.api.filters import (
    AccountScoreFilter,
    ContactScoreFilter,
    EventFilter,
    StageChangeFilter,
)
from apps.engagement.api.parsers import EventArrayParser, NDJSONParser
from apps.engagement.api.serializers import (
    AccountScoreSerializer,
    BacktestInputSerializer,
    BacktestSerializer,
    CalibrationInputSerializer,
    CalibrationSerializer,
    ContactScoreSerializer,
    EventInputSerializer,
    EventSerializer,
    HandoffBulkDecisionSerializer,
    HandoffBulkResultSerializer,
    HandoffDecisionSerializer,
    HandoffReassignSerializer,
    HandoffSerializer,
    InferredStageChangeSerializer,
    IngestReportSerializer,
    RulePreviewSerializer,
    RuleSetDeclineSerializer,
    RuleSetDetailSerializer,
    RuleSetSerializer,
    SignalRuleSerializer,
    StageExplanationSerializer,
    StageShiftSerializer,
)
from apps.engagement.models import (
    AccountScore,
    ContactScore,
    Event,
    InferredStageChange,
    RuleSet,
    SignalRule,
    WebhookSource,
)
from apps.starter.serializers import SignalRulesResetSerializer
from apps.starter.services import starter_signal_rules_reset

TOO_LARGE = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
INGEST_REQUEST = {
    "application/json": EventInputSerializer(many=True),
    "application/x-ndjson": EventInputSerializer,
}
INGEST_RESPONSES = {
    200: IngestReportSerializer,
    400: OpenApiResponse(
        description="The body is empty, not a JSON array (or not JSON at all), or every event "
        "in it was rejected: then the answer is the report, with a `detail`."
    ),
    413: OpenApiResponse(
        description=f"More than {ingestion.MAX_EVENTS:,} events or "
        f"{ingestion.MAX_BODY_BYTES // (1024 * 1024)} MB: nothing is stored."
    ),
}


def _error(error: ApplicationError, code: int, **headers: str) -> Response:
    return Response({"detail": error.message, "errors": error.fields}, status=code, headers=headers)


def _report(report: ingestion.IngestReport) -> Response:
    """The report; a 400 when every event was rejected, as nothing in the body could be used."""
    data = IngestReportSerializer(report).data
    if report.rejected and not (report.accepted or report.duplicates):
        detail = "No event was accepted: see each one's errors."
        return Response({"detail": detail, **data}, status=status.HTTP_400_BAD_REQUEST)
    return Response(data)


class EventViewSet(ReadOnlyApiViewSet):
    """Buyer signals, newest first. Events are written only through `bulk` and webhooks."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["occurred_at"]

    def get_queryset(self):
        return Event.objects.order_by("-occurred_at", "-pk")

    @extend_schema(request=INGEST_REQUEST, responses=INGEST_RESPONSES)
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[EventArrayParser, NDJSONParser],
        throttle_classes=[BulkIntakeThrottle],
        model_permission="add",
    )
    def bulk(self, request):
        """Up to 10,000 events as a JSON array or as NDJSON (`application/x-ndjson`, one per
        line). Idempotent by (source, id). Answers how many were accepted, were duplicates or
        were rejected, with the errors of each rejected item; the good ones are stored."""
        if _declared_too_large(request):
            return _too_large()
        try:
            report = services.events_ingest(items=request.data or [])
        except ingestion.OversizePayload as error:
            return _error(error, TOO_LARGE)
        return _report(report)


def _declared_too_large(request) -> bool:
    """Refused before reading: the declared length is over the limit."""
    return int(request.META.get("CONTENT_LENGTH") or 0) > ingestion.MAX_BODY_BYTES


def _too_large() -> Response:
    return _error(ingestion.oversize_body(ingestion.MAX_BODY_BYTES), TOO_LARGE)


class WebhookViewSet(ApiViewSet):
    """Signed deliveries from a webhook source: the signature is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    lookup_field = "name"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    parser_classes = [EventArrayParser, NDJSONParser]
    throttle_classes = [BulkIntakeThrottle]
    serializer_class = IngestReportSerializer

    def get_queryset(self):
        return WebhookSource.objects.filter(is_active=True)

    @extend_schema(
        request=INGEST_REQUEST,
        parameters=[
            OpenApiParameter(
                webhooks.SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="t=<unix time>,v1=<hex HMAC-SHA256 of `<unix time>.<body>` under "
                "the source's secret>",
            )
        ],
        responses={
            **INGEST_RESPONSES,
            401: OpenApiResponse(description="Bad or stale signature: nothing is stored."),
            409: OpenApiResponse(description="A replay of a delivery already received."),
        },
        auth=[],
    )
    @action(detail=True, methods=["post"])
    def events(self, request, name=None):
        """Events from one source (JSON array or NDJSON), signed with the source's secret."""
        if _declared_too_large(request):
            return _too_large()
        # The signature covers the raw body, so it is read whole (up to the limit).
        body = request.stream.read(ingestion.MAX_BODY_BYTES + 1) if request.stream else b""
        if len(body) > ingestion.MAX_BODY_BYTES:
            return _too_large()
        try:
            report = services.webhook_receive(
                name=name,
                signature_header=request.headers.get(webhooks.SIGNATURE_HEADER, ""),
                body=body,
                content_type=request.content_type or "",
            )
        except webhooks.SignatureRejected as error:
            return _error(
                error, status.HTTP_401_UNAUTHORIZED, **{"WWW-Authenticate": "Waymark-Signature"}
            )
        except webhooks.DeliveryReplayed as error:
            return _error(error, status.HTTP_409_CONFLICT)
        except ingestion.OversizePayload as error:
            return _error(error, TOO_LARGE)
        return _report(report)


class SignalRuleViewSet(ServiceModelViewSet):
    """What each kind of signal says about the journey stage; marketers and admins edit them."""

    serializer_class = SignalRuleSerializer
    filterset_fields = ["kind", "journey_stage", "is_active"]
    ordering_fields = ["kind", "weight", "half_life_days"]

    def get_queryset(self):
        return selectors.signal_rule_list()

    def create_record(self, *, data):
        return services.signal_rule_create(data=data)

    def update_record(self, *, instance, data):
        return services.signal_rule_update(rule=instance, data=data)

    def delete_record(self, *, instance):
        services.signal_rule_delete(rule=instance)

    @extend_schema(request=None, responses=SignalRulesResetSerializer)
    @action(detail=False, methods=["post"], url_path="reset-to-template", model_permission="delete")
    def reset_to_template(self, request):
        """Put the rules back to the starter template on the published starter journey: its
        rules added or restored (weight, half-life, cap, window, active), every other rule
        removed. Scores follow at the next recompute."""
        plan = starter_signal_rules_reset()
        return Response(SignalRulesResetSerializer(plan).data)

    @extend_schema(request=RulePreviewSerializer, responses=StageShiftSerializer)
    @action(detail=False, methods=["post"], model_permission="change")
    def preview(self, request):
        """How many contacts would change stage with this rule (new, edited or removed)."""
        preview = RulePreviewSerializer(data=request.data)
        preview.is_valid(raise_exception=True)
        data = dict(preview.validated_data)
        existing, remove = data.pop("rule", None), data.pop("remove")
        rule = SignalRule(pk=existing.pk if existing else None, **data)
        shift = selectors.signal_rule_preview(rule=rule, remove=remove)
        return Response(
            StageShiftSerializer(
                {
                    "contacts": shift.contacts,
                    "forward": shift.forward,
                    "back": shift.back,
                    "changed": shift.changed,
                }
            ).data
        )


class _ExplainedScoreViewSet(ReadOnlyApiViewSet):
    """Scores with their evidence; a subclass says how in `explanation(state)`."""

    ordering_fields = ["score", "computed_at", "stage_since"]

    @extend_schema(responses=StageExplanationSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def evidence(self, request, **kwargs):
        """Why the buyer is in its stage: the change that put it there, with each rule's
        events and points."""
        try:
            explanation = self.explanation(self.get_object())
        except ObjectDoesNotExist as error:
            raise Http404 from error
        return Response(StageExplanationSerializer(explanation).data)


class ContactScoreViewSet(_ExplainedScoreViewSet):
    """Each contact's fit, engagement, score, trend and inferred stage (id = contact id)."""

    serializer_class = ContactScoreSerializer
    filterset_class = ContactScoreFilter
    lookup_field = "contact"

    def get_queryset(self):
        return ContactScore.objects.select_related("contact", "stage__parent").order_by(
            "-score", "pk"
        )

    def explanation(self, state):
        return selectors.stage_explanation(account_id=state.account_id, contact_id=state.pk)


class AccountScoreViewSet(_ExplainedScoreViewSet):
    """Each account's score from its committee, trend and inferred stage (id = account id)."""

    serializer_class = AccountScoreSerializer
    filterset_class = AccountScoreFilter
    lookup_field = "account"

    def get_queryset(self):
        return AccountScore.objects.select_related("account", "stage__parent").order_by(
            "-score", "pk"
        )

    def explanation(self, state):
        return selectors.stage_explanation(account_id=state.pk)


class StageChangeViewSet(ReadOnlyApiViewSet):
    """Every inferred stage change, newest first, with the evidence behind it."""

    serializer_class = InferredStageChangeSerializer
    filterset_class = StageChangeFilter
    ordering_fields = ["changed_at"]

    def get_queryset(self):
        return InferredStageChange.objects.select_related(
            "from_stage__parent", "to_stage__parent"
        ).order_by("-changed_at", "-pk")


class HandoffViewSet(ReadOnlyApiViewSet):
    """MQLs (contacts) and MQAs (accounts) raised by the scores, for sales to accept or reject."""

    serializer_class = HandoffSerializer
    filterset_fields = ["status", "kind", "account", "contact", "owner"]
    search_fields = [
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "account__name",
        "reason",
    ]
    ordering_fields = ["raised_at", "score"]

    def get_queryset(self):
        """A rep reads their own handoffs (as on the page); deciding or reassigning another's
        looks it up among all, to answer 403 with whose it is rather than a bare 404."""
        if self.action in ("list", "retrieve"):
            return selectors.handoff_list(user=self.request.user)
        return selectors.handoff_list()

    def _decide(self, request, *, accept: bool) -> Response:
        decision = HandoffDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        handoff = services.handoff_decide(
            handoff=self.get_object(),
            user=request.user,
            accept=accept,
            reason=decision.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=handoff.pk)).data)

    @extend_schema(request=HandoffDecisionSerializer, responses=HandoffSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def accept(self, request, pk=None):
        """Sales takes the lead or account on."""
        return self._decide(request, accept=True)

    @extend_schema(request=HandoffDecisionSerializer, responses=HandoffSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def reject(self, request, pk=None):
        """Sales turns it down, saying why."""
        return self._decide(request, accept=False)

    @extend_schema(request=HandoffBulkDecisionSerializer, responses=HandoffBulkResultSerializer)
    @action(detail=False, methods=["post"], model_permission="change")
    def decide(self, request):
        """Accept or reject many handoffs in one transaction: those the user may decide (their
        own; a manager's or admin's: any) are decided, each other one is listed with why."""
        data = HandoffBulkDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.handoffs_decide(
            handoff_ids=data.validated_data["handoffs"],
            user=request.user,
            accept=data.validated_data["decision"] == "accept",
            reason=data.validated_data["reason"],
        )
        decided = self.get_queryset().filter(pk__in=[h.pk for h in result.decided])
        return Response(
            {
                "decided": self.get_serializer(decided, many=True).data,
                "refused": [
                    {"id": pk, "detail": why} for pk, why in sorted(result.refused.items())
                ],
            }
        )

    @extend_schema(request=HandoffReassignSerializer, responses=HandoffSerializer)
    @action(detail=True, methods=["post"], model_permission="view")
    def reassign(self, request, pk=None):
        """A sales manager, marketer or admin hands it to a rep, or back to the marketing-ops
        queue (`owner` null); anyone else gets a 403."""
        data = HandoffReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = services.handoff_reassign(
            handoff=self.get_object(), owner=data.validated_data["owner"], by=request.user
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=handoff.pk)).data)


class BacktestViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Backtests of the scores: `POST` runs one (small worlds at once, large ones on a worker:
    poll `GET /api/v1/backtests/<id>/` until `status` is `done`); marketers and admins."""

    serializer_class = BacktestSerializer
    ordering_fields = ["created_at", "as_of"]

    def get_queryset(self):
        return selectors.backtest_list()

    @extend_schema(request=BacktestInputSerializer, responses={201: BacktestSerializer})
    def create(self, request, *args, **kwargs):
        given = BacktestInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        run = services.backtest_start(**given.validated_data, user=request.user)
        return Response(BacktestSerializer(run).data, status=status.HTTP_201_CREATED)


class RuleSetViewSet(ReadOnlyApiViewSet):
    """Rule set versions, newest first (id = version): every change of the rules stores one,
    a calibration proposes one. A proposal's detail shows, rule by rule, what it changes;
    marketers and admins approve or decline it."""

    lookup_field = "version"
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status", "origin"]
    ordering_fields = ["version", "created_at"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.rule_set_list()
        return RuleSet.objects.select_related("based_on", "proposed_by", "decided_by")

    def get_serializer_class(self):
        return RuleSetSerializer if self.action == "list" else RuleSetDetailSerializer

    def _answer(self, rule_set) -> Response:
        return Response(RuleSetDetailSerializer(self.get_queryset().get(pk=rule_set.pk)).data)

    @extend_schema(request=None, responses=RuleSetDetailSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def approve(self, request, version=None):
        """Make a proposal the live rules and rescore every buyer; refused (400) when the
        rules changed since it was made."""
        rule_set = services.rule_set_approve(rule_set=self.get_object(), user=request.user)
        return self._answer(rule_set)

    @extend_schema(request=RuleSetDeclineSerializer, responses=RuleSetDetailSerializer)
    @action(detail=True, methods=["post"], model_permission="change")
    def decline(self, request, version=None):
        """Turn a proposal down, saying why; the live rules stay as they are."""
        given = RuleSetDeclineSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rule_set = services.rule_set_decline(
            rule_set=self.get_object(), user=request.user, reason=given.validated_data["reason"]
        )
        return self._answer(rule_set)


class CalibrationViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Calibrations of the rules from history: `POST` queues one for a worker (poll
    `GET /api/v1/calibrations/<id>/` until `status` is `done`, then review its `proposal` under
    /api/v1/rule-sets/); marketers and admins."""

    serializer_class = CalibrationSerializer
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.calibration_list()

    @extend_schema(request=CalibrationInputSerializer, responses={201: CalibrationSerializer})
    def create(self, request, *args, **kwargs):
        given = CalibrationInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        run = services.calibration_start(**given.validated_data, user=request.user)
        return Response(CalibrationSerializer(run).data, status=status.HTTP_201_CREATED)
