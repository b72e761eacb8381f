"""Reads for the import pages: the history, a file's columns with sample values, the row
errors, and what an undo would remove, put back or be blocked by."""

from dataclasses import dataclass
from itertools import islice

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.imports import parsing, upsert
from apps.imports.models import ImportChange, ImportRowError, ImportRun, RecordKind, SavedMapping

# Blocking records named, per reason, in an undo refusal.
BLOCKERS_SHOWN = 20


@dataclass(frozen=True)
class Column:
    name: str
    samples: list[str]


@dataclass(frozen=True)
class Blocker:
    record: object  # the account, contact or opportunity
    reason: str


@dataclass(frozen=True)
class UndoSummary:
    removes: int  # records the run created
    restores: int  # records whose previous values come back
    blockers: list[Blocker]


def import_run_list() -> QuerySet[ImportRun]:
    """Every run, newest first, with who started it."""
    return ImportRun.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_run_get(*, run_id: int) -> ImportRun:
    return ImportRun.objects.select_related("created_by", "undone_by").get(pk=run_id)


def import_columns(*, run: ImportRun, samples: int = 3) -> list[Column]:
    """The file's columns, each with the first few non-blank values under it."""
    with run.file.open("rb") as stream:
        table = parsing.read_table(stream)
        found: list[list[str]] = [[] for _ in table.header]
        # Reading stops after a bounded number of rows, whatever the file's size.
        for _, cells in islice(table.rows, samples * 20):
            for values, cell in zip(found, cells, strict=False):
                if cell.strip() and len(values) < samples:
                    values.append(cell.strip())
            if all(len(values) == samples for values in found):
                break
    return [Column(name, values) for name, values in zip(table.header, found, strict=True)]


def import_row_errors(*, run: ImportRun) -> QuerySet[ImportRowError]:
    return ImportRowError.objects.filter(run=run).order_by("row", "pk")


def saved_mapping_list(*, kind: str | None = None) -> QuerySet[SavedMapping]:
    mappings = SavedMapping.objects.order_by("kind", "name")
    return mappings.filter(kind=kind) if kind else mappings


def import_undo_blockers(*, run: ImportRun) -> list[Blocker]:
    """The records that stop the run's undo: changed after it (a later edit or import would be
    lost), or accounts it created that have gained contacts or deals since."""
    model = apps.get_model(upsert.MODELS[run.kind])
    changes = ImportChange.objects.filter(run=run)
    changed = model.objects.filter(
        pk__in=changes.values("record_id"), updated_at__gt=run.committed_at
    ).order_by("pk")[:BLOCKERS_SHOWN]
    blockers = [
        Blocker(record, f"changed {record.updated_at:%Y-%m-%d %H:%M} UTC") for record in changed
    ]
    if run.kind == RecordKind.ACCOUNTS:
        created = changes.filter(action=ImportChange.Action.CREATED).values("record_id")
        gained = model.objects.filter(pk__in=created).filter(_gained_since(run=run))
        blockers += [
            Blocker(account, "has contacts or deals added since")
            for account in gained.order_by("pk")[:BLOCKERS_SHOWN]
        ]
    return blockers


def _gained_since(*, run: ImportRun) -> Q:
    later = Q(created_at__gt=run.committed_at)
    contact = apps.get_model("accounts.Contact")
    opportunity = apps.get_model("pipeline.Opportunity")
    return Q(Exists(contact.objects.filter(later, account=OuterRef("pk")))) | Q(
        Exists(opportunity.objects.filter(later, account=OuterRef("pk")))
    )


def import_undo_summary(*, run: ImportRun) -> UndoSummary:
    """What undoing the run would do, for its confirmation page."""
    counts = ImportChange.objects.filter(run=run).aggregate(
        removes=Count("pk", filter=Q(action=ImportChange.Action.CREATED)),
        restores=Count("pk", filter=Q(action=ImportChange.Action.UPDATED)),
    )
    return UndoSummary(**counts, blockers=import_undo_blockers(run=run))
