"""Each buyer's own holiday calendar: the public holidays of their country (or their account's)
and subdivision, plus the company's days off for everyone or for one place."""

import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Contact
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.models import Enrollment, Touch
from apps.nurture.services import enrollment_create
from tests.factories import AccountFactory, ContactFactory, HolidayFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def at_two_pm(month: int, day: int) -> datetime.datetime:
    """14:00 UTC in 2030: 15:00 or 16:00 in Berlin, 9:00 or 10:00 in New York, both open."""
    return datetime.datetime(2030, month, day, 14, 0, tzinfo=UTC)


@pytest.fixture
def sequence(world):
    """Step 1 at once, step 2 two business days later (`world.generic`)."""
    return world.generic


def buyer(world, *, country="", subdivision="", time_zone=BERLIN, account=None) -> Contact:
    return ContactFactory(
        account=account or world.account,
        country=country,
        subdivision=subdivision,
        time_zone=time_zone,
    )


def second_step_after_running_the_first(
    sequence, contacts: list[Contact], *, on: datetime.datetime
) -> dict[Contact, Enrollment]:
    """Enrol the contacts at `on`, run step 1 then: step 2 waits two business days."""
    for contact in contacts:
        enrollment_create(sequence=sequence, contact=contact, enrolled_by=None, now=on)
    assert due_steps_dispatch(now=on).sent == len(contacts)
    return {
        contact: Enrollment.objects.select_related("next_step").get(contact=contact)
        for contact in contacts
    }


def local_day(enrollment: Enrollment) -> datetime.date:
    """The day step 2 is due, in the contact's time zone."""
    return enrollment.due_at.astimezone(ZoneInfo(enrollment.contact.time_zone)).date()


def test_holiday_calendars_by_country_moving_a_step(world, sequence):
    """3 October (German Unity Day) is a working day in the US; 4 July is one in Germany."""
    german = buyer(world, country="DE")
    american = buyer(world, country="US", time_zone=NEW_YORK)

    # Tuesday 1 October: step 2 falls due on Thursday 3 October.
    october = second_step_after_running_the_first(sequence, [german, american], on=at_two_pm(10, 1))
    assert local_day(october[german]) == datetime.date(2030, 10, 4)
    assert october[german].holiday_move == ("from Thu 3 Oct to Fri 4 Oct: German Unity Day (DE)")
    assert local_day(october[american]) == datetime.date(2030, 10, 3)
    assert october[american].holiday_move == ""

    Enrollment.objects.all().delete()
    # Tuesday 2 July: step 2 falls due on Thursday 4 July.
    july = second_step_after_running_the_first(sequence, [german, american], on=at_two_pm(7, 2))
    assert local_day(july[american]) == datetime.date(2030, 7, 5)
    assert july[american].holiday_move == "from Thu 4 Jul to Fri 5 Jul: Independence Day (US)"
    assert local_day(july[german]) == datetime.date(2030, 7, 4)


def test_a_subdivision_holiday_moves_only_the_buyers_of_that_subdivision(world, sequence):
    """20 June 2030 (Corpus Christi) is a holiday in Bavaria, not in Berlin."""
    bavarian = buyer(world, country="DE", subdivision="BY")
    berliner = buyer(world, country="DE", subdivision="BE")

    due = second_step_after_running_the_first(sequence, [bavarian, berliner], on=at_two_pm(6, 18))

    assert local_day(due[bavarian]) == datetime.date(2030, 6, 21)
    assert due[bavarian].holiday_move == "from Thu 20 Jun to Fri 21 Jun: Corpus Christi (DE-BY)"
    assert local_day(due[berliner]) == datetime.date(2030, 6, 20)


def test_a_contact_without_a_country_follows_the_account_and_their_own_wins(world, sequence):
    german_account = AccountFactory(country="DE")
    follows = buyer(world, account=german_account)
    own = buyer(world, account=german_account, country="US", time_zone=NEW_YORK)

    due = second_step_after_running_the_first(sequence, [follows, own], on=at_two_pm(10, 1))

    assert local_day(due[follows]) == datetime.date(2030, 10, 4)
    assert local_day(due[own]) == datetime.date(2030, 10, 3)


def test_company_days_off_apply_everywhere_or_only_to_their_place(world, sequence):
    thursday = datetime.date(2030, 1, 17)
    HolidayFactory(date=thursday, name="Office closed", country="DE", subdivision="BY")
    bavarian = buyer(world, country="DE", subdivision="BY")
    hamburger = buyer(world, country="DE", subdivision="HH")
    nowhere = buyer(world)

    due = second_step_after_running_the_first(
        sequence, [bavarian, hamburger, nowhere], on=at_two_pm(1, 15)
    )

    assert local_day(due[bavarian]) == datetime.date(2030, 1, 18)
    assert due[bavarian].holiday_move == (
        "from Thu 17 Jan to Fri 18 Jan: Office closed (company, DE-BY)"
    )
    assert [local_day(due[c]) for c in (hamburger, nowhere)] == [thursday, thursday]

    Enrollment.objects.all().delete()
    HolidayFactory(date=datetime.date(2030, 1, 24), name="Founders' day")  # everyone's
    HolidayFactory(date=datetime.date(2030, 1, 24), name="Works outing", country="DE")
    due = second_step_after_running_the_first(sequence, [hamburger, nowhere], on=at_two_pm(1, 22))
    assert due[hamburger].holiday_move == (
        "from Thu 24 Jan to Fri 25 Jan: Founders' day (company), Works outing (company, DE)"
    )
    assert due[nowhere].holiday_move == "from Thu 24 Jan to Fri 25 Jan: Founders' day (company)"


