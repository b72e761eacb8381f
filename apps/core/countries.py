"""Countries and their subdivisions (states, provinces) as the `holidays` package knows them.

A buyer's country picks their public holidays, so the countries offered are exactly those the
package has a calendar for, by ISO 3166-1 alpha-2 code, labelled by name.
"""

from functools import cache

import holidays
from django.core.exceptions import ValidationError
from holidays.registry import COUNTRIES

_LOWER_WORDS = {"and", "of", "the", "da"}
_NAMES = {"dr_congo": "DR Congo", "guinea_bissau": "Guinea-Bissau", "timor_leste": "Timor-Leste"}


def _name(key: str) -> str:
    """`bosnia_and_herzegovina` → `Bosnia and Herzegovina`."""
    if key in _NAMES:
        return _NAMES[key]
    words = key.split("_")
    return " ".join(w if i and w in _LOWER_WORDS else w.capitalize() for i, w in enumerate(words))


@cache
def country_names() -> dict[str, str]:
    """Every supported country's code → its English name."""
    return {entry[1]: _name(key) for key, entry in COUNTRIES.items()}


@cache
def country_choices() -> list[tuple[str, str]]:
    """Passed to `choices` as a callable so migrations do not list the countries."""
    return sorted(country_names().items(), key=lambda item: item[1])


@cache
def country_subdivisions(country: str) -> tuple[str, ...]:
    """The country's subdivision codes, as the package spells them (`BY`, `CA`)."""
    return tuple(holidays.list_supported_countries()[country])


@cache
def _by_name() -> dict[str, str]:
    return {name.lower(): code for code, name in country_names().items()}


def country_code(value: str) -> str | None:
    """The code of a country given by code or English name (`de`, `Germany`); None if unknown."""
    value = value.strip()
    if value.upper() in country_names():
        return value.upper()
    return _by_name().get(value.lower())


def subdivision_code(country: str, value: str) -> str | None:
    """The package's spelling of a subdivision of `country` given by code (`by`, `DE-BY`) or,
    where the package knows names, by name (`California`); None if it is none of its."""
    value = value.strip()
    value = value[len(country) + 1 :] if value.upper().startswith(f"{country}-") else value
    return _subdivision_lookup(country).get(value.lower())


@cache
def _subdivision_lookup(country: str) -> dict[str, str]:
    aliases = holidays.country_holidays(country, years=[]).subdivisions_aliases
    return {name.lower(): code for name, code in aliases.items()} | {
        code.lower(): code for code in country_subdivisions(country)
    }


def place_clean(record) -> None:
    """Check a record's subdivision against its country and store the package's spelling of it
    (`de-by`, `Bayern` → `BY`). An unknown country is left to its own field's check."""
    given = record.subdivision.strip()
    if not given:
        record.subdivision = ""
        return
    if not record.country:
        error = f"Give the country that '{given}' is a subdivision of."
    elif record.country not in country_names():
        return
    else:
        code = subdivision_code(record.country, given)
        if code is not None:
            record.subdivision = code
            return
        error = f"'{given}' is not a subdivision of {record.country}."
    raise ValidationError({"subdivision": error})


# Django's message for a code not in `country_choices`, on every model field holding one.
COUNTRY_ERRORS = {"invalid_choice": "Unknown country code %(value)r."}
SUBDIVISION_MAX_LENGTH = 24
