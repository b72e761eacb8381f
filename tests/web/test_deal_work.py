"""A rep works their own deal where they see it: stage moves through the pipeline service (its
refusals on the field), amount and close date, calls, meetings and notes; shares and objections
in the workspace. Only the owner or a sales manager may; the API holds the same rules."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.content.models import Asset, AssetShare
from apps.enablement.models import DealObjection
from apps.engagement.models import Direction, Event, EventKind
from apps.pipeline.models import StageChange
from tests.factories import (
    AssetFactory,
    ContactFactory,
    OpportunityFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return [
        PipelineStageFactory(name="Discovery", max_days_in_stage=30),
        PipelineStageFactory(name="Proposal", max_days_in_stage=30),
    ]


@pytest.fixture
def deal(sales_rep, stages):
    return OpportunityFactory(
        owner=sales_rep,
        stage=stages[0],
        name="Acme rollout",
        stage_entered_at=timezone.now() - datetime.timedelta(days=3),
    )


@pytest.fixture
def theirs(other_sales_rep, stages):
    return OpportunityFactory(owner=other_sales_rep, stage=stages[0], name="Globex pilot")


def _url(name, deal):
    return reverse(f"web:{name}", args=[deal.pk])


def _field_errors(html: str, field: str) -> list[str]:
    """The messages shown under one field of the page's forms (before the next label)."""
    after_input = html.split(f'id="id_{field}"', 1)[1].split("<label", 1)[0]
    return re.findall(r'class="invalid-feedback d-block">([^<]+)<', after_input)


def test_the_owner_sees_the_forms_others_do_not(client_for, sales_rep, other_sales_rep, deal):
    assert (
        'data-testid="work-deal"'
        in client_for(sales_rep).get(_url("opportunity_detail", deal)).text
    )
    page = client_for(other_sales_rep).get(_url("opportunity_detail", deal)).text
    assert 'data-testid="work-deal"' not in page
    for label in ("Move to stage", "Moved on", "Amount", "Expected close", "Outcome"):
        assert (
            f">{label}</label>" in client_for(sales_rep).get(_url("opportunity_detail", deal)).text
        )


