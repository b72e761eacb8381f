"""A marketer plans a campaign end to end in a real browser: pick a stage and see the KPI
choices follow it, see the segment counted live, add content, save, then find the campaign on
the calendar and on the stage board."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.journeys.models import Journey
from tests.browser.navigation import follow_menu
from tests.campaigns.conftest import make_stages
from tests.factories import AccountFactory, AssetFactory, ContactFactory, JourneyFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def journey():
    stages = make_stages(
        JourneyFactory(key="buyer-journey", name="Buyer journey", status=Journey.Status.PUBLISHED)
    )
    AssetFactory(title="Customer reference pack", journey_stage=stages.decision)
    AssetFactory(title="Pricing sheet", journey_stage=stages.decision)
    AssetFactory(title="Trend report", journey_stage=stages.awareness)
    for tier in (Account.Tier.TIER_1, Account.Tier.TIER_2):
        ContactFactory(account=AccountFactory(tier=tier))
    return stages


def test_marketer_plans_a_campaign_and_finds_it_on_calendar_and_board(
    page, log_in, live_server, marketer, journey
):
    today = timezone.localdate()
    log_in(marketer)
    follow_menu(page, "Campaigns")
    page.get_by_role("link", name="New campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a campaign")

    page.get_by_label("Name").fill("Reference-led close")
    goal, kpi = page.get_by_label("Goal stage"), page.get_by_label("KPI", exact=True)
    goal.select_option(str(journey.problem.pk))
    expect(kpi.locator("option")).to_have_text(
        ["Pick a KPI", "Reach (unique contacts touched)", "Engagement rate"]
    )
    goal.select_option(str(journey.decision.pk))
    expect(kpi.locator("option")).to_have_text(
        ["Pick a KPI", "Conversion rate", "Deal velocity (days to close)"]
    )
    kpi.select_option("conversion_rate")
    page.get_by_label("KPI target").fill("35")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + datetime.timedelta(days=10)).isoformat())
    page.get_by_label("Sales outreach").check()

    preview = page.get_by_test_id("plan-preview")
    expect(preview.get_by_test_id("segment-accounts")).to_have_text("2")
    page.get_by_label("Tier 1").check()
    expect(preview.get_by_test_id("segment-accounts")).to_have_text("1")

    picker = page.get_by_test_id("asset-picker")
    expect(picker.locator("details")).to_contain_text("Trend report")  # other phases, folded
    picker.get_by_label(re.compile("Customer reference pack")).check()
    picker.get_by_label(re.compile("Pricing sheet")).check()
    page.get_by_role("button", name="Save campaign").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reference-led close")
    expect(page.get_by_test_id("content-mix")).to_contain_text("Customer reference pack")
    expect(page.get_by_test_id("content-mix")).to_contain_text("Pricing sheet")
    campaign = Campaign.objects.get(name="Reference-led close")
    assert (campaign.kpi, campaign.channels, campaign.segment_tiers) == (
        "conversion_rate",
        ["sales_outreach"],
        [1],
    )

    page.get_by_role("link", name="Calendar", exact=True).click()
    bar = page.get_by_test_id("calendar-bar").filter(has_text="Reference-led close")
    expect(bar).to_be_visible()
    expect(bar).to_have_css("background-color", "rgb(31, 122, 69)")  # the decision colour

    page.get_by_role("link", name="Stage board").click()
    decision = page.get_by_test_id("stage-column").filter(
        has=page.get_by_role("heading", name="Decision", exact=True)
    )
    expect(decision.get_by_test_id("board-card")).to_contain_text("Reference-led close")
    expect(page.get_by_test_id("empty-stages")).to_contain_text("Awareness")
