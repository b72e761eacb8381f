"""Global search: accounts, contacts, opportunities, campaigns and assets by name (and domain or
email), for the search box in the top bar.

On PostgreSQL a name matches by trigram word similarity (pg_trgm's `%>`: "acm" finds "Acme
Corp", "Lovelase" finds "Lovelace"), through the GIN trigram indexes of migration
search 0001, best matches first; elsewhere (SQLite under `make run`) by case-insensitive
substring. Each type is at most two queries whatever the number of results: the closest ones,
and when they fill the page, how many match, counted up to `COUNT_CAP` (a common word matches a
good share of a million names, and counting every one of them cost more than finding the
best). Only types whose pages the user may open are searched: every result links to a page
that answers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.urls import reverse

from apps.accounts.models import Account, Contact
from apps.campaigns.models import Campaign
from apps.content.models import Asset
from apps.pipeline.models import Opportunity
from apps.users.models import User

# Shown per type; the count says how many more there are, up to COUNT_CAP ("1,000+" past it).
SHOWN_PER_TYPE = 10
COUNT_CAP = 1_000
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    count: int  # at most COUNT_CAP
    hits: list[Hit]
    more: bool = False  # more than COUNT_CAP match: the count is a floor


@dataclass(frozen=True)
class _Kind:
    key: str
    label: str
    perms: tuple[str, ...]
    rows: Callable[[], QuerySet]
    fields: tuple[str, ...]
    hit: Callable[[object], Hit]


def _account_hit(account: Account) -> Hit:
    return Hit(account.name, account.domain, reverse("web:account_detail", args=[account.pk]))


def _contact_hit(contact: Contact) -> Hit:
    detail = " · ".join(part for part in (contact.email, contact.account.name) if part)
    return Hit(contact.full_name, detail, reverse("signals:contact_detail", args=[contact.pk]))


def _opportunity_hit(deal: Opportunity) -> Hit:
    return Hit(
        deal.name,
        f"{deal.account.name} · {deal.stage.name} · {deal.owner or 'no owner'}",
        reverse("web:opportunity_detail", args=[deal.pk]),
    )


def _campaign_hit(campaign: Campaign) -> Hit:
    return Hit(
        campaign.name,
        campaign.get_status_display(),
        reverse("campaigns:detail", args=[campaign.pk]),
    )


def _asset_hit(asset: Asset) -> Hit:
    return Hit(
        asset.title,
        f"{asset.get_asset_type_display()} · {asset.get_status_display()}",
        reverse("content:asset_detail", args=[asset.pk]),
    )


# Each type with the permissions its page needs (the same as the page's view asks for).
KINDS = (
    _Kind(
        "accounts",
        "Accounts",
        (
            "accounts.view_account",
            "accounts.view_contact",
            "pipeline.view_opportunity",
            "engagement.view_event",
        ),
        lambda: Account.objects.active(),
        ("name", "domain"),
        _account_hit,
    ),
    _Kind(
        "contacts",
        "Contacts",
        ("accounts.view_contact", "engagement.view_contactscore", "engagement.view_event"),
        lambda: Contact.objects.active().select_related("account"),
        ("first_name", "last_name", "email"),
        _contact_hit,
    ),
    _Kind(
        "opportunities",
        "Opportunities",
        (
            "pipeline.view_opportunity",
            "accounts.view_account",
            "pipeline.view_stagechange",
            "accounts.view_contact",
        ),
        lambda: Opportunity.objects.active().select_related("account", "stage", "owner"),
        ("name",),
        _opportunity_hit,
    ),
    _Kind(
        "campaigns",
        "Campaigns",
        ("campaigns.view_campaign",),
        lambda: Campaign.objects.active(),
        ("name",),
        _campaign_hit,
    ),
    _Kind(
        "assets",
        "Content assets",
        ("content.view_asset",),
        lambda: Asset.objects.active(),
        ("title",),
        _asset_hit,
    ),
)


def _trigram() -> bool:
    return connection.vendor == "postgresql"


def _matching(kind: _Kind, words: list[str]) -> QuerySet:
    """Rows where every word of the query matches one of the kind's fields."""
    rows = kind.rows()
    for word in words:
        any_field = Q()
        for name in kind.fields:
            if _trigram():
                any_field |= TrigramWordSimilar(F(name), Value(word))
            else:
                any_field |= Q(**{f"{name}__icontains": word})
        rows = rows.filter(any_field)
    return rows


def _closest_first(rows: QuerySet, kind: _Kind, query: str) -> QuerySet:
    if not _trigram():
        return rows.order_by(kind.fields[0], "pk")
    scores = [TrigramWordSimilarity(Value(query), name) for name in kind.fields]
    closeness = scores[0] if len(scores) == 1 else Greatest(*scores)
    return rows.annotate(closeness=closeness).order_by("-closeness", kind.fields[0], "pk")


def search_terms(query: str) -> list[str]:
    """The words searched for; none when the query is too short to mean anything."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if len(query) < MIN_QUERY_LENGTH:
        return []
    return query.split(" ")


def global_search(*, user: User, query: str) -> list[Group]:
    """What `user` may open that matches `query`, by type: at most two queries per type."""
    words = search_terms(query)
    if not words:
        return []
    groups = []
    for kind in KINDS:
        if not user.has_perms(kind.perms):
            continue
        matching = _matching(kind, words)
        rows = list(_closest_first(matching, kind, " ".join(words))[:SHOWN_PER_TYPE])
        # Fewer than a page: they are all there is, no need to count.
        full = len(rows) == SHOWN_PER_TYPE
        count = matching.order_by()[: COUNT_CAP + 1].count() if full else len(rows)
        groups.append(
            Group(
                key=kind.key,
                label=kind.label,
                count=min(count, COUNT_CAP),
                hits=[kind.hit(row) for row in rows],
                more=count > COUNT_CAP,
            )
        )
    return groups
