from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Contact
from apps.accounts.services import contacts_buying_cycle_start
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.services import model_create, model_update
from apps.engagement.models import Direction, Event, EventKind, EventSource
from apps.engagement.services import accounts_rescore_later
from apps.pipeline.models import Opportunity, OpportunityStall, PipelineStage, StageChange
from apps.pipeline.selectors import opportunity_workable_by
from apps.users.models import User

OPPORTUNITY_FIELDS = [
    "account",
    "name",
    "owner",
    "amount",
    "currency",
    "expected_close_date",
    "external_source",
    "external_id",
]


PIPELINE_STAGE_FIELDS = [
    "name",
    "position",
    "probability",
    "outcome",
    "journey_stage",
    "max_days_in_stage",
    "max_days_without_activity",
]


@transaction.atomic
def pipeline_stage_create(*, data: dict) -> PipelineStage:
    """A stage of the sales funnel with its journey stage and stall limits."""
    return model_create(
        model=PipelineStage,
        data={name: data[name] for name in PIPELINE_STAGE_FIELDS if name in data},
    )


@transaction.atomic
def opportunity_create(
    *, data: dict, created_by: User | None, at: datetime | None = None
) -> Opportunity:
    """A new opportunity and the first entry of its stage history. `at` backdates both: a deal
    recorded after the fact (a CRM's history, the demo world) was created when it began, so
    backtests and calibration see when it opened."""
    backdated = at is not None
    at = at or timezone.now()
    stage: PipelineStage = data["stage"]
    opportunity = Opportunity(
        **data, stage_entered_at=at, closed_at=at if stage.is_closed else None
    )
    opportunity.full_clean()
    opportunity.save()
    if backdated:  # `created_at` is set on insert (auto_now_add): moved back after it
        Opportunity.objects.filter(pk=opportunity.pk).update(created_at=at)
        opportunity.created_at = at
    StageChange.objects.create(
        opportunity=opportunity, stage=stage, entered_at=at, changed_by=created_by
    )
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, data: dict, changed_by: User) -> Opportunity:
    """Edit an opportunity; a new stage goes through `opportunity_move_stage`."""
    opportunity, _ = model_update(instance=opportunity, fields=OPPORTUNITY_FIELDS, data=data)
    if "stage" in data and data["stage"].pk != opportunity.stage_id:
        opportunity = opportunity_move_stage(
            opportunity=opportunity, stage=data["stage"], changed_by=changed_by
        )
    return opportunity


def opportunity_work_check(*, opportunity: Opportunity, user: User, doing: str) -> None:
    """Refuse (403 in the API) anyone but the deal's owner, a sales manager or an admin.

    `doing` completes "can … on it", e.g. "move its stage"."""
    if not opportunity_workable_by(opportunity=opportunity, user=user):
        raise NotPermitted(
            f"Only the deal's owner ({opportunity.owner}) or a sales manager can {doing}.",
            fields={"opportunity": [f"{opportunity} is {opportunity.owner}'s deal."]},
        )


def opportunity_stage_move_check(*, opportunity: Opportunity, at: datetime) -> None:
    """A deal leaves its stage no earlier than it entered it, or its history would overlap; an
    archived deal stays where it was archived."""
    if opportunity.archived_at is not None:
        raise ApplicationError(
            "An archived deal cannot move.",
            fields={"stage": ["Restore the deal before moving its stage."]},
        )
    if at < opportunity.stage_entered_at:
        raise ApplicationError(
            "A stage change cannot be earlier than the current stage was entered.",
            fields={
                "stage": [
                    "The move predates the current stage, entered "
                    f"{opportunity.stage_entered_at:%Y-%m-%d %H:%M} UTC."
                ]
            },
        )


@transaction.atomic
def opportunity_move_stage(
    *,
    opportunity: Opportunity,
    stage: PipelineStage,
    changed_by: User | None,
    at: datetime | None = None,
    note: str = "",
) -> Opportunity:
    """Close the current stay in a stage and open the next one, under a row lock. Closing the
    deal (won or lost) starts a new buying cycle for the account's people."""
    at = at or timezone.now()
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.stage_id == stage.pk:
        return locked
    opportunity_stage_move_check(opportunity=locked, at=at)
    StageChange.objects.filter(opportunity=locked, exited_at__isnull=True).update(exited_at=at)
    StageChange.objects.create(
        opportunity=locked,
        stage=stage,
        from_stage_id=locked.stage_id,
        entered_at=at,
        changed_by=changed_by,
        note=note,
    )
    # A move is activity: whatever stall the deal was in ends here.
    OpportunityStall.objects.filter(opportunity=locked, ended_at__isnull=True).update(ended_at=at)
    locked.stage = stage
    locked.stage_entered_at = at
    if stage.is_closed and not locked.closed_at:
        contacts_buying_cycle_start(by_account={locked.account_id: at})
        accounts_rescore_later(account_ids=[locked.account_id], at=at)
    locked.closed_at = at if stage.is_closed else None
    locked.stalled_since, locked.stall_reason = None, ""
    locked.save(
        update_fields=[
            "stage",
            "stage_entered_at",
            "closed_at",
            "stalled_since",
            "stall_reason",
            "updated_at",
        ]
    )
    return locked


# What a rep logs on a deal, as the engagement event it is stored as. Every one of them is
# seller-initiated: coverage on the deal and account timeline, never a buyer's intent.
ACTIVITY_KINDS = {
    "call": EventKind.CALL,
    "meeting": EventKind.MEETING,
    "note": EventKind.CRM_ACTIVITY,
}
# How a logged activity went, as the form offers it and the deal's timeline shows it (the API
# may send other words, shown as sent).
ACTIVITY_OUTCOMES = {
    "connected": "Connected",
    "held": "Held",
    "voicemail": "Left a voicemail",
    "no_answer": "No answer",
    "rescheduled": "Rescheduled",
    "no_show": "No-show",
    "noted": "Noted",
}


@transaction.atomic
def opportunity_activity_log(
    *,
    opportunity: Opportunity,
    logged_by: User,
    kind: str,
    occurred_at: datetime,
    outcome: str,
    notes: str = "",
    contact: Contact | None = None,
) -> Event:
    """A call, meeting or note a rep logs on their deal, stored as a seller-initiated event of
    the deal's account: the stall sweep counts it as activity; scores and stages never see it."""
    opportunity_work_check(opportunity=opportunity, user=logged_by, doing="log activity on it")
    errors: dict[str, list[str]] = {}
    if kind not in ACTIVITY_KINDS:
        errors["kind"] = [f"Choose one of: {', '.join(ACTIVITY_KINDS)}."]
    if occurred_at > timezone.now():
        errors["occurred_at"] = ["Log what happened, not what is planned."]
    if contact is not None and contact.account_id != opportunity.account_id:
        errors["contact"] = ["Choose someone at the deal's account."]
    if not outcome.strip():
        errors["outcome"] = ["Say how it went."]
    if errors:
        raise ApplicationError("The activity cannot be logged.", fields=errors)
    event = Event(
        account_id=opportunity.account_id,
        contact=contact,
        kind=ACTIVITY_KINDS[kind],
        source=EventSource.WAYMARK,
        direction=Direction.SELLER,
        occurred_at=occurred_at,
        properties={
            "activity": kind,
            "outcome": outcome.strip(),
            "notes": notes.strip(),
            "opportunity": opportunity.pk,
            "logged_by": logged_by.pk,
        },
    )
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity) -> None:
    """Remove an opportunity with its stage history."""
    opportunity.delete()
