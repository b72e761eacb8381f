"""Sales enablement in the demo world: objections heard on a few of Sam's open deals, the
assets reps shared into them, and enablement requests in every state of marketing's queue —
one overdue, one delivered and one declined with its reason.

Rows are written as they stood (validated `model_create`): requests after marketing worked
them, the requester already told, so seeding sends no email. Shares go through
`content.services.asset_share`, back-dated, with their engagement events.
"""

from datetime import datetime, timedelta

from apps.accounts.models import Contact
from apps.content.models import Asset, AssetType, EnablementRequest
from apps.content.services import asset_share
from apps.core.services import model_create
from apps.demo import world
from apps.enablement.models import DealObjection
from apps.enablement.selectors import (
    asset_recommendations,
    committee,
    committee_coverage,
    my_opportunities,
)
from apps.pipeline.models import Opportunity
from apps.users.models import User

OBJECTIONS = (
    "Integration with our ERP looks risky",
    "The price is higher than doing it in the ERP",
    "Our approvers will not change how they work",
)

T, Status, Priority = AssetType, EnablementRequest.Status, EnablementRequest.Priority
# need, asset type, priority, due in days from today, status, decline reason.
REQUESTS = (
    ("A short ERP integration whitepaper for IT", T.WHITEPAPER, Priority.HIGH, 10, Status.NEW, ""),
    ("Payback model in euros for a German CFO", T.ROI_CALCULATOR, Priority.CRITICAL, -3,
     Status.ACCEPTED, ""),
    ("Approver adoption story from a logistics firm", T.CASE_STUDY, Priority.MEDIUM, 14,
     Status.IN_PROGRESS, ""),
    ("Customer reference a CFO can call", T.CUSTOMER_REFERENCE, Priority.HIGH, -5,
     Status.DELIVERED, ""),
    ("A comparison sheet against our largest competitor", "", Priority.LOW, None,
     Status.DECLINED, "Legal does not allow named competitor comparisons; use the buyer's "
     "guide's criteria checklist instead."),
)  # fmt: skip


def seed_enablement(*, anchor: datetime) -> None:
    rep = User.objects.get(username=world.ACCOUNT_OWNERS[0])
    marketer = User.objects.get(username=world.MARKETER)
    deals = my_opportunities(owner=rep)[:3]
    for days_ago, (deal, text) in enumerate(zip(deals, OBJECTIONS, strict=True), start=1):
        model_create(
            model=DealObjection,
            data={
                "opportunity": deal,
                "text": text,
                "recorded_by": rep,
                "recorded_at": anchor - timedelta(days=days_ago),
            },
        )
    for number, deal in enumerate(deals[:2], start=1):
        people = committee(account_id=deal.account_id)
        best = asset_recommendations(
            opportunity=deal, people=people, coverage=committee_coverage(people=people, now=anchor)
        )
        if best:
            _seed_shares(
                number=number,
                asset=best[0].asset,
                contacts=people[:2],
                deal=deal,
                rep=rep,
                at=anchor,
            )
    reference = (
        Asset.objects.filter(asset_type=T.CUSTOMER_REFERENCE, status=Asset.Status.PUBLISHED)
        .order_by("title")
        .first()
    )
    for position, (need, asset_type, priority, due_in, status, reason) in enumerate(REQUESTS):
        worked = status != Status.NEW
        closed = status not in EnablementRequest.OPEN_STATUSES
        deal = deals[position % len(deals)]
        model_create(
            model=EnablementRequest,
            data={
                "requested_by": rep,
                "opportunity": deal,
                "journey_stage": deal.stage.journey_stage,
                "need": need,
                "asset_type": asset_type,
                "priority": priority,
                "due_date": None if due_in is None else anchor.date() + timedelta(days=due_in),
                "status": status,
                "assignee": marketer if worked else None,
                "delivered_asset": reference if status == Status.DELIVERED else None,
                "decline_reason": reason,
                "status_changed_at": anchor - timedelta(days=1) if worked else None,
                "notified_at": anchor - timedelta(days=1) if closed else None,
            },
        )


def _seed_shares(
    *,
    number: int,
    asset: Asset,
    contacts: list[Contact],
    deal: Opportunity,
    rep: User,
    at: datetime,
) -> None:
    """Shared the day before, with stable event ids, so the same day seeds the same world."""
    asset_share(
        asset=asset,
        contacts=contacts,
        shared_by=rep,
        opportunity=deal,
        at=at - timedelta(days=1),
        event_ids=[f"demo-share-{number}-{contact.email}" for contact in contacts],
    )
