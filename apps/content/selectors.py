"""Content reads: the enablement request queue, a rep's requests, and an asset's usage.

Each runs a fixed number of queries, whatever the number of rows.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from apps.content.models import Asset, AssetShare, EnablementRequest
from apps.core.csv_export import EXPORT_CHUNK_SIZE, export_rows
from apps.journeys.models import JourneyStage
from apps.journeys.selectors import same_stage
from apps.personas.models import Persona
from apps.pipeline.models import Opportunity
from apps.pipeline.selectors import advanced_after
from apps.users.models import Role, User
from apps.users.selectors import user_role

Status = EnablementRequest.Status
_PRIORITY_ORDER = Case(
    *(When(priority=p, then=Value(i)) for i, p in enumerate(EnablementRequest.Priority.values))
)


def asset_list_filtered(*, filters: dict) -> QuerySet[Asset]:
    """The content library: by title, journey stage (in any version of the journey), persona,
    type and status, with what each row shows fetched up front."""
    assets = (
        Asset.objects.active()
        .select_related("journey_stage__journey", "journey_stage__parent", "owner")
        .prefetch_related("personas")
    )
    if filters.get("q"):
        assets = assets.filter(title__icontains=filters["q"])
    if filters.get("stage"):
        assets = assets.filter(same_stage(stage=filters["stage"]))
    if filters.get("persona"):
        assets = assets.filter(personas=filters["persona"])
    for name in ("asset_type", "status"):
        if filters.get(name):
            assets = assets.filter(**{name: filters[name]})
    return assets.order_by("title", "pk")


def asset_titles(*, asset_ids) -> dict[int, str]:
    """Each asset's title by id (archived ones too), to name the rows of a bulk action."""
    rows = Asset.objects.filter(pk__in=list(asset_ids)).values_list("pk", "title")
    return {pk: f"“{title}”" for pk, title in rows}


ASSET_CSV_COLUMNS = (
    "title",
    "asset_type",
    "status",
    "journey",
    "journey_version",
    "journey_stage",
    "personas",
    "url",
    "owner_email",
)


def asset_export_rows(*, assets: QuerySet[Asset]) -> Iterator[tuple]:
    """`assets` (a filtered `asset_list_filtered`) as rows of `ASSET_CSV_COLUMNS`; personas
    come from the list's prefetch, one query per chunk of rows."""
    for asset in assets.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        stage = asset.journey_stage
        yield (
            asset.title,
            asset.asset_type,
            asset.status,
            stage.journey.name,
            stage.journey.version,
            stage.name,
            [persona.name for persona in asset.personas.all()],
            asset.url,
            asset.owner.email if asset.owner else "",
        )


def _requests() -> QuerySet[EnablementRequest]:
    today = timezone.localdate()
    return EnablementRequest.objects.select_related(
        "requested_by",
        "assignee",
        "opportunity__account",
        "journey_stage__journey",
        "persona",
        "delivered_asset",
    ).annotate(
        overdue=Case(
            When(status__in=EnablementRequest.OPEN_STATUSES, due_date__lt=today, then=True),
            default=False,
            output_field=BooleanField(),
        ),
        priority_rank=_PRIORITY_ORDER,
    )