def test_a_step_due_on_a_holiday_is_moved_when_the_dispatcher_finds_it(world, sequence):
    """Enrolled on Christmas Day in Germany: the first step waits for the next business day."""
    german = buyer(world, country="DE")
    christmas = datetime.datetime(2030, 12, 25, 10, 0, tzinfo=UTC)
    enrollment = enrollment_create(
        sequence=sequence, contact=german, enrolled_by=None, now=christmas
    )

    result = due_steps_dispatch(now=christmas)

    enrollment.refresh_from_db()
    assert (result.sent, result.moved) == (0, 1)
    assert local_day(enrollment) == datetime.date(2030, 12, 27)
    assert enrollment.holiday_move == (
        "from Wed 25 Dec to Fri 27 Dec: Christmas Day (DE), Second Day of Christmas (DE)"
    )


def test_the_contact_timeline_says_which_holiday_moved_the_step(world, sequence):
    german = buyer(world, country="DE", subdivision="BY")
    second_step_after_running_the_first(sequence, [german], on=at_two_pm(10, 1))
    client = Client()
    client.force_login(world.owner)

    page = client.get(reverse("nurture:contact_timeline", args=[german.pk]))

    assert 'data-testid="holiday-move"' in page.text
    text = unescape(page.text)
    assert (
        "Step 2 of 'Shortlist nurture' moved from Thu 3 Oct to Fri 4 Oct: German Unity Day (DE)"
    ) in text
    assert "holidays: Germany (BY)" in text


def test_each_sent_touch_keeps_the_holiday_that_moved_its_step(
    world, sequence, api_client, marketer
):
    """Step 1 waits out German Unity Day, step 2 the German office's day off: each touch keeps
    its own note once the enrolment has moved on (and, after its last step, has none)."""
    HolidayFactory(date=datetime.date(2030, 10, 8), name="Office closed", country="DE")
    german = buyer(world, country="DE")
    enrollment_create(sequence=sequence, contact=german, enrolled_by=None, now=at_two_pm(10, 3))

    assert due_steps_dispatch(now=at_two_pm(10, 3)).moved == 1  # a Thursday, and a holiday
    assert due_steps_dispatch(now=at_two_pm(10, 4)).sent == 1
    # Two business days after Friday: Tuesday the 8th, when the German office is closed.
    assert due_steps_dispatch(now=at_two_pm(10, 9)).sent == 1

    unity_day = "from Thu 3 Oct to Fri 4 Oct: German Unity Day (DE)"
    office_closed = "from Tue 8 Oct to Wed 9 Oct: Office closed (company, DE)"
    touches = Touch.objects.filter(enrollment__contact=german).order_by("step__position")
    assert [touch.holiday_move for touch in touches] == [unity_day, office_closed]
    assert Enrollment.objects.get(contact=german).holiday_move == ""

    client = Client()
    client.force_login(world.owner)
    page = client.get(reverse("nurture:contact_timeline", args=[german.pk]))
    assert page.text.count('data-testid="touch-holiday-move"') == 2
    text = unescape(page.text)
    assert f"step 1 moved {unity_day}" in text
    assert f"step 2 moved {office_closed}" in text

    enrollment = touches[0].enrollment_id
    listed = api_client(marketer).get("/api/v1/touches/", {"enrollment": enrollment}).json()
    notes = {touch["step"]: touch["holiday_move"] for touch in listed["results"]}
    assert notes == {touch.step_id: touch.holiday_move for touch in touches}


def test_a_step_held_back_by_the_weekly_cap_after_a_holiday_keeps_its_note(
    world, sequence, settings
):
    settings.NURTURE_TOUCHES_PER_WEEK = 1
    german = buyer(world, country="DE")
    second_step_after_running_the_first(sequence, [german], on=at_two_pm(10, 1))

    # Friday the 4th, after the holiday: step 1 went out on Tuesday, the cap wants a week.
    assert due_steps_dispatch(now=at_two_pm(10, 4)).moved == 1
    enrollment = Enrollment.objects.get(contact=german)
    assert local_day(enrollment) == datetime.date(2030, 10, 8)
    unity_day = "from Thu 3 Oct to Fri 4 Oct: German Unity Day (DE)"
    assert enrollment.holiday_move == unity_day

    assert due_steps_dispatch(now=at_two_pm(10, 8)).sent == 1
    assert Touch.objects.get(enrollment=enrollment, step__position=2).holiday_move == unity_day


def test_dispatch_queries_do_not_grow_with_the_contacts_or_their_countries(world, sequence):
    """Company holidays are read once a run; public ones come from the package, cached."""
    places = [("DE", "BY"), ("US", "CA"), ("FR", ""), ("JP", ""), ("", "")]
    HolidayFactory(date=datetime.date(2030, 10, 2), name="Office closed", country="FR")

    def queries_for(count: int) -> int:
        Enrollment.objects.all().delete()
        contacts = [
            buyer(world, country=country, subdivision=subdivision)
            for country, subdivision in places[:count]
        ]
        for contact in contacts:
            enrollment_create(sequence=sequence, contact=contact, enrolled_by=None, now=on)
        with CaptureQueriesContext(connection) as queries:
            assert due_steps_dispatch(now=on).sent == count
        return len(queries)

    on = at_two_pm(10, 1)
    # The steps of a batch are recorded in chunks: one buyer or five in five countries alike.
    assert queries_for(1) == queries_for(5)
