from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.core.csv_export import csv_download, csv_safe
from tests.downloads import csv_rows


@pytest.mark.parametrize(
    "cell",
    ["=SUM(A1:A2)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tlead", "\rlead", "=1"],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Acme", "-12.50", "+44", "12", 12, -3, None, "a=b", ""])
def test_plain_values_and_numbers_pass_unchanged(cell):
    assert csv_safe(cell) == cell


def test_download_streams_a_neutralised_attachment():
    rows = ([i, f'=HYPERLINK("x{i}")'] for i in range(3))

    response = csv_download(filename="things", header=["id", "@name"], rows=rows)

    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="things.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert csv_rows(response) == [
        ["id", "'@name"],
        *([str(i), f'\'=HYPERLINK("x{i}")'] for i in range(3)),
    ]


def test_values_are_written_as_an_import_reads_them():
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    row = [True, False, moment, date(2026, 3, 1), ["a", None, 3], Decimal("-12.50"), None]

    assert csv_rows(csv_download(filename="x", header=["h"] * 7, rows=[row]))[1] == [
        "true",
        "false",
        "2026-03-01T08:30:00+00:00",
        "2026-03-01",
        "a||3",
        "-12.50",
        "",
    ]
