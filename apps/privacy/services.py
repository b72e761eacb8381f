"""GDPR erasure: one contact's personal data removed or anonymised everywhere, in one
transaction, leaving an `Erasure` record with the counts and no personal data."""

from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Contact
from apps.accounts.services import contact_anonymise, erased_email
from apps.content.services import contact_content_erase
from apps.core.audit import audit_trails_scrub
from apps.core.exceptions import ApplicationError
from apps.core.mentions import Mentions
from apps.enablement.services import objections_erase_mentions
from apps.engagement.services import contact_signals_erase
from apps.imports.services import contact_imports_erase
from apps.notifications.services import contact_notifications_erase
from apps.nurture.services import contact_nurture_erase
from apps.privacy.models import Erasure
from apps.users.models import User


@transaction.atomic
def contact_erase(*, contact: Contact, by: User, now: datetime | None = None) -> Erasure:
    """Erase a contact's personal data: the contact row anonymised (kept, so the account's
    committee and scores still count the person), their signals, nurture, shares, notes,
    import data and admin log lines blanked or rewritten. Raises `ApplicationError` for a
    contact already erased."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.email == erased_email(contact.pk):
        raise ApplicationError("This contact's personal data has already been erased.")
    now = now or timezone.now()
    mentions = Mentions.of(contact.email, contact.full_name, contact.first_name, contact.last_name)
    counts = {
        **contact_signals_erase(contact=contact, mentions=mentions),
        **contact_nurture_erase(contact=contact, mentions=mentions, now=now),
        **contact_content_erase(contact=contact, mentions=mentions),
        **objections_erase_mentions(mentions=mentions),
        **contact_imports_erase(contact_id=contact.pk, mentions=mentions),
        **contact_notifications_erase(mentions=mentions),
        "admin log entries": mentions.scrub_rows(
            LogEntry.objects.all(), ["object_repr", "change_message"]
        ),
        "audit trail entries": audit_trails_scrub(mentions=mentions, people=(Contact, User)),
    }
    contact_anonymise(contact=contact)
    counts["contacts"] = 1
    return Erasure.objects.create(
        contact_id=contact.pk,
        erased_by=by,
        erased_at=now,
        counts={table: n for table, n in sorted(counts.items()) if n},
    )
