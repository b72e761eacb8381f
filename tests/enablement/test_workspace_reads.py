"""Reading a deal's workspace writes nothing; what it recommended is counted by a worker after."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.enablement import tasks
from apps.enablement.models import AssetRecommendation
from apps.enablement.services import asset_recommendations_record
from tests.factories import AssetFactory, OpportunityFactory
from tests.queries import writes

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """`.delay` runs the task here, so the callbacks a request left can be run in the test."""
    monkeypatch.setattr(tasks.record_recommendations, "delay", tasks.record_recommendations)


@pytest.mark.parametrize("read", ["api", "page"])
def test_reading_a_workspace_writes_nothing_and_counts_its_recommendations_after(
    read,
    client,
    api_client,
    sales_rep,
    deal,
    evaluation,
    run_tasks_inline,
    django_capture_on_commit_callbacks,
):
    asset = AssetFactory(journey_stage=evaluation)
    client.force_login(sales_rep)
    reader = api_client(sales_rep) if read == "api" else client
    url = (
        f"/api/v1/opportunity-workspaces/{deal.pk}/"
        if read == "api"
        else reverse("enablement:workspace", args=[deal.pk])
    )
    with (
        django_capture_on_commit_callbacks() as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        response = reader.get(url)
        assert response.status_code == 200
        assert asset.title in response.content.decode()
    assert writes(queries) == [] and not AssetRecommendation.objects.exists()

    for callback in callbacks:
        callback()
    assert AssetRecommendation.objects.filter(asset=asset, opportunity=deal).exists()
    usage = client.get(reverse("content:asset_detail", args=[asset.pk]))
    assert b'data-testid="times-recommended">1<' in usage.content


def test_recording_counts_each_pair_once_and_skips_what_was_deleted(evaluation):
    deal, other = OpportunityFactory(), OpportunityFactory()
    asset, gone = AssetFactory(), AssetFactory()
    gone_id = gone.pk
    gone.delete()
    asset_recommendations_record(opportunity_id=deal.pk, asset_ids=[asset.pk, gone_id])
    asset_recommendations_record(opportunity_id=deal.pk, asset_ids=[asset.pk])
    asset_recommendations_record(opportunity_id=other.pk + 1000, asset_ids=[asset.pk])
    assert list(AssetRecommendation.objects.values_list("asset", "opportunity")) == [
        (asset.pk, deal.pk)
    ]
