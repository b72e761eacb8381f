"""In a real browser: "/" (or Ctrl+K) focuses the search box in the bar, unless one is typing
in another field; the results come grouped by type. The badge opens the inbox, opening a
notification leads to its subject and the count drops. Both pages fit a phone and pass axe."""

import pytest
from playwright.sync_api import expect

from apps.notifications.models import Notification
from tests.browser.test_layout import AXE, AXE_SERIOUS, PAGE_WIDER_THAN_SCREEN
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    NotificationFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.browser

PHONE, LAPTOP = 390, 1366


def _fits_and_passes_axe(page) -> None:
    page.add_script_tag(url=f"/static/{AXE}")
    assert page.evaluate(AXE_SERIOUS) == []
    for width in (PHONE, LAPTOP):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(PAGE_WIDER_THAN_SCREEN) is False, width


def test_slash_focuses_search_and_results_come_grouped(page, log_in, sales_rep):
    account = AccountFactory(name="Acme Industries")
    ContactFactory(account=account, first_name="Ada", last_name="Lovelace")
    OpportunityFactory(account=account, name="Acme rollout", owner=sales_rep)
    AssetFactory(title="Acme ROI calculator")
    page.set_viewport_size({"width": LAPTOP, "height": 900})
    log_in(sales_rep)
    box = page.get_by_role("searchbox", name="Search accounts, contacts, deals")

    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("acme")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_test_id("results-accounts").get_by_test_id("count")).to_have_text("1")
    expect(page.get_by_test_id("results-opportunities").get_by_test_id("count")).to_have_text("1")
    expect(page.get_by_test_id("results-assets")).to_contain_text("Acme ROI calculator")
    expect(page.get_by_test_id("results-campaigns").get_by_test_id("count")).to_have_text("0")
    _fits_and_passes_axe(page)

    # Typing "/" in another field types it; Ctrl+K from the page focuses the box.
    page.set_viewport_size({"width": LAPTOP, "height": 900})
    own = page.get_by_label("Accounts, contacts, opportunities, campaigns and assets")
    own.fill("")
    own.type("a/b")
    expect(own).to_have_value("a/b")
    expect(own).to_be_focused()
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()

    page.get_by_test_id("results-accounts").get_by_role("link", name="Acme Industries").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Industries")


def test_on_a_phone_slash_opens_the_menu_and_focuses_search(page, log_in, sales_rep):
    AccountFactory(name="Globex Corporation")
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(sales_rep)
    box = page.get_by_role("searchbox", name="Search accounts, contacts, deals")
    expect(box).to_be_hidden()

    page.keyboard.press("/")

    expect(box).to_be_focused()
    page.keyboard.type("globx")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("results-accounts")).to_contain_text("Globex Corporation")


def test_the_badge_opens_the_inbox_and_opening_one_drops_the_count(page, log_in, sales_rep):
    deal = OpportunityFactory(name="Acme rollout", owner=sales_rep)
    NotificationFactory(
        recipient=sales_rep,
        text="Acme rollout has stalled: No recent activity.",
        link=f"/opportunities/{deal.pk}/",
    )
    NotificationFactory(recipient=sales_rep, text="Older news", link="/nurture/tasks/")
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(sales_rep)
    inbox_link = page.get_by_test_id("inbox-link")
    expect(inbox_link.get_by_test_id("unread-count")).to_have_text("2")

    inbox_link.click()  # in the bar even on a phone, outside the collapsed menu
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    _fits_and_passes_axe(page)
    page.get_by_role("link", name="Acme rollout has stalled: No recent activity.").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme rollout")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_test_id("inbox-link").click()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    assert not Notification.objects.filter(read_at__isnull=True).exists()
