"""A campaign's results: its KPI over its dates against target and baseline, budget against
spend, cost per result, and the pipeline and revenue it influenced (from attribution)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from apps.analytics.attribution import LINEAR, MODEL_LABELS, MODELS
from apps.analytics.attribution_paths import PIPELINE, WON
from apps.analytics.attribution_report import campaign_attribution
from apps.analytics.models import CampaignKpiSnapshot
from apps.campaigns.models import Campaign
from apps.campaigns.selectors import campaign_progress

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class TrendPoint:
    day: date
    value: Decimal | None
    target: Decimal
    baseline: Decimal | None


@dataclass(frozen=True)
class CampaignResults:
    campaign: Campaign
    trend: list[TrendPoint]
    trend_from_snapshots: bool
    unit: str
    budget: Decimal
    spend: Decimal
    influenced: dict  # goal → {"influenced": value, "deals": n, model: credit, …}

    @property
    def budget_left(self) -> Decimal:
        return self.budget - self.spend

    @property
    def spend_share(self) -> Decimal | None:
        return (100 * self.spend / self.budget).quantize(CENTS) if self.budget else None

    def _per(self, count: float) -> Decimal | None:
        return (self.spend / Decimal(str(count))).quantize(CENTS) if count else None

    @property
    def cost_per_kpi_result(self) -> Decimal | None:
        """Spend per unit of the KPI where the KPI counts results (reach: per contact)."""
        last = next((p.value for p in reversed(self.trend) if p.value is not None), None)
        if self.campaign.kpi != "reach" or not last:
            return None
        return self._per(float(last))

    @property
    def cost_per_opportunity(self) -> Decimal | None:
        return self._per(self.influenced[PIPELINE]["deals"])

    @property
    def cost_per_won_deal(self) -> Decimal | None:
        return self._per(self.influenced[WON]["deals"])

    @property
    def attributed_rows(self) -> list[tuple[str, float, float]]:
        """(model label, pipeline credit, revenue credit), every model."""
        return [
            (MODEL_LABELS[m], self.influenced[PIPELINE][m], self.influenced[WON][m]) for m in MODELS
        ]

    @property
    def revenue_per_spend(self) -> Decimal | None:
        won = self.influenced[WON][LINEAR]
        return (Decimal(str(won)) / self.spend).quantize(CENTS) if self.spend else None


def campaign_results(*, campaign: Campaign) -> CampaignResults:
    snapshots = list(
        CampaignKpiSnapshot.objects.filter(
            campaign=campaign, day__gte=campaign.start_date, day__lte=campaign.end_date
        ).order_by("day")
    )
    progress = campaign_progress(campaign=campaign)
    if snapshots:
        trend = [TrendPoint(s.day, s.value, s.target, s.baseline) for s in snapshots]
    else:
        # No snapshot yet (the nightly task writes them): today's measure is the one point.
        today = min(timezone.localdate(), campaign.end_date)
        trend = [TrendPoint(today, progress.value, campaign.kpi_target, campaign.kpi_baseline)]
    return CampaignResults(
        campaign=campaign,
        trend=trend,
        trend_from_snapshots=bool(snapshots),
        unit=progress.unit,
        budget=campaign.budget,
        spend=campaign.actual_spend,
        influenced=campaign_attribution(
            campaign_id=campaign.pk, first_day=campaign.start_date, last_day=campaign.end_date
        ),
    )
