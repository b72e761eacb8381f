"""Daily snapshots: how many buyers stood in each journey stage, how many deals (and how much)
in each pipeline stage, and each live campaign's KPI, at the end of a day (UTC).

Written set-based by `apps.analytics.snapshots.snapshot_day` (the beat task, the
`analytics_snapshot` command); a day's rows are replaced whole when it is written again. Trends
on the dashboards read these rows, never the events behind them.
"""

from django.db import models


class JourneyStageSnapshot(models.Model):
    """Contacts and accounts whose inferred journey stage was `stage` at the end of `day`."""

    day = models.DateField()
    stage = models.ForeignKey("journeys.JourneyStage", on_delete=models.CASCADE, related_name="+")
    contacts = models.PositiveIntegerField(default=0)
    accounts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["day", "stage"], name="journey_snapshot_day_stage")
        ]

    def __str__(self) -> str:
        return f"Stage {self.stage_id} on {self.day}"


class PipelineStageSnapshot(models.Model):
    """Opportunities (not archived) in pipeline stage `stage` at the end of `day`, and their
    amount (each deal's amount as it stands now: amounts have no history)."""

    day = models.DateField()
    stage = models.ForeignKey("pipeline.PipelineStage", on_delete=models.CASCADE, related_name="+")
    opportunities = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["day", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["day", "stage"], name="pipeline_snapshot_day_stage")
        ]

    def __str__(self) -> str:
        return f"Pipeline stage {self.stage_id} on {self.day}"


class CampaignKpiSnapshot(models.Model):
    """A live campaign's KPI measured from its start to the end of `day`, beside its target."""

    day = models.DateField()
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    kpi = models.CharField("KPI", max_length=32)
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["day", "campaign"]
        constraints = [
            models.UniqueConstraint(fields=["day", "campaign"], name="campaign_snapshot_day")
        ]

    def __str__(self) -> str:
        return f"Campaign {self.campaign_id} KPI on {self.day}"


class StageKpiSnapshot(models.Model):
    """A journey stage's KPI (`journeys.StageKpi`) measured across every buyer over the
    `KPI_WINDOW_DAYS` days ending with `day`, beside its target."""

    day = models.DateField()
    stage_kpi = models.ForeignKey("journeys.StageKpi", on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["day", "stage_kpi"]
        constraints = [
            models.UniqueConstraint(fields=["day", "stage_kpi"], name="stage_kpi_snapshot_day")
        ]

    def __str__(self) -> str:
        return f"Stage KPI {self.stage_kpi_id} on {self.day}"