def enablement_request_queue(*, filters: dict | None = None) -> QuerySet[EnablementRequest]:
    """Marketing's queue: open work first, overdue on top, then by priority and due date.

    `filters` may hold status ("open" for every open status), priority, assignee ("none" for
    unassigned), persona and overdue (True).
    """
    filters = filters or {}
    rows = _requests()
    status = filters.get("status")
    if status == "open":
        rows = rows.filter(status__in=EnablementRequest.OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if filters.get("priority"):
        rows = rows.filter(priority=filters["priority"])
    if filters.get("assignee") == "none":
        rows = rows.filter(assignee__isnull=True)
    elif filters.get("assignee"):
        rows = rows.filter(assignee=filters["assignee"])
    if filters.get("persona"):
        rows = rows.filter(persona=filters["persona"])
    if filters.get("overdue"):
        rows = rows.filter(overdue=True)
    is_open = Case(
        When(status__in=EnablementRequest.OPEN_STATUSES, then=Value(0)), default=Value(1)
    )
    return rows.order_by(
        is_open, F("overdue").desc(), _PRIORITY_ORDER, F("due_date").asc(nulls_last=True), "pk"
    )


def enablement_requests_visible_to(*, user: User) -> QuerySet[EnablementRequest]:
    """Reps see their own requests; marketing and admins see every request."""
    rows = _requests()
    if user_role(user=user) not in {Role.MARKETER, Role.ADMIN}:
        rows = rows.filter(requested_by=user)
    return rows


def enablement_request_labels(*, request_ids) -> dict[int, str]:
    """ "#12 Case study for the CFO" per request, to name those a bulk action left alone."""
    rows = EnablementRequest.objects.filter(pk__in=list(request_ids)).only("pk", "need")
    return {row.pk: f"#{row.pk} {row.need[:60]}" for row in rows}


def my_enablement_requests(*, requester: User) -> QuerySet[EnablementRequest]:
    """A rep's requests, newest first; `is_news` marks the ones moved on since they last looked."""
    return (
        _requests()
        .filter(requested_by=requester)
        .annotate(
            is_news=Case(
                When(
                    Q(status_changed_at__isnull=False)
                    & (
                        Q(requester_seen_at__isnull=True)
                        | Q(requester_seen_at__lt=F("status_changed_at"))
                    ),
                    then=True,
                ),
                default=False,
                output_field=BooleanField(),
            )
        )
        .order_by("-is_news", "-created_at", "-pk")
    )


ENABLEMENT_REQUEST_CSV_COLUMNS = (
    "id",
    "created_at",
    "need",
    "notes",
    "opportunity",
    "account_domain",
    "persona",
    "journey_stage",
    "asset_type",
    "priority",
    "due_date",
    "overdue",
    "status",
    "requested_by_email",
    "assignee_email",
    "delivered_asset",
    "decline_reason",
)


def enablement_request_export_rows(*, requests: QuerySet[EnablementRequest]) -> Iterator[tuple]:
    """`requests` (the queue or a rep's own, filtered) as rows of
    `ENABLEMENT_REQUEST_CSV_COLUMNS`."""
    return export_rows(
        requests,
        ENABLEMENT_REQUEST_CSV_COLUMNS,
        opportunity="opportunity__name",
        account_domain="opportunity__account__domain",
        persona="persona__name",
        journey_stage="journey_stage__name",
        requested_by_email="requested_by__email",
        assignee_email="assignee__email",
        delivered_asset="delivered_asset__title",
    )


_WORD = re.compile(r"[a-z][a-z0-9]{3,}")
_COMMON = frozenset(
    [
        "with",
        "that",
        "this",
        "from",
        "have",
        "need",
        "needs",
        "their",
        "about",
        "they",
        "them",
        "what",
        "which",
    ]
)


def keywords(text: str) -> set[str]:
    """Words of four letters or more, minus filler: enough to tell two asks apart."""
    return {word for word in _WORD.findall(text.lower()) if word not in _COMMON}


# How alike two needs must read to count as "similar", tried on real asks ("Case study for the
# CFO" is not "TCO comparison for the CFO"): trigram similarity on PostgreSQL, difflib elsewhere.
TRIGRAM_THRESHOLD = 0.4
RATIO_THRESHOLD = 0.65


def similar_open_requests(
    *,
    need: str = "",
    opportunity: Opportunity | None = None,
    journey_stage: JourneyStage | None = None,
    persona: Persona | None = None,
    limit: int = 5,
) -> list[EnablementRequest]:
    """Open requests whose need reads like `need`, most alike first: a rep sees them before
    asking again. Matched by text similarity alone (a request on the same deal or stage but for
    something else is not "similar"): pg_trgm's trigram similarity on PostgreSQL; elsewhere
    (SQLite under `make run`) a difflib ratio over the open requests of the same account or
    journey stage."""
    need = " ".join(need.split())
    if not need:
        return []
    open_requests = _requests().filter(status__in=EnablementRequest.OPEN_STATUSES)
    if connection.vendor == "postgresql":
        return list(
            open_requests.annotate(similarity=TrigramSimilarity("need", need))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "-created_at", "-pk")[:limit]
        )
    stage = journey_stage or (opportunity.stage.journey_stage if opportunity else None)
    near = Q(pk__in=[])
    if opportunity is not None:
        near |= Q(opportunity__account_id=opportunity.account_id)
    if stage is not None:
        near |= same_stage(stage=stage)
    return similar_by_ratio(need, open_requests.filter(near)[:200], limit=limit)


def similar_by_ratio(need: str, candidates, *, limit: int = 5) -> list[EnablementRequest]:
    """The fallback without pg_trgm: difflib's ratio between the lower-cased needs."""
    wanted = need.lower()
    scored = []
    for row in candidates:
        ratio = SequenceMatcher(None, wanted, " ".join(row.need.lower().split())).ratio()
        if ratio >= RATIO_THRESHOLD:
            row.similarity = ratio
            scored.append(row)
    scored.sort(key=lambda r: (-r.similarity, -r.created_at.timestamp(), -r.pk))
    return scored[:limit]


@dataclass(frozen=True)
class AssetUsage:
    times_recommended: int
    times_shared: int
    people_reached: int
    times_requested: int
    opportunities_shared_into: int
    opportunities_advanced: int


def asset_usage(*, asset: Asset) -> AssetUsage:
    shares = AssetShare.objects.filter(asset=asset)
    totals = shares.aggregate(
        times_shared=Count("pk"),
        people_reached=Count("contact", distinct=True),
        opportunities_shared_into=Count("opportunity", distinct=True),
    )
    advanced = (
        shares.alias(advanced=advanced_after(at="shared_at", opportunity="opportunity_id"))
        .filter(opportunity__isnull=False, advanced=True)
        .values("opportunity")
        .distinct()
        .count()
    )
    return AssetUsage(
        times_recommended=asset.recommendations.count(),
        times_requested=EnablementRequest.objects.filter(delivered_asset=asset).count(),
        opportunities_advanced=advanced,
        **totals,
    )


def asset_get(*, asset_id: int, with_archived: bool = False) -> Asset:
    """One asset with what its page shows; an archived one only `with_archived` (for the
    people who may restore it). Raises `Asset.DoesNotExist`."""
    assets = Asset.objects.all() if with_archived else Asset.objects.active()
    return assets.select_related(
        "journey_stage__journey", "journey_stage__parent", "owner", "archived_by"
    ).get(pk=asset_id)


def asset_archive_impact(*, asset: Asset) -> dict[str, int]:
    """What still points at an asset about to be archived, and keeps pointing at it."""
    counts = {
        "campaigns with it in their content mix": asset.campaigns.count(),
        "shares with buyers (kept as history)": asset.shares.count(),
    }
    return {name: count for name, count in counts.items() if count}
