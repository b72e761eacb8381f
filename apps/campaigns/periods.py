"""Months and quarters the calendar and the stage board show, named as in `?period=2026-Q1`."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
MONTH, QUARTER = "month", "quarter"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # MONTH or QUARTER
    start: date
    end: date  # included

    @classmethod
    def containing(cls, day: date, kind: str = MONTH) -> "Period":
        months = 3 if kind == QUARTER else 1
        first_month = (day.month - 1) // months * months + 1
        start = date(day.year, first_month, 1)
        return cls(kind, start, _add_months(start, months) - timedelta(days=1))

    @classmethod
    def parse(cls, text: str | None, *, today: date) -> "Period":
        """`2026-03` or `2026-Q1`; anything else is the month of `today`."""
        text = (text or "").strip()
        if match := _QUARTER.match(text):
            year, quarter = map(int, match.groups())
            return cls.containing(date(year, quarter * 3 - 2, 1), QUARTER)
        if (match := _MONTH.match(text)) and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
            return cls.containing(date(int(match[1]), int(match[2]), 1), MONTH)
        return cls.containing(today, MONTH)

    @property
    def key(self) -> str:
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"{self.start:%B %Y}"

    @property
    def previous(self) -> "Period":
        return Period.containing(self.start - timedelta(days=1), self.kind)

    @property
    def next(self) -> "Period":
        return Period.containing(self.end + timedelta(days=1), self.kind)

    @property
    def as_month(self) -> "Period":
        return Period.containing(self.start, MONTH)

    @property
    def as_quarter(self) -> "Period":
        return Period.containing(self.start, QUARTER)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def months(self) -> list["Period"]:
        """The months of the period, for a quarter's header."""
        months, start = [], self.start
        while start <= self.end:
            months.append(Period.containing(start, MONTH))
            start = _add_months(start, 1)
        return months

    def column(self, day: date) -> int:
        """The 1-based column of `day`, clamped into the period."""
        day = min(max(day, self.start), self.end)
        return (day - self.start).days + 1
