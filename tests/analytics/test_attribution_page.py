"""The attribution page and its API: who may read it, what it shows, its CSV, its queries."""

import datetime

import pytest

from apps.analytics import attribution
from tests.analytics.test_attribution_paths import world  # noqa: F401  (fixture)
from tests.factories import AccountFactory, CampaignFactory, EventFactory

Q1 = {"quarter": "2026-Q1", "goal": "pipeline", "dimension": "campaign"}


def test_marketer_sees_every_model_side_by_side(client, marketer, world):  # noqa: F811
    client.force_login(marketer)
    response = client.get("/analytics/attribution/", Q1)
    assert response.status_code == 200
    chart = response.context["chart"]
    assert chart.labels[0] == world["webinar"].name
    assert [s.label for s in chart.series] == list(attribution.MODEL_LABELS.values())
    linear = dict(zip(chart.labels, chart.series[2].values, strict=True))
    assert linear == {world["webinar"].name: 2500, "Content push": 1250, "Nurture": 1250}
    assert b"Q1 2026" in response.content


def test_csv_of_the_table(client, marketer, world):  # noqa: F811
    client.force_login(marketer)
    response = client.get(
        "/analytics/attribution/", {**Q1, "chart": "attribution", "format": "csv"}
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Campaign,First touch,Last touch,Linear")
    assert lines[1].startswith(f"{world['webinar'].name},5000")


def test_a_rep_may_not_read_it(client, sales_rep):
    client.force_login(sales_rep)
    assert client.get("/analytics/attribution/").status_code == 403


def test_bad_settings_fall_back_to_defaults(client, marketer, world):  # noqa: F811
    client.force_login(marketer)
    response = client.get("/analytics/attribution/", {**Q1, "lookback": "-3"})
    assert response.status_code == 200
    assert response.context["report"].lookback_days == 90
    assert b"lookback" in response.content


def test_query_count_does_not_grow_with_campaigns_and_touches(
    client, marketer, django_assert_max_num_queries
):
    client.force_login(marketer)

    def add(n):
        for _ in range(n):
            campaign = CampaignFactory(utm_code=f"c{CampaignFactory._meta.model.objects.count()}")
            account = AccountFactory()
            EventFactory(
                account=account,
                occurred_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
                properties={"utm_campaign": campaign.utm_code},
            )

    add(1)
    with django_assert_max_num_queries(16) as one:
        client.get("/analytics/attribution/", Q1)
    add(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/analytics/attribution/", Q1)


def test_api_gives_every_model(api_client, marketer, world):  # noqa: F811
    response = api_client(marketer).get("/api/v1/analytics/attribution/", Q1)
    assert response.status_code == 200
    body = response.json()
    assert body["models"] == list(attribution.MODELS)
    first = body["rows"][0]
    assert first["label"] == world["webinar"].name
    assert first["credits"]["linear"] == 2500
    assert sum(row["credits"]["data_driven"] for row in body["rows"]) == pytest.approx(5000)


def test_api_refuses_a_rep_and_bad_values(api_client, sales_rep, marketer):
    assert api_client(sales_rep).get("/api/v1/analytics/attribution/").status_code == 403
    response = api_client(marketer).get("/api/v1/analytics/attribution/", {"goal": "x"})
    assert response.status_code == 400
    assert "goal" in response.json()["errors"]
