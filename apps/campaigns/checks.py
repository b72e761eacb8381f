"""Planning checks: pure functions that read a plan and say what deserves a second look.

None of them touches the database; `selectors.campaign_plan_findings` gathers their inputs
(stages with their journey and parent, assets with their stage and personas). A finding that
`blocks` is a rule saving refuses (an asset from another journey); the others are advice shown
while planning.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from apps.campaigns.models import kpi_misfit
from apps.content.models import Asset
from apps.journeys.models import JourneyStage
from apps.personas.models import Persona

ASSET_STAGE = "asset_stage"
PERSONA_WITHOUT_ASSET = "persona_without_asset"
KPI_FIT = "kpi_fit"
WEEKLY_CADENCE = "weekly_cadence"
STAGE_WITHOUT_CAMPAIGN = "stage_without_campaign"


@dataclass(frozen=True)
class Finding:
    check: str
    field: str  # the form field the finding is about
    message: str
    blocks: bool = False


@dataclass(frozen=True)
class Booking:
    """A campaign's claim on its contacts' weeks: its dates and its cadence."""

    key: int | str
    name: str
    start: date
    end: date
    cadence: int


@dataclass(frozen=True)
class Audience:
    """How many of the planned campaign's contacts are also in exactly these other campaigns
    (by `Booking.key`); an empty set: in no other."""

    also_in: frozenset
    contacts: int


def _day(value: date) -> str:
    return f"{value:%-d %b %Y}"


def check_asset_stages(*, goal_stage: JourneyStage, assets: Iterable[Asset]) -> list[Finding]:
    """Content must come from the goal's journey (blocking) and should serve the goal's phase.

    Any version of the goal's journey will do: a stage keeps its slug across versions.
    """
    findings = []
    for asset in assets:
        stage = asset.journey_stage
        if stage.journey.key != goal_stage.journey.key:
            findings.append(
                Finding(
                    ASSET_STAGE,
                    "assets",
                    f"“{asset}” is content for {stage}, a stage of another journey; pick "
                    f"content from the goal's journey.",
                    blocks=True,
                )
            )
        elif stage.phase != goal_stage.phase:
            findings.append(
                Finding(
                    ASSET_STAGE,
                    "assets",
                    f"“{asset}” is {stage.phase} content ({stage}); the goal, {goal_stage}, is "
                    f"a {goal_stage.phase} stage.",
                )
            )
    return findings


def check_persona_coverage(
    *, personas: Iterable[Persona], assets: Iterable[Asset]
) -> list[Finding]:
    """Every persona the segment names needs at least one asset made for it.

    Assets come with their `personas` prefetched; an asset naming no persona covers none.
    """
    covered = {persona.pk for asset in assets for persona in asset.personas.all()}
    return [
        Finding(
            PERSONA_WITHOUT_ASSET,
            "assets",
            f"No asset in the content mix speaks to {persona} (a persona in the segment).",
        )
        for persona in personas
        if persona.pk not in covered
    ]


def check_kpi_fit(*, kpi: str, goal_stage: JourneyStage) -> list[Finding]:
    misfit = kpi_misfit(kpi=kpi, phase=goal_stage.phase)
    return [Finding(KPI_FIT, "kpi", misfit, blocks=True)] if misfit else []


def _busiest_stretch(plan: Booking, others: list[Booking]) -> tuple[int, date, date, list]:
    """The most touches a week, day by day over the plan's dates, with the stretch it lasts
    and the campaigns running then. Cadence changes only where a campaign starts or ends."""
    edges = sorted(
        {plan.start, plan.end + timedelta(days=1)}
        | {max(o.start, plan.start) for o in others}
        | {min(o.end, plan.end) + timedelta(days=1) for o in others}
    )
    busiest = (0, plan.start, plan.end, [])
    for first, after in pairwise(edges):
        running = [o for o in others if o.start <= first <= o.end]
        weekly = plan.cadence + sum(o.cadence for o in running)
        if weekly > busiest[0]:
            busiest = (weekly, first, after - timedelta(days=1), running)
    return busiest


def check_weekly_cadence(
    *,
    plan: Booking,
    others: Sequence[Booking],
    audiences: Iterable[Audience],
    limit: int,
) -> list[Finding]:
    """Campaigns running at the same time add up their touches for the contacts they share.

    Each campaign's cadence is the most touches it gives one contact a week. For every group of
    the plan's contacts that share the same other campaigns, this adds up the cadences of
    those running on each day and reports the group and stretch with the most touches, when
    that is above `limit`.
    """
    overlapping = {o.key: o for o in others if o.start <= plan.end and o.end >= plan.start}
    worst: tuple | None = None
    for audience in audiences:
        shared = [overlapping[key] for key in audience.also_in if key in overlapping]
        weekly, first, last, running = _busiest_stretch(plan, shared)
        rank = (weekly, audience.contacts)
        if weekly > limit and (worst is None or rank > worst[0]):
            worst = (rank, first, last, running)
    if worst is None:
        return []
    (weekly, contacts), first, last, running = worst
    people = f"{contacts} contact{'s' if contacts != 1 else ''}"
    if running:
        names = [f"“{o.name}”" for o in sorted(running, key=lambda o: o.name)]
        listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        who = f"{people} also in {listed}"
    else:
        who = f"{people} of this campaign alone"
    return [
        Finding(
            WEEKLY_CADENCE,
            "cadence",
            f"From {_day(first)} to {_day(last)}, {who} could get up to {weekly} touches a "
            f"week; the most a contact should get is {limit}.",
        )
    ]


def covered_stage_ids(
    *, stages: Iterable[JourneyStage], goal_stage_ids: Collection[int]
) -> set[int]:
    """Stages with a campaign: aimed at the stage itself or at one of its sub-stages."""
    covered = set(goal_stage_ids)
    covered |= {s.parent_id for s in stages if s.pk in goal_stage_ids and s.parent_id}
    return {s.pk for s in stages if s.pk in covered}


def check_stage_coverage(
    *,
    stages: Sequence[JourneyStage],
    goal_stage_ids: Collection[int],
    start: date,
    end: date,
) -> list[Finding]:
    """Every stage of the journey should have a campaign between `start` and `end`.

    `goal_stage_ids` are the goals of the campaigns running then (the plan's own included).
    """
    covered = covered_stage_ids(stages=stages, goal_stage_ids=goal_stage_ids)
    return [
        Finding(
            STAGE_WITHOUT_CAMPAIGN,
            "goal_stage",
            f"No campaign serves {stage} between {_day(start)} and {_day(end)}.",
        )
        for stage in stages
        if stage.pk not in covered
    ]
