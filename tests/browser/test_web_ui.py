import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import Account
from apps.engagement.models import EventKind
from apps.nurture.services import stall_sweep
from apps.personas.models import BuyingRole
from apps.pipeline.services import opportunity_create, opportunity_move_stage
from tests.browser.navigation import follow_menu
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.browser


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def sales_pipeline(sales_rep):
    """Acme's deal has stalled in Discovery; Globex's has sat longer in a stage with no limit."""
    qualification = PipelineStageFactory(name="Qualification", max_days_in_stage=30)
    discovery = PipelineStageFactory(name="Discovery", max_days_in_stage=14)
    proposal = PipelineStageFactory(name="Proposal", max_days_in_stage=None)
    acme = AccountFactory(name="Acme Corp", domain="acme.com", tier=Account.Tier.TIER_1)
    globex = AccountFactory(name="Globex", domain="globex.io", tier=Account.Tier.TIER_2)
    dana = ContactFactory(
        account=acme,
        first_name="Dana",
        last_name="Scully",
        persona=PersonaFactory(name="IT Director"),
        buying_role=BuyingRole.TECHNICAL_EVALUATOR,
    )
    EventFactory(
        account=acme, contact=dana, kind=EventKind.PRICING_PAGE_VIEW, occurred_at=_days_ago(1)
    )

    def deal(name, account, first_stage, entered_days_ago):
        return opportunity_create(
            data={"account": account, "name": name, "owner": sales_rep, "stage": first_stage},
            created_by=sales_rep,
            at=_days_ago(entered_days_ago),
        )

    opportunity_move_stage(
        opportunity=deal("Acme expansion", acme, qualification, 45),
        stage=discovery,
        changed_by=sales_rep,
        at=_days_ago(30),
    )
    deal("Globex pilot", globex, proposal, 60)
    stall_sweep(now=timezone.now())  # marks Acme's deal: longer in Discovery than it allows


def test_sales_rep_follows_a_stalled_deal_to_its_account(
    page, log_in, live_server, sales_rep, sales_pipeline
):
    log_in(sales_rep)
    follow_menu(page, "My opportunities")
    expect(page.get_by_role("heading", level=1)).to_have_text("My opportunities")
    deals = page.get_by_test_id("opportunity-table").locator("tbody tr")
    expect(deals).to_have_count(2)
    expect(deals.nth(0)).to_contain_text("Acme expansion")
    expect(deals.nth(0).get_by_test_id("stalled")).to_be_visible()
    expect(deals.nth(1)).to_contain_text("Globex pilot")
    expect(deals.nth(1).get_by_test_id("stalled")).to_have_count(0)

    deals.nth(0).get_by_role("link", name="Acme expansion").click()
    history = page.get_by_test_id("stage-history").locator("tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Discovery")
    expect(history.nth(0)).to_contain_text("current")
    expect(history.nth(1)).to_contain_text("Qualification")
    expect(history.nth(1)).to_contain_text(str(sales_rep))
    expect(page.get_by_test_id("committee-table")).to_contain_text("Dana Scully")

    page.get_by_role("link", name="Acme Corp", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Corp")
    expect(page.get_by_test_id("committee-table")).to_contain_text("IT Director")
    expect(page.get_by_test_id("committee-table")).to_contain_text("Technical evaluator")
    expect(page.get_by_test_id("activity-table")).to_contain_text("Pricing page view")

    follow_menu(page, "Accounts")
    accounts = page.get_by_test_id("account-table")
    expect(accounts).to_contain_text("Globex")
    # htmx (a deferred script) must have wired the filters before a filter changes.
    page.wait_for_load_state("load")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Tier").select_option(label="Tier 1")
    expect(page).to_have_url(re.compile(r"/accounts/\?.*tier=1"))
    expect(accounts).not_to_contain_text("Globex")
    expect(accounts).to_contain_text("Acme Corp")
    # htmx swapped the table into the page already loaded: no navigation happened.
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.goto("/accounts/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/accounts/$"))


def test_navigation_follows_the_role(page, log_in, marketer, admin_member):
    nav = page.get_by_role("navigation", name="Main")

    log_in(marketer)
    nav.get_by_role("button", name="Sales").click()
    expect(nav.get_by_role("link", name="Accounts", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Opportunities", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="My opportunities")).to_have_count(0)
    expect(nav.get_by_role("button", name="Admin")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    log_in(admin_member)
    nav.get_by_role("button", name="Admin").click()
    expect(nav.get_by_role("link", name="API docs")).to_be_visible()
    nav.get_by_role("link", name="Django admin").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
