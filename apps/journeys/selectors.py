"""Journey reads: the map, content coverage, health facts, review status and history.

A stage keeps its slug from version to version, so content, campaigns and pipeline stages
mapped to a stage of an earlier version count for the stage with the same slug ("the same
stage"): a new draft shows the content that serves it before anything is re-mapped.
Every function here runs a fixed number of queries, whatever the number of stages, personas,
cells or assets.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.content.models import Asset, AssetType
from apps.journeys import health
from apps.journeys.models import (
    Journey,
    JourneyChange,
    JourneyReview,
    JourneyReviewTrigger,
    JourneyStage,
    PlaybookCell,
    StageKpi,
    StageTransition,
)
from apps.personas.models import BuyingRole, Persona
from apps.pipeline.models import PipelineStage

# --- versions and stages ---------------------------------------------------------------------


# Stage pickers list a journey's published version before a draft of the next one, so that a
# campaign or rule is not aimed at a stage still being mapped by mistake (labels say "draft").
DRAFTS_LAST = Case(When(journey__status=Journey.Status.DRAFT, then=Value(1)), default=Value(0))


def journey_list() -> QuerySet[Journey]:
    """Every version of every journey, newest version first within a journey."""
    return (
        Journey.objects.select_related("owner")
        .annotate(stage_count=Count("stages"))
        .order_by("name", "key", "-version")
    )


def journey_get(*, journey_id: int) -> Journey:
    """Raises `Journey.DoesNotExist` for an unknown id."""
    return Journey.objects.select_related("owner", "based_on").get(pk=journey_id)


def journey_published(*, key: str) -> Journey | None:
    """The published version of the journey `key`, if it has one."""
    return Journey.objects.filter(key=key, status=Journey.Status.PUBLISHED).first()


def journey_versions(*, journey: Journey) -> list[Journey]:
    return list(Journey.objects.filter(key=journey.key).order_by("-version"))


def journey_stages(*, journey: Journey) -> list[JourneyStage]:
    """The journey's stages in map order: each top-level stage, then its sub-stages."""
    stages = list(journey.stages.select_related("parent").order_by("position", "pk"))
    children: dict[int, list[JourneyStage]] = defaultdict(list)
    for stage in stages:
        if stage.parent_id is not None:
            children[stage.parent_id].append(stage)
    return [
        member for top in stages if top.parent_id is None for member in (top, *children[top.pk])
    ]


def journey_transitions(*, journey: Journey) -> QuerySet[StageTransition]:
    return journey.transitions.select_related("from_stage__parent", "to_stage__parent")


def same_stage(*, stage: JourneyStage, prefix: str = "journey_stage") -> Q:
    """Rows mapped through `prefix` to this stage in any version of its journey."""
    return Q(**{f"{prefix}__journey__key": stage.journey.key, f"{prefix}__slug": stage.slug})


def stage_assets(*, stage: JourneyStage) -> QuerySet[Asset]:
    """Published assets that serve the stage, with their personas."""
    return (
        Asset.objects.active()
        .filter(same_stage(stage=stage), status=Asset.Status.PUBLISHED)
        .prefetch_related("personas")
        .order_by("title", "pk")
    )


def playbook_accounts() -> QuerySet[Account]:
    """The accounts that may have their own playbook: tier-1 target accounts."""
    return (
        Account.objects.active().filter(tier=Account.Tier.TIER_1, is_target=True).order_by("name")
    )


def _published_assets(journey: Journey) -> QuerySet[Asset]:
    return (
        Asset.objects.active()
        .filter(journey_stage__journey__key=journey.key, status=Asset.Status.PUBLISHED)
        .order_by()
    )


# --- the map ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    text: str
    response: str = ""
    from_account: bool = False


@dataclass(frozen=True)
class Section:
    field: str
    label: str
    entries: list[Entry]


_CHOICE_LABELS = {
    "committee_roles": dict(BuyingRole.choices),
    "content_types": dict(AssetType.choices),
}


def _entries(cell: PlaybookCell | None, name: str, *, from_account: bool = False) -> list[Entry]:
    if cell is None:
        return []
    values = getattr(cell, name)
    if name == "objections":
        return [Entry(v["objection"], v.get("response", ""), from_account) for v in values]
    labels = _CHOICE_LABELS.get(name, {})
    return [Entry(labels.get(value, value), from_account=from_account) for value in values]


