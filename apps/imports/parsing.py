"""Reading an uploaded CSV or XLSX file as a header and a stream of rows.

Nothing reads the whole file into memory: CSV is decoded and split as it is read, XLSX is
read by openpyxl in read-only mode, a sheet row at a time. The format is told by the content,
not by the file name. Each row comes with its number as a spreadsheet shows it (the header is
row 1), which is how every row error names it.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO

from django.conf import settings

from apps.core.csv_export import csv_safe
from apps.core.exceptions import ApplicationError

DELIMITERS = ",;\t|"
SAMPLE_BYTES = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) format


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    format: str
    encoding: str = ""
    delimiter: str = ""


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def check_upload_size(size: int) -> None:
    """An empty or oversize upload is refused before anything is stored."""
    if size == 0:
        raise ApplicationError("The file is empty.", fields={"file": ["The file is empty."]})
    limit = settings.IMPORT_MAX_UPLOAD_MB
    if size > max_upload_bytes():
        message = (
            f"The file is {size / (1024 * 1024):.0f} MB; an import takes at most {limit} MB. "
            "Split it into smaller files."
        )
        raise ApplicationError(message, fields={"file": [message]})


def read_table(stream: IO[bytes]) -> Table:
    """The header and rows of a CSV or XLSX file (a binary stream the caller keeps open)."""
    head = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    if not head:
        raise _refuse("The file is empty.")
    if head.startswith(_ZIP_MAGIC):
        return _xlsx(stream)
    if head.startswith(_OLE_MAGIC):
        raise _refuse("This is an old Excel (.xls) file: save it as .xlsx or CSV and try again.")
    if b"\x00" in head:
        raise _refuse("This is not a CSV or XLSX file.")
    return _csv(stream, head)


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"file": [message]})


# -- CSV --------------------------------------------------------------------------------------


def _encoding(head: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) when the sample is UTF-8, else Windows-1252,
    else Latin-1 (which decodes any byte)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            # Final=False: a character cut in two at the end of the sample is no error.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column, or too little to tell: the delimiter the header uses most, else a comma.
        header = lines[0] if lines else ""
        best = max(DELIMITERS, key=header.count)
        return best if header.count(best) else ","


def _csv(stream: IO[bytes], head: bytes) -> Table:
    encoding = _encoding(head)
    delimiter = _delimiter(head.decode(encoding, errors="ignore"))
    text = io.TextIOWrapper(_Borrowed(stream), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    header = _header(_csv_next(reader, text), "CSV")
    return Table(header, _csv_rows(reader, text), "csv", encoding, delimiter)


class _Borrowed(io.BufferedIOBase):
    """The caller's stream, read through but never closed (a text wrapper closes what it
    wraps when it goes away; the caller still owns the file)."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._stream.read(size)

    read1 = read

    def close(self) -> None:
        pass


def _csv_next(reader, text: io.TextIOWrapper) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError as error:
        raise _refuse(
            f"Row {reader.line_num + 1} is not valid {text.encoding} text; save the file as "
            "UTF-8 and try again."
        ) from error
    except csv.Error as error:
        raise _refuse(f"Row {reader.line_num} cannot be read as CSV: {error}.") from error


def _csv_rows(reader, text: io.TextIOWrapper) -> Iterator[tuple[int, list[str]]]:
    number = 1
    while (cells := _csv_next(reader, text)) is not None:
        number += 1
        yield number, [_unquote(cell) if cell[:1] == "'" else cell for cell in cells]


def _unquote(cell: str) -> str:
    """For a cell starting with `'`: drop the apostrophe Waymark's own exports put before a
    formula-like cell, so an export imports back unchanged."""
    if csv_safe(cell[1:]) != cell[1:]:
        return cell[1:]
    return cell


def _header(cells: list[str] | None, what: str) -> list[str]:
    names = [str(cell or "").strip() for cell in cells or []]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise _refuse(f"The {what} file has no header row: the first row names the columns.")
    if names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    seen: set[str] = set()
    for name in names:
        if not name:
            raise _refuse("A column of the header row has no name.")
        if name.lower() in seen:
            raise _refuse(f"The column “{name}” appears twice in the header row.")
        seen.add(name.lower())
    return names


# -- XLSX -------------------------------------------------------------------------------------


def _xlsx(stream: IO[bytes]) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise _refuse("This is a ZIP file but not an Excel workbook (.xlsx).") from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = _header(next(rows, None), "XLSX")
    return Table(header, _xlsx_rows(rows, workbook), "xlsx")


def _xlsx_rows(rows, workbook) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, cells in enumerate(rows, start=2):
            yield number, [_cell_text(cell) for cell in cells]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A sheet cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat() if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return _unquote(text) if text[:1] == "'" else text
