"""The one CSV writer behind every download Waymark offers.

Rows stream out as they are produced, so an export of a million rows never sits in memory, and
every cell a spreadsheet would run as a formula is neutralised (OWASP's advice: a leading
apostrophe) so that an export opened in Excel or Sheets cannot run anything. Values are written
in the form the importer reads back: `true`/`false`, ISO dates, ISO date-times in UTC, lists
as `a|b`.

A list page offers its rows as CSV on its own URL with `?format=csv` (the same filters, every
page); the API's lists answer the same query (apps/core/api/renderers.py).
"""

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse

# How many rows an export reads from the database at a time.
EXPORT_CHUNK_SIZE = 2000

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as `-12.50` is data in every spreadsheet, never a formula.
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def csv_safe(value: Any) -> Any:
    """`=SUM(A1)` → `'=SUM(A1)`; numbers (`-12.50` too) and other text pass as they are."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def export_rows(records: QuerySet, columns: Iterable[str], **paths: str) -> Iterator[tuple]:
    """`records` as tuples of `columns`, read in chunks straight from the database (no model
    instances, a constant number of queries); `paths` names the field behind a column whose
    name is not its own, e.g. `owner_email="owner__email"`."""
    fields = [paths.get(column, column) for column in columns]
    return records.values_list(*fields).iterator(chunk_size=EXPORT_CHUNK_SIZE)


def csv_requested(request: HttpRequest) -> bool:
    """The list page was asked for its rows as CSV (`?format=csv`)."""
    return request.GET.get("format") == "csv"


def _plain(value: Any) -> Any:
    """A value in the spelling an import reads back (the csv module would write `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join("" if item is None else str(_plain(item)) for item in value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Line:
    """A file-like object that hands back what `csv.writer` writes to it, one row at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header, then each row, as CSV text lines with formula-like cells neutralised."""
    writer = csv.writer(_Line())
    yield writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(_plain(cell)) for cell in row])


def csv_download(
    *, filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV attachment; `rows` is consumed lazily while the response is sent."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
