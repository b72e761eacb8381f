"""The campaigns API: role rules, validation that names the field, status, duplicate, progress
and checks."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.campaigns.models import Campaign
from apps.journeys.kpis import Kpi
from tests.factories import AssetFactory, CampaignFactory, PersonaFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/"


def url(pk: int, action: str = "") -> str:
    return f"{URL}{pk}/{action + '/' if action else ''}"


@pytest.fixture
def campaign(stages, marketer):
    return CampaignFactory(
        name="Benchmark launch",
        owner=marketer,
        goal_stage=stages.problem,
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
    )


@pytest.fixture
def body(stages):
    return {
        "name": "Decision sprint",
        "goal_stage": stages.decision.pk,
        "kpi": Kpi.CONVERSION_RATE,
        "kpi_target": "30.00",
        "channels": ["sales_outreach", "email"],
        "cadence": 1,
        "start_date": "2026-04-01",
        "end_date": "2026-04-30",
        "budget": "2000.00",
        "assets": [AssetFactory(journey_stage=stages.decision).pk],
        "segment_tiers": [1],
        "segment_industries": ["Retail"],
        "segment_personas": [PersonaFactory().pk],
        "segment_buying_roles": ["economic_buyer"],
    }


@pytest.fixture
def users(marketer, sales_rep, admin_member):
    return {"marketer": marketer, "sales": sales_rep, "admin": admin_member, "anonymous": None}


ROLES = ("marketer", "sales", "admin", "anonymous")
MATRIX = {
    "list": (200, 200, 200, 401),
    "retrieve": (200, 200, 200, 401),
    "progress": (200, 200, 200, 401),
    "checks": (200, 200, 200, 401),
    "create": (201, 403, 201, 401),
    "update": (200, 403, 200, 401),
    "partial_update": (200, 403, 200, 401),
    "status": (200, 403, 200, 401),
    "duplicate": (201, 403, 201, 401),
    "delete": (204, 403, 204, 401),
}


@pytest.mark.parametrize(
    ("action", "role", "expected"),
    [
        pytest.param(action, role, code, id=f"{action}-{role}")
        for action, codes in MATRIX.items()
        for role, code in zip(ROLES, codes, strict=True)
    ],
)
def test_marketers_and_admins_manage_campaigns_and_sales_reps_read_them(
    api_client, users, campaign, body, action, role, expected
):
    client = api_client(users[role])
    pk = campaign.pk
    response = {
        "list": lambda: client.get(URL),
        "retrieve": lambda: client.get(url(pk)),
        "progress": lambda: client.get(url(pk, "progress")),
        "checks": lambda: client.get(url(pk, "checks")),
        "create": lambda: client.post(URL, body),
        "update": lambda: client.put(url(pk), body),
        "partial_update": lambda: client.patch(url(pk), {"name": "Renamed"}),
        "status": lambda: client.post(url(pk, "status"), {"status": "planned"}),
        "duplicate": lambda: client.post(url(pk, "duplicate")),
        "delete": lambda: client.delete(url(pk)),
    }[action]()

    assert response.status_code == expected, response.content


def test_create_defaults_the_owner_and_starts_as_a_draft(api_client, marketer, body):
    response = api_client(marketer).post(URL, body | {"status": "live"})

    assert response.status_code == 201
    data = response.json()
    assert (data["owner"], data["status"], data["phase"]) == (marketer.pk, "draft", "decision")
    assert data["channels"] == ["sales_outreach", "email"]
    assert data["segment_buying_roles"] == ["economic_buyer"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-03-01"}, "end_date"),
        ({"kpi": Kpi.REACH}, "kpi"),
        ({"budget": "-1.00"}, "budget"),
        ({"kpi_target": "-5"}, "kpi_target"),
        ({"kpi_baseline": "-1"}, "kpi_baseline"),
        ({"channels": []}, "channels"),
        ({"channels": ["carrier_pigeon"]}, "channels"),
        ({"segment_fit_score_min": 90, "segment_fit_score_max": 10}, "segment_fit_score_max"),
        ("other-journey-asset", "assets"),
    ],
    ids=[
        "end-before-start",
        "kpi-not-fitting",
        "negative-budget",
        "negative-target",
        "negative-baseline",
        "no-channel",
        "unknown-channel",
        "fit-range",
        "asset-of-another-journey",
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    api_client, marketer, body, other_stages, change, field
):
    if change == "other-journey-asset":
        change = {"assets": [AssetFactory(journey_stage=other_stages.decision).pk]}

    response = api_client(marketer).post(URL, body | change)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Campaign.objects.exists()


def test_status_moves_along_the_flow_and_refuses_skips(api_client, marketer, campaign):
    client = api_client(marketer)

    planned = client.post(url(campaign.pk, "status"), {"status": "planned"})
    skipped = client.post(url(campaign.pk, "status"), {"status": "completed"})
    unknown = client.post(url(campaign.pk, "status"), {"status": "paused"})

    assert planned.json()["status"] == "planned"
    assert skipped.status_code == unknown.status_code == 400
    assert list(skipped.json()["errors"]) == list(unknown.json()["errors"]) == ["status"]
    assert Campaign.objects.get().status == "planned"


def test_status_is_read_only_in_updates(api_client, marketer, campaign):
    api_client(marketer).patch(url(campaign.pk), {"status": "completed"})
    assert Campaign.objects.get().status == "draft"


def test_duplicate_gives_the_requester_a_draft_copy(api_client, admin_member, campaign):
    response = api_client(admin_member).post(url(campaign.pk, "duplicate"))

    data = response.json()
    assert data["id"] != campaign.pk
    assert (data["name"], data["status"], data["owner"]) == (
        "Copy of Benchmark launch",
        "draft",
        admin_member.pk,
    )


def test_progress_and_checks_describe_the_campaign(api_client, sales_rep, campaign):
    client = api_client(sales_rep)

    progress = client.get(url(campaign.pk, "progress")).json()
    checks = client.get(url(campaign.pk, "checks")).json()

    assert (progress["kpi"], progress["value"], progress["target"]) == ("reach", "0.00", "1000.00")
    assert progress["facts"] == [
        {"label": "Contacts reached", "value": "0.00"},
        {"label": "Accounts reached", "value": "0.00"},
    ]
    assert {c["check"] for c in checks} == {"stage_without_campaign"}
    assert all(set(c) == {"check", "field", "message", "blocks"} for c in checks)


def test_the_list_filters_by_phase_and_channel(api_client, marketer, stages, campaign):
    CampaignFactory(goal_stage=stages.decision, kpi=Kpi.DEAL_VELOCITY, channels=["event"])
    client = api_client(marketer)

    def names(**query):
        return {row["name"] for row in client.get(URL, query).json()["results"]}

    assert names(phase="awareness") == {"Benchmark launch"}
    assert len(names(channel="event")) == 1 and "Benchmark launch" not in names(channel="event")


def test_the_list_runs_the_same_queries_for_one_campaign_as_for_many(
    api_client, marketer, stages, campaign
):
    client = api_client(marketer)
    campaign.assets.add(AssetFactory(journey_stage=stages.awareness))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    count()  # warm the requester's permission cache
    one = count()
    for _ in range(5):
        other = CampaignFactory(goal_stage=stages.problem)
        other.assets.add(AssetFactory(journey_stage=stages.awareness))
        other.segment_personas.add(PersonaFactory())
        other.segment_stages.add(stages.shortlist)
    assert count() == one
