import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.content.models import AssetShare
from apps.enablement.models import DealObjection
from apps.engagement.models import Event, EventKind
from apps.personas.models import BuyingRole
from apps.pipeline.models import PipelineStage
from tests.factories import (
    AssetFactory,
    ContactFactory,
    DealObjectionFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db
WORKSPACE = "/api/v1/opportunity-workspaces/{}/"
OBJECTIONS = "/api/v1/deal-objections/"
SHARES = "/api/v1/asset-shares/"


@pytest.fixture
def cfo(deal):
    persona = PersonaFactory(name="CFO", buying_role=BuyingRole.ECONOMIC_BUYER)
    return ContactFactory(
        account=deal.account,
        first_name="Farah",
        last_name="Okafor",
        persona=persona,
        buying_role=BuyingRole.ECONOMIC_BUYER,
    )


@pytest.fixture
def roi_calculator(cfo, evaluation):
    asset = AssetFactory(title="ROI calculator", journey_stage=evaluation)
    asset.personas.set([cfo.persona])
    return asset


@pytest.fixture
def closed_deal():
    return OpportunityFactory(stage=PipelineStageFactory(outcome=PipelineStage.Outcome.WON))


@pytest.mark.parametrize("role", ["sales_rep", "marketer", "admin_member"])
def test_every_role_reads_the_workspace(request, api_client, role, deal, cfo, roi_calculator):
    response = api_client(request.getfixturevalue(role)).get(WORKSPACE.format(deal.pk))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["opportunity"]["name"] == "Acme rollout"
    assert body["opportunity"]["journey_stage"] == "Evaluation"
    [member] = body["committee"]
    assert member["full_name"] == "Farah Okafor"
    assert (member["buying_role"], member["persona_name"]) == ("economic_buyer", "CFO")
    assert member["last_touch_at"] is None and member["score"] is None
    economic = next(row for row in body["coverage"] if row["role"] == "economic_buyer")
    assert economic["is_missing"] and economic["present"][0]["id"] == cfo.pk
    assert "No economic buyer engaged yet" in economic["summary"]
    [recommendation] = body["recommendations"]
    assert recommendation["asset"]["id"] == roi_calculator.pk
    assert "Made for the deal's stage: Evaluation" in recommendation["reasons"]


def test_workspace_is_refused_anonymously_and_unknown_for_closed_or_missing_deals(
    api_client, sales_rep, deal, closed_deal
):
    assert api_client().get(WORKSPACE.format(deal.pk)).status_code in (401, 403)
    assert api_client(sales_rep).get(WORKSPACE.format(closed_deal.pk)).status_code == 404
    assert api_client(sales_rep).get(WORKSPACE.format(999999)).status_code == 404


def test_workspace_queries_do_not_grow_with_committee_or_library(
    api_client, sales_rep, deal, evaluation, cfo, roi_calculator
):
    client = api_client(sales_rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(WORKSPACE.format(deal.pk)).status_code == 200
        return len(queries)

    count()  # the first read records the recommendations; count the steady state
    one = count()
    for _ in range(4):
        person = ContactFactory(account=deal.account, persona=PersonaFactory())
        AssetFactory(journey_stage=evaluation).personas.set([person.persona])
    count()
    assert count() == one


@pytest.mark.parametrize("role", ["sales_rep", "admin_member"])
def test_reps_and_admins_record_objections(request, api_client, role, deal, cfo):
    user = request.getfixturevalue(role)
    response = api_client(user).post(
        OBJECTIONS,
        {"opportunity": deal.pk, "persona": cfo.persona_id, "text": " Too costly "},
        format="json",
    )
    assert response.status_code == 201, response.json()
    objection = DealObjection.objects.get()
    assert (objection.text, objection.recorded_by, objection.persona) == (
        "Too costly",
        user,
        cfo.persona,
    )


def test_marketers_read_objections_but_do_not_record_them(api_client, marketer, deal):
    DealObjectionFactory(opportunity=deal)
    DealObjectionFactory()
    listed = api_client(marketer).get(OBJECTIONS, {"opportunity": deal.pk})
    assert [row["opportunity"] for row in listed.json()["results"]] == [deal.pk]
    response = api_client(marketer).post(
        OBJECTIONS, {"opportunity": deal.pk, "text": "Too costly"}, format="json"
    )
    assert response.status_code == 403
    assert DealObjection.objects.count() == 2


def test_objection_bad_input_names_the_field(api_client, sales_rep, deal, closed_deal):
    client = api_client(sales_rep)
    for opportunity in (999999, closed_deal.pk):
        response = client.post(
            OBJECTIONS, {"opportunity": opportunity, "text": "Too costly"}, format="json"
        )
        assert response.status_code == 400 and "opportunity" in response.json()["errors"]
    response = client.post(
        OBJECTIONS, {"opportunity": deal.pk, "persona": 999999, "text": "x"}, format="json"
    )
    assert response.status_code == 400 and "persona" in response.json()["errors"]
    response = client.post(OBJECTIONS, {"opportunity": deal.pk, "text": ""}, format="json")
    assert response.status_code == 400 and "text" in response.json()["errors"]
    assert not DealObjection.objects.exists()


@pytest.mark.parametrize("role", ["sales_rep", "admin_member"])
def test_reps_and_admins_share_with_the_committee(
    request, api_client, role, deal, cfo, roi_calculator
):
    user = request.getfixturevalue(role)
    champion = ContactFactory(account=deal.account)
    response = api_client(user).post(
        SHARES,
        {
            "opportunity": deal.pk,
            "asset": roi_calculator.pk,
            "contacts": [cfo.pk, champion.pk],
            "note": "As promised",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(row["contact"] for row in response.json()) == sorted([cfo.pk, champion.pk])
    shares = AssetShare.objects.filter(opportunity=deal, asset=roi_calculator, shared_by=user)
    assert shares.count() == 2
    events = Event.objects.filter(kind=EventKind.ASSET_SHARED, asset=roi_calculator)
    assert sorted(events.values_list("contact_id", flat=True)) == sorted([cfo.pk, champion.pk])
    # Shared now, it leaves the deal's recommendations.
    workspace = api_client(user).get(WORKSPACE.format(deal.pk)).json()
    assert roi_calculator.pk not in [r["asset"]["id"] for r in workspace["recommendations"]]


def test_marketers_read_shares_but_do_not_record_them(
    api_client, marketer, sales_rep, deal, cfo, roi_calculator
):
    api_client(sales_rep).post(
        SHARES,
        {"opportunity": deal.pk, "asset": roi_calculator.pk, "contacts": [cfo.pk]},
        format="json",
    )
    listed = api_client(marketer).get(SHARES, {"opportunity": deal.pk}).json()["results"]
    assert [(row["asset"], row["contact"]) for row in listed] == [(roi_calculator.pk, cfo.pk)]
    response = api_client(marketer).post(
        SHARES,
        {"opportunity": deal.pk, "asset": roi_calculator.pk, "contacts": [cfo.pk]},
        format="json",
    )
    assert response.status_code == 403
    assert AssetShare.objects.count() == 1


def test_share_bad_input_names_the_field_and_saves_nothing(
    api_client, sales_rep, deal, closed_deal, cfo, roi_calculator
):
    client = api_client(sales_rep)

    def share(**changes):
        data = {"opportunity": deal.pk, "asset": roi_calculator.pk, "contacts": [cfo.pk]}
        return client.post(SHARES, {**data, **changes}, format="json")

    for opportunity in (999999, closed_deal.pk):
        response = share(opportunity=opportunity)
        assert response.status_code == 400 and "opportunity" in response.json()["errors"]
    outsider = ContactFactory()
    response = share(contacts=[cfo.pk, outsider.pk])
    assert response.status_code == 400 and "contacts" in response.json()["errors"]
    response = share(contacts=[])
    assert response.status_code == 400 and "contacts" in response.json()["errors"]
    draft = AssetFactory(status="draft")
    response = share(asset=draft.pk)
    assert response.status_code == 400 and "asset" in response.json()["errors"]
    assert not AssetShare.objects.exists()
    assert not Event.objects.filter(kind=EventKind.ASSET_SHARED).exists()
