"""Each buyer's days off: the public holidays of their country (and subdivision), from the
`holidays` package, plus the company's `Holiday` rows that apply to them.

The package's calendars are built once per process for each country, subdivision and year
(`public_holidays`); a dispatcher run reads the company's rows once (`company_holidays`) and
keeps one send window per place (`Calendars`), so deciding a step runs no query.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

from apps.nurture.business_time import SendWindow
from apps.nurture.models import Holiday

logger = logging.getLogger(__name__)

# Years around the dispatcher's clock whose holidays a window holds: a delay may have begun last
# year, and may end next year.
YEARS_AROUND = (-1, 0, 1)


@lru_cache(maxsize=2048)
def public_holidays(country: str, subdivision: str, year: int) -> dict[date, str]:
    """The place's public holidays of `year`, each labelled with where it is one:
    "Christmas Day (DE)", "Assumption Day (DE-BY)". Empty without a country."""
    if not country:
        return {}
    try:
        national = holidays.country_holidays(country, years=year, language="en_US")
        local = subdivision and holidays.country_holidays(
            country, subdiv=subdivision, years=year, language="en_US"
        )
    except NotImplementedError:
        # Every way in validates the place; one stored before that must not stop the dispatcher.
        logger.warning("No holiday calendar for %s-%s: none applied.", country, subdivision)
        return {}
    days = {day: f"{name} ({country})" for day, name in national.items()}
    if local:
        days |= {
            day: f"{name} ({country}-{subdivision})"
            for day, name in local.items()
            if day not in days
        }
    return days


@dataclass(frozen=True)
class CompanyHoliday:
    day: date
    name: str
    country: str  # "" for everywhere
    subdivision: str  # "" for the whole country

    def applies_to(self, country: str, subdivision: str) -> bool:
        if not self.country:
            return True
        return self.country == country and self.subdivision in ("", subdivision)

    @property
    def label(self) -> str:
        place = "-".join(filter(None, (self.country, self.subdivision)))
        return f"{self.name} (company{', ' + place if place else ''})"


def company_holidays(*, years: Iterable[int]) -> list[CompanyHoliday]:
    """The company's days off in these years, for every place: one query."""
    years = sorted(years)
    rows = Holiday.objects.filter(date__year__gte=years[0], date__year__lte=years[-1])
    return [
        CompanyHoliday(*values)
        for values in rows.values_list("date", "name", "country", "subdivision")
    ]


class Calendars:
    """The send windows of one dispatcher run, one per buyer place, each built on first use."""

    def __init__(self, *, base: SendWindow, year: int):
        self.base = base
        self.years = [year + offset for offset in YEARS_AROUND]
        self.company = company_holidays(years=self.years)
        self._windows: dict[tuple[str, str], SendWindow] = {}

    def window(self, country: str, subdivision: str) -> SendWindow:
        place = (country, subdivision)
        window = self._windows.get(place)
        if window is None:
            window = self._windows[place] = self.base.with_holidays(self._days_off(*place))
        return window

    def _days_off(self, country: str, subdivision: str) -> dict[date, str]:
        days: dict[date, str] = {}
        for year in self.years:
            days |= public_holidays(country, subdivision, year)
        for holiday in self.company:
            if holiday.applies_to(country, subdivision):
                known = days.get(holiday.day)
                days[holiday.day] = f"{known}, {holiday.label}" if known else holiday.label
        return days
