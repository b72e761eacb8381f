"""The iCalendar feed behind each user's secret address."""

from datetime import date

import pytest
from django.urls import reverse
from icalendar import Calendar

from apps.campaigns.models import CalendarFeed, Campaign
from apps.campaigns.services import calendar_feed_issue
from apps.journeys.kpis import Kpi
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def feed_url(token: str) -> str:
    return reverse("campaigns:feed_ics", args=[token])


@pytest.fixture
def campaigns(stages, marketer):
    return {
        "launch": CampaignFactory(
            name="Launch, with a comma; and more",
            owner=marketer,
            goal_stage=stages.problem,
            kpi=Kpi.REACH,
            kpi_target=500,
            start_date=date(2026, 3, 1),
            end_date=date(2026, 3, 31),
            status=Campaign.Status.LIVE,
        ),
        "cancelled": CampaignFactory(name="Dropped", status=Campaign.Status.CANCELLED),
    }


def test_the_feed_parses_with_the_library_into_all_day_campaign_events(client, marketer, campaigns):
    token = calendar_feed_issue(user=marketer).token

    response = client.get(feed_url(token))  # no one signed in: the token is the key

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Launch, with a comma; and more"]
    event = events[0]
    launch = campaigns["launch"]
    assert str(event["UID"]) == f"campaign-{launch.pk}@testserver"
    assert event.decoded("DTSTART") == date(2026, 3, 1)
    assert event.decoded("DTEND") == date(2026, 4, 1)  # all-day events end the day after
    description = str(event["DESCRIPTION"])
    assert "Goal: Awareness → Problem recognition (Awareness) in Buyer journey (v1)" in description
    assert "KPI: Reach (unique contacts touched), target 500" in description
    assert f"http://testserver/campaigns/{launch.pk}/" in description
    assert str(calendar["X-WR-CALNAME"]) == "Waymark campaigns"


@pytest.mark.parametrize("token", ["not-the-token", "x" * 43])
def test_a_wrong_token_is_not_found(client, marketer, token):
    calendar_feed_issue(user=marketer)

    assert client.get(feed_url(token)).status_code == 404


def test_an_old_token_stops_working_when_a_new_one_is_issued(client, marketer):
    old = calendar_feed_issue(user=marketer).token
    new = calendar_feed_issue(user=marketer).token

    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_a_deactivated_user_s_feed_is_not_found(client, marketer):
    token = calendar_feed_issue(user=marketer).token
    marketer.is_active = False
    marketer.save()

    assert client.get(feed_url(token)).status_code == 404


def test_the_feed_page_shows_the_address_and_issues_a_new_one(client_for, sales_rep):
    client = client_for(sales_rep)
    page = client.get(reverse("campaigns:feed"))
    assert "Create my calendar address" in page.text

    response = client.post(reverse("campaigns:feed"), follow=True)

    token = CalendarFeed.objects.get(user=sales_rep).token
    assert f"http://testserver{feed_url(token)}" in response.text
    assert "Your calendar address is ready" in response.text
    assert "no longer works" not in response.text  # there was no old address

    again = client.post(reverse("campaigns:feed"), follow=True)
    assert "the old one no longer works" in again.text