def cell_sections(*, base: PlaybookCell | None, own: PlaybookCell | None = None) -> list[Section]:
    """The entries a cell shows, by field: the persona's, then what an account's cell adds
    (or the account's alone when it replaces the persona's)."""
    if own is not None and own.replaces_persona_cell:
        base = None
    sections = []
    for name in PlaybookCell.LIST_FIELDS:
        entries = _entries(base, name)
        persona_texts = {entry.text for entry in entries}
        entries += [
            entry
            for entry in _entries(own, name, from_account=True)
            if entry.text not in persona_texts
        ]
        if entries:
            label = PlaybookCell._meta.get_field(name).verbose_name
            sections.append(Section(name, label[:1].upper() + label[1:], entries))
    return sections


@dataclass
class CellView:
    """One matrix cell: the persona's cell at the stage and, in an account's view, the
    account's own cell on top; `asset_count` counts published assets for stage × persona."""

    journey: Journey
    stage: JourneyStage
    persona: Persona
    asset_count: int
    base: PlaybookCell | None = None
    own: PlaybookCell | None = None
    account: Account | None = None
    sections: list[Section] = field(init=False)

    def __post_init__(self) -> None:
        self.sections = cell_sections(base=self.base, own=self.own)

    @property
    def record(self) -> PlaybookCell:
        """The row an edit of this cell writes: the account's cell in an account's view."""
        existing = self.own if self.account is not None else self.base
        return existing or PlaybookCell(
            stage=self.stage, persona=self.persona, account=self.account
        )


@dataclass(frozen=True)
class StageColumn:
    stage: JourneyStage
    kpis: list[StageKpi]
    pipeline_stages: list[PipelineStage]


@dataclass(frozen=True)
class MapRow:
    persona: Persona
    cells: list[CellView]


@dataclass(frozen=True)
class JourneyMap:
    journey: Journey
    account: Account | None
    columns: list[StageColumn]
    rows: list[MapRow]


def _cells(journey: Journey, account: Account | None, **filters) -> dict:
    """(stage id, persona id, is the account's) → cell, for the persona cells and the account's."""
    wanted = Q(account__isnull=True)
    if account is not None:
        wanted |= Q(account=account)
    cells = PlaybookCell.objects.filter(wanted, stage__journey=journey, **filters)
    return {(c.stage_id, c.persona_id, c.account_id is not None): c for c in cells}


def _asset_counts(journey: Journey, **filters) -> dict[tuple[str, int], int]:
    """(stage slug, persona id) → published assets for that persona at that stage."""
    rows = (
        _published_assets(journey)
        .filter(personas__isnull=False, **filters)
        .values_list("journey_stage__slug", "personas")
        .annotate(n=Count("pk", distinct=True))
    )
    return {(slug, persona_id): n for slug, persona_id, n in rows}


def _cell_view(journey, stage, persona, account, cells, counts) -> CellView:
    return CellView(
        journey=journey,
        stage=stage,
        persona=persona,
        account=account,
        asset_count=counts.get((stage.slug, persona.pk), 0),
        base=cells.get((stage.pk, persona.pk, False)),
        own=cells.get((stage.pk, persona.pk, True)),
    )


def journey_map(*, journey: Journey, account: Account | None = None) -> JourneyMap:
    """The matrix: stages (with sub-stages) as columns, personas as rows."""
    stages = journey_stages(journey=journey)
    kpis: dict[int, list[StageKpi]] = defaultdict(list)
    for kpi in StageKpi.objects.filter(stage__journey=journey):
        kpis[kpi.stage_id].append(kpi)
    pipeline = pipeline_stages_by_slug(journey=journey)
    personas = list(Persona.objects.active().order_by("name"))
    cells = _cells(journey, account)
    counts = _asset_counts(journey)
    return JourneyMap(
        journey=journey,
        account=account,
        columns=[
            StageColumn(stage, kpis[stage.pk], pipeline.get(stage.slug, [])) for stage in stages
        ],
        rows=[
            MapRow(
                persona,
                [_cell_view(journey, stage, persona, account, cells, counts) for stage in stages],
            )
            for persona in personas
        ],
    )


def journey_map_cell(
    *, journey: Journey, stage_id: int, persona_id: int, account: Account | None = None
) -> CellView:
    """One cell of the map. Raises `DoesNotExist` for a stage of another journey."""
    stage = JourneyStage.objects.select_related("parent").get(pk=stage_id, journey=journey)
    persona = Persona.objects.get(pk=persona_id)
    cells = _cells(journey, account, stage=stage, persona=persona)
    counts = _asset_counts(journey, journey_stage__slug=stage.slug, personas=persona)
    return _cell_view(journey, stage, persona, account, cells, counts)


