"""Campaign reads: lists, calendar, stage board, segment size, KPI progress, planning checks.

A stage keeps its slug from one version of a journey to the next, so a campaign aimed at a
stage of an earlier version counts for the stage with the same slug ("the same stage"), as
content does. Every function runs a fixed number of queries whatever the number of campaigns.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from apps.accounts.models import Account, Contact
from apps.campaigns import checks
from apps.campaigns.kpi_progress import KpiProgress, Window, kpi_progress
from apps.campaigns.models import CalendarFeed, Campaign, CampaignTemplate
from apps.campaigns.periods import Period
from apps.campaigns.segments import Segment
from apps.content.models import Asset
from apps.core.csv_export import export_rows
from apps.journeys.models import Journey, JourneyStage
from apps.journeys.selectors import DRAFTS_LAST
from apps.personas.models import Persona
from apps.users.models import User

# Campaigns whose touches reach contacts: drafts may never run, the others are over.
RUNNING_STATUSES = (Campaign.Status.PLANNED, Campaign.Status.LIVE)
TEMPLATE_ASSET_COUNT = 4
THIS_CAMPAIGN = "this campaign"


# --- stages ----------------------------------------------------------------------------------


def stage_order(stage: JourneyStage) -> tuple:
    """Map order: journeys by name and newest version, each top-level stage then its
    sub-stages. The stage comes with its journey and parent."""
    top = stage.parent.position if stage.parent_id else stage.position
    sub = stage.position if stage.parent_id else -1
    return (stage.journey.name, stage.journey.key, -stage.journey.version, top, sub, stage.pk)


def goal_stage_choices() -> QuerySet[JourneyStage]:
    """Stages a campaign may aim at, those of journeys not archived, in map order."""
    return (
        JourneyStage.objects.exclude(journey__status=Journey.Status.ARCHIVED)
        .select_related("journey", "parent")
        .annotate(top=Coalesce("parent__position", "position"), drafts_last=DRAFTS_LAST)
        .order_by(
            "journey__name",
            "journey__key",
            "drafts_last",
            "-journey__version",
            "top",
            F("parent").asc(nulls_first=True),
            "position",
        )
    )


def journey_stages_in_order(*, journey: Journey) -> list[JourneyStage]:
    return sorted(journey.stages.select_related("journey", "parent"), key=stage_order)


def journey_choices() -> QuerySet[Journey]:
    return Journey.objects.exclude(status=Journey.Status.ARCHIVED).order_by("name", "-version")


def default_journey() -> Journey | None:
    """The journey pages open on: a published one first."""
    published = Case(When(status=Journey.Status.PUBLISHED, then=Value(0)), default=Value(1))
    return journey_choices().order_by(published, "name", "-version").first()


def _slug_to_stage(stages: Iterable[JourneyStage]) -> dict[str, JourneyStage]:
    return {stage.slug: stage for stage in stages}


def _same_journey(journey: Journey) -> Q:
    return Q(goal_stage__journey__key=journey.key)


# --- segment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentSize:
    accounts: int
    contacts: int


def campaign_segment(*, campaign: Campaign) -> Segment:
    """The segment of a saved campaign (its stages and personas prefetched, or two queries)."""
    return Segment(
        tiers=tuple(campaign.segment_tiers),
        industries=tuple(campaign.segment_industries),
        regions=tuple(campaign.segment_regions),
        stage_ids=tuple(stage.pk for stage in campaign.segment_stages.all()),
        fit_score_min=campaign.segment_fit_score_min,
        fit_score_max=campaign.segment_fit_score_max,
        persona_ids=tuple(persona.pk for persona in campaign.segment_personas.all()),
        buying_roles=tuple(campaign.segment_buying_roles),
    )


def segment_accounts(*, segment: Segment) -> QuerySet[Account]:
    return Account.objects.active().filter(segment.account_condition())


def segment_contacts(*, segment: Segment) -> QuerySet[Contact]:
    return Contact.objects.active().filter(segment.contact_condition())


def segment_size(*, segment: Segment) -> SegmentSize:
    return SegmentSize(
        accounts=segment_accounts(segment=segment).count(),
        contacts=segment_contacts(segment=segment).count(),
    )


def segment_value_choices(*, field_name: str) -> list[str]:
    """The industries (`industry`) or regions (`region`) accounts have, for segment pickers."""
    values = Account.objects.exclude(**{field_name: ""}).order_by(field_name)
    return list(values.values_list(field_name, flat=True).distinct())


# --- planning checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the planning checks read: a saved campaign, or a form still being filled in."""

    goal_stage: JourneyStage | None
    kpi: str = ""
    start_date: date | None = None
    end_date: date | None = None
    cadence: int | None = None
    asset_ids: tuple[int, ...] = ()
    segment: Segment = field(default_factory=Segment)
    campaign_id: int | None = None  # left out of "other campaigns"

    @classmethod
    def of(cls, campaign: Campaign) -> "Plan":
        return cls(
            goal_stage=campaign.goal_stage,
            kpi=campaign.kpi,
            start_date=campaign.start_date,
            end_date=campaign.end_date,
            cadence=campaign.cadence,
            asset_ids=tuple(asset.pk for asset in campaign.assets.all()),
            segment=campaign_segment(campaign=campaign),
            campaign_id=campaign.pk,
        )

    @property
    def has_dates(self) -> bool:
        return bool(self.start_date and self.end_date and self.start_date <= self.end_date)


