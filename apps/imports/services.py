"""Imports: upload → mapping → preview (dry run) → commit → undo; and the bulk upsert API.

The web flow, `manage.py import_records` and `POST /api/v1/<kind>/bulk/` all run `_execute`:

1. rows stream from the file (or the request body) and are checked one by one in Python
   (`fields.RowChecker`); good rows go into a temporary staging table a chunk at a time, and
   the run's `rows_done` is saved after each chunk. This is most of an import's time, and it
   runs outside the write transaction, so the progress a page polls is committed as it goes
   (the staging table is temporary: nothing of it is visible to anyone else);
2. one transaction then matches and writes every row set-based (`upsert`), records each
   change for undo, saves the counts and the row errors, and queues the touched accounts for
   rescoring. A preview does the same inside a savepoint it rolls back: its counts are exactly
   what a commit would do, and it leaves nothing but the run's counts and errors behind.
"""

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from apps.accounts.services import contacts_buying_cycle_start
from apps.core import bulk
from apps.core.audit import AuditPath, audit_path
from apps.core.csv_export import csv_download
from apps.core.exceptions import ApplicationError
from apps.core.mentions import ERASED, Mentions
from apps.core.run_locks import redelivered_run_lock, run_lock, stranded_runs_send_again
from apps.engagement.services import accounts_rescore_later
from apps.fit.services import fits_apply
from apps.imports import parsing, upsert
from apps.imports.fields import KEY_FIELDS, RowChecker, fields_for
from apps.imports.models import ImportChange, ImportRowError, ImportRun, RecordKind, SavedMapping
from apps.imports.presets import Suggestion, mapping_suggest
from apps.imports.selectors import import_undo_blockers
from apps.pipeline.selectors import opportunity_closes_by_account
from apps.users.models import User

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
# The advisory locks a worker holds while it previews or commits a run (apps/core/run_locks.py).
PREVIEW_LOCK = "imports.preview"
COMMIT_LOCK = "imports.commit"


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    value: Any
    message: str


@dataclass
class Report:
    """What a run did (or a preview would do)."""

    creates: int = 0
    updates: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors})


# -- upload and mapping -------------------------------------------------------------------------


def import_run_start(
    *,
    kind: str,
    file: File,
    created_by: User | None,
    source: str = "",
    mode: str = ImportRun.Mode.VALID_ROWS,
) -> ImportRun:
    """Keep an uploaded file as a new run, with the mapping (and source) its header suggests.

    Refuses, naming `file`, what cannot be imported: empty, over `IMPORT_MAX_UPLOAD_MB`, not
    CSV or XLSX, no header row.
    """
    _check_kind(kind)
    parsing.check_upload_size(file.size)
    file.seek(0)
    header = parsing.read_table(file).header
    suggestion = mapping_suggest(kind=kind, header=header)
    file.seek(0)
    run = ImportRun(
        kind=kind,
        file_name=(file.name or "upload").rsplit("/", 1)[-1][:255],
        created_by=created_by,
        mapping=suggestion.mapping,
        source=source or suggestion.source,
        mode=mode,
    )
    run.file.save(run.file_name, file, save=False)
    run.save()
    return run


def import_header(*, run: ImportRun) -> list[str]:
    """The column names of the run's file, as the file has them."""
    with run.file.open("rb") as stream:
        return parsing.read_table(stream).header


def import_mapping_suggest(*, run: ImportRun) -> Suggestion:
    return mapping_suggest(kind=run.kind, header=import_header(run=run))