def pipeline_stages_by_slug(*, journey: Journey) -> dict[str, list[PipelineStage]]:
    """The sales-funnel stages each journey stage lines up with (by stage slug)."""
    lined_up: dict[str, list[PipelineStage]] = defaultdict(list)
    for stage in (
        PipelineStage.objects.filter(journey_stage__journey__key=journey.key)
        .select_related("journey_stage")
        .order_by("position")
    ):
        lined_up[stage.journey_stage.slug].append(stage)
    return lined_up


# --- export ----------------------------------------------------------------------------------

EXPORT_HEADER = (
    "journey",
    "version",
    "stage",
    "parent stage",
    "phase",
    "persona",
    "account",
    "from",
    "field",
    "entry",
    "suggested response",
)


def journey_export_rows(*, journey: Journey, account: Account | None = None) -> list[tuple]:
    """One row per cell entry (a cell with five pain points gives five rows): a sheet that
    filters and pivots by stage, persona or field. `from` says whether the entry is the
    persona's or the account's."""
    rows = []
    for row in journey_map(journey=journey, account=account).rows:
        for cell in row.cells:
            stage = cell.stage
            where = (
                journey.name,
                journey.version,
                stage.name,
                stage.parent.name if stage.parent_id else "",
                stage.get_phase_display(),
                row.persona.name,
                account.name if account else "",
            )
            rows += [
                (
                    *where,
                    "account" if entry.from_account else "persona",
                    section.label,
                    entry.text,
                    entry.response,
                )
                for section in cell.sections
                for entry in section.entries
            ]
    return rows


# --- coverage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageCount:
    stage: JourneyStage
    count: int
    # The persona's cell at the stage recommends this asset type.
    recommended: bool = False

    @property
    def is_gap(self) -> bool:
        return self.count == 0 and self.recommended


@dataclass(frozen=True)
class CoverageRow:
    asset_type: str
    label: str
    counts: list[CoverageCount]


@dataclass(frozen=True)
class CoverageBlock:
    persona: Persona
    totals: list[CoverageCount]
    rows: list[CoverageRow]


@dataclass(frozen=True)
class Coverage:
    journey: Journey
    stages: list[JourneyStage]
    blocks: list[CoverageBlock]


def journey_coverage(*, journey: Journey) -> Coverage:
    """Published assets per stage × persona × asset type. A gap is an asset type the persona's
    cell recommends at a stage with no asset, or a stage × persona with no asset at all."""
    stages = journey_stages(journey=journey)
    personas = list(Persona.objects.active().order_by("name"))
    counts: dict[tuple[str, int, str], int] = {
        (slug, persona_id, asset_type): n
        for slug, persona_id, asset_type, n in _published_assets(journey)
        .filter(personas__isnull=False)
        .values_list("journey_stage__slug", "personas", "asset_type")
        .annotate(n=Count("pk", distinct=True))
    }
    totals = _asset_counts(journey)
    recommended = {
        (stage_id, persona_id): set(types)
        for stage_id, persona_id, types in PlaybookCell.objects.filter(
            stage__journey=journey, account__isnull=True
        ).values_list("stage_id", "persona_id", "content_types")
    }
    blocks = []
    for persona in personas:
        rows = [
            CoverageRow(
                asset_type,
                label,
                [
                    CoverageCount(
                        stage,
                        counts.get((stage.slug, persona.pk, asset_type), 0),
                        asset_type in recommended.get((stage.pk, persona.pk), ()),
                    )
                    for stage in stages
                ],
            )
            for asset_type, label in AssetType.choices
        ]
        # A stage × persona with no asset at all is a gap whatever the cell recommends.
        stage_totals = [
            CoverageCount(stage, totals.get((stage.slug, persona.pk), 0), recommended=True)
            for stage in stages
        ]
        blocks.append(CoverageBlock(persona, stage_totals, rows))
    return Coverage(journey=journey, stages=stages, blocks=blocks)


# --- health ----------------------------------------------------------------------------------


def _structure(journey: Journey) -> tuple[list[JourneyStage], list[tuple[int, int]]]:
    stages = journey_stages(journey=journey)
    transitions = list(
        StageTransition.objects.filter(journey=journey).values_list("from_stage", "to_stage")
    )
    return stages, transitions


def journey_structure_problems(*, journey: Journey) -> list[health.Finding]:
    """Unreachable stages and dangling sub-stages: what stops a version being published."""
    stages, transitions = _structure(journey)
    facts = health.JourneyFacts(
        stages=[health.StageFacts(s.pk, str(s), s.parent_id) for s in stages],
        transitions=transitions,
        personas={},
        cells={},
    )
    return health.run_rules(facts, health.STRUCTURE_RULES)