def _segment_personas(segment: Segment) -> list[Persona]:
    """The personas a segment names, directly or through their buying role.

    A segment that names no people has no personas to cover: its contacts may be anyone.
    """
    if not (segment.persona_ids or segment.buying_roles):
        return []
    named = Q(pk__in=segment.persona_ids) | Q(buying_role__in=segment.buying_roles)
    return list(Persona.objects.filter(named).order_by("name"))


def _holds(condition: Q) -> Case | Value:
    """The condition as a true/false column; a segment without criteria holds for everyone."""
    if not condition:
        return Value(True)
    return Case(When(condition, then=Value(True)), default=Value(False))


def _bookings(plan: Plan) -> tuple[list[checks.Booking], list[checks.Audience]]:
    """Planned and live campaigns overlapping the plan, and the plan's contacts grouped by
    which of them they are also in: one query groups every contact at once."""
    others = list(
        Campaign.objects.active()
        .filter(
            status__in=RUNNING_STATUSES,
            start_date__lte=plan.end_date,
            end_date__gte=plan.start_date,
        )
        .exclude(pk=plan.campaign_id)
        .prefetch_related("segment_stages", "segment_personas")
        .order_by("start_date", "pk")
    )
    bookings = [
        checks.Booking(other.pk, other.name, other.start_date, other.end_date, other.cadence)
        for other in others
    ]
    membership = {
        f"in_{other.pk}": _holds(campaign_segment(campaign=other).contact_condition())
        for other in others
    }
    groups = (
        segment_contacts(segment=plan.segment)
        .annotate(**membership)
        .order_by()
        .values(*membership)
        .annotate(contacts=Count("pk"))
    )
    audiences = [
        checks.Audience(
            also_in=frozenset(other.pk for other in others if group[f"in_{other.pk}"]),
            contacts=group["contacts"],
        )
        for group in groups
    ]
    return bookings, audiences


def _covered_goal_ids(*, stages: Sequence[JourneyStage], goal_slugs: Iterable[str]) -> set[int]:
    by_slug = _slug_to_stage(stages)
    return {by_slug[slug].pk for slug in goal_slugs if slug in by_slug}


def _running_goal_slugs(*, journey: Journey, start: date, end: date, exclude_id: int | None):
    return (
        Campaign.objects.active()
        .filter(_same_journey(journey), start_date__lte=end, end_date__gte=start)
        .exclude(status=Campaign.Status.CANCELLED)
        .exclude(pk=exclude_id)
        .values_list("goal_stage__slug", flat=True)
    )


