from django.conf import settings
from django.db import models

from apps.core.audit import AuditPath, current_path


class TimeStampedModel(models.Model):
    """Audit timestamps every record carries; shown read-only in admin."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class ExternalRecord(models.Model):
    """A record that may also live in an outside system (a CRM): its id there, per source.

    Imports and CRM syncs upsert by (`external_source`, `external_id`) when they have it; the
    pair is unique wherever an id is given.
    """

    # The database default lets set-based SQL (bulk loads, benchmarks) leave both out.
    external_source = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text="The outside system the record comes from, e.g. hubspot.",
    )
    external_id = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="The record's id in that system.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(class)s_external_id_unique",
                violation_error_message="Another record already has this id in this source.",
            ),
        ]


class ArchivableQuerySet(models.QuerySet):
    def active(self) -> "ArchivableQuerySet":
        return self.filter(archived_at__isnull=True)

    def archived(self) -> "ArchivableQuerySet":
        return self.filter(archived_at__isnull=False)


class ArchivableModel(models.Model):
    """A record others depend on: archived (hidden from lists, pickers and automation, and
    restorable) rather than deleted, so its history stays whole.

    `objects` still returns every row (uniqueness checks, imports and links see archived
    records too); lists and pickers ask for `.active()`. Used with `TimeStampedModel`: an
    archive or restore is saved as an edit, `updated_at` included.
    """

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def active_ordering_indexes(prefix: str, *orderings: list[str]) -> list[models.Index]:
    """An index per list ordering of an archivable model's active rows, the id last: a page
    sorted by any offered column is read from the index, at any table size."""
    return [
        models.Index(
            fields=[*fields, "id"],
            condition=models.Q(archived_at__isnull=True),
            name=_index_name(f"{prefix}_active_by_{fields[0]}", f"{prefix}_by_{fields[0]}"),
        )
        for fields in orderings
    ]


def _index_name(*candidates: str) -> str:
    """The first name that fits PostgreSQL's and Django's 30 characters."""
    return next(name for name in candidates if len(name) <= 30)


class AuditedHistory(models.Model):
    """What every historical row (`apps.core.audit.audit_trail`) adds to simple-history's who,
    when and what: the way the change came in."""

    path = models.CharField(
        max_length=8,
        choices=AuditPath.choices,
        default=current_path,
        help_text="Where the change came from: web page, API, admin, import, task or command.",
    )

    class Meta:
        abstract = True
