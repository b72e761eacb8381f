from django.db import models


class TimeStampedModel(models.Model):
    """Audit timestamps every record carries; shown read-only in admin."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