def campaign_plan_findings(*, plan: Plan) -> list[checks.Finding]:
    """Every planning check the plan has the inputs for (a form may still lack some)."""
    goal = plan.goal_stage
    if goal is None:
        return []
    assets = list(
        Asset.objects.filter(pk__in=plan.asset_ids)
        .select_related("journey_stage__journey", "journey_stage__parent")
        .prefetch_related("personas")
        .order_by("title", "pk")
    )
    findings = checks.check_asset_stages(goal_stage=goal, assets=assets)
    findings += checks.check_persona_coverage(
        personas=_segment_personas(plan.segment), assets=assets
    )
    if plan.kpi:
        findings += checks.check_kpi_fit(kpi=plan.kpi, goal_stage=goal)
    if plan.has_dates and plan.cadence:
        this = checks.Booking("plan", THIS_CAMPAIGN, plan.start_date, plan.end_date, plan.cadence)
        others, audiences = _bookings(plan)
        findings += checks.check_weekly_cadence(
            plan=this,
            others=others,
            audiences=audiences,
            limit=settings.CAMPAIGN_WEEKLY_TOUCH_LIMIT,
        )
    if plan.has_dates:
        stages = journey_stages_in_order(journey=goal.journey)
        slugs = [
            goal.slug,
            *_running_goal_slugs(
                journey=goal.journey,
                start=plan.start_date,
                end=plan.end_date,
                exclude_id=plan.campaign_id,
            ),
        ]
        findings += checks.check_stage_coverage(
            stages=stages,
            goal_stage_ids=_covered_goal_ids(stages=stages, goal_slugs=slugs),
            start=plan.start_date,
            end=plan.end_date,
        )
    return findings


# --- lists, calendar and board ---------------------------------------------------------------


def _with_goal() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("owner", "goal_stage__journey", "goal_stage__parent")


def with_channel(channel: str) -> Q:
    """Campaigns using `channel`. The list is JSON text in SQLite and PostgreSQL alike, and a
    channel value is a slug, so its quoted form matches one whole list entry."""
    return Q(channels__icontains=f'"{channel}"')


def campaign_list(
    *,
    search: str = "",
    status: str | None = None,
    phase: str | None = None,
    journey: Journey | None = None,
    goal_stage: JourneyStage | None = None,
    owner: User | None = None,
    channel: str | None = None,
    period: Period | None = None,
) -> QuerySet[Campaign]:
    """Campaigns with their goal, owner and content count, latest start first."""
    campaigns = _with_goal().active()
    if search:
        campaigns = campaigns.filter(Q(name__icontains=search) | Q(objective__icontains=search))
    if status:
        campaigns = campaigns.filter(status=status)
    if phase:
        campaigns = campaigns.filter(goal_stage__phase=phase)
    if journey is not None:
        campaigns = campaigns.filter(_same_journey(journey))
    if goal_stage is not None:
        campaigns = campaigns.filter(
            goal_stage__journey__key=goal_stage.journey.key, goal_stage__slug=goal_stage.slug
        )
    if owner is not None:
        campaigns = campaigns.filter(owner=owner)
    if channel:
        campaigns = campaigns.filter(with_channel(channel))
    if period is not None:
        campaigns = campaigns.filter(start_date__lte=period.end, end_date__gte=period.start)
    return campaigns.annotate(asset_count=Count("assets")).order_by("-start_date", "name", "pk")


CAMPAIGN_CSV_COLUMNS = (
    "name",
    "status",
    "journey",
    "goal_stage",
    "kpi",
    "kpi_target",
    "channels",
    "start_date",
    "end_date",
    "asset_count",
    "budget",
    "actual_spend",
    "owner_email",
)


def campaign_export_rows(*, campaigns: QuerySet[Campaign]) -> Iterator[tuple]:
    """`campaigns` (a filtered `campaign_list`) as rows of `CAMPAIGN_CSV_COLUMNS`."""
    return export_rows(
        campaigns,
        CAMPAIGN_CSV_COLUMNS,
        journey="goal_stage__journey__name",
        goal_stage="goal_stage__name",
        owner_email="owner__email",
    )


