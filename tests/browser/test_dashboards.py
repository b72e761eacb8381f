"""Each role's home page draws its dashboard charts (Chart.js, served from npm through
staticfiles) with the numbers the server computed: read from the drawn chart's own data, and
the same numbers in the table beside it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics.conftest import add_rows, make_journey, make_pipeline

pytestmark = pytest.mark.browser


@pytest.fixture
def journey():
    return make_journey()


@pytest.fixture
def pipeline():
    return make_pipeline()


def drawn(page, chart_id: str) -> dict:
    """The labels and datasets Chart.js drew on the chart's canvas."""
    canvas = page.get_by_test_id(f"chart-{chart_id}").locator("canvas")
    expect(canvas).to_have_attribute("data-drawn", "true")
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")
    return canvas.evaluate(
        """c => { const d = Chart.getChart(c).data;
                  return {labels: d.labels,
                          datasets: d.datasets.map(s => ({label: s.label, data: s.data}))}; }"""
    )


def test_the_marketer_home_draws_the_funnel_and_conversion(
    page, log_in, marketer, sales_rep, journey, pipeline
):
    add_rows(2, journey=journey, pipeline=pipeline, rep=sales_rep)
    today = timezone.now().date()
    log_in(marketer)

    funnel = drawn(page, "funnel-people")
    assert funnel["labels"] == [str(today - timezone.timedelta(days=n)) for n in (2, 1)]
    assert funnel["datasets"] == [
        {"label": "Aware", "data": [4, 4]},
        {"label": "Consider", "data": [4, 4]},
    ]
    assert drawn(page, "stage-conversion")["datasets"][0]["data"] == [100, 0]
    assert drawn(page, "stage-time")["datasets"][0]["data"] == [3, None]
    assert drawn(page, "live-campaigns")["datasets"][0]["data"] == [25, 25]
    # The same numbers in the table beside the chart.
    table = page.get_by_test_id("chart-table-funnel-people")
    expect(table.locator("tbody tr").first).to_have_text(f"{today - timezone.timedelta(days=2)}44")


def test_the_sales_home_draws_my_pipeline(page, log_in, sales_rep, journey, pipeline):
    add_rows(3, journey=journey, pipeline=pipeline, rep=sales_rep)
    log_in(sales_rep)

    assert drawn(page, "my-pipeline") == {
        "labels": ["Discovery"],
        "datasets": [{"label": "Amount", "data": [3000]}],
    }
    assert drawn(page, "my-deals")["datasets"] == [
        {"label": "Moving", "data": [3]},
        {"label": "Stalled", "data": [0]},
    ]
    assert sum(drawn(page, "buyer-activity")["datasets"][0]["data"]) == 3


def test_the_admin_home_draws_queues_and_ingestion(
    page, log_in, admin_member, journey, pipeline, sales_rep
):
    add_rows(2, journey=journey, pipeline=pipeline, rep=sales_rep)
    log_in(admin_member)

    queues = drawn(page, "queues")
    assert queues["labels"] == ["ingestion", "scoring", "dispatch", "housekeeping"]
    assert all(isinstance(n, int) for n in queues["datasets"][0]["data"])
    assert drawn(page, "ingested")["datasets"][0]["data"][-1] == 2
    assert drawn(page, "account-tiers")["datasets"][0]["data"] == [0, 2, 0]
