"""The one CSV writer behind every download Waymark offers.

Rows stream out as they are produced, so an export of a million rows never sits in memory, and
every cell a spreadsheet would run as a formula is neutralised (OWASP's advice: a leading
apostrophe) so that an export opened in Excel or Sheets cannot run anything.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

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


class _Line:
    """A file-like object that hands back what `csv.writer` writes to it, one row at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header, then each row, as CSV text lines with formula-like cells neutralised."""
    writer = csv.writer(_Line())
    yield writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


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
