"""The attribution page in a real browser: Chart.js draws every model's credit per campaign."""

import pytest
from playwright.sync_api import expect

from tests.analytics.test_attribution_paths import world  # noqa: F401  (fixture)
from tests.browser.navigation import follow_menu

pytestmark = pytest.mark.browser


def test_attribution_chart_draws_the_credits(page, log_in, marketer, world):  # noqa: F811
    log_in(marketer)
    page.goto("/")
    follow_menu(page, "Attribution")
    page.goto("/analytics/attribution/?quarter=2026-Q1&goal=pipeline&dimension=campaign")
    canvas = page.locator('[data-testid="chart-attribution"] canvas')
    expect(canvas).to_have_attribute("data-drawn", "true")
    data = canvas.evaluate(
        "c => { const d = Chart.getChart(c).data;"
        " return {labels: d.labels, sets: d.datasets.map(s => [s.label, s.data])}; }"
    )
    webinar = world["webinar"].name
    assert data["labels"] == [webinar, "Content push", "Nurture"]
    sets = dict(data["sets"])
    assert sets["First touch"] == [5000, 0, 0]
    assert sets["Linear"] == [2500, 1250, 1250]
    assert sets["W-shaped"] == [3000, 1500, 500]
    assert sum(sets["Data-driven (Markov)"]) == pytest.approx(5000)
    table = page.get_by_test_id("chart-table-attribution")
    expect(table.locator("tbody tr").first).to_contain_text(webinar)
