"""Rule set proposals in a real browser: a marketer opens a calibration's proposal from the
signal rules, reads its diff rule by rule, approves it after the confirmation, and the rules
page shows the new weight; "Backtest this proposal" draws its curve beside the current rules'."""

import datetime

import pytest
from playwright.sync_api import expect

from apps.engagement import services
from apps.engagement.calibration import History
from apps.engagement.models import RuleSet, SignalRule
from tests.browser.navigation import follow_menu

# Two rules made through the services (versions 1 and 2) on a small journey; the planted
# world of the backtest tests (three buyers asked for a demo, then opened deals).
from tests.engagement.conftest import (  # noqa: F401
    BACKTEST_AS_OF,
    planted,
    proposal_for,
    scoring,
    stages,
    two_rules,
)

pytestmark = pytest.mark.browser


def test_a_marketer_reviews_a_proposal_and_approves_it(page, log_in, marketer, two_rules):  # noqa: F811
    demo = two_rules[0]
    result = proposal_for(two_rules, weights={demo.pk: 4.0}, new_threshold=6)
    services.rule_set_propose(result=result)

    log_in(marketer)
    follow_menu(page, "Signal rules")
    page.get_by_role("link", name="Versions and proposals").click()
    versions = page.get_by_test_id("rule-sets")
    expect(versions.locator("tbody tr")).to_have_count(3)
    versions.get_by_role("link", name="v3").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rule set v3")
    expect(page.get_by_test_id("rule-set-status")).to_have_text("Proposed")
    expect(page.get_by_test_id("threshold-change")).to_contain_text("5.00 → 6.00")
    demo_row = page.get_by_test_id("rule-set-diff").locator("tbody tr", has_text="Demo request")
    expect(demo_row).to_contain_text("Changed")
    expect(demo_row).to_contain_text("10.0 → 4.0")
    expect(demo_row).to_contain_text("2.50 (1.50–4.00)")
    expect(demo_row).to_contain_text("opened deals 2.5 times as often")

    page.get_by_role("link", name="Approve…").click()
    expect(page.get_by_test_id("approve-confirmation")).to_contain_text("1 rule change")
    page.get_by_role("button", name="Approve and rescore").click()

    expect(page.get_by_test_id("rule-set-status")).to_have_text("Active")
    expect(page.get_by_role("alert").first).to_contain_text("Version 3 is live")
    assert RuleSet.objects.get(version=2).status == RuleSet.Status.SUPERSEDED
    follow_menu(page, "Signal rules")
    expect(
        page.get_by_test_id("rule-table").locator("tbody tr", has_text="Demo request")
    ).to_contain_text("4.00")


def test_backtest_this_proposal_draws_its_curve_beside_the_current_rules(
    page,
    log_in,
    marketer,
    planted,  # noqa: F811
):
    """Three buyers asked for a demo, then opened deals: a proposal weighing demos at 0 tells
    no one apart, and its ROC curve shows it beside the current rules'."""
    demo = SignalRule.objects.get()
    history = History(
        start=BACKTEST_AS_OF - datetime.timedelta(days=200),
        end=BACKTEST_AS_OF,
        horizon_days=30,
        outcome="opportunity_created",
    )
    result = proposal_for([demo], weights={demo.pk: 0})
    proposal = services.rule_set_propose(result=result, history=history)

    log_in(marketer)
    page.goto(f"/signals/rule-sets/{proposal.version}/")
    page.get_by_role("button", name="Backtest this proposal").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Backtest as of")
    roc = page.get_by_test_id("backtest-contacts").locator('canvas[data-chart="roc"]')
    expect(roc).to_have_attribute("data-drawn", "true")
    assert roc.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.label)") == [
        "Current rules (AUC 1.000)",
        f"Proposal v{proposal.version} (AUC 0.500)",
        "Activity count (90 days) (AUC 0.000)",
        "Chance",
    ]
