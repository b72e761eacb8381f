"""Writing to people's inboxes. Producers call `notify` inside their own transaction, so a
notification exists exactly when what it tells of was committed."""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from apps.core.mentions import Mentions
from apps.notifications.models import Notification
from apps.users.models import User

TEXT_MAX = Notification._meta.get_field("text").max_length
LINK_MAX = Notification._meta.get_field("link").max_length


def notify(
    *,
    recipient: User,
    kind: Notification.Kind,
    subject: models.Model | None,
    text: str,
    url: str = "",
    now: datetime | None = None,
) -> Notification:
    """Tell `recipient` something about `subject`, with a link (a path) to open.

    One notification per recipient, kind and subject: telling them again about the same subject
    (a handoff reassigned back to them) updates it and marks it unread.
    """
    fields = {
        "text": text[:TEXT_MAX],
        "link": url[:LINK_MAX],
        "created_at": now or timezone.now(),
        "read_at": None,
    }
    if subject is None:
        return Notification.objects.create(recipient=recipient, kind=kind, **fields)
    notification, _ = Notification.objects.update_or_create(
        recipient=recipient,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        defaults=fields,
    )
    return notification


def notification_open(*, notification: Notification, now: datetime | None = None) -> str:
    """Mark it read (once: the first time stays) and return where it leads."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    return notification.link


@transaction.atomic
def notifications_mark_all_read(*, recipient: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def contact_notifications_erase(*, mentions: Mentions) -> dict[str, int]:
    """Blank a person's names in every notification's text, for GDPR erasure."""
    return {"notifications": mentions.scrub_rows(Notification.objects.all(), ["text"])}
