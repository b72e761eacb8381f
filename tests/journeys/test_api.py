"""API v1 for journeys: sales read, marketers and admins write drafts; bad input is a 400 that
names the field; lists run a fixed number of queries."""

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Account
from apps.journeys.models import Journey, JourneyStage, PlaybookCell, StageKpi, StageTransition
from apps.journeys.services import journey_publish
from tests.factories import AccountFactory, PersonaFactory, PlaybookCellFactory, StageKpiFactory
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.django_db

ENDPOINTS = ["journeys", "journey-stages", "stage-transitions", "playbook-cells", "stage-kpis"]


def url(endpoint: str, pk: int | None = None, action: str | None = None) -> str:
    path = f"/api/v1/{endpoint}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{action}/" if action else "")


@pytest.fixture
def records(small):
    cell = PlaybookCellFactory(stage=small.shortlist, persona=small.cfo)
    kpi = StageKpiFactory(stage=small.awareness)
    return {
        "journeys": small.journey,
        "journey-stages": small.shortlist,
        "stage-transitions": small.journey.transitions.first(),
        "playbook-cells": cell,
        "stage-kpis": kpi,
    }


def valid_input(small, endpoint: str) -> dict:
    return {
        "journeys": {"key": "it-buyers", "name": "IT buyers", "review_cadence_months": 12},
        "journey-stages": {
            "journey": small.journey.pk,
            "parent": small.consideration.pk,
            "name": "Proof of concept",
            "slug": "poc",
            "phase": "consideration",
            "position": 3,
        },
        "stage-transitions": {
            "journey": small.journey.pk,
            "from_stage": small.awareness.pk,
            "to_stage": small.decision.pk,
            "trigger": "Referral",
        },
        "playbook-cells": {
            "stage": small.decision.pk,
            "persona": small.it_director.pk,
            "pain_points": ["Risk"],
            "objections": [{"objection": "Security", "response": "SOC 2 report"}],
            "committee_roles": ["technical_evaluator"],
            "content_types": ["customer_reference"],
        },
        "stage-kpis": {"stage": small.decision.pk, "kpi": "conversion_rate", "target": "30.00"},
    }[endpoint]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_sales_reps_read_but_do_not_write(api_client, sales_rep, small, records, endpoint):
    client = api_client(sales_rep)
    record = records[endpoint]

    assert client.get(url(endpoint)).status_code == 200
    assert client.get(url(endpoint, record.pk)).status_code == 200
    assert client.post(url(endpoint), valid_input(small, endpoint)).status_code == 403
    assert client.patch(url(endpoint, record.pk), {}).status_code == 403
    assert client.delete(url(endpoint, record.pk)).status_code == 403
    assert api_client().get(url(endpoint)).status_code == 401


