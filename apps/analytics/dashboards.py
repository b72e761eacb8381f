"""The role home pages' dashboards: what each shows, read from snapshots and a few aggregates.

Each dashboard is a fixed set of queries whatever the number of buyers, deals or events
(tests/analytics/test_dashboards.py counts them): trends come from the daily snapshots
(apps/analytics/snapshots.py), lists are capped, aggregates group in the database.

- marketer: the journey funnel over time (people and accounts per stage), stage-to-stage
  conversion and median days in stage (accounts), each stage's KPIs against their targets,
  campaigns live now with their KPI progress, content coverage gaps, hot accounts, pipeline
  over time and accounts by tier;
- sales rep (or a sales manager, for the team): pipeline by stage and amount, stalled deals,
  open nurture tasks, handoffs waiting, recent buyer activity on their accounts;
- admin: system health: queue lengths in the broker, each beat task's last run, events
  ingested per hour, failed background jobs, the recompute backlog.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.accounts import selectors as account_selectors
from apps.analytics.charts import Chart, Series
from apps.analytics.models import (
    CampaignKpiSnapshot,
    JourneyStageSnapshot,
    PipelineStageSnapshot,
    StageKpiSnapshot,
)
from apps.campaigns.kpi_progress import LOWER_IS_BETTER, UNITS, progress_share
from apps.campaigns.models import Campaign
from apps.engagement import selectors as engagement_selectors
from apps.engagement.models import (
    Backtest,
    Calibration,
    Event,
    Handoff,
    InferredStageChange,
    RecomputeRequest,
)
from apps.fit.models import FitModel
from apps.imports.models import ImportRun
from apps.journeys import selectors as journey_selectors
from apps.journeys.kpis import Kpi
from apps.journeys.models import Journey, JourneyStage, StageKpi
from apps.nurture import selectors as nurture_selectors
from apps.pipeline import selectors as pipeline_selectors
from apps.pipeline.models import Opportunity, PipelineStage
from apps.users.models import User

# The most rows a list on a dashboard shows; its own page has the rest.
LIST_SIZE = 8
# The date range a dashboard opens on: the last 30 days, today included.
DEFAULT_DAYS = 30
# The longest range a dashboard draws, day by day.
MAX_DAYS = 366
# The admin's ingestion chart: events received per hour over this many hours.
INGEST_HOURS = 48


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    journey: Journey | None = None

    @classmethod
    def default(cls, journey: Journey | None = None) -> "Filters":
        today = timezone.now().date()
        return cls(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today, journey=journey)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def window(self) -> tuple[datetime, datetime]:
        """From midnight (UTC) of the first day to the end of the last."""
        return (
            datetime.combine(self.start, time.min, tzinfo=UTC),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC),
        )


def _keyed(charts: dict[str, Chart]) -> dict[str, Chart]:
    """Charts under their ids spelled for a template (`funnel-people` → `funnel_people`)."""
    return {chart_id.replace("-", "_"): chart for chart_id, chart in charts.items()}


def _day_label(day: date) -> str:
    return day.isoformat()


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- marketer ----------------------------------------------------------------------------


def _stage_label(stage: JourneyStage) -> str:
    return f"{stage.parent.name} › {stage.name}" if stage.parent_id else stage.name


def _funnel_charts(filters: Filters, stages: list[JourneyStage]) -> list[Chart]:
    """People and accounts per stage, day by day, from the journey-stage snapshots."""
    rows = JourneyStageSnapshot.objects.filter(
        day__gte=filters.start, day__lte=filters.end, stage__in=[s.pk for s in stages]
    ).values_list("day", "stage_id", "contacts", "accounts")
    people: dict[tuple[date, int], int] = {}
    accounts: dict[tuple[date, int], int] = {}
    for day, stage_id, contacts, account_count in rows:
        people[day, stage_id] = contacts
        accounts[day, stage_id] = account_count
    written = {day for day, _ in people}
    days = [day for day in filters.days if day in written]
    labels = [_day_label(day) for day in days]

    def per_stage(counts: dict) -> list[Series]:
        return [
            Series(_stage_label(stage), [counts.get((day, stage.pk), 0) for day in days])
            for stage in stages
        ]

    empty = "No snapshot in this range yet: they are written hourly (analytics_snapshot)."
    return [
        Chart(
            id="funnel-people",
            title="People per journey stage",
            type="line",
            labels=labels,
            series=per_stage(people) if days else [],
            x_title="Day",
            y_title="People",
            empty_text=empty,
        ),
        Chart(
            id="funnel-accounts",
            title="Accounts per journey stage",
            type="line",
            labels=labels,
            series=per_stage(accounts) if days else [],
            x_title="Day",
            y_title="Accounts",
            empty_text=empty,
        ),
    ]


@dataclass(frozen=True)
class StageFlow:
    stage: JourneyStage
    held_at_start: int = 0
    entered: int = 0
    moved_on: int = 0
    days_in_stage: list[float] = field(default_factory=list)

    @property
    def conversion(self) -> float | None:
        return _percent(self.moved_on, self.held_at_start + self.entered)

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.days_in_stage), 1) if self.days_in_stage else None


def _account_flows(filters: Filters, stages: list[JourneyStage]) -> list[StageFlow]:
    """Per stage, over the range: accounts in it at the start (the snapshot of the day before)
    or entering it, how many moved on to a later stage, and how long those that left it had
    stayed (from the account's previous stage change)."""
    ids = [stage.pk for stage in stages]
    start, end = filters.window
    held = dict(
        JourneyStageSnapshot.objects.filter(
            day=filters.start - timedelta(days=1), stage__in=ids
        ).values_list("stage_id", "accounts")
    )
    entered: dict[int, int] = defaultdict(int)
    moved_on: dict[int, int] = defaultdict(int)
    stays: dict[int, list[float]] = defaultdict(list)
    for from_id, to_id, forward, changed_at, previous_at in _moves(start, end):
        if to_id is not None:
            entered[to_id] += 1
        if from_id is not None:
            if forward:
                moved_on[from_id] += 1
            if previous_at is not None:
                stays[from_id].append((changed_at - previous_at).total_seconds() / 86_400)
    return [
        StageFlow(
            stage=stage,
            held_at_start=held.get(stage.pk, 0),
            entered=entered[stage.pk],
            moved_on=moved_on[stage.pk],
            days_in_stage=stays[stage.pk],
        )
        for stage in stages
    ]


def _moves(start: datetime, end: datetime) -> QuerySet:
    """The accounts' own stage changes in [start, end), each with the time of the account's
    change before it (when it entered the stage it now leaves): one query, the earlier change
    found through the (account, changed_at) index."""
    own = InferredStageChange.objects.filter(contact__isnull=True)
    before = own.filter(
        account_id=OuterRef("account_id"), changed_at__lt=OuterRef("changed_at")
    ).order_by("-changed_at")
    return (
        own.filter(changed_at__gte=start, changed_at__lt=end)
        .annotate(previous_at=Subquery(before.values("changed_at")[:1]))
        .order_by()
        .values_list("from_stage_id", "to_stage_id", "is_forward", "changed_at", "previous_at")
    )


def _flow_charts(flows: list[StageFlow]) -> list[Chart]:
    labels = [_stage_label(flow.stage) for flow in flows]
    return [
        Chart(
            id="stage-conversion",
            title="Stage-to-stage conversion (accounts)",
            type="bar",
            labels=labels,
            series=[Series("Moved on to a later stage (%)", [f.conversion for f in flows])],
            x_title="Stage",
            y_title="%",
            unit="%",
            description="Of the accounts in a stage at the start of the range or entering it "
            "during the range, the share that moved on to a later stage within the range.",
        ),
        Chart(
            id="stage-time",
            title="Median days in stage (accounts)",
            type="bar",
            labels=labels,
            series=[Series("Median days", [f.median_days for f in flows])],
            x_title="Stage",
            y_title="Days",
            unit="days",
            description="For the accounts that left a stage during the range: how long they "
            "had stayed in it, the median.",
        ),
    ]


def _share_percent(value, target, baseline, kpi: str) -> float | None:
    share = progress_share(
        value=value, target=target, baseline=baseline, lower_is_better=kpi in LOWER_IS_BETTER
    )
    return None if share is None else float(round(share * 100, 1))


@dataclass(frozen=True)
class KpiRow:
    label: str
    kpi: str
    value: Decimal | None
    target: Decimal
    percent: float | None
    unit: str
    href: str = ""


def _stage_kpi_rows(filters: Filters, stages: list[JourneyStage]) -> list[KpiRow]:
    """Each stage KPI's latest snapshot on or before the range's last day."""
    stage_kpis = list(
        StageKpi.objects.filter(stage__in=[s.pk for s in stages]).select_related("stage__parent")
    )
    order = {stage.pk: n for n, stage in enumerate(stages)}
    stage_kpis.sort(key=lambda k: (order[k.stage_id], k.kpi))
    latest = _latest_by(
        StageKpiSnapshot.objects.filter(
            stage_kpi__in=[k.pk for k in stage_kpis], day__lte=filters.end
        ),
        key="stage_kpi_id",
    )
    rows = []
    for stage_kpi in stage_kpis:
        snapshot = latest.get(stage_kpi.pk)
        value = snapshot.value if snapshot else None
        rows.append(
            KpiRow(
                label=f"{_stage_label(stage_kpi.stage)}: {Kpi(stage_kpi.kpi).label}",
                kpi=stage_kpi.kpi,
                value=value,
                target=stage_kpi.target,
                percent=_share_percent(value, stage_kpi.target, None, stage_kpi.kpi),
                unit=UNITS[Kpi(stage_kpi.kpi)],
            )
        )
    return rows


def _latest_by(rows: QuerySet, *, key: str) -> dict:
    """The latest row (by day) per `key`: DISTINCT ON where PostgreSQL has it, else the rows
    in day order, the last one kept (SQLite, `make run`)."""
    if connection.features.can_distinct_on_fields:
        return {getattr(row, key): row for row in rows.order_by(key, "-day").distinct(key)}
    latest: dict = {}
    for row in rows.order_by(key, "day"):
        latest[getattr(row, key)] = row
    return latest


def _kpi_chart(chart_id: str, title: str, rows: list[KpiRow], description: str) -> Chart:
    return Chart(
        id=chart_id,
        title=title,
        type="bar",
        horizontal=True,
        labels=[row.label for row in rows],
        series=[Series("% of the way to target", [row.percent for row in rows])],
        x_title="KPI",
        unit="%",
        description=description,
        empty_text="No KPI to show.",
    )


def _live_campaign_rows(filters: Filters) -> list[KpiRow]:
    campaigns = Campaign.objects.filter(
        archived_at__isnull=True, status=Campaign.Status.LIVE
    ).order_by("end_date", "name")
    if filters.journey is not None:
        campaigns = campaigns.filter(goal_stage__journey=filters.journey)
    campaigns = list(campaigns)
    latest = _latest_by(
        CampaignKpiSnapshot.objects.filter(
            campaign__in=[c.pk for c in campaigns], day__lte=filters.end
        ),
        key="campaign_id",
    )
    rows = []
    for campaign in campaigns:
        snapshot = latest.get(campaign.pk)
        value = snapshot.value if snapshot else None
        rows.append(
            KpiRow(
                label=campaign.name,
                kpi=campaign.kpi,
                value=value,
                target=campaign.kpi_target,
                percent=_share_percent(
                    value, campaign.kpi_target, campaign.kpi_baseline, campaign.kpi
                ),
                unit=UNITS[Kpi(campaign.kpi)],
                href=reverse("campaigns:detail", args=[campaign.pk]),
            )
        )
    return rows


@dataclass(frozen=True)
class CoverageGap:
    stage: JourneyStage
    persona: str


def _coverage(journey: Journey) -> tuple[Chart, list[CoverageGap]]:
    coverage = journey_selectors.journey_coverage(journey=journey)
    gaps = [
        CoverageGap(count.stage, block.persona.name)
        for block in coverage.blocks
        for count in block.totals
        if count.is_gap
    ]
    per_stage = defaultdict(int)
    for gap in gaps:
        per_stage[gap.stage.pk] += 1
    chart = Chart(
        id="coverage-gaps",
        title="Content coverage gaps",
        type="bar",
        labels=[_stage_label(stage) for stage in coverage.stages],
        series=[Series("Personas with no asset", [per_stage[s.pk] for s in coverage.stages])],
        x_title="Stage",
        y_title="Personas",
        description="Personas with no published asset at a stage.",
        empty_text="The journey has no stages yet.",
    )
    return chart, gaps


def _pipeline_trend(filters: Filters, stages: list[PipelineStage]) -> Chart:
    amounts = {
        (day, stage_id): amount
        for day, stage_id, amount in PipelineStageSnapshot.objects.filter(
            day__gte=filters.start, day__lte=filters.end
        ).values_list("day", "stage_id", "amount")
    }
    written = sorted({day for day, _ in amounts})
    return Chart(
        id="pipeline-trend",
        title="Pipeline amount per stage",
        type="bar",
        stacked=True,
        labels=[_day_label(day) for day in written],
        series=[
            Series(stage.name, [amounts.get((day, stage.pk), 0) for day in written])
            for stage in stages
            if not stage.is_closed
        ]
        if written
        else [],
        x_title="Day",
        y_title="Amount",
        empty_text="No snapshot in this range yet.",
    )


def _tier_chart(tiers: list[dict]) -> Chart:
    return Chart(
        id="account-tiers",
        title="Accounts by tier",
        type="bar",
        labels=[row["tier"].label for row in tiers],
        series=[
            Series("Accounts", [row["count"] for row in tiers]),
            Series("Targets", [row["targets"] for row in tiers]),
        ],
        x_title="Tier",
    )


def _pipeline_now(stages: list[PipelineStage]) -> tuple[list[dict], date | None]:
    """Every pipeline stage with its deals and their amount at the latest snapshot (written
    hourly), and that snapshot's day: counting a million deals live took a second a page."""
    latest = PipelineStageSnapshot.objects.order_by("-day").values("day")[:1]
    rows = {
        stage_id: (day, count, amount)
        for day, stage_id, count, amount in PipelineStageSnapshot.objects.filter(
            day=Subquery(latest)
        ).values_list("day", "stage_id", "opportunities", "amount")
    }
    day = next(iter(rows.values()))[0] if rows else None
    return [
        {
            "stage": stage,
            "count": rows.get(stage.pk, (day, 0, 0))[1],
            "amount": rows.get(stage.pk, (day, 0, 0))[2],
        }
        for stage in stages
    ], day


def _stage_summary_chart(stages: list[dict], day: date | None) -> Chart:
    return Chart(
        id="pipeline-now",
        title="Opportunities by stage now",
        type="bar",
        labels=[row["stage"].name for row in stages] if day else [],
        series=[Series("Amount", [row["amount"] for row in stages])] if day else [],
        x_title="Stage",
        y_title="Amount",
        description=f"At the latest snapshot ({day}; written hourly)." if day else "",
        empty_text="No snapshot yet: they are written hourly (analytics_snapshot).",
    )


@dataclass
class MarketerDashboard:
    filters: Filters
    charts: dict[str, Chart]
    stage_kpis: list[KpiRow]
    campaigns: list[KpiRow]
    coverage_gaps: list[CoverageGap]
    hot_accounts: list
    tiers: list[dict]
    stages: list[dict]

    @property
    def chart_list(self) -> list[Chart]:
        return list(self.charts.values())


def marketer_dashboard(*, filters: Filters) -> MarketerDashboard:
    journey = filters.journey
    stages = journey_selectors.journey_stages(journey=journey) if journey else []
    pipeline_stages = list(pipeline_selectors.pipeline_stage_list())
    charts: dict[str, Chart] = {}
    for chart in _funnel_charts(filters, stages):
        charts[chart.id] = chart
    for chart in _flow_charts(_account_flows(filters, stages)):
        charts[chart.id] = chart
    stage_kpis = _stage_kpi_rows(filters, stages)
    charts["stage-kpis"] = _kpi_chart(
        "stage-kpis",
        "Stage KPIs against their targets",
        stage_kpis,
        "Each stage's KPIs across every buyer over the 30 days up to the range's last day.",
    )
    campaigns = _live_campaign_rows(filters)
    charts["live-campaigns"] = _kpi_chart(
        "live-campaigns",
        "Campaigns live now",
        campaigns,
        "Each live campaign's KPI from its start, from baseline (or zero) to target.",
    )
    gaps: list[CoverageGap] = []
    if journey is not None:
        charts["coverage-gaps"], gaps = _coverage(journey)
    charts["pipeline-trend"] = _pipeline_trend(filters, pipeline_stages)
    tiers = account_selectors.account_tier_summary()
    stage_summary, snapshot_day = _pipeline_now(pipeline_stages)
    charts["account-tiers"] = _tier_chart(tiers)
    charts["pipeline-now"] = _stage_summary_chart(stage_summary, snapshot_day)
    return MarketerDashboard(
        filters=filters,
        charts=_keyed(charts),
        stage_kpis=stage_kpis,
        campaigns=campaigns,
        coverage_gaps=gaps[:LIST_SIZE],
        hot_accounts=list(engagement_selectors.hot_account_list()[:LIST_SIZE]),
        tiers=tiers,
        stages=stage_summary,
    )


# --- sales -------------------------------------------------------------------------------


@dataclass
class SalesDashboard:
    filters: Filters
    charts: dict[str, Chart]
    stalled_count: int
    tasks: list
    handoffs: list
    activity: list

    @property
    def chart_list(self) -> list[Chart]:
        return list(self.charts.values())


def _my_accounts(owner: User | None) -> Q:
    """Accounts a rep owns or has an open deal with; None: every account."""
    if owner is None:
        return Q()
    deals = Opportunity.objects.active().filter(
        owner=owner, stage__outcome=PipelineStage.Outcome.OPEN
    )
    return Q(account__owner=owner) | Q(account_id__in=deals.values("account_id"))


def sales_dashboard(*, filters: Filters, user: User, owner: User | None) -> SalesDashboard:
    """A rep's dashboard (`owner` is the rep), or a sales manager's for the team (None)."""
    stages = [s for s in pipeline_selectors.pipeline_stage_list() if not s.is_closed]
    deals = Opportunity.objects.active().filter(stage__outcome=PipelineStage.Outcome.OPEN)
    if owner is not None:
        deals = deals.filter(owner=owner)
    by_stage = {
        row["stage"]: row
        for row in deals.order_by()
        .values("stage")
        .annotate(
            count=Count("pk"),
            amount=Sum("amount"),
            stalled=Count("pk", filter=pipeline_selectors.STALLED),
        )
    }
    labels = [stage.name for stage in stages]
    charts = {
        "my-pipeline": Chart(
            id="my-pipeline",
            title="Open pipeline by stage",
            type="bar",
            labels=labels,
            series=[Series("Amount", [by_stage.get(s.pk, {}).get("amount") or 0 for s in stages])],
            x_title="Stage",
            y_title="Amount",
            empty_text="No open pipeline stage defined yet.",
        ),
        "my-deals": Chart(
            id="my-deals",
            title="Open deals by stage, stalled apart",
            type="bar",
            stacked=True,
            labels=labels,
            series=[
                Series(
                    "Moving",
                    [
                        by_stage.get(s.pk, {}).get("count", 0)
                        - by_stage.get(s.pk, {}).get("stalled", 0)
                        for s in stages
                    ],
                ),
                Series("Stalled", [by_stage.get(s.pk, {}).get("stalled", 0) for s in stages]),
            ],
            x_title="Stage",
            y_title="Deals",
            empty_text="No open pipeline stage defined yet.",
        ),
    }
    start, end = filters.window
    events = Event.objects.filter(_my_accounts(owner), occurred_at__gte=start, occurred_at__lt=end)
    per_day = dict(
        events.order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    charts["buyer-activity"] = Chart(
        id="buyer-activity",
        title="Buyer activity on my accounts" if owner else "Buyer activity on the team's accounts",
        type="bar",
        labels=[_day_label(day) for day in filters.days],
        series=[Series("Signals", [per_day.get(day, 0) for day in filters.days])],
        x_title="Day",
        y_title="Signals",
    )
    stalled = sum(row["stalled"] for row in by_stage.values())
    handoffs = engagement_selectors.handoff_list(
        status=Handoff.Status.PENDING,
        queue=engagement_selectors.HandoffQueue.MINE
        if owner
        else engagement_selectors.HandoffQueue.ALL,
        user=user,
    )
    return SalesDashboard(
        filters=filters,
        charts=_keyed(charts),
        stalled_count=stalled,
        tasks=list(
            nurture_selectors.assigned_tasks(assignee=user).filter(completed_at__isnull=True)[
                :LIST_SIZE
            ]
        ),
        handoffs=list(handoffs[:LIST_SIZE]),
        activity=list(
            events.select_related("account", "contact").order_by("-occurred_at", "-pk")[:LIST_SIZE]
        ),
    )


# --- admin -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLength:
    name: str
    waiting: int | None  # None: the broker could not be asked


def queue_lengths() -> tuple[list[QueueLength], str]:
    """Tasks waiting in each queue of the broker, and an error when it cannot be asked."""
    from config.celery_app import app

    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            channel = broker.default_channel
            lengths = []
            for name in names:
                try:
                    waiting = channel.queue_declare(queue=name, passive=True).message_count
                except Exception:  # a queue never declared holds nothing
                    channel = broker.channel()
                    waiting = 0
                lengths.append(QueueLength(name, waiting))
            return lengths, ""
    except Exception as error:  # the page says the broker is unreachable
        return [QueueLength(name, None) for name in names], f"Broker unreachable: {error}"


@dataclass(frozen=True)
class FailedJobs:
    label: str
    count: int
    href: str = ""


@dataclass
class AdminDashboard:
    filters: Filters
    charts: dict[str, Chart]
    broker_error: str
    beat_tasks: list[PeriodicTask]
    failed: list[FailedJobs]
    recompute_waiting: int
    recompute_oldest: datetime | None
    tiers: list[dict]
    stages: list[dict]

    @property
    def chart_list(self) -> list[Chart]:
        return list(self.charts.values())


def admin_dashboard(*, filters: Filters, now: datetime | None = None) -> AdminDashboard:
    now = now or timezone.now()
    queues, broker_error = queue_lengths()
    charts = {
        "queues": Chart(
            id="queues",
            title="Tasks waiting per queue",
            type="bar",
            labels=[q.name for q in queues],
            series=[Series("Waiting", [q.waiting for q in queues])],
            x_title="Queue",
            y_title="Tasks",
            empty_text="No queue configured.",
        )
    }
    hour_now = now.replace(minute=0, second=0, microsecond=0)
    since = hour_now - timedelta(hours=INGEST_HOURS - 1)
    per_hour = {
        hour.astimezone(UTC): n
        for hour, n in Event.objects.filter(received_at__gte=since)
        .order_by()
        .annotate(hour=TruncHour("received_at", tzinfo=UTC))
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    }
    hours = [since + timedelta(hours=n) for n in range(INGEST_HOURS)]
    charts["ingested"] = Chart(
        id="ingested",
        title=f"Events received per hour, last {INGEST_HOURS} hours",
        type="bar",
        labels=[hour.strftime("%Y-%m-%d %H:00") for hour in hours],
        series=[Series("Events", [per_hour.get(hour, 0) for hour in hours])],
        x_title="Hour (UTC)",
        y_title="Events",
    )
    start, end = filters.window
    in_range = {"created_at__gte": start, "created_at__lt": end}
    failed = [
        FailedJobs(
            "Backtests", Backtest.objects.filter(status=Backtest.Status.FAILED, **in_range).count()
        ),
        FailedJobs(
            "Calibrations",
            Calibration.objects.filter(status=Calibration.Status.FAILED, **in_range).count(),
        ),
        FailedJobs(
            "Fit model trainings",
            FitModel.objects.filter(
                status=FitModel.Status.FAILED, requested_at__gte=start, requested_at__lt=end
            ).count(),
        ),
        FailedJobs(
            "Imports", ImportRun.objects.filter(status=ImportRun.Status.FAILED, **in_range).count()
        ),
    ]
    charts["failed"] = Chart(
        id="failed",
        title="Failed background jobs in the range",
        type="bar",
        labels=[f.label for f in failed],
        series=[Series("Failed", [f.count for f in failed])],
        x_title="Job",
        y_title="Failed",
    )
    backlog = RecomputeRequest.objects.aggregate(n=Count("pk"), oldest=Min("requested_at"))
    tiers = account_selectors.account_tier_summary()
    stages, snapshot_day = _pipeline_now(list(pipeline_selectors.pipeline_stage_list()))
    charts["account-tiers"] = _tier_chart(tiers)
    charts["pipeline-now"] = _stage_summary_chart(stages, snapshot_day)
    return AdminDashboard(
        filters=filters,
        charts=_keyed(charts),
        broker_error=broker_error,
        beat_tasks=list(
            PeriodicTask.objects.select_related("crontab", "interval").order_by("name")
        ),
        failed=failed,
        recompute_waiting=backlog["n"],
        recompute_oldest=backlog["oldest"],
        tiers=tiers,
        stages=stages,
    )
