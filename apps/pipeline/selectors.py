from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet

from apps.accounts.models import Contact
from apps.accounts.selectors import account_committee
from apps.core.csv_export import export_rows
from apps.engagement.models import Direction, Event
from apps.pipeline.models import NOT_STALLED, Opportunity, PipelineStage, StageChange
from apps.users.models import User
from apps.users.selectors import bound_to_own_records

# The columns of the opportunities export, which the importer reads back as they are; the
# stage by name, `stage_entered_at` in UTC so days in stage survive the round trip.
OPPORTUNITY_CSV_COLUMNS = (
    "external_source",
    "external_id",
    "name",
    "account_domain",
    "owner_email",
    "stage",
    "amount",
    "currency",
    "expected_close_date",
    "stage_entered_at",
)


@dataclass(frozen=True)
class OpportunityDetail:
    opportunity: Opportunity
    stage_history: list[StageChange]
    committee: list[Contact]
    activities: list[Event]


# What "stalled" means on every page, badge and count: the stall sweep found the deal over
# its stage's limit (days in stage, days without activity, or both) and that stall is still
# open. `Opportunity.is_stalled` is the same test on a deal already read.
STALLED = Q(stalled_since__isnull=False, stage__outcome=PipelineStage.Outcome.OPEN)


def advanced_after(*, at: str, opportunity: str, within: timedelta | None = None) -> Exists:
    """The deal (the outer row's `opportunity`) moved to a later pipeline stage after the
    outer row's `at`, within `within` when given: a share or a nurture email that may have
    helped. Closing lost is not moving on, whatever the stage's position."""
    moves = StageChange.objects.filter(
        opportunity_id=OuterRef(opportunity),
        entered_at__gt=OuterRef(at),
        from_stage__isnull=False,
        stage__position__gt=F("from_stage__position"),
    ).exclude(stage__outcome=PipelineStage.Outcome.LOST)
    if within is not None:
        moves = moves.filter(entered_at__lte=OuterRef(at) + within)
    return Exists(moves)


def stalled_opportunities(*, owner: User | None = None) -> QuerySet[Opportunity]:
    """Active deals in an open stall, of one owner or of everyone."""
    opportunities = Opportunity.objects.active().filter(STALLED)
    return opportunities if owner is None else opportunities.filter(owner=owner)


def stalled_count(*, owner: User | None = None) -> int:
    return stalled_opportunities(owner=owner).count()


def opportunity_workable_by(*, opportunity: Opportunity, user: User) -> bool:
    """Whether `user` may move the deal's stage, edit it, log activity, shares and objections
    on it: its owner, a sales manager or an admin."""
    return user.has_perm("pipeline.change_opportunity") and (
        opportunity.owner_id == user.pk or not bound_to_own_records(user=user)
    )


def opportunity_list(
    *,
    owner: User | None = None,
    stage: PipelineStage | None = None,
    outcome: str | None = None,
    account_id: int | None = None,
    search: str = "",
) -> QuerySet[Opportunity]:
    """Stalled opportunities first (`STALLED`), then the longest in their stage; `search`
    matches the deal's or its account's name.

    `outcome` is a `PipelineStage.Outcome` value (open, won, lost); None means any.
    """
    opportunities = Opportunity.objects.active().select_related("account", "owner", "stage")
    if owner is not None:
        opportunities = opportunities.filter(owner=owner)
    if stage is not None:
        opportunities = opportunities.filter(stage=stage)
    if outcome:
        opportunities = opportunities.filter(stage__outcome=outcome)
    if account_id is not None:
        opportunities = opportunities.filter(account_id=account_id)
    if search:
        opportunities = opportunities.filter(
            Q(name__icontains=search) | Q(account__name__icontains=search)
        )
    # Read in this order from an index (`deal_active_stalled_first`): no sort of every deal.
    return opportunities.annotate(stalled_first=NOT_STALLED).order_by(
        "stalled_first", "stage_entered_at", "pk"
    )


def opportunity_export_rows(*, opportunities: QuerySet[Opportunity]) -> Iterator[tuple]:
    """`opportunities` (a filtered `opportunity_list`) as rows of `OPPORTUNITY_CSV_COLUMNS`."""
    return export_rows(
        opportunities,
        OPPORTUNITY_CSV_COLUMNS,
        account_domain="account__domain",
        owner_email="owner__email",
        stage="stage__name",
    )


def opportunity_detail(*, opportunity_id: int) -> OpportunityDetail:
    """An opportunity with its stage history and its account's buying committee.

    Raises `Opportunity.DoesNotExist` for an unknown id.
    """
    opportunity = Opportunity.objects.select_related("account", "owner", "stage").get(
        pk=opportunity_id
    )
    history = StageChange.objects.filter(opportunity=opportunity).select_related(
        "stage", "from_stage", "changed_by"
    )
    return OpportunityDetail(
        opportunity=opportunity,
        stage_history=list(history.order_by("-entered_at")),
        committee=account_committee(account_id=opportunity.account_id),
        activities=list(seller_activities(account_id=opportunity.account_id)[:ACTIVITIES_SHOWN]),
    )


ACTIVITIES_SHOWN = 20


def seller_activities(*, account_id: int) -> QuerySet[Event]:
    """What sellers did at the account (calls, meetings, notes, emails, shares), latest first:
    the deal's timeline of coverage, never buying intent."""
    return (
        Event.objects.filter(account_id=account_id, direction=Direction.SELLER)
        .select_related("contact")
        .order_by("-occurred_at", "-pk")
    )


def opportunity_closes_by_account(
    *, opportunity_ids: Iterable[int] | QuerySet
) -> dict[int, datetime]:
    """Per account, when the latest of these deals closed (won or lost); open deals left out."""
    closes = (
        Opportunity.objects.filter(pk__in=opportunity_ids, closed_at__isnull=False)
        .values("account_id")
        .annotate(at=Max("closed_at"))
        .order_by()
    )
    return {row["account_id"]: row["at"] for row in closes}


def pipeline_stage_list() -> QuerySet[PipelineStage]:
    return PipelineStage.objects.order_by("position")


def opportunity_owner_list() -> QuerySet[User]:
    """People who own at least one opportunity: the choices of an owner filter. One look in the
    owner index per user, where joining the deals read every one of them."""
    owns_one = Exists(Opportunity.objects.filter(owner=OuterRef("pk")))
    return User.objects.filter(owns_one).order_by("first_name", "last_name", "username")


def pipeline_stage_ids_by_name() -> dict[str, int]:
    """Every pipeline stage's id under its lower-cased name."""
    return {name.lower(): pk for pk, name in PipelineStage.objects.values_list("pk", "name")}


def account_outcomes() -> dict[int, bool]:
    """Every active account with a closed deal: True when one was won, False when all its
    closed deals were lost (a deal closed with no decision is lost here)."""
    rows = (
        Opportunity.objects.active()
        .filter(account__archived_at__isnull=True)
        .exclude(stage__outcome=PipelineStage.Outcome.OPEN)
        .values("account_id")
        .annotate(won=Count("pk", filter=Q(stage__outcome=PipelineStage.Outcome.WON)))
        .order_by()
    )
    return {row["account_id"]: row["won"] > 0 for row in rows}
