"""What a sequence achieved (selectors for its results page and API): per step what its emails
met (sent, delivered, opened, clicked, replied, bounced, unsubscribed, and how many a machine
opened or clicked: an image proxy, a link scanner, which are not opens), per A/B variant its
rates and whether one clearly leads, and per sequence whether enrolled deals moved on more than
comparable stalled deals that were not enrolled.

A fixed number of grouped queries whatever the number of steps, variants and touches.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from apps.nurture.models import Enrollment, Sequence, Step, StepVariant, Touch, TrackingHit
from apps.nurture.significance import Arm, Verdict, verdict
from apps.pipeline.models import OpportunityStall, PipelineStage, StageChange
from apps.pipeline.selectors import advanced_after

DEFAULT_DAYS = 14
# The metrics an A/B test can be judged on: each a share of the variant's sends.
METRICS = {
    "clicks": "clicked",
    "replies": "replied",
    "opens": "opened",
    "stage progress": "progressed",
}
DEFAULT_METRIC = "clicks"
# What came back after an email left, each counted once per touch (Touch's outcome fields).
OUTCOMES = {
    "delivered": "delivered_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
    "replied": "replied_at",
    "bounced": "bounced_at",
    "unsubscribed": "unsubscribed_at",
}


@dataclass
class Counts:
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    bounced: int = 0
    unsubscribed: int = 0
    flagged: int = 0  # a machine opened or clicked it (TrackingHit): not counted as opened
    progressed: int = 0  # the deal moved to a later stage within the days after the send

    def add(self, other: "Counts") -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rate(self, name: str) -> float | None:
        """`name`'s share of the sends, 0–1; None before anything was sent."""
        return getattr(self, name) / self.sent if self.sent else None


@dataclass
class VariantResult:
    variant: StepVariant
    counts: Counts = field(default_factory=Counts)


@dataclass
class StepResult:
    step: Step
    counts: Counts = field(default_factory=Counts)
    variants: list[VariantResult] = field(default_factory=list)
    verdict: Verdict = field(default_factory=lambda: Verdict(""))

    @property
    def winner(self) -> StepVariant | None:
        return next((v.variant for v in self.variants if v.variant.pk == self.step.winner_id), None)


@dataclass(frozen=True)
class DealProgress:
    """Enrolled deals against comparable stalled deals, over the same period."""

    since: datetime | None  # the sequence's first enrolment of a deal; None: none yet
    until: datetime  # enrolments and stalls began at least `days` before now
    enrolled: int
    enrolled_moved: int
    comparable: int
    comparable_moved: int

    @staticmethod
    def share(moved: int, of: int) -> float | None:
        return moved / of if of else None

    @property
    def enrolled_rate(self) -> float | None:
        return self.share(self.enrolled_moved, self.enrolled)

    @property
    def comparable_rate(self) -> float | None:
        return self.share(self.comparable_moved, self.comparable)


@dataclass(frozen=True)
class SequenceResults:
    days: int
    metric: str
    steps: list[StepResult]
    deals: DealProgress


def sequence_results(
    *,
    sequence: Sequence,
    days: int = DEFAULT_DAYS,
    metric: str = DEFAULT_METRIC,
    now: datetime | None = None,
) -> SequenceResults:
    """The sequence's results; stage progress counts moves within `days` after a send (or an
    enrolment), and A/B tests are judged on `metric` (a key of `METRICS`)."""
    within = timedelta(days=days)
    steps = {
        step.pk: StepResult(step)
        for step in Step.objects.filter(sequence=sequence).order_by("position")
    }
    by_variant: dict[int, VariantResult] = {}
    for variant in StepVariant.objects.filter(step__sequence=sequence).order_by("label"):
        by_variant[variant.pk] = VariantResult(variant)
        steps[variant.step_id].variants.append(by_variant[variant.pk])
    for row in _touch_counts(sequence, within=within):
        counts = Counts(**{name: row[name] for name in vars(Counts())})
        steps[row["step_id"]].counts.add(counts)
        if row["variant_id"] is not None:
            by_variant[row["variant_id"]].counts.add(counts)
    hits = METRICS[metric]
    for result in steps.values():
        arms = [
            Arm(v.variant.label, v.counts.sent, getattr(v.counts, hits)) for v in result.variants
        ]
        result.verdict = verdict(arms, metric=metric)
    return SequenceResults(
        days=days,
        metric=metric,
        steps=list(steps.values()),
        deals=_deal_progress(sequence, within=within, now=now or timezone.now()),
    )


def _touch_counts(sequence: Sequence, *, within: timedelta) -> list[dict]:
    """Per step and variant: touches sent and how many of each outcome, one grouped query."""
    progressed = advanced_after(at="sent_at", opportunity="enrollment__opportunity", within=within)
    outcomes = {
        name: Count("pk", filter=Q(**{f"{column}__isnull": False}))
        for name, column in OUTCOMES.items()
    }
    flagged = Exists(TrackingHit.objects.filter(touch=OuterRef("pk")))
    return list(
        Touch.objects.filter(step__sequence=sequence)
        .alias(moved=progressed, machine=flagged)
        .values("step_id", "variant_id")
        .order_by()
        .annotate(
            sent=Count("pk"),
            progressed=Count("pk", filter=Q(moved=True)),
            flagged=Count("pk", filter=Q(machine=True)),
            **outcomes,
        )
    )


def _deal_progress(sequence: Sequence, *, within: timedelta, now: datetime) -> DealProgress:
    """Deals enrolled in the sequence against comparable deals: stalled in the same period in a
    pipeline stage the sequence is for (its journey stage or a sub-stage) and never enrolled in
    it. A deal moved when it reached a later stage within `within` after one of its enrolments
    (or stalls). Only starts at least `within` ago count, so every deal had the whole time."""
    until = now - within

    def deals_moved(rows, *, start: str) -> dict:
        moved = advanced_after(at=start, opportunity="opportunity", within=within)
        return rows.aggregate(
            deals=Count("opportunity", distinct=True),
            moved=Count("opportunity", distinct=True, filter=Q(moved)),
            since=Min(start),
        )

    enrolled = deals_moved(
        Enrollment.objects.filter(
            sequence=sequence, opportunity__isnull=False, enrolled_at__lte=until
        ),
        start="enrolled_at",
    )
    since = enrolled["since"]
    if since is None:
        return DealProgress(None, until, 0, 0, 0, 0)
    stages = PipelineStage.objects.filter(
        Q(journey_stage=sequence.journey_stage_id)
        | Q(journey_stage__parent=sequence.journey_stage_id)
    )
    stage_then = (
        StageChange.objects.filter(
            opportunity=OuterRef("opportunity"), entered_at__lte=OuterRef("started_at")
        )
        .order_by("-entered_at")
        .values("stage")[:1]
    )
    comparable = deals_moved(
        OpportunityStall.objects.filter(started_at__gte=since, started_at__lte=until)
        .alias(stage_then=Subquery(stage_then))
        .filter(stage_then__in=stages.values("pk"))
        .exclude(
            Exists(
                Enrollment.objects.filter(sequence=sequence, opportunity=OuterRef("opportunity"))
            )
        ),
        start="started_at",
    )
    return DealProgress(
        since,
        until,
        enrolled["deals"],
        enrolled["moved"],
        comparable["deals"],
        comparable["moved"],
    )
