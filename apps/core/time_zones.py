import zoneinfo
from functools import cache


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name. Passed to `choices` as a callable so migrations do not list them."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]
