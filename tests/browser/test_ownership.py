"""A rep works their own deal and their own handoffs in a real browser."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.engagement.models import Handoff
from apps.pipeline.models import StageChange
from tests.factories import HandoffFactory, OpportunityFactory, PipelineStageFactory

pytestmark = pytest.mark.browser


def test_a_rep_moves_their_deal_and_sees_a_refused_move_on_the_field(page, log_in, sales_rep):
    discovery = PipelineStageFactory(name="Discovery", position=1)
    proposal = PipelineStageFactory(name="Proposal", position=2)
    deal = OpportunityFactory(
        owner=sales_rep,
        stage=discovery,
        name="Acme rollout",
        stage_entered_at=timezone.now() - datetime.timedelta(days=3),
    )
    log_in(sales_rep)
    page.goto(f"/opportunities/{deal.pk}/")
    form = page.get_by_test_id("stage-form")

    # Dated before the deal entered Discovery: the pipeline service refuses, on the field.
    form.get_by_label("Move to stage").select_option(label="Proposal")
    form.get_by_label("Moved on").fill(
        (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    )
    form.get_by_role("button", name="Move").click()
    form = page.get_by_test_id("stage-form")
    expect(form.locator(".invalid-feedback")).to_contain_text("The move predates the current stage")

    form.get_by_label("Moved on").fill("")
    form.get_by_label("Why").fill("Pricing requested")
    form.get_by_role("button", name="Move").click()
    expect(page.get_by_role("alert")).to_contain_text("Moved to Proposal.")
    history = page.get_by_test_id("stage-history").locator("tbody tr")
    expect(history.nth(0)).to_contain_text("Proposal")
    expect(history.nth(0)).to_contain_text("Pricing requested")
    assert StageChange.objects.get(opportunity=deal, exited_at__isnull=True).stage == proposal


def test_a_rep_accepts_their_handoffs_in_bulk(page, log_in, sales_rep, other_sales_rep):
    mine = [
        HandoffFactory(owner=sales_rep, contact__first_name=name, contact__last_name="Buyer")
        for name in ("Ana", "Ben")
    ]
    theirs = HandoffFactory(owner=other_sales_rep)
    log_in(sales_rep)
    page.goto("/signals/handoffs/")

    expect(page.get_by_test_id("queue-mine")).to_have_class("nav-link active")
    rows = page.get_by_test_id("handoff-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    for handoff in mine:
        page.get_by_test_id(f"handoff-{handoff.pk}").get_by_role("checkbox").check()
    bulk = page.get_by_test_id("bulk-handoffs")
    bulk.get_by_label("With the ticked handoffs").select_option("accepted")
    bulk.get_by_role("button", name="Apply to ticked").click()

    expect(page.get_by_role("alert").first).to_contain_text("Accepted 2 handoffs.")
    expect(page.get_by_test_id("handoff-table")).to_contain_text("No pending handoffs here.")
    statuses = dict(Handoff.objects.values_list("pk", "status"))
    assert [statuses[h.pk] for h in mine] == ["accepted", "accepted"]
    assert statuses[theirs.pk] == "pending"
