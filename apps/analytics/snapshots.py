"""The daily snapshots (apps/analytics/models.py): written set-based, one day at a time.

`snapshot_day(day=D)` replaces every snapshot row of day D, in one transaction:

- buyers per journey stage: for today (or a later day) from the stored scores, the stage each
  contact and account stands in now; for a past day from the inferred stage history
  (`engagement.InferredStageChange`): each buyer's last change before the end of D. The scoring
  records every change, its first placement included, so both read the same stage;
- opportunities per pipeline stage with their amount: for today from the deals themselves, for a
  past day from the stage history (`pipeline.StageChange`: the stay that covered the end of D),
  each deal at its amount now (amounts have no history); archived deals are left out;
- each journey stage's KPIs (`journeys.StageKpi`), measured across every buyer over the
  `KPI_WINDOW_DAYS` days up to D, beside their targets;
- each campaign's KPI, measured from its start to the end of D (or its end date), beside its
  target: the live campaigns for today, for a past day those that ran on D and went live.

The first two are one `INSERT … SELECT … GROUP BY` each; each KPI a couple of queries
(`apps.campaigns.kpi_progress`). Two runs of the same day at once queue behind an advisory lock
on PostgreSQL (SQLite writes one at a time anyway).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.analytics.models import (
    CampaignKpiSnapshot,
    JourneyStageSnapshot,
    PipelineStageSnapshot,
    StageKpiSnapshot,
)
from apps.campaigns.kpi_progress import MEASURES, Window
from apps.campaigns.models import Campaign
from apps.campaigns.segments import Segment
from apps.campaigns.selectors import campaign_segment
from apps.engagement.models import AccountScore, ContactScore, InferredStageChange
from apps.journeys.models import JourneyStage, StageKpi
from apps.pipeline.models import Opportunity, StageChange

# A stage's KPIs are measured over this many days up to the snapshot's day.
KPI_WINDOW_DAYS = 30

# pg_advisory_xact_lock key: one snapshot write at a time.
SNAPSHOT_LOCK_KEY = 7_150_001

T = {
    "journey": JourneyStageSnapshot._meta.db_table,
    "pipeline": PipelineStageSnapshot._meta.db_table,
    "stage": JourneyStage._meta.db_table,
    "contact": Contact._meta.db_table,
    "account": Account._meta.db_table,
    "contact_score": ContactScore._meta.db_table,
    "account_score": AccountScore._meta.db_table,
    "change": InferredStageChange._meta.db_table,
    "opportunity": Opportunity._meta.db_table,
    "stage_change": StageChange._meta.db_table,
}


@dataclass(frozen=True)
class SnapshotCounts:
    day: date
    journey_stages: int
    pipeline_stages: int
    campaigns: int
    stage_kpis: int


def day_end(day: date) -> datetime:
    """The first moment after `day` (UTC): a snapshot shows the state just before it."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _db_end(day: date):
    """`day_end` as the database compares it (SQLite: text in Django's own spelling)."""
    return connection.ops.adapt_datetimefield_value(day_end(day))


def _from_history(day: date) -> bool:
    return day < timezone.now().date()


def _journey_rows_now() -> str:
    return f"""
        SELECT stage_id, 1 AS contacts, 0 AS accounts FROM {T["contact_score"]}
        WHERE stage_id IS NOT NULL
        UNION ALL
        SELECT stage_id, 0, 1 FROM {T["account_score"]} WHERE stage_id IS NOT NULL"""


def _journey_rows_then() -> str:
    # Each buyer's last inferred change before the end of the day: its stage then. A person
    # is one buyer whichever account they sat in; an account's own changes have no contact.
    return f"""
        SELECT to_stage_id AS stage_id, contacts, accounts FROM (
            SELECT c.to_stage_id,
                   CASE WHEN c.contact_id IS NULL THEN 0 ELSE 1 END AS contacts,
                   CASE WHEN c.contact_id IS NULL THEN 1 ELSE 0 END AS accounts,
                   ROW_NUMBER() OVER (
                       PARTITION BY COALESCE(c.contact_id, -c.account_id)
                       ORDER BY c.changed_at DESC, c.id DESC
                   ) AS latest
            FROM {T["change"]} c
            WHERE c.changed_at < %s
        ) last_change
        WHERE latest = 1 AND to_stage_id IS NOT NULL"""


def _pipeline_rows_now() -> str:
    return f"""
        SELECT o.stage_id, o.amount FROM {T["opportunity"]} o WHERE o.archived_at IS NULL"""


