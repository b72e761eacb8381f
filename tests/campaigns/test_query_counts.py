"""The list, calendar and stage board run as many queries for one campaign as for many."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AssetFactory, CampaignFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str, query: dict, *, shows: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    assert shows in response.text
    return len(captured)


def _add_campaign(stage, name: str):
    """A campaign with its own owner, content and segment, all inside March 2026."""
    campaign = CampaignFactory(
        name=name,
        owner=UserFactory(),
        goal_stage=stage,
        kpi="pipeline_influence" if stage.phase == "consideration" else "reach",
        channels=["email", "webinar"],
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 20),
    )
    campaign.assets.add(AssetFactory(journey_stage=stage))
    campaign.segment_personas.add(PersonaFactory())
    return campaign


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("campaigns:list", {}),
        ("campaigns:calendar", {"period": "2026-03"}),
        ("campaigns:calendar", {"period": "2026-Q1"}),
        ("campaigns:board", {"period": "2026-Q1"}),
    ],
    ids=["list", "calendar-month", "calendar-quarter", "board"],
)
def test_campaign_pages_do_not_grow_with_campaigns(client_for, marketer, stages, page, query):
    client = client_for(marketer)
    url = reverse(page)
    _add_campaign(stages.problem, "First")
    client.get(url, query)  # warm per-process caches (content types, permissions)
    one = _queries(client, url, query, shows="First")

    for n, stage in enumerate(stages.all() * 4):
        _add_campaign(stage, f"More {n}")
    many = _queries(client, url, query, shows="More 19")

    assert one == many
