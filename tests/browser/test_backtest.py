"""The backtest page in a real browser: a marketer runs a backtest and sees both scorers' ROC
curves, lift and calibration charts drawn, with their AUCs in the table beside them."""

import pytest
from playwright.sync_api import expect

from tests.browser.navigation import follow_menu

# The planted world of the backtest tests: three buyers who asked for a demo, then opened deals.
from tests.engagement.conftest import BACKTEST_AS_OF, planted, scoring, stages  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_marketer_sees_both_scorers_curves_and_aucs(page, log_in, marketer, planted):  # noqa: F811
    log_in(marketer)
    follow_menu(page, "Signal rules")
    page.get_by_role("link", name="Backtest the scores").click()

    form = page.get_by_test_id("backtest-form")
    form.get_by_label("Scores as of").fill(BACKTEST_AS_OF.date().isoformat())
    form.get_by_label("Horizon (days)").fill("30")
    form.get_by_role("button", name="Run backtest").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Backtest as of")
    for buyers in ("contacts", "accounts"):
        section = page.get_by_test_id(f"backtest-{buyers}")
        charts = section.locator("canvas[data-chart]")
        expect(charts).to_have_count(3)
        for n in range(3):
            expect(charts.nth(n)).to_have_attribute("data-drawn", "true")
        roc = section.locator('canvas[data-chart="roc"]')
        # Both scorers' curves and the chance diagonal, in a canvas that has a size.
        assert roc.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.label)") == [
            "Current rules (AUC 1.000)",
            "Activity count (90 days) (AUC 0.000)",
            "Chance",
        ]
        assert roc.evaluate("c => c.width > 0 && c.height > 0")
        aucs = section.get_by_test_id(f"auc-{buyers}")
        expect(aucs.locator("tbody tr").nth(0)).to_have_text("Current rules1.000")
        expect(aucs.locator("tbody tr").nth(1)).to_have_text("Activity count (90 days)0.000")