def _pipeline_rows_then() -> str:
    return f"""
        SELECT sc.stage_id, o.amount
        FROM {T["stage_change"]} sc
        JOIN {T["opportunity"]} o ON o.id = sc.opportunity_id
        WHERE sc.entered_at < %s AND (sc.exited_at IS NULL OR sc.exited_at >= %s)
          AND o.archived_at IS NULL"""


def _write_journey(cursor, day: date) -> int:
    then = _from_history(day)
    rows = _journey_rows_then() if then else _journey_rows_now()
    cursor.execute(
        f"""INSERT INTO {T["journey"]} (day, stage_id, contacts, accounts)
            SELECT %s, r.stage_id, SUM(r.contacts), SUM(r.accounts)
            FROM ({rows}) r
            JOIN {T["stage"]} s ON s.id = r.stage_id
            GROUP BY r.stage_id""",
        [day, _db_end(day)] if then else [day],
    )
    return cursor.rowcount


def _write_pipeline(cursor, day: date) -> int:
    then = _from_history(day)
    rows = _pipeline_rows_then() if then else _pipeline_rows_now()
    end = _db_end(day)
    cursor.execute(
        f"""INSERT INTO {T["pipeline"]} (day, stage_id, opportunities, amount)
            SELECT %s, r.stage_id, COUNT(*), COALESCE(SUM(r.amount), 0)
            FROM ({rows}) r
            GROUP BY r.stage_id""",
        [day, end, end] if then else [day],
    )
    return cursor.rowcount


def _campaigns_of(day: date):
    ran = Campaign.objects.filter(archived_at__isnull=True, start_date__lte=day)
    if _from_history(day):
        ran = ran.filter(
            end_date__gte=day, status__in=[Campaign.Status.LIVE, Campaign.Status.COMPLETED]
        )
    else:
        ran = ran.filter(status=Campaign.Status.LIVE)
    return ran.prefetch_related("segment_stages", "segment_personas").order_by("pk")


def _write_campaigns(day: date) -> int:
    rows = []
    for campaign in _campaigns_of(day):
        window = Window.for_dates(campaign.start_date, min(campaign.end_date, day))
        measure = MEASURES[campaign.kpi](segment=campaign_segment(campaign=campaign), window=window)
        rows.append(
            CampaignKpiSnapshot(
                day=day,
                campaign=campaign,
                kpi=campaign.kpi,
                value=measure.value,
                target=campaign.kpi_target,
                baseline=campaign.kpi_baseline,
            )
        )
    CampaignKpiSnapshot.objects.bulk_create(rows)
    return len(rows)


def _write_stage_kpis(day: date) -> int:
    window = Window.for_dates(day - timedelta(days=KPI_WINDOW_DAYS - 1), day)
    everyone = Segment()
    rows = [
        StageKpiSnapshot(
            day=day,
            stage_kpi=stage_kpi,
            value=MEASURES[stage_kpi.kpi](segment=everyone, window=window).value,
            target=stage_kpi.target,
        )
        for stage_kpi in StageKpi.objects.order_by("pk")
    ]
    StageKpiSnapshot.objects.bulk_create(rows)
    return len(rows)


def snapshot_day(*, day: date) -> SnapshotCounts:
    """Write (or rewrite) every snapshot of `day`; returns how many rows of each kind."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_LOCK_KEY])
        for model in (
            JourneyStageSnapshot,
            PipelineStageSnapshot,
            CampaignKpiSnapshot,
            StageKpiSnapshot,
        ):
            model.objects.filter(day=day).delete()
        return SnapshotCounts(
            day=day,
            journey_stages=_write_journey(cursor, day),
            pipeline_stages=_write_pipeline(cursor, day),
            campaigns=_write_campaigns(day),
            stage_kpis=_write_stage_kpis(day),
        )


def snapshot_backfill(*, start: date, end: date | None = None) -> list[SnapshotCounts]:
    """Every day from `start` to `end` (default today), each in its own transaction."""
    end = end or timezone.now().date()
    if start > end:
        raise ValueError(f"The back-fill starts on {start}, after its last day {end}.")
    return [snapshot_day(day=start + timedelta(days=n)) for n in range((end - start).days + 1)]


def snapshot_days_ago(*, days_ago: int = 0) -> SnapshotCounts:
    """The beat task's call: today so far (0), or yesterday made final from history (1)."""
    return snapshot_day(day=timezone.now().date() - timedelta(days=days_ago))
