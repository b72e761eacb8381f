from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.campaigns.checks import check_asset_stages
from apps.campaigns.models import CalendarFeed, Campaign, new_feed_token
from apps.content.models import Asset
from apps.core.exceptions import ApplicationError
from apps.journeys.models import JourneyStage
from apps.users.models import User

# What a planner writes; status moves only through `campaign_change_status`.
CAMPAIGN_FIELDS = [
    "name",
    "owner",
    "goal_stage",
    "objective",
    "kpi",
    "kpi_target",
    "kpi_baseline",
    "channels",
    "cadence",
    "assets",
    "start_date",
    "end_date",
    "budget",
    "actual_spend",
    "utm_code",
    "segment_tiers",
    "segment_industries",
    "segment_regions",
    "segment_stages",
    "segment_fit_score_min",
    "segment_fit_score_max",
    "segment_personas",
    "segment_buying_roles",
]
MANY_TO_MANY = {"assets", "segment_stages", "segment_personas"}

Status = Campaign.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.PLANNED, Status.CANCELLED),
    Status.PLANNED: (Status.DRAFT, Status.LIVE, Status.CANCELLED),
    Status.LIVE: (Status.COMPLETED, Status.CANCELLED),
    Status.COMPLETED: (),
    Status.CANCELLED: (),
}


def campaign_asset_errors(*, goal_stage: JourneyStage, assets: Iterable[Asset]) -> list[str]:
    """Why some assets cannot be in the content mix: they belong to another journey."""
    loaded = Asset.objects.filter(pk__in=[asset.pk for asset in assets]).select_related(
        "journey_stage__journey", "journey_stage__parent"
    )
    return [f.message for f in check_asset_stages(goal_stage=goal_stage, assets=loaded) if f.blocks]


def _save(*, campaign: Campaign, related: dict[str, Any]) -> Campaign:
    """Validate the record and its content mix together, so one answer names every field;
    then save it and its many-to-many fields."""
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean()
    except ValidationError as error:
        errors = error.message_dict
    if campaign.goal_stage_id and "goal_stage" not in errors:
        kept = campaign.assets.all() if campaign.pk else []
        assets = related.get("assets", kept)
        asset_errors = campaign_asset_errors(goal_stage=campaign.goal_stage, assets=assets)
        if asset_errors:
            errors.setdefault("assets", []).extend(asset_errors)
    if errors:
        raise ValidationError(errors)
    campaign.save()
    for name, value in related.items():
        getattr(campaign, name).set(value)
    return campaign


def _split(data: dict) -> tuple[dict, dict]:
    plain = {k: v for k, v in data.items() if k in CAMPAIGN_FIELDS and k not in MANY_TO_MANY}
    related = {k: v for k, v in data.items() if k in MANY_TO_MANY}
    return plain, related


@transaction.atomic
def campaign_create(*, data: dict) -> Campaign:
    """A new draft campaign; `data` holds the planner's fields, the owner among them."""
    plain, related = _split(data)
    return _save(campaign=Campaign(**plain, status=Status.DRAFT), related=related)


@transaction.atomic
def campaign_update(*, campaign: Campaign, data: dict) -> Campaign:
    """Change the fields given in `data`; the whole plan is validated again."""
    plain, related = _split(data)
    for name, value in plain.items():
        setattr(campaign, name, value)
    return _save(campaign=campaign, related=related)


@transaction.atomic
def campaign_change_status(*, campaign: Campaign, status: str) -> Campaign:
    """Move along draft → planned → live → completed; drafts, planned and live campaigns may be
    cancelled and a planned one may go back to draft. Completed and cancelled are final."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if status not in Status.values:
        raise ApplicationError("Unknown status.", fields={"status": [f"“{status}” is no status."]})
    if status == locked.status:
        return locked
    allowed = TRANSITIONS[locked.status]
    if status not in allowed:
        current, wanted = Status(locked.status).label, Status(status).label
        options = ", ".join(Status(s).label.lower() for s in allowed) or "nothing else"
        raise ApplicationError(
            f"A {current.lower()} campaign cannot become {wanted.lower()}.",
            fields={
                "status": [
                    f"A {current.lower()} campaign can become: {options}; not {wanted.lower()}."
                ]
            },
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def campaign_duplicate(*, campaign: Campaign, owner: User) -> Campaign:
    """A new draft with the same plan (goal, KPI, segment, content, dates), owned by `owner`."""
    data = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS if name not in MANY_TO_MANY}
    related = {name: list(getattr(campaign, name).all()) for name in MANY_TO_MANY}
    max_length = Campaign._meta.get_field("name").max_length
    data |= {"name": f"Copy of {campaign.name}"[:max_length], "owner": owner}
    return _save(campaign=Campaign(**data, status=Status.DRAFT), related=related)


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    campaign.delete()


@transaction.atomic
def calendar_feed_issue(*, user: User) -> CalendarFeed:
    """Give the user a calendar-feed address with a fresh secret; an old address stops working."""
    feed, _ = CalendarFeed.objects.update_or_create(user=user, defaults={"token": new_feed_token()})
    return feed
