from django.conf import settings
from django.db import models


class Erasure(models.Model):
    """A contact's personal data was erased: who asked for it, when, and how many rows of each
    table were changed. Holds no personal data itself, only the contact's id."""

    contact_id = models.BigIntegerField(
        help_text="The erased contact's id; the row stays, anonymised."
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    erased_at = models.DateTimeField()
    counts = models.JSONField(default=dict, help_text="Rows changed or removed, per table.")

    class Meta:
        ordering = ["-erased_at"]
        permissions = [
            ("erase_contact", "Can erase a contact's personal data"),
            ("export_personal_data", "Can export a contact's personal data"),
        ]

    def __str__(self) -> str:
        return f"Contact #{self.contact_id} erased {self.erased_at:%Y-%m-%d}"
