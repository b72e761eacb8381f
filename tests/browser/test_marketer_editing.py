"""A marketer edits where they work: uploads an asset to the library (a file over the limit is
refused on its field first) and archives it; adds a stage and a move to a draft journey (a move
to itself is refused on its field first) and removes the stage after reading what goes with it."""

import pytest
from playwright.sync_api import expect

from apps.content.models import Asset
from apps.journeys.models import Journey, StageTransition
from tests.browser.navigation import follow_menu
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_marketer_uploads_an_asset_then_archives_it(page, log_in, marketer, settings):
    settings.CONTENT_MAX_UPLOAD_MB = 1
    small = build_journey(owner=marketer, status=Journey.Status.PUBLISHED)
    log_in(marketer)

    follow_menu(page, "Content library")
    page.get_by_role("link", name="New asset").click()
    form = page.get_by_test_id("asset-form")
    form.get_by_label("Title").fill("AP automation TCO guide")
    form.get_by_label("Type").select_option(label="Comparison guide")
    form.get_by_label("Status").select_option(label="Published")
    form.get_by_label("Journey stage").select_option(
        label="Finance buyers v1 · Consideration → Shortlist"
    )
    form.get_by_label("CFO").check()
    big = {"name": "tco.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * 1_100_000}
    form.get_by_label("File").set_input_files(big)
    form.get_by_role("button", name="Create asset").click()

    expect(page.get_by_test_id("asset-form")).to_contain_text(
        "The file is 1.0 MB; the most an asset file may be is 1 MB."
    )
    assert not Asset.objects.exists()
    form = page.get_by_test_id("asset-form")
    expect(form.get_by_label("Title")).to_have_value("AP automation TCO guide")  # kept
    form.get_by_label("File").set_input_files(
        {"name": "tco.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_role("button", name="Create asset").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("AP automation TCO guide")
    expect(page.get_by_test_id("asset-download")).to_be_visible()
    asset = Asset.objects.get()
    assert asset.file.read() == PDF
    assert list(asset.personas.all()) == [small.cfo]
    assert asset.journey_stage == small.shortlist

    page.get_by_role("link", name="Archive…").click()
    expect(page.get_by_test_id("archive-confirmation")).to_contain_text("It leaves the content")
    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_test_id("archived")).to_be_visible()
    asset.refresh_from_db()
    assert asset.is_archived
    follow_menu(page, "Content library")
    expect(page.get_by_test_id("asset-count")).to_have_text("0 assets")


def test_marketer_adds_a_stage_and_a_move_to_a_draft_journey(page, log_in, marketer):
    small = build_journey(owner=marketer)
    log_in(marketer)

    follow_menu(page, "Journeys")
    page.get_by_role("link", name="Finance buyers", exact=True).click()
    page.get_by_role("link", name="Stages and moves", exact=True).click()

    add_stage = page.get_by_test_id("stage-add-form")
    add_stage.get_by_label("Name").fill("Renewal")
    add_stage.get_by_label("Phase").select_option(label="Decision")
    add_stage.get_by_role("button", name="Add stage").click()
    expect(page.get_by_test_id("stage-row-renewal")).to_contain_text("Renewal")

    add_move = page.get_by_test_id("transition-add-form")
    add_move.get_by_label("From").select_option(label="Decision")
    add_move.get_by_label("To").select_option(label="Decision")
    add_move.get_by_role("button", name="Add move").click()
    add_move = page.get_by_test_id("transition-add-form")
    expect(add_move).to_contain_text("A move leads to another stage: pick a different one.")
    add_move.get_by_label("To").select_option(label="Renewal")
    add_move.get_by_label("Trigger").fill("Contract signed")
    add_move.get_by_role("button", name="Add move").click()
    expect(page.get_by_test_id("transition-list")).to_contain_text(
        "Decision ⟶ Renewal — Contract signed"
    )
    renewal = small.journey.stages.get(name="Renewal")
    assert StageTransition.objects.filter(from_stage=small.decision, to_stage=renewal).exists()

    page.get_by_role("link", name="Remove Renewal").click()
    expect(page.get_by_test_id("delete-confirmation")).to_contain_text("1 stage transition")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("stage-row-renewal")).to_have_count(0)
    expect(page.get_by_test_id("transition-list")).not_to_contain_text("Renewal")
