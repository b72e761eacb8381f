"""Marketing–sales alignment: how fast and how well the two hand work to each other.

For a date range (handoffs raised, requests made, stalls begun, assets shared in it):

- handoffs (MQL/MQA): hours from raised to decided against the SLA (`HANDOFF_SLA_HOURS`),
  accepted and rejected shares, rejection reasons, and the SLA breaches with their owner: a
  handoff decided later than the SLA allowed, or still pending past it;
- enablement requests: days from asked to delivered against `ENABLEMENT_SLA_DAYS`, and the
  breaches (delivered late, or open past it) with whoever works them;
- stalled deals: how many moved to another stage within `STALL_RECOVERY_DAYS` of stalling,
  those whose committee got a nurture touch for that stall against those that got none;
- assets shared by pipeline stage (the stage the deal was in when shared) and what followed
  within `STALL_RECOVERY_DAYS`: the deal moved on, the deal was won, the buyer engaged.

Each figure is one aggregate query whatever the row count; breach lists are capped (the CSV has
them all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Lower, Trim
from django.utils import timezone

from apps.analytics.attribution_paths import Window
from apps.content.models import AssetShare, EnablementRequest
from apps.engagement.models import Direction, Event, Handoff
from apps.nurture.models import Touch
from apps.pipeline.models import OpportunityStall, PipelineStage, StageChange

BREACHES_SHOWN = 50


def handoff_sla_hours() -> float:
    return float(getattr(settings, "HANDOFF_SLA_HOURS", 24))


def enablement_sla_days() -> float:
    return float(getattr(settings, "ENABLEMENT_SLA_DAYS", 10))


def recovery_days() -> int:
    return int(getattr(settings, "STALL_RECOVERY_DAYS", 30))


@dataclass(frozen=True)
class Breach:
    id: int
    kind: str
    subject: str
    owner: str
    started_at: datetime
    ended_at: datetime | None
    hours: float
    status: str


def _owner_name(user) -> str:
    if user is None:
        return "Marketing-ops queue"
    return user.get_full_name() or user.username


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


@dataclass(frozen=True)
class HandoffFigures:
    sla_hours: float
    raised: int
    accepted: int
    rejected: int
    pending: int
    median_hours_to_accept: float | None
    within_sla: int  # decided (either way) within the SLA
    breaches: list[Breach]
    breach_count: int
    reasons: list[tuple[str, int]]

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        return round(100 * self.accepted / self.decided, 1) if self.decided else None

    @property
    def rejection_rate(self) -> float | None:
        return round(100 * self.rejected / self.decided, 1) if self.decided else None


def handoff_breaches(*, window: Window, now: datetime, limit: int | None = BREACHES_SHOWN):
    """Handoffs raised in the window that were decided after the SLA, or are still pending
    past it; the longest first, with their owner."""
    sla = timedelta(hours=handoff_sla_hours())
    waited = ExpressionWrapper(
        Coalesce(F("decided_at"), now) - F("raised_at"), output_field=DurationField()
    )
    rows = (
        Handoff.objects.filter(raised_at__gte=window.start, raised_at__lt=window.end)
        .annotate(waited=waited)
        .filter(waited__gt=sla)
        .select_related("owner", "contact", "account")
        .order_by("-waited", "pk")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        Breach(
            id=h.pk,
            kind=h.get_kind_display(),
            subject=str(h.contact) if h.contact_id else h.account.name,
            owner=_owner_name(h.owner),
            started_at=h.raised_at,
            ended_at=h.decided_at,
            hours=_hours(h.waited),
            status=h.get_status_display(),
        )
        for h in rows
    ]


def handoff_figures(*, window: Window, now: datetime | None = None) -> HandoffFigures:
    now = now or timezone.now()
    sla = timedelta(hours=handoff_sla_hours())
    raised = Handoff.objects.filter(raised_at__gte=window.start, raised_at__lt=window.end)
    waited = ExpressionWrapper(
        Coalesce(F("decided_at"), now) - F("raised_at"), output_field=DurationField()
    )
    counts = raised.annotate(waited=waited).aggregate(
        raised=Count("pk"),
        accepted=Count("pk", filter=Q(status=Handoff.Status.ACCEPTED)),
        rejected=Count("pk", filter=Q(status=Handoff.Status.REJECTED)),
        pending=Count("pk", filter=Q(status=Handoff.Status.PENDING)),
        within=Count("pk", filter=~Q(status=Handoff.Status.PENDING) & Q(waited__lte=sla)),
        breaches=Count("pk", filter=Q(waited__gt=sla)),
    )
    accept_times = [
        (decided - raised_at).total_seconds() / 3600
        for raised_at, decided in raised.filter(status=Handoff.Status.ACCEPTED).values_list(
            "raised_at", "decided_at"
        )
    ]
    reasons = (
        raised.filter(status=Handoff.Status.REJECTED)
        .annotate(text=Lower(Trim("reason")))
        .values("text")
        .annotate(count=Count("pk"))
        .order_by("-count", "text")[:20]
    )
    return HandoffFigures(
        sla_hours=handoff_sla_hours(),
        raised=counts["raised"],
        accepted=counts["accepted"],
        rejected=counts["rejected"],
        pending=counts["pending"],
        median_hours_to_accept=round(median(accept_times), 1) if accept_times else None,
        within_sla=counts["within"],
        breaches=handoff_breaches(window=window, now=now),
        breach_count=counts["breaches"],
        reasons=[(row["text"] or "(no reason given)", row["count"]) for row in reasons],
    )


@dataclass(frozen=True)
class EnablementFigures:
    sla_days: float
    requested: int
    delivered: int
    declined: int
    open: int
    median_days_to_deliver: float | None
    delivered_within_sla: int
    breaches: list[Breach]
    breach_count: int


def enablement_breaches(*, window: Window, now: datetime, limit: int | None = BREACHES_SHOWN):
    sla = timedelta(days=enablement_sla_days())
    rows = (
        _enablement_waited(window=window, now=now)
        .filter(waited__gt=sla)
        .exclude(status=EnablementRequest.Status.DECLINED)
        .select_related("assignee", "requested_by")
        .order_by("-waited", "pk")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        Breach(
            id=r.pk,
            kind=r.get_priority_display(),
            subject=r.need[:80],
            owner=_owner_name(r.assignee) if r.assignee_id else "Unassigned",
            started_at=r.created_at,
            ended_at=r.status_changed_at
            if r.status == EnablementRequest.Status.DELIVERED
            else None,
            hours=_hours(r.waited),
            status=r.get_status_display(),
        )
        for r in rows
    ]


def _enablement_waited(*, window: Window, now: datetime):
    delivered = Q(status=EnablementRequest.Status.DELIVERED)
    end = Case(When(delivered, then=F("status_changed_at")), default=now)
    return EnablementRequest.objects.filter(
        created_at__gte=window.start, created_at__lt=window.end
    ).annotate(
        waited=ExpressionWrapper(Coalesce(end, now) - F("created_at"), output_field=DurationField())
    )


def enablement_figures(*, window: Window, now: datetime | None = None) -> EnablementFigures:
    now = now or timezone.now()
    sla = timedelta(days=enablement_sla_days())
    rows = _enablement_waited(window=window, now=now)
    delivered = Q(status=EnablementRequest.Status.DELIVERED)
    counts = rows.aggregate(
        requested=Count("pk"),
        delivered=Count("pk", filter=delivered),
        declined=Count("pk", filter=Q(status=EnablementRequest.Status.DECLINED)),
        open=Count("pk", filter=Q(status__in=EnablementRequest.OPEN_STATUSES)),
        within=Count("pk", filter=delivered & Q(waited__lte=sla)),
        breaches=Count(
            "pk", filter=Q(waited__gt=sla) & ~Q(status=EnablementRequest.Status.DECLINED)
        ),
    )
    days = [
        w.total_seconds() / 86400 for w in rows.filter(delivered).values_list("waited", flat=True)
    ]
    return EnablementFigures(
        sla_days=enablement_sla_days(),
        requested=counts["requested"],
        delivered=counts["delivered"],
        declined=counts["declined"],
        open=counts["open"],
        median_days_to_deliver=round(median(days), 1) if days else None,
        delivered_within_sla=counts["within"],
        breaches=enablement_breaches(window=window, now=now),
        breach_count=counts["breaches"],
    )


@dataclass(frozen=True)
class RecoveryRow:
    label: str
    stalls: int
    recovered: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.recovered / self.stalls, 1) if self.stalls else None


def stall_recovery(*, window: Window) -> list[RecoveryRow]:
    """Stalls begun in the window: how many deals moved stage within the recovery days,
    nurtured (a touch sent to the committee for that stall) against not nurtured."""
    days = timedelta(days=recovery_days())
    moved = StageChange.objects.filter(
        opportunity=OuterRef("opportunity"),
        entered_at__gt=OuterRef("started_at"),
        entered_at__lte=OuterRef("started_at") + days,
    )
    nurtured = Touch.objects.filter(enrollment__stall=OuterRef("pk"))
    counts = (
        OpportunityStall.objects.filter(started_at__gte=window.start, started_at__lt=window.end)
        .annotate(is_moved=Exists(moved), is_nurtured=Exists(nurtured))
        .aggregate(
            nurtured=Count("pk", filter=Q(is_nurtured=True)),
            nurtured_moved=Count("pk", filter=Q(is_nurtured=True, is_moved=True)),
            alone=Count("pk", filter=Q(is_nurtured=False)),
            alone_moved=Count("pk", filter=Q(is_nurtured=False, is_moved=True)),
        )
    )
    return [
        RecoveryRow("Nurtured", counts["nurtured"], counts["nurtured_moved"]),
        RecoveryRow("Not nurtured", counts["alone"], counts["alone_moved"]),
    ]


@dataclass(frozen=True)
class ShareRow:
    stage: str
    shares: int
    moved_on: int
    won: int
    engaged: int


def shares_by_stage(*, window: Window) -> list[ShareRow]:
    """Assets shared in the window, by the stage the deal was in when shared, and what
    followed within the recovery days: the deal moved on (to any other stage), was won, or the
    person shared with did something themselves (a buyer-initiated signal)."""
    days = timedelta(days=recovery_days())
    stay = StageChange.objects.filter(
        opportunity=OuterRef("opportunity"), entered_at__lte=OuterRef("shared_at")
    ).order_by("-entered_at")
    later = StageChange.objects.filter(
        opportunity=OuterRef("opportunity"),
        entered_at__gt=OuterRef("shared_at"),
        entered_at__lte=OuterRef("shared_at") + days,
    )
    engaged = Event.objects.filter(
        contact=OuterRef("contact"),
        direction=Direction.BUYER,
        occurred_at__gt=OuterRef("shared_at"),
        occurred_at__lte=OuterRef("shared_at") + days,
    )
    rows = (
        AssetShare.objects.filter(shared_at__gte=window.start, shared_at__lt=window.end)
        .annotate(
            stage_id=Coalesce(
                Subquery(stay.values("stage_id")[:1]),
                F("opportunity__stage_id"),
                output_field=BigIntegerField(),
            ),
            moved=Exists(later),
            won=Exists(later.filter(stage__outcome=PipelineStage.Outcome.WON)),
            engaged=Exists(engaged),
        )
        .values("stage_id")
        .annotate(
            shares=Count("pk"),
            moved_on=Count("pk", filter=Q(moved=True)),
            won_count=Count("pk", filter=Q(won=True)),
            engaged_count=Count("pk", filter=Q(engaged=True)),
        )
    )
    stages = dict(PipelineStage.objects.values_list("pk", "name"))
    positions = dict(PipelineStage.objects.values_list("pk", "position"))
    result = [
        ShareRow(
            stage=stages.get(row["stage_id"], "No deal"),
            shares=row["shares"],
            moved_on=row["moved_on"],
            won=row["won_count"],
            engaged=row["engaged_count"],
        )
        for row in rows
    ]
    by_name = {name: positions.get(pk, 10_000) for pk, name in stages.items()}
    return sorted(result, key=lambda r: (by_name.get(r.stage, 10_000), r.stage))


@dataclass(frozen=True)
class Alignment:
    first_day: date
    last_day: date
    handoffs: HandoffFigures
    enablement: EnablementFigures
    recovery: list[RecoveryRow]
    shares: list[ShareRow]
    recovery_days: int


def alignment_figures(*, first_day: date, last_day: date, now: datetime | None = None) -> Alignment:
    window = Window.for_dates(first_day, last_day)
    now = now or timezone.now()
    return Alignment(
        first_day=first_day,
        last_day=last_day,
        handoffs=handoff_figures(window=window, now=now),
        enablement=enablement_figures(window=window, now=now),
        recovery=stall_recovery(window=window),
        shares=shares_by_stage(window=window),
        recovery_days=recovery_days(),
    )
