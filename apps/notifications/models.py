"""In-app notifications: one inbox per user, written by whichever app has news for them.

Apps call `apps.notifications.services.notify` (or, in a set-based sweep, insert rows with the
same columns); nothing here knows the other apps' models: a notification names its subject by
content type and id, and carries the link to open.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """A message for one user, e.g. that one of their deals stalled or a handoff is theirs."""

    class Kind(models.TextChoices):
        STALL = "stall", "Deal stalled"
        STEP_FAILED = "step_failed", "Sequence step failed"
        HANDOFF = "handoff", "Handoff assigned"
        REQUEST_DELIVERED = "request_delivered", "Content request delivered"
        REQUEST_DECLINED = "request_declined", "Content request declined"
        REVIEW_DUE = "review_due", "Journey review due"
        REPLY = "reply", "Buyer replied"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    # What it is about (a stall, a handoff, a request...): one notification per recipient,
    # kind and subject; telling someone again brings it back unread.
    subject_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, null=True, blank=True
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject_type", "subject_id"],
                condition=Q(subject_id__isnull=False),
                name="notice_once_per_subject",
            ),
        ]
        indexes = [
            # The inbox, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notice_inbox_idx"),
            # The unread count on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notice_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text
