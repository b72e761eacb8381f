"""API: attribution results and marketing–sales alignment figures (read only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

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
