from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from apps.accounts.models import Contact
from apps.content.models import Asset, AssetShare, EnablementRequest
from apps.core.bulk_actions import BulkResult, bulk_apply
from apps.core.deletion import record_archive, record_restore
from apps.core.exceptions import ApplicationError
from apps.core.mentions import Mentions
from apps.core.services import model_create, model_update
from apps.engagement.models import Direction, Event, EventKind, EventSource
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.pipeline.models import Opportunity
from apps.pipeline.services import opportunity_work_check
from apps.users.models import Role, User
from apps.users.selectors import user_role

ASSET_FIELDS = [
    "title",
    "asset_type",
    "journey_stage",
    "personas",
    "summary",
    "url",
    "file",
    "status",
    "owner",
]


@transaction.atomic
def asset_create(*, data: dict) -> Asset:
    return model_create(model=Asset, data=data)


@transaction.atomic
def asset_update(*, asset: Asset, data: dict) -> Asset:
    return model_update(instance=asset, fields=ASSET_FIELDS, data=data)[0]


@transaction.atomic
def asset_archive(*, asset: Asset, by: User) -> Asset:
    """Take an asset out of the library, pickers, recommendations and cell mappings; its
    shares, requests and the steps that sent it keep their history. Restorable."""
    return record_archive(instance=asset, by=by)


@transaction.atomic
def assets_archive(*, asset_ids: Iterable[int], by: User) -> BulkResult:
    """Archive many assets at once (the library's bulk action); one already archived or gone
    is left alone and named with why."""

    def archive(asset: Asset) -> Asset:
        if asset.is_archived:
            raise ApplicationError("Already archived.")
        return asset_archive(asset=asset, by=by)

    return bulk_apply(
        rows=Asset.objects.all(), ids=asset_ids, act=archive, missing="No such asset."
    )


@transaction.atomic
def asset_restore(*, asset: Asset) -> Asset:
    return record_restore(instance=asset)


@transaction.atomic
def asset_delete(*, asset: Asset) -> None:
    """Remove an asset with its share log; events and steps that used it keep their rows."""
    asset.delete()


# --- enablement requests ---------------------------------------------------------------------
# A rep asks; marketing moves the request new → accepted → in progress → delivered, or declines
# it with a reason at any open step. The requester hears the outcome once, by email and on
# their "My requests" page.

REQUEST_FIELDS = [
    "opportunity",
    "journey_stage",
    "persona",
    "need",
    "asset_type",
    "priority",
    "due_date",
    "notes",
]
Status = EnablementRequest.Status
# The statuses a request may move to from each status.
NEXT_STATUSES: dict[str, set[str]] = {
    Status.NEW: {Status.ACCEPTED, Status.IN_PROGRESS, Status.DELIVERED, Status.DECLINED},
    Status.ACCEPTED: {Status.IN_PROGRESS, Status.DELIVERED, Status.DECLINED},
    Status.IN_PROGRESS: {Status.DELIVERED, Status.DECLINED},
    Status.DELIVERED: set(),
    Status.DECLINED: set(),
}


def _validate_request_input(*, data: dict, requested_by: User) -> dict:
    """Rules a form cannot see: the deal is open and the rep's to ask about, the date ahead."""
    errors: dict[str, list[str]] = {}
    opportunity: Opportunity | None = data.get("opportunity")
    if opportunity is not None and (
        opportunity.stage.is_closed
        or not opportunity_visible_to(opportunity=opportunity, user=requested_by)
    ):
        errors["opportunity"] = ["Choose an open opportunity you can see."]
    due_date = data.get("due_date")
    if due_date is not None and due_date < timezone.localdate():
        errors["due_date"] = ["The due date cannot be in the past."]
    if errors:
        raise ApplicationError("The request cannot be saved.", fields=errors)
    if opportunity is not None and data.get("journey_stage") is None:
        data = {**data, "journey_stage": opportunity.stage.journey_stage}
    return data


def enablement_request_check(*, requested_by: User, data: dict) -> dict:
    """What `enablement_request_create` would refuse, without saving: a form checks it before
    showing the rep similar open requests (a warning only worth reading about a valid ask)."""
    data = _validate_request_input(data=data, requested_by=requested_by)
    fields = {name: data[name] for name in REQUEST_FIELDS if name in data}
    EnablementRequest(**fields, requested_by=requested_by, status=Status.NEW).full_clean(
        exclude=["requested_by"]
    )
    return data


def opportunity_visible_to(*, opportunity: Opportunity, user: User) -> bool:
    """Every rep sees every deal today; one place to narrow it when territories arrive."""
    return user.has_perm("pipeline.view_opportunity")


