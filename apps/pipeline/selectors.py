from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, Count, F, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from apps.accounts.models import Contact
from apps.accounts.selectors import account_committee
from apps.core.csv_export import export_rows
from apps.pipeline.models import Opportunity, PipelineStage, StageChange
from apps.users.models import User

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


def _over_stage_time_limit() -> Case:
    """`Opportunity.is_over_stage_time_limit` in SQL, so lists can sort stalled deals first.

    Whole days in stage exceed the limit once the stay has lasted `limit + 1` days.
    """
    return Case(
        When(
            Q(stage__outcome=PipelineStage.Outcome.OPEN)
            & Q(stage__max_days_in_stage__isnull=False)
            & Q(
                stage_entered_at__lte=Value(timezone.now())
                - (F("stage__max_days_in_stage") + 1) * Value(timedelta(days=1))
            ),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def opportunity_list(
    *,
    owner: User | None = None,
    stage: PipelineStage | None = None,
    outcome: str | None = None,
    account_id: int | None = None,
) -> QuerySet[Opportunity]:
    """Opportunities over their stage time limit first, then the longest in their stage.

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
    return opportunities.annotate(over_time_limit=_over_stage_time_limit()).order_by(
        "-over_time_limit", "stage_entered_at", "pk"
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
    """People who own at least one opportunity: the choices of an owner filter."""
    return (
        User.objects.filter(opportunities__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def opportunity_stage_summary() -> list[dict]:
    """Every pipeline stage with how many opportunities sit in it and their total amount."""
    totals = {
        row["stage"]: row
        for row in Opportunity.objects.active()
        .order_by()
        .values("stage")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    }
    return [
        {
            "stage": stage,
            "count": totals.get(stage.pk, {}).get("count", 0),
            "amount": totals.get(stage.pk, {}).get("amount") or 0,
        }
        for stage in pipeline_stage_list()
    ]


def pipeline_stage_ids_by_name() -> dict[str, int]:
    """Every pipeline stage's id under its lower-cased name."""
    return {name.lower(): pk for pk, name in PipelineStage.objects.values_list("pk", "name")}