@transaction.atomic
def import_mapping_set(
    *,
    run: ImportRun,
    mapping: dict[str, str],
    source: str | None = None,
    mode: str | None = None,
) -> ImportRun:
    """Set which field each column fills (columns left out are ignored); the run then needs a
    new preview. Refuses, naming `mapping`, an unknown column or field, a field mapped twice or
    a mapping without the columns that find a record."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWED):
        raise ApplicationError(
            f"This import is {run.get_status_display().lower()}: its mapping is fixed.",
            fields={"mapping": ["Start a new import to change it."]},
        )
    mapping = {column: name for column, name in mapping.items() if name}
    _check_mapping(kind=run.kind, mapping=mapping, header=import_header(run=run))
    run.mapping = mapping
    if source is not None:
        run.source = source.strip()[:40]
    if mode is not None:
        run.mode = ImportRun.Mode(mode)
    run.status = ImportRun.Status.UPLOADED
    run.save(update_fields=["mapping", "source", "mode", "status"])
    return run


def _check_kind(kind: str) -> None:
    if kind not in RecordKind.values:
        raise ApplicationError(
            f"Unknown kind of record {kind!r}.",
            fields={"kind": [f"Use one of {', '.join(RecordKind.values)}."]},
        )


def _check_mapping(*, kind: str, mapping: dict[str, str], header: list[str]) -> None:
    known = set(fields_for(kind))
    problems = [f"The file has no column “{column}”." for column in mapping if column not in header]
    problems += [
        f"“{name}” is not a field of {kind}: use {', '.join(fields_for(kind))}."
        for name in mapping.values()
        if name not in known
    ]
    twice = {name for name in mapping.values() if list(mapping.values()).count(name) > 1}
    problems += [f"Two columns fill “{name}”: keep one." for name in sorted(twice)]
    if not set(KEY_FIELDS[kind]) & set(mapping.values()):
        keys = " or ".join(KEY_FIELDS[kind])
        problems.append(f"Map a column to {keys}: that is how each row finds its record.")
    if problems:
        raise ApplicationError("The column mapping cannot be used.", fields={"mapping": problems})


def saved_mapping_create(
    *, name: str, kind: str, mapping: dict[str, str], source: str, created_by: User | None
) -> SavedMapping:
    """Keep a mapping under a name (replacing one of the same name and kind) to reuse it."""
    _check_kind(kind)
    saved, _ = SavedMapping.objects.update_or_create(
        kind=kind,
        name=name.strip()[:120],
        defaults={"mapping": mapping, "source": source, "created_by": created_by},
    )
    return saved


# -- preview and commit ------------------------------------------------------------------------


def import_preview(*, run: ImportRun) -> ImportRun:
    """Dry run: check and match every row, count creates / updates / unchanged, list every row
    error; writes nothing but those on the run (status `previewed`)."""
    _require(
        run, ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWING, ImportRun.Status.PREVIEWED
    )
    return _run_file(run, dry_run=True)


def import_preview_queued(*, run_id: int) -> ImportRun | None:
    """A worker's preview of a run waiting for it; None when the run moved on (previewed
    already, the task redelivered) or another worker is previewing it now. A preview writes
    nothing but its counts: running it twice is harmless."""
    with redelivered_run_lock(PREVIEW_LOCK, run_id) as ours:
        waiting = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.PREVIEWING)
        run = waiting.first() if ours else None
        return import_preview(run=run) if run else None


def import_preview_start(*, run: ImportRun) -> ImportRun:
    """Preview now when the file is small (up to `IMPORT_BACKGROUND_ROWS` rows), else queue the
    preview for a Celery worker (status `previewing`; `rows_done` counts the rows checked)."""
    _require(run, ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWED)
    with run.file.open("rb") as stream:
        rows = parsing.read_table(stream).rows
        large = next(islice(rows, settings.IMPORT_BACKGROUND_ROWS, None), None) is not None
    return import_preview_later(run=run) if large else import_preview(run=run)


@transaction.atomic
def import_preview_later(*, run: ImportRun) -> ImportRun:
    from apps.imports.tasks import preview_import

    ready = (ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWED)
    return _queue(run, preview_import, status=ImportRun.Status.PREVIEWING, ready=ready)


def import_commit(*, run: ImportRun) -> ImportRun:
    """Write the previewed run in one transaction: every valid row, or nothing when the run is
    all-or-nothing and a row failed (status `failed`). `rows_done` moves while it runs."""
    ready = (ImportRun.Status.PREVIEWED, ImportRun.Status.QUEUED)
    _require(run, *ready)
    return _commit(run, ready=ready)


def import_commit_queued(*, run_id: int) -> ImportRun | None:
    """A worker's commit of a queued run, or of one left running by a worker that died (its
    transaction died with it: nothing of it was written; apps/core/run_locks.py); None when
    the run moved on or another worker is writing it now."""
    with redelivered_run_lock(COMMIT_LOCK, run_id) as ours:
        ready = (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
        run = ImportRun.objects.filter(pk=run_id, status__in=ready).first() if ours else None
        return _commit(run, ready=ready) if run else None


def _commit(run: ImportRun, *, ready: tuple[str, ...]) -> ImportRun:
    # Claimed in one statement under the run's lock: of two commits of one run (a double click,
    # a redelivered task), only the first goes on, and a worker holds the lock while it writes.
    with run_lock(COMMIT_LOCK, run.pk) as ours:
        claimed = ours and ImportRun.objects.filter(pk=run.pk, status__in=ready).update(
            status=ImportRun.Status.RUNNING, rows_done=0
        )
        if not claimed:
            run.refresh_from_db()
            _require(run, *(status for status in ready if status != ImportRun.Status.RUNNING))
        return _run_file(run, dry_run=False)


def import_commit_start(*, run: ImportRun) -> ImportRun:
    """Commit now when the file is small (up to `IMPORT_BACKGROUND_ROWS` rows), else queue it
    for a Celery worker (status `queued`; poll the run for `status` and `progress_percent`)."""
    _require(run, ImportRun.Status.PREVIEWED)
    if (run.rows_total or 0) <= settings.IMPORT_BACKGROUND_ROWS:
        return import_commit(run=run)
    return import_commit_later(run=run)


@transaction.atomic
def import_commit_later(*, run: ImportRun) -> ImportRun:
    from apps.imports.tasks import commit_import

    return _queue(
        run, commit_import, status=ImportRun.Status.QUEUED, ready=(ImportRun.Status.PREVIEWED,)
    )


def _queue(run: ImportRun, task, *, status: str, ready: tuple[str, ...]) -> ImportRun:
    """Mark a run that is `ready` as `status` and send it to `task` once that is committed
    (called inside a transaction: the lock makes one request queue it once)."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    _require(run, *ready)
    run.status = status
    run.rows_done = 0
    run.queued_at = timezone.now()
    run.save(update_fields=["status", "rows_done", "queued_at"])
    transaction.on_commit(lambda: task.delay(run.pk))
    return run


