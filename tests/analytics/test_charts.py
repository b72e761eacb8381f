import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory

from apps.analytics.charts import Chart, Series, chart_csv
from tests.downloads import csv_rows


def funnel() -> Chart:
    return Chart(
        id="funnel",
        title="Buyers per stage",
        type="bar",
        labels=["Awareness", "Decision"],
        series=[Series("Contacts", [12, 3]), Series("Amount", [Decimal("1500.50"), None])],
        x_title="Stage",
    )


def render(chart: Chart, path: str = "/?range=30") -> str:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    template = Template("{% load charts %}{% chart spec %}")
    return template.render(RequestContext(request, {"spec": chart}))


@pytest.mark.django_db
def test_the_partial_carries_the_numbers_as_json_a_table_and_a_csv_link():
    html = render(funnel())

    assert '<canvas data-chart="funnel-data"' in html
    start = html.index('<script id="funnel-data" type="application/json">') + len(
        '<script id="funnel-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["labels"] == ["Awareness", "Decision"]
    # Numbers stay numbers (a Decimal would otherwise reach the chart as a string).
    assert data["series"] == [
        {"label": "Contacts", "values": [12, 3]},
        {"label": "Amount", "values": [1500.5, None]},
    ]
    assert 'data-testid="chart-table-funnel"' in html and "1,500.5" in html and "—" in html
    # The CSV link keeps the page's own filters.
    assert 'href="?range=30&amp;chart=funnel&amp;format=csv"' in html


@pytest.mark.django_db
def test_an_empty_chart_says_so_instead_of_drawing():
    html = render(Chart(id="none", title="Nothing", type="line", labels=[], series=[]))
    assert "<canvas" not in html and "Nothing to show yet." in html


def test_chart_csv_answers_only_for_the_chart_asked():
    factory = RequestFactory()
    response = chart_csv(factory.get("/", {"chart": "funnel", "format": "csv"}), [funnel()])
    assert csv_rows(response) == [
        ["Stage", "Contacts", "Amount"],
        ["Awareness", "12", "1500.50"],
        ["Decision", "3", ""],
    ]
    assert chart_csv(factory.get("/", {"chart": "other", "format": "csv"}), [funnel()]) is None
    assert chart_csv(factory.get("/", {"chart": "funnel"}), [funnel()]) is None


def test_a_series_must_have_a_value_per_label():
    with pytest.raises(ValueError, match="series 'Contacts' has 1 values for 2 labels"):
        Chart(id="x", title="X", type="bar", labels=["a", "b"], series=[Series("Contacts", [1])])
