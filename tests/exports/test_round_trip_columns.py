"""The accounts, contacts and opportunities exports write what the importer reads back: the
canonical columns, natural keys and stored values, nothing that needs a person to tidy it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.models import Account, Contact
from apps.accounts.selectors import ACCOUNT_CSV_COLUMNS, CONTACT_CSV_COLUMNS
from apps.personas.models import BuyingRole, Seniority
from apps.pipeline.models import PipelineStage
from apps.pipeline.selectors import OPPORTUNITY_CSV_COLUMNS
from tests.downloads import csv_rows
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    owner = UserFactory(email="rita.rep@waymark.test")
    account = AccountFactory(
        external_source="hubspot",
        external_id="901",
        name="Acme",
        domain="acme.example",
        industry="Retail",
        region="EMEA",
        country="DE",
        subdivision="BY",
        employee_count=1200,
        annual_revenue="25000000.00",
        tier=Account.Tier.TIER_1,
        is_target=True,
        fit_score=82,
        owner=owner,
    )
    ContactFactory(
        account=account,
        external_source="hubspot",
        external_id="c-7",
        email="ann@acme.example",
        first_name="Ann",
        last_name="Lee",
        title="CFO",
        persona=PersonaFactory(name="Finance leader"),
        buying_role=BuyingRole.ECONOMIC_BUYER,
        seniority=Seniority.C_LEVEL,
        consent=Contact.Consent.OPTED_IN,
        time_zone="Europe/Berlin",
        country="AT",
        subdivision="9",
    )
    OpportunityFactory(
        account=account,
        external_source="hubspot",
        external_id="d-3",
        name="Acme rollout",
        owner=owner,
        stage__name="Proposal",
        stage__outcome=PipelineStage.Outcome.OPEN,
        amount="48000.00",
        currency="EUR",
        expected_close_date=date(2027, 2, 26),
        stage_entered_at=datetime(2026, 11, 2, 10, 15, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    return account


ACME = {
    "external_source": "hubspot",
    "external_id": "901",
    "name": "Acme",
    "domain": "acme.example",
    "industry": "Retail",
    "region": "EMEA",
    "country": "DE",
    "subdivision": "BY",
    "employee_count": "1200",
    "annual_revenue": "25000000.00",
    "tier": "1",
    "is_target": "true",
    "fit_score": "82",
    "owner_email": "rita.rep@waymark.test",
}
ANN = {
    "external_source": "hubspot",
    "external_id": "c-7",
    "email": "ann@acme.example",
    "first_name": "Ann",
    "last_name": "Lee",
    "title": "CFO",
    "account_domain": "acme.example",
    "persona": "Finance leader",
    "buying_role": "economic_buyer",
    "seniority": "c_level",
    "consent": "opted_in",
    "time_zone": "Europe/Berlin",
    "country": "AT",
    "subdivision": "9",
}
ROLLOUT = {
    "external_source": "hubspot",
    "external_id": "d-3",
    "name": "Acme rollout",
    "account_domain": "acme.example",
    "owner_email": "rita.rep@waymark.test",
    "stage": "Proposal",
    "amount": "48000.00",
    "currency": "EUR",
    "expected_close_date": "2027-02-26",
    "stage_entered_at": "2026-11-02T09:15:00+00:00",
}


@pytest.mark.parametrize(
    ("path", "columns", "row"),
    [
        ("/accounts/?format=csv", ACCOUNT_CSV_COLUMNS, ACME),
        ("/accounts/?format=csv&rows=contacts", CONTACT_CSV_COLUMNS, ANN),
        ("/opportunities/?format=csv", OPPORTUNITY_CSV_COLUMNS, ROLLOUT),
    ],
    ids=["accounts", "contacts", "opportunities"],
)
def test_an_export_writes_the_importers_columns_and_values(
    client, admin_member, acme, path, columns, row
):
    client.force_login(admin_member)

    header, *rows = csv_rows(client.get(path))

    assert header == list(columns)
    assert [dict(zip(header, written, strict=True)) for written in rows] == [row]
