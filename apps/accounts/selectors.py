from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.models import Account, Contact
from apps.core.csv_export import export_rows
from apps.engagement.models import Event
from apps.pipeline.models import Opportunity, PipelineStage

RECENT_EVENT_COUNT = 20

# The columns of the accounts and contacts exports, which the importer reads back as they are
# (ids in the outside system, natural keys, stored choice values).
ACCOUNT_CSV_COLUMNS = (
    "external_source",
    "external_id",
    "name",
    "domain",
    "industry",
    "region",
    "country",
    "subdivision",
    "employee_count",
    "annual_revenue",
    "tier",
    "is_target",
    "fit_score",
    "owner_email",
)
CONTACT_CSV_COLUMNS = (
    "external_source",
    "external_id",
    "email",
    "first_name",
    "last_name",
    "title",
    "account_domain",
    "persona",
    "buying_role",
    "seniority",
    "consent",
    "time_zone",
    "country",
    "subdivision",
)


@dataclass(frozen=True)
class AccountDetail:
    account: Account
    committee: list[Contact]
    opportunities: list[Opportunity]
    recent_events: list[Event]


def _count_per_account(rows: QuerySet) -> Coalesce:
    """How many of `rows` belong to the outer account, as a correlated subquery.

    Two counts over joins would multiply each other's rows; subqueries stay exact and cheap.
    """
    counted = (
        rows.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def account_list(
    *,
    search: str = "",
    tier: int | None = None,
    is_target: bool | None = None,
    archived: bool | None = False,
) -> QuerySet[Account]:
    """Accounts with their owner, contact count and open opportunity count, by name; the
    active ones, the archived ones, or (`archived=None`) both."""
    accounts = Account.objects.select_related("owner")
    if archived is not None:
        accounts = accounts.filter(archived_at__isnull=not archived)
    if search:
        accounts = accounts.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    if tier is not None:
        accounts = accounts.filter(tier=tier)
    if is_target is not None:
        accounts = accounts.filter(is_target=is_target)
    open_opportunities = Opportunity.objects.active().filter(
        stage__outcome=PipelineStage.Outcome.OPEN
    )
    return accounts.annotate(
        contact_count=_count_per_account(Contact.objects.active()),
        open_opportunity_count=_count_per_account(open_opportunities),
    ).order_by("name", "pk")


def account_committee(*, account_id: int) -> list[Contact]:
    """The account's buying committee: its contacts with persona, role and last activity."""
    last_activity = (
        Event.objects.filter(contact=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")
    )
    return list(
        Contact.objects.active()
        .filter(account_id=account_id)
        .select_related("persona")
        .annotate(last_activity_at=Subquery(last_activity[:1]))
    )


def account_detail(*, account_id: int) -> AccountDetail:
    """An account with its committee, opportunities and most recent buyer signals.

    Raises `Account.DoesNotExist` for an unknown id.
    """
    # Pipeline builds on accounts and imports this module, so its selectors load on use.
    from apps.pipeline.selectors import opportunity_list

    account = Account.objects.select_related("owner").get(pk=account_id)
    events = Event.objects.filter(account=account).select_related("contact", "asset")
    return AccountDetail(
        account=account,
        committee=account_committee(account_id=account.pk),
        opportunities=list(opportunity_list(account_id=account.pk)),
        recent_events=list(events.order_by("-occurred_at", "-pk")[:RECENT_EVENT_COUNT]),
    )


def account_tier_summary() -> list[dict]:
    """Every tier with how many accounts it holds and how many of them are targets."""
    totals = {
        row["tier"]: row
        for row in Account.objects.order_by()
        .values("tier")
        .annotate(count=Count("pk"), targets=Count("pk", filter=Q(is_target=True)))
    }
    return [
        {
            "tier": tier,
            "count": totals.get(tier.value, {}).get("count", 0),
            "targets": totals.get(tier.value, {}).get("targets", 0),
        }
        for tier in Account.Tier
    ]


def account_export_rows(*, accounts: QuerySet[Account]) -> Iterator[tuple]:
    """`accounts` (a filtered `account_list`) as rows of `ACCOUNT_CSV_COLUMNS`."""
    return export_rows(accounts, ACCOUNT_CSV_COLUMNS, owner_email="owner__email")


def contact_export_rows(*, accounts: QuerySet[Account]) -> Iterator[tuple]:
    """The contacts of `accounts` (a filtered `account_list`) as rows of
    `CONTACT_CSV_COLUMNS`, by account, then by name."""
    contacts = (
        Contact.objects.active()
        .filter(account__in=accounts.order_by().values("pk"))
        .order_by("account__name", "account_id", "last_name", "first_name", "pk")
    )
    return export_rows(
        contacts, CONTACT_CSV_COLUMNS, account_domain="account__domain", persona="persona__name"
    )