def stranded_runs_resend(*, now: datetime | None = None) -> int:
    """Send previews and commits whose task was lost (apps/core/run_locks.py) to a worker
    again; returns how many."""
    from apps.imports.tasks import commit_import, preview_import

    now = now or timezone.now()
    Status = ImportRun.Status
    return sum(
        stranded_runs_send_again(
            ImportRun.objects.filter(status__in=statuses),
            lock=lock,
            working=working,
            sent_field="queued_at",
            task=task,
            now=now,
        )
        for statuses, working, task, lock in (
            ([Status.PREVIEWING], Status.PREVIEWING, preview_import, PREVIEW_LOCK),
            ([Status.QUEUED, Status.RUNNING], Status.RUNNING, commit_import, COMMIT_LOCK),
        )
    )


def _require(run: ImportRun, *statuses: str) -> None:
    if run.status not in statuses:
        wanted = " or ".join(ImportRun.Status(status).label.lower() for status in statuses)
        raise ApplicationError(
            f"This import is {run.get_status_display().lower()}; it must be {wanted} first.",
            fields={"status": [f"Currently {run.get_status_display().lower()}."]},
        )


def _run_file(run: ImportRun, *, dry_run: bool) -> ImportRun:
    try:
        _execute(run, _file_rows(run), dry_run=dry_run)
    except ApplicationError as error:
        _fail(run, error.message)
        raise
    except Exception:
        logger.exception("Import %s failed", run.pk)
        _fail(run, "The import stopped on an unexpected error; nothing was written.")
        raise
    run.refresh_from_db()
    return run


