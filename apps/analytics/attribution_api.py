"""API: attribution results and marketing–sales alignment figures (read only)."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.analytics.alignment import alignment_figures
from apps.analytics.alignment_views import ALIGNMENT_PERMS, DEFAULT_DAYS
from apps.analytics.attribution import MODELS
from apps.analytics.attribution_paths import CAMPAIGN, CREATED, DIMENSIONS, GOALS
from apps.analytics.attribution_report import (
    attribution_report,
    default_half_life_days,
    default_lookback_days,
)
from apps.analytics.attribution_views import ANALYSTS, ATTRIBUTION_PERMS
from apps.campaigns.periods import QUARTER, Period
from apps.users.selectors import user_role


class IsAnalyst(BasePermission):
    """Marketers, sales managers and admins holding the view's permissions."""

    message = "Marketers, sales managers and admins read analytics."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user_role(user=user) in ANALYSTS
            and user.has_perms(getattr(view, "required_perms", ()))
        )


class AttributionQuery(serializers.Serializer):
    quarter = serializers.RegexField(
        r"^\d{4}-Q[1-4]$", required=False, help_text="e.g. 2026-Q1; default: this quarter."
    )
    goal = serializers.ChoiceField(choices=list(GOALS.items()), default=CREATED)
    dimension = serializers.ChoiceField(choices=list(DIMENSIONS.items()), default=CAMPAIGN)
    lookback = serializers.IntegerField(
        min_value=1, max_value=730, required=False, help_text="Days; default 90."
    )
    half_life = serializers.FloatField(
        min_value=0.5, max_value=365, required=False, help_text="Days; default 7."
    )


class AttributionRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Campaign or asset id, or channel; empty for none.")
    label = serializers.CharField()
    credits = serializers.DictField(
        child=serializers.FloatField(), help_text=f"Credit under each model: {', '.join(MODELS)}."
    )


class AttributionSerializer(serializers.Serializer):
    goal = serializers.CharField()
    dimension = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    lookback_days = serializers.IntegerField()
    half_life_days = serializers.FloatField()
    models = serializers.ListField(child=serializers.CharField())
    converting_count = serializers.IntegerField()
    converting_value = serializers.FloatField()
    untouched_count = serializers.IntegerField(
        help_text="Conversions with no touch in their window."
    )
    untouched_value = serializers.FloatField()
    touches = serializers.IntegerField()
    paths = serializers.IntegerField()
    rows = AttributionRowSerializer(many=True)


class AttributionView(APIView):
    """Credit per campaign, channel or asset for the opportunities created (count or amount) or
    the revenue won in a quarter, under every model side by side; each deal's credits add up to
    its value."""

    permission_classes = [IsAnalyst]
    required_perms = ATTRIBUTION_PERMS

    @extend_schema(
        parameters=[AttributionQuery],
        responses=AttributionSerializer,
        operation_id="analytics_attribution",
    )
    def get(self, request):
        query = AttributionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        period = Period.parse(data.get("quarter"), today=_today())
        if period.kind != QUARTER:
            period = Period.containing(period.start, QUARTER)
        report = attribution_report(
            goal=data["goal"],
            dimension=data["dimension"],
            first_day=period.start,
            last_day=period.end,
            lookback_days=data.get("lookback") or default_lookback_days(),
            half_life_days=data.get("half_life") or default_half_life_days(),
        )
        payload = {
            **{
                name: getattr(report, name)
                for name in (
                    "goal",
                    "dimension",
                    "first_day",
                    "last_day",
                    "lookback_days",
                    "half_life_days",
                    "converting_count",
                    "converting_value",
                    "untouched_count",
                    "untouched_value",
                    "touches",
                    "paths",
                )
            },
            "models": list(MODELS),
            "rows": [
                {"key": str(row.key or ""), "label": row.label, "credits": row.credits}
                for row in report.rows
            ],
        }
        return Response(AttributionSerializer(payload).data)


def _today():
    from django.utils import timezone

    return timezone.localdate()


class AlignmentQuery(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="Default: 89 days before `end`.")
    end = serializers.DateField(required=False, help_text="Default: today.")

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The range must not end before it starts."})
        return attrs


class BreachSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    subject = serializers.CharField()
    owner = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    hours = serializers.FloatField()
    status = serializers.CharField()


class HandoffFiguresSerializer(serializers.Serializer):
    sla_hours = serializers.FloatField()
    raised = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    pending = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True, help_text="% of those decided.")
    rejection_rate = serializers.FloatField(allow_null=True)
    median_hours_to_accept = serializers.FloatField(allow_null=True)
    within_sla = serializers.IntegerField()
    breach_count = serializers.IntegerField()
    breaches = BreachSerializer(many=True, help_text="The 50 longest.")
    reasons = serializers.ListField(
        child=serializers.ListField(), help_text="[reason, rejections], most frequent first."
    )


class EnablementFiguresSerializer(serializers.Serializer):
    sla_days = serializers.FloatField()
    requested = serializers.IntegerField()
    delivered = serializers.IntegerField()
    declined = serializers.IntegerField()
    open = serializers.IntegerField()
    median_days_to_deliver = serializers.FloatField(allow_null=True)
    delivered_within_sla = serializers.IntegerField()
    breach_count = serializers.IntegerField()
    breaches = BreachSerializer(many=True)


class RecoverySerializer(serializers.Serializer):
    label = serializers.CharField()
    stalls = serializers.IntegerField()
    recovered = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ShareRowSerializer(serializers.Serializer):
    stage = serializers.CharField()
    shares = serializers.IntegerField()
    moved_on = serializers.IntegerField()
    won = serializers.IntegerField()
    engaged = serializers.IntegerField()


class AlignmentSerializer(serializers.Serializer):
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    recovery_days = serializers.IntegerField()
    handoffs = HandoffFiguresSerializer()
    enablement = EnablementFiguresSerializer()
    recovery = RecoverySerializer(many=True)
    shares = ShareRowSerializer(many=True)


class AlignmentView(APIView):
    """Marketing–sales alignment for a date range: handoff decision times against the SLA with
    the breaches and their owners, acceptance and rejection rates with reasons, enablement
    turnaround against its SLA, stalled-deal recovery (nurtured against not) and assets shared
    per stage with what followed."""

    permission_classes = [IsAnalyst]
    required_perms = ALIGNMENT_PERMS

    @extend_schema(
        parameters=[AlignmentQuery],
        responses=AlignmentSerializer,
        operation_id="analytics_alignment",
    )
    def get(self, request):
        query = AlignmentQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("end") or _today()
        start = query.validated_data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        figures = alignment_figures(first_day=start, last_day=end)
        return Response(AlignmentSerializer(figures).data)
