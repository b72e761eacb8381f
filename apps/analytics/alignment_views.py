"""/analytics/alignment/: how marketing and sales hand work to each other."""

from datetime import timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.analytics.alignment import (
    Alignment,
    alignment_figures,
    enablement_breaches,
    handoff_breaches,
)
from apps.analytics.attribution_paths import Window
from apps.analytics.attribution_views import for_analysts
from apps.analytics.charts import Chart, Series, chart_csv
from apps.core.csv_export import csv_download, csv_requested

ALIGNMENT_PERMS = (
    "engagement.view_handoff",
    "content.view_enablementrequest",
    "pipeline.view_opportunity",
)
DEFAULT_DAYS = 90
BREACH_HEADER = ["id", "kind", "subject", "owner", "started_at", "ended_at", "hours", "status"]


class RangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The range must not end before it starts.")
        return data


def date_range(request: HttpRequest) -> tuple[RangeForm, object, object]:
    form = RangeForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    end = data.get("end") or today
    start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
    return form, start, end


def alignment_charts(figures: Alignment) -> list[Chart]:
    h, e = figures.handoffs, figures.enablement
    return [
        Chart(
            id="handoff-outcomes",
            title="MQL/MQA handoffs by outcome",
            type="bar",
            labels=["Accepted", "Rejected", "Pending"],
            series=[Series("Handoffs", [h.accepted, h.rejected, h.pending])],
            x_title="Outcome",
            y_title="Handoffs",
            empty_text="No handoff raised in this range.",
        ),
        Chart(
            id="rejection-reasons",
            title="Why sales rejected handoffs",
            type="bar",
            horizontal=True,
            labels=[reason for reason, _ in h.reasons],
            series=[Series("Rejections", [count for _, count in h.reasons])],
            x_title="Reason",
            y_title="Rejections",
            empty_text="No handoff rejected in this range.",
        ),
        Chart(
            id="enablement-outcomes",
            title="Enablement requests by outcome",
            type="bar",
            labels=["Delivered within SLA", "Delivered late", "Declined", "Open"],
            series=[
                Series(
                    "Requests",
                    [
                        e.delivered_within_sla,
                        e.delivered - e.delivered_within_sla,
                        e.declined,
                        e.open,
                    ],
                )
            ],
            x_title="Outcome",
            y_title="Requests",
            empty_text="No enablement request made in this range.",
        ),
        Chart(
            id="stall-recovery",
            title=f"Stalled deals that moved within {figures.recovery_days} days",
            type="bar",
            labels=[row.label for row in figures.recovery],
            series=[
                Series("Stalls", [row.stalls for row in figures.recovery]),
                Series("Moved", [row.recovered for row in figures.recovery]),
            ],
            x_title="Stalls",
            y_title="Deals",
            empty_text="No deal stalled in this range.",
        ),
        Chart(
            id="shares-by-stage",
            title=f"Assets shared per stage and what followed within {figures.recovery_days} days",
            type="bar",
            labels=[row.stage for row in figures.shares],
            series=[
                Series("Shared", [row.shares for row in figures.shares]),
                Series("Deal moved on", [row.moved_on for row in figures.shares]),
                Series("Deal won", [row.won for row in figures.shares]),
                Series("Buyer engaged", [row.engaged for row in figures.shares]),
            ],
            x_title="Stage when shared",
            y_title="Shares",
            empty_text="No asset shared in this range.",
        ),
    ]


def _breach_rows(breaches):
    for b in breaches:
        yield [b.id, b.kind, b.subject, b.owner, b.started_at, b.ended_at, b.hours, b.status]


@for_analysts(*ALIGNMENT_PERMS)
def alignment_page(request: HttpRequest) -> HttpResponse:
    form, start, end = date_range(request)
    if csv_requested(request) and request.GET.get("table") in (
        "handoff-breaches",
        "enablement-breaches",
    ):
        window, now = Window.for_dates(start, end), timezone.now()
        table = request.GET["table"]
        pick = handoff_breaches if table == "handoff-breaches" else enablement_breaches
        return csv_download(
            filename=table,
            header=BREACH_HEADER,
            rows=_breach_rows(pick(window=window, now=now, limit=None)),
        )
    figures = alignment_figures(first_day=start, last_day=end)
    charts = alignment_charts(figures)
    if (download := chart_csv(request, charts)) is not None:
        return download
    return render(
        request,
        "analytics/alignment.html",
        {"form": form, "start": start, "end": end, "figures": figures, "charts": charts},
    )
