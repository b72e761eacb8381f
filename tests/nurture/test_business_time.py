import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.nurture.business_time import CAP_WINDOW, SendWindow, cap_frees_at

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def local(tz, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=tz)


@pytest.fixture
def window():
    return SendWindow(days=WEEKDAYS, opens=9, closes=17)


def jan(day: int, hour: int, tz=datetime.UTC) -> datetime.datetime:
    """A time in January 2030: the 16th is a Wednesday, the 19th and 20th a weekend."""
    return datetime.datetime(2030, 1, day, hour, tzinfo=tz)


@pytest.mark.parametrize(
    ("at", "tz", "expected"),
    [
        pytest.param(jan(16, 10, LONDON), LONDON, jan(16, 10, LONDON), id="open"),
        pytest.param(jan(16, 7, LONDON), LONDON, jan(16, 9, LONDON), id="early"),
        pytest.param(jan(16, 17, LONDON), LONDON, jan(17, 9, LONDON), id="closing time"),
        pytest.param(jan(18, 22, LONDON), LONDON, jan(21, 9, LONDON), id="friday night"),
        pytest.param(jan(19, 12, LONDON), LONDON, jan(21, 9, LONDON), id="saturday"),
        # 10:00 UTC on a Wednesday is 19:00 in Tokyo and 05:00 in New York: both quiet.
        pytest.param(jan(16, 10), TOKYO, jan(17, 9, TOKYO), id="tokyo evening"),
        pytest.param(jan(16, 10), NEW_YORK, jan(16, 9, NEW_YORK), id="new york dawn"),
    ],
)
def test_quiet_hours_and_weekends_move_to_the_next_opening(window, at, tz, expected):
    assert window.next_open(at, tz) == expected


def test_business_days_skip_weekends_and_holidays_and_keep_the_time_of_day():
    window = SendWindow(
        days=WEEKDAYS, opens=9, closes=17, holidays={datetime.date(2030, 1, 21): "Holiday"}
    )
    friday_ten = jan(18, 10, LONDON)

    # Monday the 21st is a holiday: two business days after Friday is Wednesday.
    assert window.after_delay(friday_ten, LONDON, days=2, hours=0) == jan(23, 10)


def test_a_delay_moved_by_a_holiday_says_from_when_to_when_and_which_days(window):
    with_christmas = window.with_holidays(
        {
            datetime.date(2030, 12, 25): "Christmas Day (DE)",
            datetime.date(2030, 12, 26): "Second Day of Christmas (DE)",
        }
    )
    monday_ten = local(LONDON, 2030, 12, 23, 10)

    def plan(window: SendWindow) -> datetime.datetime:
        return window.after_delay(monday_ten, LONDON, days=2, hours=0)

    due = plan(with_christmas)

    assert due == local(LONDON, 2030, 12, 27, 10)  # Wednesday and Thursday are holidays
    assert with_christmas.holiday_move(since=monday_ten, due=due, tz=LONDON, plan=plan) == (
        "from Wed 25 Dec to Fri 27 Dec: Christmas Day (DE), Second Day of Christmas (DE)"
    )
    # Without holidays in the way, nothing moved it.
    assert window.holiday_move(since=monday_ten, due=plan(window), tz=LONDON, plan=plan) == ""


def test_a_holiday_the_delay_does_not_reach_moves_nothing(window):
    after_new_year = window.with_holidays({datetime.date(2030, 1, 1): "New Year's Day (US)"})
    monday_ten = jan(7, 10, LONDON)

    def plan(window: SendWindow) -> datetime.datetime:
        return window.after_delay(monday_ten, LONDON, days=1, hours=0)

    due = plan(after_new_year)
    assert after_new_year.holiday_move(since=monday_ten, due=due, tz=LONDON, plan=plan) == ""


def test_business_hours_roll_over_into_the_next_business_day(window):
    thursday_four_pm = jan(17, 16)

    assert window.after_delay(thursday_four_pm, LONDON, days=0, hours=3) == local(
        LONDON, 2030, 1, 18, 11
    )
    assert window.after_delay(thursday_four_pm, LONDON, days=1, hours=10) == local(
        LONDON, 2030, 1, 22, 10
    )


def test_a_delay_starting_in_quiet_hours_counts_from_the_next_opening(window):
    saturday = jan(19, 23)

    assert window.after_delay(saturday, LONDON, days=0, hours=0) == jan(21, 9)
    assert window.after_delay(saturday, LONDON, days=1, hours=2) == jan(22, 11)


def test_the_wall_clock_holds_across_a_daylight_saving_change(window):
    # Clocks go forward in New York on Sunday 10 March 2030.
    friday = local(NEW_YORK, 2030, 3, 8, 10)

    due = window.after_delay(friday, NEW_YORK, days=1, hours=0)

    assert due.astimezone(NEW_YORK) == local(NEW_YORK, 2030, 3, 11, 10)
    assert due == utc(2030, 3, 11, 14)  # 15:00 UTC on Friday, 14:00 UTC on Monday


def test_an_always_open_window_never_moves_anything():
    window = SendWindow(days=frozenset(range(7)), opens=0, closes=24)
    sunday_night = utc(2030, 1, 20, 23, 30)

    assert window.next_open(sunday_night, TOKYO) == sunday_night
    assert window.after_delay(
        sunday_night, TOKYO, days=0, hours=5
    ) == sunday_night + datetime.timedelta(hours=5)


def test_a_window_that_never_opens_is_refused():
    with pytest.raises(ValueError):
        SendWindow(days=frozenset(), opens=9, closes=17)
    with pytest.raises(ValueError):
        SendWindow(days=WEEKDAYS, opens=17, closes=9)


def test_the_frequency_cap_frees_a_slot_when_the_oldest_counted_touch_leaves_the_week():
    now = utc(2030, 1, 16, 10)
    touches = [now - datetime.timedelta(days=d) for d in (8, 6, 1)]  # 8 days ago no longer counts

    assert cap_frees_at(touches, cap=3, now=now) is None
    assert cap_frees_at(touches, cap=2, now=now) == touches[1] + CAP_WINDOW
    assert cap_frees_at(touches, cap=1, now=now) == touches[2] + CAP_WINDOW
    assert cap_frees_at(touches, cap=0, now=now) is None  # no cap
