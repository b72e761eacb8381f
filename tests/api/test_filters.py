"""A few representative filters, searches and orderings per endpoint."""

import pytest

from apps.accounts.models import Contact
from apps.journeys.models import Phase
from apps.personas.models import BuyingRole
from tests.api.conftest import url
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
)

pytestmark = pytest.mark.django_db


def _names(client, endpoint: str, query: str, key: str = "name") -> set[str]:
    response = client.get(f"{url(endpoint)}?{query}")
    assert response.status_code == 200, response.content
    return {row[key] for row in response.json()["results"]}


def test_account_filters(api_client, marketer, sales_rep):
    AccountFactory(name="Acme", domain="acme.com", tier=1, is_target=True, fit_score=90)
    AccountFactory(name="Globex", industry="Retail", region="NA", fit_score=50, owner=sales_rep)
    AccountFactory(name="Initech", tier=3, fit_score=10)
    client = api_client(marketer)
    assert _names(client, "accounts", "tier=1") == {"Acme"}
    assert _names(client, "accounts", "is_target=true") == {"Acme"}
    assert _names(client, "accounts", "industry=retail") == {"Globex"}
    assert _names(client, "accounts", "region=na") == {"Globex"}
    assert _names(client, "accounts", f"owner={sales_rep.pk}") == {"Globex"}
    assert _names(client, "accounts", "fit_score_min=50") == {"Acme", "Globex"}
    assert _names(client, "accounts", "fit_score_min=10&fit_score_max=50") == {"Globex", "Initech"}
    assert _names(client, "accounts", "search=acme.com") == {"Acme"}
    ordered = client.get(f"{url('accounts')}?ordering=-fit_score").json()["results"]
    assert [row["name"] for row in ordered] == ["Acme", "Globex", "Initech"]


def test_account_filters_refuse_a_bad_value(api_client, marketer):
    response = api_client(marketer).get(f"{url('accounts')}?tier=9")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"tier"}


def test_contact_filters(api_client, sales_rep):
    acme, globex = AccountFactory(), AccountFactory()
    cfo = PersonaFactory()
    ContactFactory(account=acme, last_name="Ames", persona=cfo, buying_role=BuyingRole.CHAMPION)
    ContactFactory(
        account=globex,
        last_name="Baker",
        buying_role=BuyingRole.BLOCKER,
        consent=Contact.Consent.OPTED_OUT,
    )
    client = api_client(sales_rep)
    assert _names(client, "contacts", f"account={acme.pk}", "last_name") == {"Ames"}
    assert _names(client, "contacts", f"persona={cfo.pk}", "last_name") == {"Ames"}
    assert _names(client, "contacts", "buying_role=blocker", "last_name") == {"Baker"}
    assert _names(client, "contacts", "consent=opted_out", "last_name") == {"Baker"}
    assert _names(client, "contacts", "search=bak", "last_name") == {"Baker"}


def test_opportunity_filters(api_client, world, sales_rep, other_sales_rep):
    world.opportunity.name, world.others_opportunity.name = "Mine", "Theirs"
    world.opportunity.save(update_fields=["name"])
    world.others_opportunity.save(update_fields=["name"])
    OpportunityFactory(name="Closed", stage=world.won, owner=other_sales_rep)
    client = api_client(sales_rep)
    assert _names(client, "opportunities", "mine=true") == {"Mine"}
    assert _names(client, "opportunities", "mine=false") == {"Mine", "Theirs", "Closed"}
    assert _names(client, "opportunities", "is_open=true") == {"Mine", "Theirs"}
    assert _names(client, "opportunities", "is_open=false") == {"Closed"}
    assert _names(client, "opportunities", f"stage={world.won.pk}") == {"Closed"}
    assert _names(client, "opportunities", f"owner={other_sales_rep.pk}") == {"Theirs", "Closed"}
    assert _names(client, "opportunities", f"account={world.account.pk}") == {"Mine", "Theirs"}
    assert _names(client, "opportunities", "search=acme") == {"Mine", "Theirs"}


def test_persona_filters(api_client, sales_rep):
    PersonaFactory(name="CFO", buying_role=BuyingRole.ECONOMIC_BUYER)
    PersonaFactory(name="Engineer", buying_role=BuyingRole.TECHNICAL_EVALUATOR)
    client = api_client(sales_rep)
    assert _names(client, "personas", "buying_role=economic_buyer") == {"CFO"}
    assert _names(client, "personas", "search=engin") == {"Engineer"}


def test_asset_filters(api_client, sales_rep):
    aware = JourneyStageFactory(phase=Phase.AWARENESS)
    decide = JourneyStageFactory(phase=Phase.DECISION)
    cfo = PersonaFactory()
    AssetFactory(title="Trends", asset_type="trend_report", journey_stage=aware)
    pricing = AssetFactory(title="Pricing", asset_type="pricing_sheet", journey_stage=decide)
    pricing.personas.add(cfo)
    AssetFactory(title="Draft", journey_stage=decide, status="draft", url="")
    client = api_client(sales_rep)
    assert _names(client, "assets", "phase=decision", "title") == {"Pricing", "Draft"}
    assert _names(client, "assets", f"journey_stage={aware.pk}", "title") == {"Trends"}
    assert _names(client, "assets", f"persona={cfo.pk}", "title") == {"Pricing"}
    assert _names(client, "assets", "asset_type=trend_report", "title") == {"Trends"}
    assert _names(client, "assets", "status=draft", "title") == {"Draft"}
    assert _names(client, "assets", "status=published&phase=decision", "title") == {"Pricing"}