def test_the_owner_moves_the_stage_through_the_pipeline_service(
    client_for, sales_rep, deal, stages
):
    response = client_for(sales_rep).post(
        _url("opportunity_move", deal), {"stage": stages[1].pk, "note": "Pricing asked"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == stages[1]
    current = StageChange.objects.get(opportunity=deal, exited_at__isnull=True)
    assert (current.from_stage, current.changed_by, current.note) == (
        stages[0],
        sales_rep,
        "Pricing asked",
    )


def test_a_move_the_service_refuses_shows_its_message_on_the_field(
    client_for, sales_rep, deal, stages
):
    before_entry = timezone.localdate() - datetime.timedelta(days=10)
    response = client_for(sales_rep).post(
        _url("opportunity_move", deal), {"stage": stages[1].pk, "moved_on": before_entry}
    )
    assert response.status_code == 400
    [message] = _field_errors(response.text, "stage")
    assert message.startswith("The move predates the current stage, entered")
    deal.refresh_from_db()
    assert deal.stage == stages[0]

    same = client_for(sales_rep).post(_url("opportunity_move", deal), {"stage": stages[0].pk})
    assert _field_errors(same.text, "stage") == ["The deal is already in Discovery."]

    future = timezone.localdate() + datetime.timedelta(days=2)
    response = client_for(sales_rep).post(
        _url("opportunity_move", deal), {"stage": stages[1].pk, "moved_on": future}
    )
    assert _field_errors(response.text, "moved_on") == ["Pick today or a day before."]


def test_the_owner_edits_amount_and_close_date_and_bad_values_stay_on_the_field(
    client_for, sales_rep, deal
):
    client = client_for(sales_rep)
    response = client.post(
        _url("opportunity_edit", deal), {"amount": "48000", "expected_close_date": "2027-03-31"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.amount, deal.expected_close_date) == (48000, datetime.date(2027, 3, 31))

    response = client.post(_url("opportunity_edit", deal), {"amount": "-5"})
    assert response.status_code == 400
    assert _field_errors(response.text, "amount") == [
        "Ensure this value is greater than or equal to 0."
    ]


def test_a_logged_call_is_seller_initiated_activity_on_the_deal_s_timeline(
    client_for, sales_rep, deal
):
    champion = ContactFactory(account=deal.account, first_name="Ines", last_name="Moreau")
    response = client_for(sales_rep).post(
        _url("opportunity_log_activity", deal),
        {
            "kind": "call",
            "occurred_on": timezone.localdate() - datetime.timedelta(days=1),
            "outcome": "connected",
            "contact": champion.pk,
            "notes": "Budget confirmed for Q2",
        },
        follow=True,
    )
    event = Event.objects.get(account=deal.account)
    assert (event.kind, event.direction, event.contact) == (
        EventKind.CALL,
        Direction.SELLER,
        champion,
    )
    assert event.properties["outcome"] == "connected"
    assert event.properties["opportunity"] == deal.pk
    timeline = response.text.split('data-testid="activity-timeline"', 1)[1]
    assert "Ines Moreau" in timeline and "Budget confirmed for Q2" in timeline
    assert "<td>Connected</td>" in timeline  # the outcome in words, not its code

    refused = client_for(sales_rep).post(
        _url("opportunity_log_activity", deal),
        {"kind": "meeting", "occurred_on": "", "outcome": "held"},
    )
    assert refused.status_code == 400
    assert _field_errors(refused.text, "occurred_on") == ["This field is required."]


def test_another_rep_cannot_work_the_deal_a_manager_can(
    client_for, other_sales_rep, sales_manager, deal, stages
):
    for name, data in [
        ("opportunity_move", {"stage": stages[1].pk}),
        ("opportunity_edit", {"amount": "1"}),
        (
            "opportunity_log_activity",
            {"kind": "note", "occurred_on": "2026-01-02", "outcome": "noted"},
        ),
    ]:
        refused = client_for(other_sales_rep).post(_url(name, deal), data)
        assert refused.status_code == 403, name
        assert "Only the deal&#x27;s owner" in refused.text, name
    deal.refresh_from_db()
    assert (deal.stage, deal.amount, Event.objects.count()) == (stages[0], 25000, 0)

    manager = client_for(sales_manager)
    assert 'data-testid="work-deal"' in manager.get(_url("opportunity_detail", deal)).text
    assert manager.post(_url("opportunity_move", deal), {"stage": stages[1].pk}).status_code == 302
    deal.refresh_from_db()
    assert deal.stage == stages[1]


def test_the_api_holds_the_same_rules(
    api_client, sales_rep, other_sales_rep, sales_manager, deal, stages
):
    url = f"/api/v1/opportunities/{deal.pk}/"
    other, manager = api_client(other_sales_rep), api_client(sales_manager)

    moved = other.post(url + "move-stage/", {"stage": stages[1].pk}, format="json")
    edited = other.patch(url, {"amount": "1"}, format="json")
    logged = other.post(
        url + "activities/", {"kind": "call", "outcome": "connected"}, format="json"
    )
    assert [r.status_code for r in (moved, edited, logged)] == [403, 403, 403]
    assert moved.json()["detail"] == (
        f"This opportunity is {sales_rep}'s: only its owner or a manager can change it."
    )

    assert (
        manager.post(url + "move-stage/", {"stage": stages[1].pk}, format="json").status_code == 200
    )
    assert manager.patch(url, {"amount": "9000"}, format="json").json()["amount"] == "9000.00"
    logged = api_client(sales_rep).post(
        url + "activities/", {"kind": "meeting", "outcome": "held"}, format="json"
    )
    assert logged.status_code == 201
    assert (logged.json()["kind"], logged.json()["direction"]) == ("meeting", "seller")
    future = api_client(sales_rep).post(
        url + "activities/",
        {"kind": "call", "outcome": "x", "occurred_at": "2999-01-01T00:00:00Z"},
        format="json",
    )
    assert future.status_code == 400
    assert list(future.json()["errors"]) == ["occurred_at"]


@pytest.fixture
def brochure():
    return AssetFactory(status=Asset.Status.PUBLISHED)


def test_only_the_owner_or_a_manager_records_shares_and_objections(
    client_for, api_client, sales_rep, other_sales_rep, sales_manager, deal, brochure
):
    person = ContactFactory(account=deal.account)
    share = {"asset": brochure.pk, "contacts": [person.pk]}
    objection = {"text": "Too expensive"}

    # The workspace offers neither to another rep; forced, both are refused.
    workspace = client_for(other_sales_rep).get(reverse("enablement:workspace", args=[deal.pk]))
    assert "Record share" not in workspace.text
    assert 'action="/enablement/opportunities/' not in workspace.text
    ui = client_for(other_sales_rep)
    assert ui.post(reverse("enablement:share", args=[deal.pk]), share).status_code == 403
    assert ui.post(reverse("enablement:objection", args=[deal.pk]), objection).status_code == 403

    api = api_client(other_sales_rep)
    shared = api.post("/api/v1/asset-shares/", {**share, "opportunity": deal.pk}, format="json")
    objected = api.post(
        "/api/v1/deal-objections/", {**objection, "opportunity": deal.pk}, format="json"
    )
    assert (shared.status_code, objected.status_code) == (403, 403)
    assert shared.json()["detail"] == (
        f"Only the deal's owner ({sales_rep}) or a sales manager can share on it."
    )
    assert AssetShare.objects.count() == DealObjection.objects.count() == 0

    manager = api_client(sales_manager)
    assert (
        manager.post(
            "/api/v1/asset-shares/", {**share, "opportunity": deal.pk}, format="json"
        ).status_code
        == 201
    )
    assert (
        client_for(sales_rep)
        .post(reverse("enablement:objection", args=[deal.pk]), objection)
        .status_code
        == 302
    )
    assert AssetShare.objects.count() == DealObjection.objects.count() == 1
