"""When a step may run: business days and hours in the contact's time zone.

Steps run only inside the send window (settings: `NURTURE_SEND_DAYS`, `NURTURE_SEND_HOURS`) on
a day that is none of the buyer's holidays; the hours outside it are the contact's quiet hours.
A delay counts business days, then business hours, from a moment moved into the window.
Everything here is pure: the dispatcher passes each buyer's holidays in (`calendars`), so tests
need no database.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings

CAP_WINDOW = timedelta(days=7)
# A holiday calendar longer than this many days in a row would be a data error, not a calendar.
_MAX_DAYS_SEARCHED = 366


@dataclass(frozen=True)
class SendWindow:
    days: frozenset[int]  # weekdays, Monday = 0
    opens: int  # hour of day
    closes: int  # hour of day, exclusive; 24 = midnight
    # Day → what it is, e.g. "Christmas Day (DE)"; the buyer's public and company holidays.
    holidays: Mapping[date, str] = field(default_factory=dict, hash=False)

    @classmethod
    def from_settings(cls) -> "SendWindow":
        opens, closes = settings.NURTURE_SEND_HOURS
        return cls(frozenset(settings.NURTURE_SEND_DAYS), opens, closes)

    def with_holidays(self, holidays: Mapping[date, str]) -> "SendWindow":
        return SendWindow(self.days, self.opens, self.closes, holidays)

    @cached_property
    def without_holidays(self) -> "SendWindow":
        return self.with_holidays({}) if self.holidays else self

    def __post_init__(self) -> None:
        if not (0 <= self.opens < self.closes <= 24) or not self.days:
            raise ValueError("A send window needs some days and opens before it closes.")

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def next_open(self, at: datetime, tz: ZoneInfo) -> datetime:
        """`at` itself when it falls inside the window in `tz`, else when the window next opens."""
        local = at.astimezone(tz)
        if self.is_business_day(local.date()):
            if self.opens <= local.hour < self.closes:
                return at
            if local.hour < self.opens:
                return self._opening(local.date(), tz)
        return self._opening(self._next_business_day(local.date()), tz)

    def after_delay(self, start: datetime, tz: ZoneInfo, *, days: int, hours: int) -> datetime:
        """`days` business days, then `hours` business hours, after `start`, inside the window."""
        moment = self.next_open(start, tz).astimezone(tz)
        day = moment.date()
        for _ in range(days):
            day = self._next_business_day(day)
        # Wall-clock time of day is kept across days, daylight saving time or not.
        moment = datetime.combine(day, moment.time(), tz)
        remaining = timedelta(hours=hours)
        while remaining:
            closes = self._closing(moment.date(), tz)
            if moment + remaining < closes:
                return (moment + remaining).astimezone(UTC)
            remaining -= closes - moment
            moment = self.next_open(closes, tz).astimezone(tz)
        return self.next_open(moment, tz).astimezone(UTC)

    def holiday_move(
        self,
        *,
        since: datetime,
        due: datetime,
        tz: ZoneInfo,
        plan: Callable[["SendWindow"], datetime],
    ) -> str:
        """Why `due`, worked out from `since` by `plan` with this window, is later than with no
        holidays: "from Mon 25 Dec to Wed 27 Dec: Christmas Day (DE)", or "" when it is not.

        Only when a holiday falls between the two days is the plan worked out again without
        them: most steps cost a few look-ups.
        """
        if not self.holidays:
            return ""
        first, last = since.astimezone(tz).date(), due.astimezone(tz).date()
        if not any(day in self.holidays for day in _days(first, last)):
            return ""
        plain = plan(self.without_holidays)
        if plain >= due:
            return ""
        was = plain.astimezone(tz).date()
        names = [self.holidays[day] for day in _days(was, last) if day in self.holidays]
        return f"from {_day_label(was)} to {_day_label(last)}: {', '.join(names)}"

    def _next_business_day(self, day: date) -> date:
        for _ in range(_MAX_DAYS_SEARCHED):
            day += timedelta(days=1)
            if self.is_business_day(day):
                return day
        raise ValueError("No business day within a year: check the send days and holidays.")

    def _opening(self, day: date, tz: ZoneInfo) -> datetime:
        return datetime.combine(day, time(self.opens), tz).astimezone(UTC)

    def _closing(self, day: date, tz: ZoneInfo) -> datetime:
        if self.closes == 24:
            return datetime.combine(day + timedelta(days=1), time(0), tz)
        return datetime.combine(day, time(self.closes), tz)


def _days(first: date, last: date) -> Iterable[date]:
    """Every day from `first` to `last`, both included."""
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def cap_frees_at(recent: Iterable[datetime], *, cap: int, now: datetime) -> datetime | None:
    """None when one more touch fits the contact's cap now, else when the next one fits.

    At most `cap` touches in any `CAP_WINDOW`: the next fits once enough of the counted ones
    have left the window. A cap of 0 means no cap.
    """
    counted = sorted(t for t in recent if t > now - CAP_WINDOW)
    if cap <= 0 or len(counted) < cap:
        return None
    return counted[-cap] + CAP_WINDOW