def journey_health_facts(*, journey: Journey) -> health.JourneyFacts:
    stages, transitions = _structure(journey)
    assets = dict(
        _published_assets(journey).values_list("journey_stage__slug").annotate(n=Count("pk"))
    )
    campaigns = dict(
        Campaign.objects.active()
        .filter(goal_stage__journey__key=journey.key)
        .exclude(status=Campaign.Status.CANCELLED)
        .order_by()
        .values_list("goal_stage__slug")
        .annotate(n=Count("pk"))
    )
    kpis = dict(
        StageKpi.objects.filter(stage__journey=journey)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
    )
    pipeline_days = dict(
        PipelineStage.objects.filter(journey_stage__journey__key=journey.key)
        .order_by()
        .values_list("journey_stage__slug")
        .annotate(days=Sum("max_days_in_stage"))
    )
    cells = {
        (cell.stage_id, cell.persona_id): health.CellFacts(
            {name: getattr(cell, name) for name in PlaybookCell.LIST_FIELDS}
        )
        for cell in PlaybookCell.objects.filter(stage__journey=journey, account__isnull=True)
    }
    return health.JourneyFacts(
        stages=[
            health.StageFacts(
                id=stage.pk,
                name=str(stage),
                parent_id=stage.parent_id,
                asset_count=assets.get(stage.slug, 0),
                campaign_count=campaigns.get(stage.slug, 0),
                kpi_count=kpis.get(stage.pk, 0),
                pipeline_days=pipeline_days.get(stage.slug),
            )
            for stage in stages
        ],
        transitions=transitions,
        personas=dict(Persona.objects.order_by("name").values_list("pk", "name")),
        cells=cells,
    )


def journey_health(*, journey: Journey) -> list[health.Finding]:
    return health.run_rules(journey_health_facts(journey=journey))


# --- reviews ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


@dataclass(frozen=True)
class ReviewStatus:
    journey: Journey
    # Review triggers recorded since the last review, oldest first: each makes a review due.
    triggers: list[JourneyReviewTrigger]

    @property
    def reviewed_since(self) -> datetime:
        journey = self.journey
        return journey.last_reviewed_at or journey.published_at or journey.created_at

    @property
    def cadence_due_on(self) -> date:
        return add_months(_utc_day(self.reviewed_since), self.journey.review_cadence_months)

    @property
    def due_on(self) -> date:
        """When the review falls due: the cadence's date, or the first trigger's if earlier."""
        dates = [self.cadence_due_on, *(_utc_day(t.recorded_at) for t in self.triggers)]
        return min(dates)

    def is_due(self, *, today: date) -> bool:
        return self.due_on <= today


def journey_review_statuses(*, journeys: list[Journey]) -> list[ReviewStatus]:
    """Each journey's review status, with its open triggers read in one query."""
    open_triggers: dict[int, list[JourneyReviewTrigger]] = defaultdict(list)
    since = {journey.pk: ReviewStatus(journey, []).reviewed_since for journey in journeys}
    for trigger in (
        JourneyReviewTrigger.objects.filter(journey__in=list(since))
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    ):
        if trigger.recorded_at > since[trigger.journey_id]:
            open_triggers[trigger.journey_id].append(trigger)
    return [ReviewStatus(journey, open_triggers[journey.pk]) for journey in journeys]


def journey_review_status(*, journey: Journey) -> ReviewStatus:
    return journey_review_statuses(journeys=[journey])[0]


def journeys_due_for_review(*, today: date) -> list[ReviewStatus]:
    """Published journeys whose review is due by `today` and whose owner has an email."""
    published = Journey.objects.filter(
        status=Journey.Status.PUBLISHED, owner__is_active=True
    ).exclude(owner__email="")
    statuses = journey_review_statuses(journeys=list(published.select_related("owner")))
    return [status for status in statuses if status.is_due(today=today)]


@dataclass(frozen=True)
class JourneyHistory:
    changes: list[JourneyChange]
    reviews: list[JourneyReview]
    triggers: list[JourneyReviewTrigger]


def journey_history(*, journey: Journey) -> JourneyHistory:
    """Who changed what in this version, and its reviews and review triggers, newest first."""
    return JourneyHistory(
        changes=list(journey.changes.select_related("changed_by")),
        reviews=list(journey.reviews.select_related("reviewed_by")),
        triggers=list(journey.review_triggers.select_related("recorded_by")),
    )
