"""The role dashboards on the home page: what they show, their CSV, and a constant query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.analytics.models import PipelineStageSnapshot
from apps.engagement.models import EventKind
from tests.analytics.conftest import add_rows
from tests.downloads import csv_rows
from tests.factories import (
    AccountFactory,
    EventFactory,
)

pytestmark = pytest.mark.django_db


def chart_data(response, chart_id: str) -> dict:
    return response.context["board"].charts[chart_id.replace("-", "_")].data


def test_the_marketer_home_draws_the_funnel_conversion_kpis_and_campaigns(
    client_for, marketer, sales_rep, journey, pipeline
):
    add_rows(2, journey=journey, pipeline=pipeline, rep=sales_rep)
    today = timezone.now().date()

    response = client_for(marketer).get(reverse("web:home"))

    assert response.status_code == 200
    funnel = chart_data(response, "funnel-people")
    assert funnel["labels"] == [
        (today - timedelta(days=2)).isoformat(),
        (today - timedelta(days=1)).isoformat(),
    ]
    assert funnel["series"] == [
        {"label": "Aware", "values": [4, 4]},
        {"label": "Consider", "values": [4, 4]},
    ]
    assert chart_data(response, "funnel-accounts")["series"][0]["values"] == [2, 2]
    # Both accounts entered Aware and moved on; none left Consider yet.
    assert chart_data(response, "stage-conversion")["series"][0]["values"] == [100.0, 0.0]
    assert chart_data(response, "stage-time")["series"][0]["values"] == [3.0, None]
    campaigns = chart_data(response, "live-campaigns")
    assert len(campaigns["labels"]) == 2 and campaigns["series"][0]["values"] == [25.0, 25.0]
    # No stage KPI snapshot yet: the KPI is listed with no value.
    assert chart_data(response, "stage-kpis")["labels"] == [
        "Aware: Reach (unique contacts touched)"
    ]
    # Two personas without any asset at either stage.
    assert chart_data(response, "coverage-gaps")["series"][0]["values"] == [2, 2]
    assert len(response.context["board"].hot_accounts) == 2
    assert 'data-testid="chart-funnel-people"' in response.text
    assert "vendor/chartjs/chart.umd.min.js" in response.text

    download = client_for(marketer).get(
        reverse("web:home"), {"chart": "stage-time", "format": "csv"}
    )
    assert csv_rows(download) == [["Stage", "Median days"], ["Aware", "3.0"], ["Consider", ""]]


def test_the_date_range_narrows_the_funnel_and_a_bad_range_says_why(
    client_for, marketer, sales_rep, journey, pipeline
):
    add_rows(1, journey=journey, pipeline=pipeline, rep=sales_rep)
    yesterday = timezone.now().date() - timedelta(days=1)
    client = client_for(marketer)

    one_day = client.get(reverse("web:home"), {"start": yesterday, "end": yesterday})
    assert chart_data(one_day, "funnel-people")["labels"] == [yesterday.isoformat()]

    backwards = client.get(
        reverse("web:home"), {"start": yesterday, "end": yesterday - timedelta(days=3)}
    )
    assert "The range starts after it ends" in backwards.text
    assert len(chart_data(backwards, "funnel-people")["labels"]) == 2  # the default range


def test_the_sales_home_shows_my_pipeline_activity_and_handoffs(
    client_for, sales_rep, other_sales_rep, journey, pipeline
):
    add_rows(2, journey=journey, pipeline=pipeline, rep=sales_rep)
    add_rows(1, journey=journey, pipeline=pipeline, rep=other_sales_rep)

    response = client_for(sales_rep).get(reverse("web:home"))

    assert chart_data(response, "my-pipeline") == {
        **chart_data(response, "my-pipeline"),
        "labels": ["Discovery"],
        "series": [{"label": "Amount", "values": [2000]}],
    }
    assert chart_data(response, "my-deals")["series"] == [
        {"label": "Moving", "values": [2]},
        {"label": "Stalled", "values": [0]},
    ]
    assert sum(chart_data(response, "buyer-activity")["series"][0]["values"]) == 2
    board = response.context["board"]
    assert len(board.handoffs) == 2 and len(board.activity) == 2
    assert {h.owner_id for h in board.handoffs} == {sales_rep.pk}


def test_the_admin_home_shows_system_health(client_for, admin_member, journey, pipeline):
    EventFactory(account=AccountFactory(), kind=EventKind.PAGE_VIEW)

    response = client_for(admin_member).get(reverse("web:home"))

    board = response.context["board"]
    assert chart_data(response, "queues")["labels"] == [
        "ingestion",
        "scoring",
        "dispatch",
        "housekeeping",
    ]
    assert board.broker_error == ""
    assert chart_data(response, "ingested")["series"][0]["values"][-1] == 1
    assert board.recompute_waiting == 0
    assert "Django admin" in response.text


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "sales_manager", "admin_member"])
def test_each_dashboard_runs_as_many_queries_for_many_rows_as_for_few(
    request, client_for, role, sales_rep, journey, pipeline
):
    user = request.getfixturevalue(role)
    client = client_for(user)
    rep = user if role == "sales_rep" else sales_rep

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("web:home"))
        assert response.status_code == 200
        return len(captured)

    add_rows(1, journey=journey, pipeline=pipeline, rep=rep)
    few = queries()
    add_rows(4, journey=journey, pipeline=pipeline, rep=rep)
    assert queries() == few


def test_amounts_reach_the_chart_as_numbers(client_for, marketer, sales_rep, journey, pipeline):
    add_rows(1, journey=journey, pipeline=pipeline, rep=sales_rep)
    response = client_for(marketer).get(reverse("web:home"))
    values = chart_data(response, "pipeline-now")["series"][0]["values"]
    assert values == [1000, 0] and not isinstance(values[0], Decimal | str)


def test_deals_by_stage_come_from_the_latest_pipeline_snapshot(
    client_for, marketer, journey, pipeline
):
    client = client_for(marketer)
    assert chart_data(client.get(reverse("web:home")), "pipeline-now")["series"] == []
    today = timezone.now().date()
    PipelineStageSnapshot.objects.create(
        day=today - timedelta(days=1), stage=pipeline["open"], opportunities=9, amount=900
    )
    PipelineStageSnapshot.objects.create(
        day=today, stage=pipeline["won"], opportunities=1, amount=250
    )
    response = client.get(reverse("web:home"))
    assert chart_data(response, "pipeline-now")["series"][0]["values"] == [0, 250]
    assert str(today) in response.context["board"].charts["pipeline_now"].description
