"""A campaign's results, shown on the campaign page (loaded into it by htmx) and on their own."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.analytics.attribution_paths import PIPELINE, WON
from apps.analytics.attribution_report import money
from apps.analytics.campaign_results import CampaignResults, campaign_results
from apps.analytics.charts import Chart, Series, chart_csv
from apps.campaigns.models import Campaign
from apps.core.views import allowed


def results_charts(results: CampaignResults) -> list[Chart]:
    trend = results.trend
    return [
        Chart(
            id="kpi-trend",
            title=f"{results.campaign.get_kpi_display()} over the campaign",
            type="line",
            labels=[p.day.isoformat() for p in trend],
            series=[
                Series("Measured", [p.value for p in trend]),
                Series("Target", [p.target for p in trend]),
                *(
                    [Series("Baseline", [p.baseline for p in trend])]
                    if any(p.baseline is not None for p in trend)
                    else []
                ),
            ],
            x_title="Day",
            y_title=results.unit,
            description=""
            if results.trend_from_snapshots
            else "No daily snapshot yet: today's measure alone.",
        ),
        Chart(
            id="budget",
            title="Budget against actual spend",
            type="bar",
            labels=["Budget", "Spent"],
            series=[Series("Amount", [results.budget, results.spend])],
            x_title="Money",
            y_title="Amount",
        ),
        Chart(
            id="campaign-attribution",
            title="Pipeline and revenue credited to this campaign, by model",
            type="bar",
            labels=[label for label, _, _ in results.attributed_rows],
            series=[
                Series("Pipeline created", [money(p) for _, p, _ in results.attributed_rows]),
                Series("Revenue won", [money(w) for _, _, w in results.attributed_rows]),
            ],
            x_title="Model",
            y_title="Credit",
        ),
    ]


@allowed("campaigns.view_campaign", "pipeline.view_opportunity")
def campaign_results_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("owner"), pk=campaign_id)
    results = campaign_results(campaign=campaign)
    charts = results_charts(results)
    if (download := chart_csv(request, charts)) is not None:
        return download
    template = (
        "analytics/partials/campaign_results.html"
        if request.headers.get("HX-Request")
        else "analytics/campaign_results.html"
    )
    return render(
        request,
        template,
        {
            "campaign": campaign,
            "results": results,
            "charts": charts,
            "PIPELINE": PIPELINE,
            "WON": WON,
        },
    )
