"""A campaign's results: KPI trend from snapshots, spend, cost per result, influence."""

import datetime
from decimal import Decimal

import pytest

from apps.analytics.campaign_results import campaign_results
from apps.analytics.models import CampaignKpiSnapshot
from tests.analytics.test_attribution_paths import world  # noqa: F401  (fixture)
from tests.factories import CampaignFactory


def test_results_read_snapshots_spend_and_attribution(world):  # noqa: F811
    campaign = world["nurture"]
    campaign.budget, campaign.actual_spend = Decimal(10000), Decimal(2500)
    campaign.save()
    for day, value in ((1, 10), (2, 30)):
        CampaignKpiSnapshot.objects.create(
            day=datetime.date(2026, 1, day),
            campaign=campaign,
            kpi=campaign.kpi,
            value=value,
            target=1000,
            baseline=5,
        )
    results = campaign_results(campaign=campaign)
    assert results.trend_from_snapshots
    assert [p.value for p in results.trend] == [10, 30]
    assert results.spend_share == Decimal("25.00")
    assert results.cost_per_kpi_result == Decimal("83.33")  # 2500 / 30 contacts reached
    assert results.influenced["pipeline"]["influenced"] == pytest.approx(5000)
    assert results.cost_per_opportunity == Decimal("2500.00")
    # Revenue won: the close on 20 March looks back to 20 December: five touches, one nurture.
    assert results.influenced["won"]["linear"] == pytest.approx(1000)


def test_page_and_panel(client, marketer, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(marketer)
    campaign = world["webinar"]
    page = client.get(f"/campaigns/{campaign.pk}/")
    assert f"/analytics/campaigns/{campaign.pk}/".encode() in page.content
    panel = client.get(f"/analytics/campaigns/{campaign.pk}/", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert b"<html" not in panel.content
    assert b'data-testid="influenced-pipeline"' in panel.content
    csv = client.get(
        f"/analytics/campaigns/{campaign.pk}/", {"chart": "campaign-attribution", "format": "csv"}
    )
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "Model,Pipeline created,Revenue won"
    assert lines[1] == "First touch,5000,5000"
    # More campaigns, the same queries.
    with django_assert_max_num_queries(30) as one:
        client.get(f"/analytics/campaigns/{campaign.pk}/")
    for _ in range(5):
        CampaignFactory(utm_code=f"x{_}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/analytics/campaigns/{campaign.pk}/")
