"""Pages work under the Content-Security-Policy (every browser test fails on anything it
blocks, tests/browser/conftest.py): sizes worked out on the server reach the page through
waymark.js; the API docs, the admin and the two-factor set-up load with nothing blocked."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.journeys.models import Journey
from tests.browser.navigation import follow_menu
from tests.factories import CampaignFactory, JourneyFactory, JourneyStageFactory

pytestmark = pytest.mark.browser


def test_the_calendar_and_kpi_bars_get_their_sizes_from_the_script(page, log_in, marketer):
    today = timezone.localdate()
    stage = JourneyStageFactory(journey=JourneyFactory(status=Journey.Status.PUBLISHED))
    campaign = CampaignFactory(
        name="Spring push",
        goal_stage=stage,
        start_date=today.replace(day=1),
        end_date=today.replace(day=1) + datetime.timedelta(days=5),
    )
    log_in(marketer)

    page.goto("/campaigns/calendar/")
    bar = page.get_by_test_id("calendar-bar").filter(has_text="Spring push")
    expect(bar).to_be_visible()
    assert bar.evaluate("el => [el.style.gridColumn, el.style.gridRow]") == [
        bar.get_attribute("data-grid-column"),
        bar.get_attribute("data-grid-row"),
    ]
    timeline = page.get_by_test_id("timeline")
    days = timeline.evaluate("el => el.style.getPropertyValue('--days')")
    assert days == timeline.get_attribute("data-timeline-days") != ""

    page.goto(f"/campaigns/{campaign.pk}/")
    progress = page.get_by_role("progressbar", name="Progress to target")
    percent = progress.get_attribute("aria-valuenow")
    width = progress.locator(".progress-bar").evaluate("el => el.style.width")
    assert width == f"{percent}%"


def test_api_docs_admin_and_two_factor_set_up_load_under_the_policy(page, log_in, admin_member):
    log_in(admin_member)

    page.goto("/api/docs/")
    # The schema is generated on request: slow on a busy machine.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)

    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto("/")
    follow_menu(page, "Two-factor")
    qr = page.get_by_test_id("two-factor-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