@pytest.mark.parametrize("member", ["marketer", "admin_member"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_marketers_and_admins_write_drafts(request, api_client, small, member, endpoint):
    user = request.getfixturevalue(member)
    client = api_client(user)

    created = client.post(url(endpoint), valid_input(small, endpoint))

    assert created.status_code == 201, created.json()
    assert client.delete(url(endpoint, created.json()["id"])).status_code == 204


def test_a_new_journey_is_a_draft_version_1_owned_by_the_requester(api_client, marketer):
    response = api_client(marketer).post(url("journeys"), {"key": "it", "name": "IT"})

    body = response.json()
    assert (body["version"], body["status"], body["owner"]) == (1, "draft", marketer.pk)
    assert Journey.objects.get(key="it").changes.get().changed_by == marketer


def test_journey_detail_has_stages_transitions_and_review_status(api_client, sales_rep, small):
    body = api_client(sales_rep).get(url("journeys", small.journey.pk)).json()

    assert [stage["slug"] for stage in body["stages"]][:2] == ["awareness", "consideration"]
    assert len(body["stages"]) == 5
    assert len(body["transitions"]) == 4
    assert body["review_due"] is False
    assert body["next_review_due"]


def test_publish_new_version_and_reviews_through_actions(api_client, marketer, small):
    client = api_client(marketer)
    journey = small.journey

    published = client.post(url("journeys", journey.pk, "publish"))
    draft = client.post(url("journeys", journey.pk, "new-version"))
    trigger = client.post(
        url("journeys", journey.pk, "review-triggers"), {"kind": "new_product", "note": "AI"}
    )
    due = client.get(url("journeys", journey.pk)).json()["review_due"]
    review = client.post(url("journeys", journey.pk, "mark-reviewed"), {"notes": "Done"})

    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert draft.status_code == 201
    assert (draft.json()["version"], draft.json()["status"]) == (2, "draft")
    assert len(draft.json()["stages"]) == 5
    assert (trigger.status_code, due) == (201, True)
    assert review.status_code == 201
    assert review.json()["reviewed_by"] == marketer.pk
    assert client.get(url("journeys", journey.pk)).json()["review_due"] is False
    changes = client.get(url("journeys", journey.pk, "changes")).json()
    assert changes[0]["summary"] == "Marked reviewed"


@pytest.mark.parametrize("action", ["publish", "new-version", "mark-reviewed", "review-triggers"])
def test_sales_reps_cannot_publish_or_review(api_client, sales_rep, small, action):
    response = api_client(sales_rep).post(url("journeys", small.journey.pk, action), {})

    assert response.status_code == 403


def test_health_lists_the_findings(api_client, sales_rep, small):
    findings = api_client(sales_rep).get(url("journeys", small.journey.pk, "health")).json()

    assert {"rule", "severity", "message", "where"} == set(findings[0])
    assert "stage_without_content" in {finding["rule"] for finding in findings}


# --- bad input -------------------------------------------------------------------------------


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def test_a_transition_to_another_journeys_stage_names_the_stage(api_client, marketer, small):
    other = build_journey(owner=marketer, key="other")
    data = valid_input(small, "stage-transitions") | {"to_stage": other.decision.pk}

    errors = _errors(api_client(marketer).post(url("stage-transitions"), data))

    assert errors == {"to_stage": ["This stage belongs to another journey."]}
    assert StageTransition.objects.count() == 8


def test_a_sub_stage_under_another_journeys_stage_names_the_parent(api_client, marketer, small):
    other = build_journey(owner=marketer, key="other")
    data = valid_input(small, "journey-stages") | {"parent": other.consideration.pk}

    errors = _errors(api_client(marketer).post(url("journey-stages"), data))

    assert errors == {"parent": ["The parent stage belongs to another journey."]}
    assert not JourneyStage.objects.filter(slug="poc").exists()


@pytest.mark.parametrize("months", [0, 25])
def test_a_cadence_outside_1_to_24_months_names_the_field(api_client, marketer, small, months):
    client = api_client(marketer)

    created = client.post(
        url("journeys"), {"key": "x", "name": "X", "review_cadence_months": months}
    )
    updated = client.patch(url("journeys", small.journey.pk), {"review_cadence_months": months})

    assert "review_cadence_months" in _errors(created)
    assert "review_cadence_months" in _errors(updated)
    small.journey.refresh_from_db()
    assert small.journey.review_cadence_months == 6


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_editing_a_published_version_in_place_names_the_status(
    api_client, marketer, small, records, endpoint
):
    journey_publish(journey=small.journey, changed_by=marketer)
    record = records[endpoint]
    change = {
        "journeys": {"name": "Renamed"},
        "journey-stages": {"name": "Renamed"},
        "stage-transitions": {"trigger": "Renamed"},
        "playbook-cells": {"pain_points": ["Renamed"]},
        "stage-kpis": {"target": "1.00"},
    }[endpoint]
    client = api_client(marketer)

    errors = _errors(client.patch(url(endpoint, record.pk), change))
    deleted = client.delete(url(endpoint, record.pk))

    assert errors == {"status": ["Version 1 is published: start a new version to change it."]}
    assert deleted.status_code == 400
    assert type(record).objects.filter(pk=record.pk).exists()
    record.refresh_from_db()
    assert "Renamed" not in str(vars(record))


def test_an_account_cell_for_an_account_that_is_not_tier_1_names_the_account(
    api_client, marketer, small
):
    account = AccountFactory(tier=Account.Tier.TIER_2, is_target=True)
    data = valid_input(small, "playbook-cells") | {"account": account.pk}

    errors = _errors(api_client(marketer).post(url("playbook-cells"), data))

    assert list(errors) == ["account"]
    assert not PlaybookCell.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"objections": [{"response": "Payback"}]}, "objections"),
        ({"content_types": ["podcast"]}, "content_types"),
        ({"pain_points": "not a list"}, "pain_points"),
    ],
)
def test_bad_cell_entries_name_the_field(api_client, marketer, small, change, field):
    data = valid_input(small, "playbook-cells") | change

    errors = _errors(api_client(marketer).post(url("playbook-cells"), data))

    assert list(errors) == [field]


def test_a_kpi_that_does_not_fit_the_stage_names_the_kpi(api_client, marketer, small):
    data = valid_input(small, "stage-kpis") | {"stage": small.awareness.pk}

    errors = _errors(api_client(marketer).post(url("stage-kpis"), data))

    assert list(errors) == ["kpi"]
    assert not StageKpi.objects.exists()


def test_publishing_an_unreachable_map_names_the_transitions(api_client, marketer, small):
    StageTransition.objects.filter(from_stage=small.awareness).delete()

    errors = _errors(api_client(marketer).post(url("journeys", small.journey.pk, "publish")))

    assert list(errors) == ["transitions"]
    small.journey.refresh_from_db()
    assert small.journey.status == "draft"


# --- query counts ----------------------------------------------------------------------------


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_lists_run_a_fixed_number_of_queries(api_client, sales_rep, marketer, endpoint):
    client = api_client(sales_rep)
    build_journey(owner=marketer, key="first")
    PlaybookCellFactory()
    StageKpiFactory()
    _queries(client, url(endpoint))  # warm the requester's permission cache
    one = _queries(client, url(endpoint))

    for n in range(4):
        small = build_journey(owner=marketer, key=f"more-{n}")
        for persona in PersonaFactory.create_batch(2):
            PlaybookCellFactory(stage=small.shortlist, persona=persona)
        StageKpiFactory(stage=small.awareness)
    many = _queries(client, url(endpoint))

    assert one == many


def test_journey_detail_runs_a_fixed_number_of_queries(api_client, sales_rep, marketer):
    client = api_client(sales_rep)
    small = build_journey(owner=marketer)
    _queries(client, url("journeys", small.journey.pk))  # warm the permission cache
    one = _queries(client, url("journeys", small.journey.pk))

    for n in range(6):
        small.journey.stages.create(
            name=f"Extra {n}", slug=f"extra-{n}", phase="decision", position=20 + n
        )
    many = _queries(client, url("journeys", small.journey.pk))

    assert one == many


def test_the_schema_documents_the_journey_endpoints(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]

    assert {
        "/api/v1/journeys/{id}/publish/",
        "/api/v1/journeys/{id}/new-version/",
        "/api/v1/journeys/{id}/mark-reviewed/",
        "/api/v1/journeys/{id}/review-triggers/",
        "/api/v1/journeys/{id}/health/",
        "/api/v1/journeys/{id}/changes/",
        "/api/v1/playbook-cells/",
        "/api/v1/stage-kpis/",
        "/api/v1/journey-stages/",
        "/api/v1/stage-transitions/",
    } <= set(paths)
