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


def _trigger_kept_link(to: str, **options) -> models.ForeignKey:
    """A touch's link to the row it names: no constraint, index or cascade of Django's, since
    the triggers (not Django's deletion) keep the touch in step with that row."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        **options,
    )


class Touch(models.Model):
    """A marketing touch of an account, as attribution reads it: an event carrying a
    `utm_campaign` or naming an asset, an open or click of a sequence email, or a nurture touch
    (README, "Attribution").

    Kept by database triggers on `engagement_event` and `nurture_touch` (migrations 0003 and
    0004), in the
    transaction that writes those rows, so no other app calls into this one and no touch is ever
    missing or stale: an event inserted, updated (an erasure blanking its query string, its
    asset deleted) or deleted changes its touch with it. The triggers only copy what is costly
    to read from an event (its UTM values out of the JSON properties or the URL); which campaign
    and channel a touch counts for is decided when attribution reads it, from the campaigns'
    UTM codes and sequences as they stand. No foreign keys: the rows follow their event or
    nurture touch through the triggers, not Django's deletion.
    """

    event_id = models.BigIntegerField(null=True, blank=True)
    nurture_touch = _trigger_kept_link("nurture.Touch", null=True, blank=True)
    # The event's account; a nurture touch's: its contact's when it was sent.
    account = _trigger_kept_link("accounts.Account")
    occurred_at = models.DateTimeField()
    utm_campaign = models.TextField(blank=True)
    # The event's `utm_medium`; a nurture email's `email`, a rep task's `sales_outreach`.
    medium = models.TextField(blank=True)
    source = models.CharField(max_length=16)
    # A nurture touch's sequence; an open's or click's of a sequence email (its `sequence`).
    sequence = _trigger_kept_link("nurture.Sequence", null=True, blank=True)
    asset = _trigger_kept_link("content.Asset", null=True, blank=True)

    class Meta:
        # Partial: each index holds only the touches of its kind (fewer entries to write).
        constraints = [
            models.UniqueConstraint(
                fields=["event_id"],
                condition=models.Q(event_id__isnull=False),
                name="touch_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["nurture_touch"],
                condition=models.Q(nurture_touch__isnull=False),
                name="touch_once_per_nurture_touch",
            ),
        ]
        indexes = [models.Index(fields=["occurred_at"], name="touch_by_occurred_at")]

    def __str__(self) -> str:
        return f"Touch of account {self.account_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