@transaction.atomic
def enablement_request_create(*, requested_by: User, data: dict) -> EnablementRequest:
    data = _validate_request_input(data=data, requested_by=requested_by)
    fields = {name: data[name] for name in REQUEST_FIELDS if name in data}
    return model_create(
        model=EnablementRequest,
        data={**fields, "requested_by": requested_by, "status": Status.NEW},
    )


@transaction.atomic
def enablement_request_update(*, request: EnablementRequest, data: dict) -> EnablementRequest:
    """The requester's own edits: what they ask for, while marketing has not delivered it."""
    if request.status not in EnablementRequest.OPEN_STATUSES:
        raise ApplicationError(
            "A delivered or declined request can no longer be edited.",
            fields={"status": ["This request is closed."]},
        )
    data = _validate_request_input(data=data, requested_by=request.requested_by)
    return model_update(instance=request, fields=REQUEST_FIELDS, data=data)[0]


def _locked(request: EnablementRequest) -> EnablementRequest:
    return EnablementRequest.objects.select_for_update().get(pk=request.pk)


def _move(request: EnablementRequest, *, to: str, **changes) -> EnablementRequest:
    """Move a request (row locked, so two marketers cannot both act on it) and stamp the time."""
    request = _locked(request)
    if to not in NEXT_STATUSES[request.status]:
        raise ApplicationError(
            f"A {request.get_status_display().lower()} request cannot move to "
            f"{Status(to).label.lower()}.",
            fields={"status": [f"Not allowed from {request.get_status_display()}."]},
        )
    request.status = to
    request.status_changed_at = timezone.now()
    for name, value in changes.items():
        setattr(request, name, value)
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def enablement_request_accept(
    *, request: EnablementRequest, assignee: User | None = None
) -> EnablementRequest:
    changes = {"assignee": assignee} if assignee is not None else {}
    return _move(request, to=Status.ACCEPTED, **changes)


@transaction.atomic
def enablement_request_assign(*, request: EnablementRequest, assignee: User) -> EnablementRequest:
    if user_role(user=assignee) not in {Role.MARKETER, Role.ADMIN}:
        raise ApplicationError(
            "Assign the request to someone in marketing.",
            fields={"assignee": ["Not a marketer."]},
        )
    request = _locked(request)
    if request.status not in EnablementRequest.OPEN_STATUSES:
        raise ApplicationError(
            "A closed request cannot be reassigned.", fields={"assignee": ["Request closed."]}
        )
    return model_update(instance=request, fields=["assignee"], data={"assignee": assignee})[0]


@transaction.atomic
def enablement_request_start(*, request: EnablementRequest) -> EnablementRequest:
    return _move(request, to=Status.IN_PROGRESS)


@transaction.atomic
def enablement_request_deliver(
    *,
    request: EnablementRequest,
    asset: Asset | None = None,
    asset_data: dict | None = None,
) -> EnablementRequest:
    """Deliver with an existing asset or a new one made from `asset_data`, never both."""
    if (asset is None) == (asset_data is None):
        raise ApplicationError(
            "Deliver an existing asset or describe a new one.",
            fields={"asset": ["Choose one asset, or give a new one's details."]},
        )
    if asset is None:
        asset = asset_create(data=asset_data)
    request = _move(request, to=Status.DELIVERED, delivered_asset=asset)
    _notify_requester(request=request)
    return request


@transaction.atomic
def enablement_request_decline(*, request: EnablementRequest, reason: str) -> EnablementRequest:
    if not reason.strip():
        raise ApplicationError(
            "Say why the request is declined.", fields={"decline_reason": ["Give a reason."]}
        )
    request = _move(request, to=Status.DECLINED, decline_reason=reason.strip())
    _notify_requester(request=request)
    return request


@transaction.atomic
def enablement_requests_assign(*, request_ids: Iterable[int], assignee: User) -> BulkResult:
    """Give many open requests to one marketer; closed ones are named with why."""
    if user_role(user=assignee) not in {Role.MARKETER, Role.ADMIN}:
        raise ApplicationError(
            "Assign the requests to someone in marketing.",
            fields={"assignee": ["Not a marketer."]},
        )
    return bulk_apply(
        rows=EnablementRequest.objects.all(),
        ids=request_ids,
        act=lambda item: enablement_request_assign(request=item, assignee=assignee),
        missing="No such request.",
    )


