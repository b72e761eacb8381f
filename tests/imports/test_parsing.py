import io

import pytest
from django.test import override_settings
from openpyxl import Workbook

from apps.core.exceptions import ApplicationError
from apps.imports import parsing, services
from tests.imports.conftest import upload


def table(data: bytes):
    found = parsing.read_table(io.BytesIO(data))
    return found.header, list(found.rows)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("name,city\nRené,Zürich\n".encode(), "utf-8"),
        ("name,city\nRené,Zürich\n".encode("utf-8-sig"), "utf-8-sig"),
        ("name,city\nRené,Zürich\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings(data, encoding):
    found = parsing.read_table(io.BytesIO(data))
    assert (found.header, list(found.rows), found.encoding) == (
        ["name", "city"],
        [(2, ["René", "Zürich"])],
        encoding,
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter):
    text = f"name{delimiter}domain\nAcme, Inc.{delimiter}acme.com\n"
    if delimiter == ",":
        text = 'name,domain\n"Acme, Inc.",acme.com\n'
    assert table(text.encode()) == (["name", "domain"], [(2, ["Acme, Inc.", "acme.com"])])


def test_quoted_line_breaks_and_row_numbers_as_a_spreadsheet_counts_them():
    data = b'name,notes\nA,"two\nlines"\n\nB,x\n'
    assert table(data) == (["name", "notes"], [(2, ["A", "two\nlines"]), (3, []), (4, ["B", "x"])])


def test_xlsx_rows_stream_as_text():
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "employee_count", "is_target", "expected_close_date"])
    from datetime import date

    sheet.append(["Acme", 1200, True, date(2026, 3, 31)])
    sheet.append(["Globex", 12.5, None, None])
    data = io.BytesIO()
    book.save(data)

    assert table(data.getvalue()) == (
        ["name", "employee_count", "is_target", "expected_close_date"],
        [(2, ["Acme", "1200", "true", "2026-03-31"]), (3, ["Globex", "12.5", "", ""])],
    )


def test_the_apostrophe_of_waymarks_own_export_is_taken_off():
    data = b"name,notes\n'=HYPERLINK(x),'-5 people\n'-12.50,'plain\n"
    assert table(data)[1] == [(2, ["=HYPERLINK(x)", "-5 people"]), (3, ["'-12.50", "'plain"])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "no header row"),
        (b"%PDF-1.7\x00\x01binary", "not a CSV or XLSX file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old Excel (.xls)"),
        (b"PK\x03\x04not really a workbook", "not an Excel workbook"),
        (b"name,Name\nx,y\n", "appears twice"),
    ],
)
def test_what_is_not_a_table_is_refused_clearly(data, message):
    with pytest.raises(ApplicationError) as refused:
        parsing.read_table(io.BytesIO(data))
    assert message in refused.value.message
    assert refused.value.fields["file"]


@pytest.mark.django_db
def test_an_empty_upload_is_refused_before_anything_is_kept(importer):
    with pytest.raises(ApplicationError, match="empty"):
        services.import_run_start(kind="accounts", file=upload(b""), created_by=importer)


@pytest.mark.django_db
@override_settings(IMPORT_MAX_UPLOAD_MB=50)
def test_a_200_mb_file_is_refused_by_its_size(importer):
    class Huge:
        name = "huge.csv"
        size = 200 * 1024 * 1024

    with pytest.raises(ApplicationError) as refused:
        services.import_run_start(kind="accounts", file=Huge(), created_by=importer)
    assert refused.value.message == (
        "The file is 200 MB; an import takes at most 50 MB. Split it into smaller files."
    )
