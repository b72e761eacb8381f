"""The attribution page: every model side by side, as a chart, a table and CSV."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.analytics import attribution
from apps.analytics.attribution_paths import CAMPAIGN, CREATED, DIMENSIONS, GOALS
from apps.analytics.attribution_report import (
    Report,
    attribution_report,
    default_half_life_days,
    default_lookback_days,
    money,
)
from apps.analytics.charts import Chart, Series, chart_csv
from apps.campaigns.periods import QUARTER, Period
from apps.core.views import allowed
from apps.users.models import Role
from apps.users.selectors import user_role

ANALYSTS = frozenset({Role.MARKETER, Role.MANAGER, Role.ADMIN})
ATTRIBUTION_PERMS = ("campaigns.view_campaign", "pipeline.view_opportunity")


def for_analysts(*perms: str):
    """Signed in, holding `perms`, and a marketer, a sales manager or an admin (a rep's view
    of the whole team's figures is their manager's)."""

    def decorate(view):
        def check(request: HttpRequest, *args, **kwargs):
            if user_role(user=request.user) not in ANALYSTS:
                raise PermissionDenied("Marketers, sales managers and admins read analytics.")
            return view(request, *args, **kwargs)

        check.__name__ = view.__name__
        check.__doc__ = view.__doc__
        return allowed(*perms)(check)

    return decorate


class AttributionForm(forms.Form):
    quarter = forms.CharField(required=False, help_text="e.g. 2026-Q1")
    goal = forms.ChoiceField(choices=list(GOALS.items()), required=False)
    dimension = forms.ChoiceField(choices=list(DIMENSIONS.items()), required=False)
    lookback = forms.IntegerField(
        label="Lookback (days)", min_value=1, max_value=730, required=False
    )
    half_life = forms.FloatField(
        label="Time-decay half-life (days)", min_value=0.5, max_value=365, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )


def attribution_chart(report: Report) -> Chart:
    return Chart(
        id="attribution",
        title=f"{report.goal_label} by {report.dimension_label.lower()}, every model",
        type="bar",
        labels=[row.label for row in report.rows],
        series=[
            Series(label, [money(row.credits[model]) for row in report.rows])
            for model, label in report.models
        ],
        x_title=report.dimension_label[:-1],
        y_title=report.goal_label,
        empty_text="No conversion in this period had a touch in its lookback window.",
    )


@for_analysts(*ATTRIBUTION_PERMS)
def attribution_page(request: HttpRequest) -> HttpResponse:
    form = AttributionForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    period = Period.parse(data.get("quarter") or "", today=timezone.localdate())
    if period.kind != QUARTER:
        period = Period.containing(period.start, QUARTER)
    report = attribution_report(
        goal=data.get("goal") or CREATED,
        dimension=data.get("dimension") or CAMPAIGN,
        first_day=period.start,
        last_day=period.end,
        lookback_days=data.get("lookback") or default_lookback_days(),
        half_life_days=data.get("half_life") or default_half_life_days(),
    )
    chart = attribution_chart(report)
    if (download := chart_csv(request, [chart])) is not None:
        return download
    return render(
        request,
        "analytics/attribution.html",
        {
            "form": form,
            "period": period,
            "report": report,
            "chart": chart,
            "model_labels": attribution.MODEL_LABELS,
        },
    )
