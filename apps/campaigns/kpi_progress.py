"""KPI progress: each KPI measured on the campaign's segment inside the campaign's window.

The window runs from midnight (UTC) of the start date to the end of the end date. One function
per KPI, each a couple of set-based queries whatever the segment's size; `DEFINITIONS` says in
a marketer's words what each counts, and the campaign page shows it next to the number.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum

from apps.accounts.models import Contact
from apps.campaigns.segments import Segment
from apps.engagement.models import Event, EventKind
from apps.journeys.kpis import Kpi
from apps.nurture.models import Touch
from apps.pipeline.models import Opportunity, PipelineStage, StageChange

# Signals that show our outreach got to someone: an email of ours opened or clicked, an asset
# a rep shared with them. (A nurture touch counts as well: it was sent to them.)
OUTREACH_KINDS = (EventKind.EMAIL_OPEN, EventKind.EMAIL_CLICK, EventKind.ASSET_SHARED)
# Signals a buyer makes on their own. An email open alone is not engagement (mail clients open
# mail by themselves); intent surges are about an account, not a person; CRM activity and
# shared assets are what we did.
ENGAGEMENT_KINDS = (
    EventKind.PAGE_VIEW,
    EventKind.PRODUCT_PAGE_VIEW,
    EventKind.PRICING_PAGE_VIEW,
    EventKind.CONTENT_DOWNLOAD,
    EventKind.WEBINAR_ATTENDED,
    EventKind.DEMO_REQUEST,
    EventKind.EMAIL_CLICK,
    EventKind.FORM_SUBMIT,
    EventKind.MEETING,
)

DEFINITIONS = {
    Kpi.REACH: "Contacts in the segment reached during the campaign: a nurture touch was sent "
    "to them, they opened or clicked one of our emails, or a rep shared an asset with them. "
    "Each contact counts once.",
    Kpi.ENGAGEMENT_RATE: "Share of the segment's contacts who engaged during the campaign: at "
    "least one page view, download, webinar, demo request, email click, form or meeting.",
    Kpi.PIPELINE_INFLUENCE: "Value of the segment's opportunities created or moved to a later "
    "open or won stage during the campaign (each opportunity counted once, at its amount).",
    Kpi.CONVERSION_RATE: "Share of the segment's opportunities closed during the campaign that "
    "were won (won ÷ won and lost).",
    Kpi.DEAL_VELOCITY: "Average days from opening to winning, for the segment's opportunities "
    "won during the campaign. Lower is better.",
}
UNITS = {
    Kpi.REACH: "contacts",
    Kpi.ENGAGEMENT_RATE: "%",
    Kpi.PIPELINE_INFLUENCE: "in deal value",
    Kpi.CONVERSION_RATE: "%",
    Kpi.DEAL_VELOCITY: "days",
}
LOWER_IS_BETTER = {Kpi.DEAL_VELOCITY}

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Window:
    start: datetime  # included
    end: datetime  # excluded

    @classmethod
    def for_dates(cls, start: date, end: date) -> "Window":
        return cls(
            start=datetime.combine(start, time.min, tzinfo=UTC),
            end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        )

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


@dataclass(frozen=True)
class Measure:
    value: Decimal | None  # None: nothing to measure yet (no contacts, no closed deals)
    facts: tuple[tuple[str, int | Decimal], ...] = ()


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(CENTS) if whole else None


# Each KPI picks its rows with one semi-join per condition (`IN (…)`, `EXISTS`), never `IN
# (…) OR IN (…)` nor `COUNT(…) FILTER (WHERE … IN (…))`: PostgreSQL answers those with a
# subquery per row once the subquery's ids outgrow `work_mem`, minutes over a million events.


def measure_reach(*, segment: Segment, window: Window) -> Measure:
    touched = Touch.objects.filter(window.q("sent_at")).values("enrollment__contact_id")
    reached = Event.objects.filter(
        window.q("occurred_at"), kind__in=OUTREACH_KINDS, contact__isnull=False
    ).values("contact_id")
    totals = Contact.objects.filter(
        segment.contact_condition(), pk__in=touched.order_by().union(reached.order_by(), all=True)
    ).aggregate(contacts=Count("pk"), accounts=Count("account", distinct=True))
    return Measure(
        value=Decimal(totals["contacts"]),
        facts=(("Contacts reached", totals["contacts"]), ("Accounts reached", totals["accounts"])),
    )


def measure_engagement_rate(*, segment: Segment, window: Window) -> Measure:
    engaged = Event.objects.filter(
        window.q("occurred_at"), kind__in=ENGAGEMENT_KINDS, contact__isnull=False
    ).values("contact_id")
    in_segment = Contact.objects.filter(segment.contact_condition())
    totals = {"contacts": in_segment.count(), "engaged": in_segment.filter(pk__in=engaged).count()}
    return Measure(
        value=_percent(totals["engaged"], totals["contacts"]),
        facts=(
            ("Engaged contacts", totals["engaged"]),
            ("Contacts in segment", totals["contacts"]),
        ),
    )


def measure_pipeline_influence(*, segment: Segment, window: Window) -> Measure:
    moves = StageChange.objects.filter(window.q("entered_at"), opportunity=OuterRef("pk"))
    created = moves.filter(from_stage__isnull=True)
    influencing = moves.filter(
        Q(from_stage__isnull=True)
        | Q(stage__position__gt=F("from_stage__position"))
        & ~Q(stage__outcome=PipelineStage.Outcome.LOST)
    )
    in_segment = Opportunity.objects.filter(segment.account_condition(path="account__"))
    totals = in_segment.filter(Exists(influencing)).aggregate(
        count=Count("pk"), value=Sum("amount")
    )
    totals["created"] = in_segment.filter(Exists(created)).count()
    value = totals["value"] or Decimal(0)
    return Measure(
        value=value,
        facts=(
            ("Opportunities influenced", totals["count"]),
            ("of them created", totals["created"]),
            ("Their value", value),
        ),
    )


def _closed_in_window(*, segment: Segment, window: Window):
    return Opportunity.objects.filter(
        segment.account_condition(path="account__"), window.q("closed_at")
    )


def measure_conversion_rate(*, segment: Segment, window: Window) -> Measure:
    totals = (
        _closed_in_window(segment=segment, window=window)
        .filter(stage__outcome__in=[PipelineStage.Outcome.WON, PipelineStage.Outcome.LOST])
        .aggregate(
            decided=Count("pk"), won=Count("pk", filter=Q(stage__outcome=PipelineStage.Outcome.WON))
        )
    )
    return Measure(
        value=_percent(totals["won"], totals["decided"]),
        facts=(("Won", totals["won"]), ("Closed (won or lost)", totals["decided"])),
    )


def measure_deal_velocity(*, segment: Segment, window: Window) -> Measure:
    # An opportunity opened when its stage history began (`created_at` is when the row was
    # written, which an import sets to the day of the import).
    spans = (
        _closed_in_window(segment=segment, window=window)
        .filter(stage__outcome=PipelineStage.Outcome.WON)
        .annotate(opened_at=Min("stage_changes__entered_at"))
        .values_list("opened_at", "closed_at")
    )
    days = [(closed - opened).total_seconds() / 86_400 for opened, closed in spans]
    average = Decimal(sum(days) / len(days)).quantize(Decimal("0.1")) if days else None
    return Measure(value=average, facts=(("Won opportunities", len(days)),))


MEASURES: dict[str, Callable[..., Measure]] = {
    Kpi.REACH: measure_reach,
    Kpi.ENGAGEMENT_RATE: measure_engagement_rate,
    Kpi.PIPELINE_INFLUENCE: measure_pipeline_influence,
    Kpi.CONVERSION_RATE: measure_conversion_rate,
    Kpi.DEAL_VELOCITY: measure_deal_velocity,
}


@dataclass(frozen=True)
class KpiProgress:
    kpi: Kpi
    definition: str
    unit: str
    lower_is_better: bool
    value: Decimal | None
    target: Decimal
    baseline: Decimal | None
    facts: tuple[tuple[str, int | Decimal], ...]
    # How far from the baseline (or from zero) to the target: 1 means the target is met.
    share: Decimal | None

    @property
    def met(self) -> bool:
        return self.share is not None and self.share >= 1

    @property
    def percent_of_way(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def bar_percent(self) -> int:
        return max(0, min(100, self.percent_of_way or 0))


def progress_share(
    *, value: Decimal | None, target: Decimal, baseline: Decimal | None, lower_is_better: bool
) -> Decimal | None:
    if value is None:
        return None
    if baseline is not None and baseline != target:
        return ((value - baseline) / (target - baseline)).quantize(CENTS)
    if lower_is_better:
        return (target / value).quantize(CENTS) if value else Decimal(1)
    return (value / target).quantize(CENTS) if target else Decimal(1)


def kpi_progress(
    *, kpi: str, target: Decimal, baseline: Decimal | None, segment: Segment, window: Window
) -> KpiProgress:
    measure = MEASURES[kpi](segment=segment, window=window)
    lower = kpi in LOWER_IS_BETTER
    return KpiProgress(
        kpi=Kpi(kpi),
        definition=DEFINITIONS[kpi],
        unit=UNITS[kpi],
        lower_is_better=lower,
        value=measure.value,
        target=target,
        baseline=baseline,
        facts=measure.facts,
        share=progress_share(
            value=measure.value, target=target, baseline=baseline, lower_is_better=lower
        ),
    )
