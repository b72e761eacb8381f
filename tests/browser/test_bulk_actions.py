"""Bulk actions and sortable lists in a real browser: a marketer ticks assets with "select all",
confirms the archive and reads what was done; the queue assigns ticked requests."""

import pytest
from playwright.sync_api import expect

from apps.content.models import Asset, EnablementRequest
from tests.factories import AssetFactory, EnablementRequestFactory

pytestmark = pytest.mark.browser


def test_a_marketer_archives_assets_in_bulk_after_confirming(page, log_in, marketer):
    kept = AssetFactory(title="Zebra keeper")
    doomed = [AssetFactory(title=f"Brochure {n}") for n in range(3)]
    log_in(marketer)
    page.goto("/content/assets/?sort=title")
    expect(page.get_by_test_id("list-range")).to_have_text("1–4 of 4")

    # Sorted by title, descending on a second click of its header.
    page.get_by_role("link", name="Title").click()
    expect(page.get_by_test_id("asset-table").locator("tbody tr").first).to_contain_text(
        "Zebra keeper"
    )
    page.get_by_label("Select all assets on this page").check()
    page.get_by_label("Select Zebra keeper").uncheck()
    expect(page.get_by_test_id("bulk-assets")).to_contain_text("3 ticked")
    page.get_by_role("button", name="Archive ticked…").click()

    confirmation = page.get_by_test_id("bulk-confirmation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Archive 3 assets?")
    expect(confirmation).to_contain_text("“Brochure 0”")
    assert Asset.objects.active().count() == 4  # nothing until confirmed
    confirmation.get_by_role("button", name="Archive them").click()

    expect(page.get_by_role("alert").first).to_contain_text("Archived 3 assets.")
    expect(page.get_by_test_id("list-range")).to_have_text("1–1 of 1")
    assert list(Asset.objects.active()) == [kept]
    assert all(Asset.objects.get(pk=a.pk).is_archived for a in doomed)


def test_a_marketer_assigns_ticked_requests_from_the_queue(page, log_in, marketer, sales_rep):
    asks = [EnablementRequestFactory(requested_by=sales_rep, need=f"Need {n}") for n in range(2)]
    log_in(marketer)
    page.goto("/enablement/requests/")
    for ask in asks:
        page.get_by_test_id(f"request-{ask.pk}").get_by_role("checkbox").check()
    bulk = page.get_by_test_id("bulk-requests")
    bulk.get_by_label("With the ticked requests").select_option("assign")
    bulk.get_by_label("Assignee (to assign)").select_option(str(marketer.pk))
    bulk.get_by_role("button", name="Apply to ticked").click()
    expect(page.get_by_role("alert").first).to_contain_text("Assigned 2 requests.")
    assert set(EnablementRequest.objects.values_list("assignee", flat=True)) == {marketer.pk}