@transaction.atomic
def enablement_requests_decline(*, request_ids: Iterable[int], reason: str) -> BulkResult:
    """Decline many open requests with one reason (each requester is told once); closed ones
    are named with why."""
    if not reason.strip():
        raise ApplicationError(
            "Say why the requests are declined.", fields={"reason": ["Give a reason."]}
        )
    return bulk_apply(
        rows=EnablementRequest.objects.all(),
        ids=request_ids,
        act=lambda item: enablement_request_decline(request=item, reason=reason),
        missing="No such request.",
    )


def _notify_requester(*, request: EnablementRequest) -> None:
    """Tell the requester the outcome in their inbox and by email after commit, once:
    `notified_at` is set in the same transaction."""
    if request.notified_at is not None:
        return
    request.notified_at = timezone.now()
    request.save(update_fields=["notified_at"])
    delivered = request.status == EnablementRequest.Status.DELIVERED
    kinds = Notification.Kind
    notify(
        recipient=request.requested_by,
        kind=kinds.REQUEST_DELIVERED if delivered else kinds.REQUEST_DECLINED,
        subject=request,
        text=(
            f"Your content request “{request}” was delivered: {request.delivered_asset}."
            if delivered
            else f"Your content request “{request}” was declined: {request.decline_reason}"
        ),
        url=reverse("enablement:my_requests"),
        now=request.notified_at,
    )
    link = settings.SITE_URL.rstrip("/") + reverse("enablement:my_requests")
    message = render_to_string(
        "enablement/emails/request_outcome.txt", {"request": request, "link": link}
    )
    subject = f"Your content request was {request.get_status_display().lower()}"
    recipient = request.requested_by.email
    if recipient:
        transaction.on_commit(
            lambda: send_mail(subject, message, None, [recipient], fail_silently=False)
        )


def enablement_requests_mark_seen(*, requester: User) -> int:
    """The rep opened "My requests": the news shown there is now seen."""
    return EnablementRequest.objects.filter(
        requested_by=requester, status_changed_at__isnull=False
    ).update(requester_seen_at=timezone.now())


# --- sharing ---------------------------------------------------------------------------------


@transaction.atomic
def asset_share(
    *,
    asset: Asset,
    contacts: list[Contact],
    shared_by: User,
    opportunity: Opportunity | None = None,
    note: str = "",
    at: datetime | None = None,
    event_ids: Sequence[str] | None = None,
) -> list[AssetShare]:
    """A rep sent an asset to committee members: one share and one engagement event each.

    `at` back-dates the share and `event_ids` gives each person's event a stable id (in the
    order of `contacts`), as a replayed import or the demo world needs. Only the deal's owner
    (or a sales manager) records shares on a deal."""
    if opportunity is not None:
        opportunity_work_check(opportunity=opportunity, user=shared_by, doing="share on it")
    errors: dict[str, list[str]] = {}
    if asset.status != Asset.Status.PUBLISHED:
        errors["asset"] = ["Only published assets can be shared."]
    if not contacts:
        errors["contacts"] = ["Choose at least one person."]
    account_id = opportunity.account_id if opportunity else None
    if opportunity is not None and any(c.account_id != account_id for c in contacts):
        errors["contacts"] = ["Share only with people at the opportunity's account."]
    if errors:
        raise ApplicationError("The asset cannot be shared.", fields=errors)
    now = at or timezone.now()
    shares = []
    for contact in contacts:
        share = AssetShare(
            asset=asset,
            contact=contact,
            opportunity=opportunity,
            shared_by=shared_by,
            shared_at=now,
            note=note,
        )
        share.full_clean()
        shares.append(share)
    bulk_create_with_history(shares, AssetShare)
    Event.objects.bulk_create(
        Event(
            account_id=contact.account_id,
            contact=contact,
            kind=EventKind.ASSET_SHARED,
            source=EventSource.WAYMARK,
            direction=Direction.SELLER,
            external_id=event_id,
            occurred_at=now,
            asset=asset,
            url=asset.url,
            properties={"shared_by": shared_by.pk, "opportunity": getattr(opportunity, "pk", None)},
        )
        for contact, event_id in zip(contacts, event_ids or [""] * len(contacts), strict=True)
    )
    return shares


@transaction.atomic
def contact_content_erase(*, contact: Contact, mentions: Mentions) -> dict[str, int]:
    """Blank the notes of the assets shared with a person and the enablement requests that
    name them, for GDPR erasure; the shares stay (content influence still counts them)."""
    return {
        "asset shares": AssetShare.objects.filter(contact=contact).exclude(note="").update(note=""),
        "enablement requests": mentions.scrub_rows(
            EnablementRequest.objects.all(), ["need", "notes", "decline_reason"]
        ),
    }