def _fail(run: ImportRun, message: str) -> None:
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.FAILED, failure=message)


def _file_rows(run: ImportRun) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, field → cell); blank rows are skipped."""
    with run.file.open("rb") as stream:
        table = parsing.read_table(stream)
        positions = [(table.header.index(column), name) for column, name in run.mapping.items()]
        for number, cells in table.rows:
            if not any(cell.strip() for cell in cells):
                continue
            size = len(cells)
            yield number, {name: cells[i] if i < size else "" for i, name in positions}


def _execute(
    run: ImportRun,
    rows: Iterable[tuple[int, Any]],
    *,
    dry_run: bool,
    unreadable: list[RowError] | None = None,
) -> Report:
    """Check, stage, match and write `rows` for `run` (see the module's docstring).

    `unreadable` collects, while `rows` is read, the rows its reader could not even pass on (the
    bulk API's unreadable items); they count as rows with errors.
    """
    kind = RecordKind(run.kind)
    checker = RowChecker(
        kind=kind, fields=list(dict.fromkeys(run.mapping.values())), source=run.source
    )
    report = Report()
    at = timezone.now()
    note = f"Import #{run.pk}"
    try:
        upsert.stage_create(kind)
        for chunk in _chunks(rows):
            good = []
            for number, values in chunk:
                checked = checker.check(number, values)
                if isinstance(checked, tuple):
                    good.append(checked)
                else:
                    report.errors += [RowError(number, *error) for error in checked]
            upsert.stage_rows(kind, good)
            report.rows += len(chunk)
            ImportRun.objects.filter(pk=run.pk).update(rows_done=report.rows)
        with transaction.atomic():
            problems = upsert.resolve(
                kind, at=at, user_id=run.created_by_id, by_name="account_name" in checker.fields
            )
            report.errors += [RowError(p.item, p.field, p.value, p.message) for p in problems]
            report.errors += unreadable or []
            report.rows += len(unreadable or [])
            report.errors.sort(key=lambda error: error.row)
            refused = run.mode == ImportRun.Mode.ALL_OR_NOTHING and bool(report.errors)
            savepoint = transaction.savepoint()
            if dry_run or not refused:
                outcome = _write(kind, run=run, at=at, note=note)
                report.creates, report.updates = outcome.creates, outcome.updates
                report.unchanged = outcome.unchanged
            if dry_run or refused:
                transaction.savepoint_rollback(savepoint)
            else:
                transaction.savepoint_commit(savepoint)
                closes = _deals_closed(kind, run=run)
                accounts_rescore_later(account_ids=[*outcome.rescore, *closes], at=at)
                _fits_apply(kind, run=run)
            _record(run, report, at=at, dry_run=dry_run, refused=refused)
    finally:
        upsert.stage_drop()
    return report


def _fits_apply(kind: str, *, run: ImportRun) -> None:
    """The learned fits of the accounts and contacts the run wrote (their firmographics,
    persona, role or seniority may have changed)."""
    ids = run.changes.values_list("record_id", flat=True)
    if kind == RecordKind.ACCOUNTS:
        fits_apply(account_ids=ids)
    elif kind == RecordKind.CONTACTS:
        fits_apply(contact_ids=ids)


def _deals_closed(kind: str, *, run: ImportRun) -> dict[int, datetime]:
    """The accounts whose deals this run wrote closed, as the deal page would: their people
    start a new buying cycle when the latest closed. Returns them with that time."""
    if kind != RecordKind.OPPORTUNITIES:
        return {}
    closes = opportunity_closes_by_account(
        opportunity_ids=ImportChange.objects.filter(run=run).values("record_id")
    )
    contacts_buying_cycle_start(by_account=closes)
    return closes


def _chunks(rows: Iterable[tuple[int, Any]]) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def _write(kind: str, *, run: ImportRun, at: datetime, note: str) -> upsert.Outcome:
    try:
        with transaction.atomic():
            return upsert.write(kind, run_id=run.pk, at=at, user_id=run.created_by_id, note=note)
    except IntegrityError as error:
        # Two rows of one file can only collide through each other (one renames a record to
        # the key another row gives): the matching cannot see that, the database does.
        raise ApplicationError(
            "Two rows of this import would give two records the same key; nothing was written.",
            fields={"file": [str(error).splitlines()[0]]},
        ) from error


# A refused value or unknown field name is shown back as it came, less what no database stores
# as text (a NUL, half of a surrogate pair: JSON's "\ud800" alone) and cut to fit its column.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: object, *, limit: int | None = None) -> str:
    text = "" if value is None else _UNSTORABLE.sub("\ufffd", str(value))
    return text[:limit]


def _record(run: ImportRun, report: Report, *, at: datetime, dry_run: bool, refused: bool) -> None:
    """Save the run's counts, status and row errors (replacing a preview's)."""
    if dry_run:
        status = ImportRun.Status.PREVIEWED
    else:
        status = ImportRun.Status.FAILED if refused else ImportRun.Status.COMMITTED
    columns = {name: column for column, name in run.mapping.items()}
    ImportRowError.objects.filter(run=run).delete()
    ImportRowError.objects.bulk_create(
        (
            ImportRowError(
                run=run,
                row=error.row,
                column=_storable(columns.get(error.field, error.field), limit=255),
                value=_storable(error.value, limit=500),
                message=_storable(error.message),
            )
            for error in report.errors
        ),
        batch_size=1_000,
    )
    ImportRun.objects.filter(pk=run.pk).update(
        status=status,
        failure=(
            "All or nothing: no row was imported because some rows have errors." if refused else ""
        ),
        creates=0 if refused and not dry_run else report.creates,
        updates=0 if refused and not dry_run else report.updates,
        unchanged=report.unchanged,
        errors=report.rows_with_errors,
        rows_done=report.rows,
        rows_total=report.rows,
        committed_at=None if dry_run or refused else at,
    )


# -- undo --------------------------------------------------------------------------------------


@transaction.atomic
def import_undo(*, run: ImportRun, user: User | None) -> ImportRun:
    """Remove the records the run created and put back the values it changed, in one
    transaction. Refuses, naming them, when records were changed since (a later edit or
    import would be lost) or a created account has gained contacts or deals since."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    _require(run, ImportRun.Status.COMMITTED)
    model = apps.get_model(upsert.MODELS[run.kind])
    changes = ImportChange.objects.filter(run=run)
    if blockers := import_undo_blockers(run=run):
        raise ApplicationError(
            "This import cannot be undone: records it wrote were changed since, and undoing it "
            "would lose those changes.",
            fields={"records": [f"{blocker.record} ({blocker.reason})" for blocker in blockers]},
        )
    account_ids = list(upsert.changed_account_ids(run.kind, run_id=run.pk))
    # The trail names the undo as an import's work, done by whoever undid it.
    with audit_path(AuditPath.IMPORT, user=user):
        upsert.restore(
            run.kind,
            run_id=run.pk,
            note=f"Import #{run.pk}",
            at=timezone.now(),
            user_id=user and user.pk,
        )
        model.objects.filter(
            pk__in=changes.filter(action=ImportChange.Action.CREATED).values("record_id")
        ).delete()
    if run.kind != RecordKind.ACCOUNTS:
        account_ids = []
    accounts_rescore_later(
        account_ids=apps.get_model("accounts.Account")
        .objects.filter(pk__in=account_ids)
        .values_list("pk", flat=True)
    )
    run.status = ImportRun.Status.UNDONE
    run.undone_at = timezone.now()
    run.undone_by = user
    run.save(update_fields=["status", "undone_at", "undone_by"])
    return run


# -- row errors as CSV -------------------------------------------------------------------------


def import_errors_download(*, run: ImportRun) -> StreamingHttpResponse:
    """Every row error of the run as a streamed CSV (row, column, value, message)."""
    rows = (
        ImportRowError.objects.filter(run=run)
        .order_by("row", "pk")
        .values_list("row", "column", "value", "message")
        .iterator(chunk_size=2_000)
    )
    return csv_download(
        filename=f"import-{run.pk}-errors", header=["row", "column", "value", "message"], rows=rows
    )


# -- bulk upsert API ---------------------------------------------------------------------------

MAX_BULK_RECORDS = 10_000
API_FILE_NAME = "API request"


@dataclass
class BulkReport:
    """The answer to a bulk request: counts, and each rejected item with its errors by field."""

    run: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[bulk.ItemError]


@transaction.atomic
def records_bulk_upsert(
    *, kind: str, items: Iterable[tuple[int, Any]], user: User | None, source: str = ""
) -> BulkReport:
    """Upsert up to `MAX_BULK_RECORDS` records given in canonical field names (JSON objects,
    numbered by position or line), each checked on its own, the valid ones written in one
    transaction as a committed import run (in the import history, and undoable).

    Raises `bulk.OversizePayload` beyond the limit and an ApplicationError for an empty body:
    nothing is written then.
    """
    _check_kind(kind)
    names = fields_for(kind)
    run = ImportRun.objects.create(
        kind=kind,
        file_name=API_FILE_NAME,
        created_by=user,
        source=source.strip()[:40],
        mapping={name: name for name in names},
        status=ImportRun.Status.RUNNING,
    )
    refused: list[RowError] = []
    known = frozenset(names)

    def records() -> Iterator[tuple[int, dict]]:
        for seen, (number, value) in enumerate(items, start=1):
            if seen > MAX_BULK_RECORDS:
                raise bulk.OversizePayload(
                    f"A request carries at most {MAX_BULK_RECORDS:,} records.",
                    fields={"body": ["Too many records: split them over several requests."]},
                )
            problem = _record_problem(value, known)
            if problem is None:
                yield number, value
            else:
                refused.append(RowError(number, *problem))

    report = _execute(run, records(), dry_run=False, unreadable=refused)
    if not report.rows:
        raise bulk.empty_body("record")
    by_item: dict[int, dict[str, list[str]]] = {}
    for error in report.errors:
        by_item.setdefault(error.row, {}).setdefault(error.field, []).append(error.message)
    return BulkReport(
        run=run.pk,
        created=report.creates,
        updated=report.updates,
        unchanged=report.unchanged,
        rejected=len(by_item),
        errors=[bulk.ItemError(item, fields) for item, fields in by_item.items()],
    )


def _record_problem(value: Any, known: frozenset[str]) -> tuple[str, Any, str] | None:
    """What makes an item no record at all: unreadable, not an object, unknown fields."""
    if isinstance(value, bulk.ItemError):
        name, messages = next(iter(value.errors.items()))
        return name, "", messages[0]
    if not isinstance(value, dict):
        return "record", "", "Each record is a JSON object."
    unknown = sorted(set(value) - known)
    if unknown:
        return unknown[0], "", f"Unknown field: use {', '.join(sorted(known))}."
    return None


@transaction.atomic
def contact_imports_erase(*, contact_id: int, mentions: Mentions) -> dict[str, int]:
    """Blank a person's values kept by imports, for GDPR erasure: the values an import
    replaced on their record (undo data), row errors that quote them, and the uploaded files of
    the runs that wrote them (the runs' counts and row errors stay)."""
    changes = ImportChange.objects.filter(record_kind=RecordKind.CONTACTS, record_id=contact_id)
    runs = ImportRun.objects.filter(pk__in=changes.values("run_id")).exclude(file="")
    files = 0
    for run in runs:
        run.file.delete(save=False)
        files += 1
    runs.update(file="")
    # The values an import replaced on the person's own record are all theirs: blank them
    # all (undo is refused anyway for a record changed since, as an erased one is).
    blanked = list(changes.exclude(previous=None))
    for change in blanked:
        change.previous = dict.fromkeys(change.previous, ERASED)
    ImportChange.objects.bulk_update(blanked, ["previous"])
    return {
        "import changes": len(blanked),
        "import row errors": mentions.scrub_rows(
            ImportRowError.objects.all(), ["value", "message"]
        ),
        "import files": files,
    }