def campaign_owner_choices() -> QuerySet[User]:
    return (
        User.objects.filter(campaigns__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _in_period(period: Period) -> QuerySet[Campaign]:
    return (
        _with_goal()
        .active()
        .filter(start_date__lte=period.end, end_date__gte=period.start)
        .exclude(status=Campaign.Status.CANCELLED)
    )


@dataclass(frozen=True)
class CalendarBar:
    campaign: Campaign
    column: int  # first day column, 1-based
    span: int  # days shown
    starts_before: bool
    ends_after: bool


@dataclass(frozen=True)
class CalendarLane:
    stage: JourneyStage
    bars: list[CalendarBar]


def campaign_calendar(*, period: Period) -> list[CalendarLane]:
    """Campaigns running in the period (cancelled ones aside), one lane per goal stage in map
    order, each bar placed on the period's day columns."""
    lanes: dict[int, list[CalendarBar]] = defaultdict(list)
    stages: dict[int, JourneyStage] = {}
    for campaign in _in_period(period).order_by("start_date", "name", "pk"):
        first = period.column(campaign.start_date)
        stages[campaign.goal_stage_id] = campaign.goal_stage
        lanes[campaign.goal_stage_id].append(
            CalendarBar(
                campaign=campaign,
                column=first,
                span=period.column(campaign.end_date) - first + 1,
                starts_before=campaign.start_date < period.start,
                ends_after=campaign.end_date > period.end,
            )
        )
    return [
        CalendarLane(stage=stage, bars=lanes[stage.pk])
        for stage in sorted(stages.values(), key=stage_order)
    ]


@dataclass(frozen=True)
class BoardColumn:
    stage: JourneyStage
    campaigns: list[Campaign]
    # Served by a campaign aimed at it or at one of its sub-stages.
    covered: bool


@dataclass(frozen=True)
class StageBoard:
    journey: Journey
    columns: list[BoardColumn]
    # Campaigns aimed at a stage this version of the journey no longer has.
    elsewhere: list[Campaign]

    @property
    def empty_stages(self) -> list[JourneyStage]:
        return [column.stage for column in self.columns if not column.covered]


def campaign_stage_board(*, journey: Journey, period: Period) -> StageBoard:
    """The journey's stages in map order, each with the campaigns aimed at it in the period."""
    stages = journey_stages_in_order(journey=journey)
    by_slug = _slug_to_stage(stages)
    grouped: dict[int, list[Campaign]] = defaultdict(list)
    elsewhere = []
    campaigns = _in_period(period).filter(_same_journey(journey))
    for campaign in campaigns.order_by("start_date", "name", "pk"):
        stage = by_slug.get(campaign.goal_stage.slug)
        if stage is None:
            elsewhere.append(campaign)
        else:
            grouped[stage.pk].append(campaign)
    covered = checks.covered_stage_ids(stages=stages, goal_stage_ids=set(grouped))
    return StageBoard(
        journey=journey,
        columns=[
            BoardColumn(stage=stage, campaigns=grouped[stage.pk], covered=stage.pk in covered)
            for stage in stages
        ],
        elsewhere=elsewhere,
    )


# --- detail ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignDetail:
    campaign: Campaign
    assets: list[Asset]
    segment: Segment
    segment_stages: list[JourneyStage]
    segment_personas: list[Persona]
    size: SegmentSize
    progress: KpiProgress
    findings: list[checks.Finding]


def campaign_get(*, campaign_id: int) -> Campaign:
    """A campaign with its goal, content and segment loaded. Raises `Campaign.DoesNotExist`."""
    return (
        _with_goal()
        .prefetch_related(
            "assets__journey_stage__parent",
            "segment_stages__parent",
            "segment_stages__journey",
            "segment_personas",
        )
        .get(pk=campaign_id)
    )


def campaign_progress(*, campaign: Campaign) -> KpiProgress:
    return kpi_progress(
        kpi=campaign.kpi,
        target=campaign.kpi_target,
        baseline=campaign.kpi_baseline,
        segment=campaign_segment(campaign=campaign),
        window=Window.for_dates(campaign.start_date, campaign.end_date),
    )


def campaign_detail(*, campaign_id: int) -> CampaignDetail:
    campaign = campaign_get(campaign_id=campaign_id)
    segment = campaign_segment(campaign=campaign)
    return CampaignDetail(
        campaign=campaign,
        assets=sorted(campaign.assets.all(), key=lambda a: (a.title, a.pk)),
        segment=segment,
        segment_stages=sorted(campaign.segment_stages.all(), key=stage_order),
        segment_personas=list(campaign.segment_personas.all()),
        size=segment_size(segment=segment),
        progress=campaign_progress(campaign=campaign),
        findings=campaign_plan_findings(plan=Plan.of(campaign)),
    )


# --- templates and the calendar feed ---------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    stage: JourneyStage
    templates: list[CampaignTemplate]


def campaign_template_rows(*, journey: Journey) -> list[TemplateRow]:
    """Each stage of the journey with the templates of its phase."""
    by_phase: dict[str, list[CampaignTemplate]] = defaultdict(list)
    for template in CampaignTemplate.objects.order_by("name"):
        by_phase[template.phase].append(template)
    return [
        TemplateRow(stage=stage, templates=by_phase[stage.phase])
        for stage in journey_stages_in_order(journey=journey)
    ]


def campaign_template_initial(
    *, template: CampaignTemplate, goal_stage: JourneyStage, today: date
) -> dict:
    """A new campaign's form, filled in from a template for one goal stage, starting today.

    The content mix starts with published assets of the template's types from the goal's
    phase in the goal's journey, those made for the goal stage itself first.
    """
    exact_stage_first = Case(
        When(journey_stage=goal_stage, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    assets = (
        Asset.objects.active()
        .filter(
            journey_stage__journey__key=goal_stage.journey.key,
            journey_stage__phase=goal_stage.phase,
            asset_type__in=template.asset_types,
            status=Asset.Status.PUBLISHED,
        )
        .annotate(exact_stage_first=exact_stage_first)
        .order_by("exact_stage_first", "title", "pk")
    )
    return {
        "name": f"{template.name}: {goal_stage.name}",
        "goal_stage": goal_stage,
        "objective": template.objective,
        "kpi": template.kpi,
        "kpi_target": template.kpi_target,
        "channels": template.channels,
        "cadence": template.cadence,
        "start_date": today,
        "end_date": today + timedelta(days=template.duration_days - 1),
        "assets": list(assets[:TEMPLATE_ASSET_COUNT]),
    }


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_owner(*, token: str) -> User:
    """The active user who may read campaigns behind a feed token.

    Raises `CalendarFeed.DoesNotExist` for an unknown token or a user who may not.
    """
    feed = CalendarFeed.objects.select_related("user").get(token=token)
    if not (feed.user.is_active and feed.user.has_perm("campaigns.view_campaign")):
        raise CalendarFeed.DoesNotExist
    return feed.user


def calendar_feed_campaigns() -> QuerySet[Campaign]:
    """Every campaign but the cancelled ones, for the team's calendar."""
    return (
        _with_goal()
        .active()
        .exclude(status=Campaign.Status.CANCELLED)
        .order_by("start_date", "name", "pk")
    )


# --- the planning form -----------------------------------------------------------------------


@dataclass(frozen=True)
class AssetGroup:
    stage: JourneyStage
    other_journey: bool
    assets: list[Asset]
    picked: bool  # one of its assets is in the content mix


@dataclass(frozen=True)
class AssetPicker:
    fitting: list[AssetGroup]  # stages of the goal's phase
    elsewhere: list[AssetGroup]  # other phases, and anything picked from another journey

    @property
    def elsewhere_picked(self) -> bool:
        return any(group.picked for group in self.elsewhere)


def asset_picker(*, goal_stage: JourneyStage | None, selected_ids: Iterable[int]) -> AssetPicker:
    """Content a planner can add: the goal journey's assets not retired, by stage in map order,
    and whatever is already picked (even from elsewhere, so it can be taken out)."""
    selected = set(selected_ids)
    chosen = Q(pk__in=selected)
    if goal_stage is not None:
        chosen |= Q(
            journey_stage__journey__key=goal_stage.journey.key, archived_at__isnull=True
        ) & ~Q(status=Asset.Status.RETIRED)
    assets = Asset.objects.filter(chosen).select_related(
        "journey_stage__journey", "journey_stage__parent"
    )
    grouped: dict[int, list[Asset]] = defaultdict(list)
    stages: dict[int, JourneyStage] = {}
    for asset in assets.order_by("title", "pk"):
        stages[asset.journey_stage_id] = asset.journey_stage
        grouped[asset.journey_stage_id].append(asset)
    picker = AssetPicker(fitting=[], elsewhere=[])
    for stage in sorted(stages.values(), key=stage_order):
        other_journey = goal_stage is None or stage.journey.key != goal_stage.journey.key
        group = AssetGroup(
            stage=stage,
            other_journey=other_journey,
            assets=grouped[stage.pk],
            picked=any(asset.pk in selected for asset in grouped[stage.pk]),
        )
        fits = not other_journey and stage.phase == goal_stage.phase
        (picker.fitting if fits else picker.elsewhere).append(group)
    return picker
