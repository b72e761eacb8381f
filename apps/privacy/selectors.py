"""Subject access: everything Waymark holds about one contact, as one JSON document.

A report across apps, so it reads their tables directly (read-only, a fixed number of
queries whatever the person's history).
"""

from typing import Any

from apps.accounts.models import Contact
from apps.content.models import AssetShare
from apps.engagement.models import ContactScore, Event, Handoff, InferredStageChange
from apps.nurture.models import Enrollment, Touch
from apps.privacy.models import Erasure

CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "title",
    "account_id",
    "account__name",
    "account__domain",
    "persona__name",
    "buying_role",
    "consent",
    "declines_tracking",
    "time_zone",
    "country",
    "subdivision",
    "external_source",
    "external_id",
    "created_at",
    "updated_at",
    "archived_at",
)


def contact_personal_data(*, contact: Contact) -> dict[str, Any]:
    """The contact's fields and every row about them: signals, nurture (enrolments and what
    was sent), handoffs, assets shared with them, scores, stage changes and erasures."""
    mine = {"contact": contact}
    return {
        "contact": Contact.objects.filter(pk=contact.pk).values(*CONTACT_FIELDS).get(),
        "events": list(
            Event.objects.filter(**mine)
            .order_by("occurred_at", "pk")
            .values(
                "id",
                "kind",
                "source",
                "occurred_at",
                "received_at",
                "url",
                "asset__title",
                "properties",
                "external_id",
            )
        ),
        "enrollments": list(
            Enrollment.objects.filter(**mine)
            .order_by("enrolled_at", "pk")
            .values(
                "id",
                "sequence__name",
                "opportunity__name",
                "status",
                "enrolled_at",
                "ended_at",
                "exit_reason",
            )
        ),
        "touches": list(
            Touch.objects.filter(enrollment__contact=contact)
            .order_by("sent_at", "pk")
            .values(
                "id",
                "enrollment_id",
                "step__sequence__name",
                "step__position",
                "kind",
                "subject",
                "sent_at",
                "completed_at",
            )
        ),
        "handoffs": list(
            Handoff.objects.filter(**mine)
            .order_by("raised_at", "pk")
            .values("id", "kind", "status", "score", "raised_at", "decided_at", "reason")
        ),
        "asset_shares": list(
            AssetShare.objects.filter(**mine)
            .order_by("shared_at", "pk")
            .values("id", "asset__title", "opportunity__name", "shared_at", "note")
        ),
        "scores": list(
            ContactScore.objects.filter(**mine).values(
                "fit", "engagement", "score", "stage__name", "stage_since", "computed_at"
            )
        ),
        "stage_changes": list(
            InferredStageChange.objects.filter(**mine)
            .order_by("changed_at", "pk")
            .values(
                "id",
                "from_stage__name",
                "to_stage__name",
                "is_forward",
                "changed_at",
                "score",
                "evidence",
            )
        ),
        "erasures": list(
            Erasure.objects.filter(contact_id=contact.pk).values("erased_at", "counts")
        ),
    }
