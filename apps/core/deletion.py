"""What deleting a record would take with it, and the archive that is used instead.

Counted with the collector Django's admin uses for its delete confirmation (`NestedObjects`),
so the API, the pages and admin name the same cascades a real delete would run.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.admin.utils import NestedObjects
from django.db import router, transaction
from django.db.models import Model
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.models import ArchivableModel, ArchivableQuerySet


@dataclass(frozen=True)
class DeletionImpact:
    """Rows a delete would remove (the record aside), rows it would only unlink (their link
    set to empty), and rows that forbid it (a protected link), each by table name."""

    would_remove: dict[str, int]
    would_unlink: dict[str, int] = field(default_factory=dict)
    blocked_by: dict[str, int] = field(default_factory=dict)
    token: str = ""


class DeleteNotConfirmed(ApplicationError):
    """A permanent delete asked without the token of what it would remove (or with a stale one)."""

    def __init__(self, impact: DeletionImpact):
        super().__init__(
            "Deleting this record permanently also removes the records listed in would_remove. "
            "Archive it instead, or repeat the request with ?confirm=<confirm> to delete."
        )
        self.impact = impact


def deletion_impact(*, instance: Model) -> DeletionImpact:
    collector = NestedObjects(using=router.db_for_write(type(instance)))
    collector.collect([instance])
    removed: dict[str, int] = {}
    for model, objs in collector.model_objs.items():
        count = len(objs) - (1 if model is type(instance) else 0)
        if count:
            removed[str(model._meta.verbose_name_plural)] = count
    unlinked: dict[str, int] = {}
    for (fld, _value), querysets in collector.field_updates.items():
        count = sum(len(objs) if isinstance(objs, list) else objs.count() for objs in querysets)
        if count:
            name = str(fld.model._meta.verbose_name_plural)
            unlinked[name] = unlinked.get(name, 0) + count
    blocked: dict[str, int] = {}
    for obj in collector.protected:
        name = str(obj._meta.verbose_name_plural)
        blocked[name] = blocked.get(name, 0) + 1
    # Tied to this record and these counts: a token seen before more rows joined no longer fits.
    fingerprint = json.dumps(
        [instance._meta.label, instance.pk, removed, unlinked], sort_keys=True, default=str
    )
    token = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    return DeletionImpact(
        would_remove=dict(sorted(removed.items())),
        would_unlink=dict(sorted(unlinked.items())),
        blocked_by=blocked,
        token=token,
    )


@transaction.atomic
def record_delete_confirmed(*, instance: Model, confirm: str, delete: Callable[[], None]) -> None:
    """Run `delete` (the record's own delete service) once `confirm` matches what it removes."""
    impact = deletion_impact(instance=instance)
    if not confirm or confirm != impact.token:
        raise DeleteNotConfirmed(impact)
    delete()


def records_archive(*, records: ArchivableQuerySet, by, at=None) -> int:
    """Archive the not yet archived `records` at one moment (so a restore can find them).

    Saved one by one, as any edit is, so each archive shows in the record's change history.
    """
    return _stamp(records.active(), archived_at=at or timezone.now(), archived_by=by)


def records_restore(*, records: ArchivableQuerySet, archived_at) -> int:
    """Bring back the `records` archived at `archived_at` (together with a parent record)."""
    return _stamp(records.filter(archived_at=archived_at), archived_at=None, archived_by=None)


def _stamp(records: ArchivableQuerySet, **values) -> int:
    rows = list(records)
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=[*values, "updated_at"])
    return len(rows)


@transaction.atomic
def record_archive(*, instance: ArchivableModel, by) -> ArchivableModel:
    """Archive one record with no dependants to take along; archiving twice changes nothing."""
    if not instance.is_archived:
        records_archive(records=type(instance).objects.filter(pk=instance.pk), by=by)
        instance.refresh_from_db(fields=["archived_at", "archived_by"])
    return instance


@transaction.atomic
def record_restore(*, instance: ArchivableModel) -> ArchivableModel:
    if instance.is_archived:
        records_restore(
            records=type(instance).objects.filter(pk=instance.pk), archived_at=instance.archived_at
        )
        instance.refresh_from_db(fields=["archived_at", "archived_by"])
    return instance
