"""A marketer edits a journey-map cell in place and sees the content coverage change."""

import pytest
from playwright.sync_api import expect

from apps.content.models import AssetType
from apps.journeys.models import PlaybookCell
from tests.browser.navigation import follow_menu
from tests.factories import AssetFactory
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.browser


def test_a_field_clicked_while_the_cell_editor_opens_keeps_the_focus(page, log_in, marketer):
    small = build_journey(owner=marketer)
    log_in(marketer)
    follow_menu(page, "Journeys")
    page.get_by_role("link", name="Finance buyers", exact=True).click()
    # The user reaches a field between htmx's swap of the editor and its settling, when the
    # editor would take the focus: the field they chose keeps it.
    page.evaluate(
        """document.body.addEventListener("htmx:afterSwap", () =>
            document.querySelector(".cell-panel textarea[name=objections]").focus());
        document.body.addEventListener("htmx:afterSettle", () => { window.settled = true; });"""
    )
    cell = page.get_by_test_id(f"cell-shortlist-{small.cfo.pk}")
    cell.get_by_role("button", name="Edit").click()
    page.wait_for_function("() => window.settled === true")
    expect(cell.get_by_label("Objections")).to_be_focused()


def test_marketer_edits_a_cell_in_place_and_the_coverage_count_changes(page, log_in, marketer):
    small = build_journey(owner=marketer)
    AssetFactory(
        title="AP automation ROI calculator",
        asset_type=AssetType.ROI_CALCULATOR,
        journey_stage=small.shortlist,
    )
    count_id = f"count-shortlist-{small.cfo.pk}-roi_calculator"
    log_in(marketer)

    follow_menu(page, "Journeys")
    page.get_by_role("link", name="Finance buyers", exact=True).click()
    page.get_by_role("link", name="Content coverage", exact=True).click()
    expect(page.get_by_test_id(count_id)).to_have_text("0")

    page.get_by_role("link", name="Map", exact=True).click()
    page.evaluate("window.notReloaded = true")
    cell = page.get_by_test_id(f"cell-shortlist-{small.cfo.pk}")
    expect(cell.get_by_test_id("asset-count")).to_have_text("0 assets")
    cell.get_by_role("button", name="Edit").click()
    expect(cell.get_by_label("Buyer questions")).to_be_focused()  # for keyboard users

    # A response without its objection: the error is shown in the cell, by field.
    cell.get_by_label("Objections").fill("| Payback within nine months")
    cell.get_by_label("Pain points").fill("Close takes eight days")
    cell.get_by_label("AP automation ROI calculator (ROI calculator)").check()
    cell.get_by_role("button", name="Save").click()
    expect(cell.locator('[data-field="objections"]')).to_have_text(
        "Objections: Each suggested response needs the objection it answers."
    )
    expect(cell.get_by_label("Objections")).to_be_focused()  # the refused field, to fix it
    assert not PlaybookCell.objects.exists()

    cell.get_by_label("Objections").fill("Too expensive | Payback within nine months")
    cell.get_by_role("button", name="Save").click()
    expect(cell.get_by_test_id("asset-count")).to_have_text("1 asset")
    expect(cell).to_contain_text("Close takes eight days")
    expect(cell).to_contain_text("→ Payback within nine months")
    assert page.evaluate("window.notReloaded") is True  # edited in place, no page load

    page.get_by_role("link", name="Content coverage", exact=True).click()
    expect(page.get_by_test_id(count_id)).to_have_text("1")
    page.get_by_test_id(count_id).get_by_role("link").click()
    expect(page.get_by_test_id("asset-table")).to_contain_text("AP automation ROI calculator")
    expect(page.get_by_test_id("asset-count")).to_have_text("1 asset")
