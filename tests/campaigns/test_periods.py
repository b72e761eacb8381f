"""The months and quarters the calendar and the board show."""

from datetime import date

import pytest

from apps.campaigns.periods import MONTH, QUARTER, Period

TODAY = date(2026, 5, 17)


@pytest.mark.parametrize(
    ("text", "key", "start", "end"),
    [
        ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-13", "2026-05", date(2026, 5, 1), date(2026, 5, 31)),
        ("2026-Q5", "2026-05", date(2026, 5, 1), date(2026, 5, 31)),
        ("", "2026-05", date(2026, 5, 1), date(2026, 5, 31)),
    ],
    ids=["february", "leap-february", "quarter", "bad-month", "bad-quarter", "none"],
)
def test_a_period_is_read_from_the_query_or_is_this_month(text, key, start, end):
    period = Period.parse(text, today=TODAY)
    assert (period.key, period.start, period.end) == (key, start, end)


def test_periods_step_across_years_and_switch_length():
    december = Period.parse("2026-12", today=TODAY)
    q1 = Period.parse("2027-Q1", today=TODAY)

    assert december.next.key == "2027-01" and q1.previous.key == "2026-Q4"
    assert december.as_quarter.key == "2026-Q4" and q1.as_month.key == "2027-01"
    assert [m.label for m in q1.months] == ["January 2027", "February 2027", "March 2027"]
    assert (december.kind, q1.kind) == (MONTH, QUARTER)
    assert q1.column(date(2027, 2, 1)) == 32
    assert q1.column(date(2026, 12, 1)) == 1 and q1.column(date(2027, 6, 1)) == 90
