"""Bad input is a 400 that names the field, whether the serializer or the model catches it."""

import pytest

from apps.accounts.models import Account
from apps.personas.models import Persona
from tests.api.conftest import url
from tests.factories import AccountFactory, ContactFactory, PlaybookCellFactory

pytestmark = pytest.mark.django_db

MISSING = 999_999


def _with(endpoint: str, **changes):
    """Valid input for `endpoint` with `changes` (a callable value gets the world)."""

    def build(world):
        body = world.valid_input(endpoint)
        for field, value in changes.items():
            body[field] = value(world) if callable(value) else value
        return body

    return build


CREATE_CASES = [
    # endpoint, body, the fields the errors must name
    ("accounts", lambda w: {}, {"name", "domain"}),
    ("accounts", _with("accounts", tier=7), {"tier"}),
    ("accounts", _with("accounts", fit_score=101), {"fit_score"}),
    ("accounts", _with("accounts", fit_score=-1), {"fit_score"}),
    ("accounts", _with("accounts", employee_count=-1), {"employee_count"}),
    ("accounts", _with("accounts", annual_revenue="-0.01"), {"annual_revenue"}),
    ("accounts", _with("accounts", annual_revenue="1" * 15), {"annual_revenue"}),
    ("accounts", _with("accounts", owner=MISSING), {"owner"}),
    ("accounts", _with("accounts", domain="acme.com"), {"domain"}),
    ("accounts", _with("accounts", domain="ACME.com"), {"domain"}),
    ("accounts", _with("accounts", domain="www.acme.com"), {"domain"}),
    ("accounts", _with("accounts", domain="https://WWW.Acme.com/pricing"), {"domain"}),
    ("accounts", _with("accounts", domain="https://"), {"domain"}),
    ("contacts", lambda w: {}, {"account", "first_name", "last_name", "email"}),
    ("contacts", _with("contacts", email="ann@acme.com"), {"email"}),
    ("contacts", _with("contacts", email="ANN@Acme.com"), {"email"}),
    ("contacts", _with("contacts", email="not-an-email"), {"email"}),
    ("contacts", _with("contacts", persona=MISSING), {"persona"}),
    ("contacts", _with("contacts", account=MISSING), {"account"}),
    ("contacts", _with("contacts", buying_role="decider"), {"buying_role"}),
    ("contacts", _with("contacts", consent="maybe"), {"consent"}),
    ("contacts", _with("contacts", time_zone="Mars/Olympus"), {"time_zone"}),
    ("contacts", _with("contacts", country="XX"), {"country"}),
    ("contacts", _with("contacts", country="DE", subdivision="ZZ"), {"subdivision"}),
    ("contacts", _with("contacts", subdivision="BY"), {"subdivision"}),
    ("accounts", _with("accounts", country="DE", subdivision="CA"), {"subdivision"}),
    ("opportunities", lambda w: {}, {"account", "name", "stage"}),
    ("opportunities", _with("opportunities", amount="-1"), {"amount"}),
    ("opportunities", _with("opportunities", amount="1" * 13), {"amount"}),
    ("opportunities", _with("opportunities", stage=MISSING), {"stage"}),
    ("opportunities", _with("opportunities", account=MISSING), {"account"}),
    ("opportunities", _with("opportunities", expected_close_date="soon"), {"expected_close_date"}),
    ("personas", lambda w: {}, {"name", "buying_role"}),
    ("personas", _with("personas", buying_role="decider"), {"buying_role"}),
    ("personas", _with("personas", name="IT Director"), {"name"}),
    ("assets", lambda w: {}, {"title", "asset_type", "journey_stage"}),
    ("assets", _with("assets", asset_type="podcast"), {"asset_type"}),
    ("assets", _with("assets", journey_stage=MISSING), {"journey_stage"}),
    ("assets", _with("assets", personas=[MISSING]), {"personas"}),
    ("assets", _with("assets", status="archived"), {"status"}),
    # A published asset needs somewhere to be read: the model's clean() says so.
    ("assets", _with("assets", url=""), {"url"}),
]


@pytest.mark.parametrize(
    ("endpoint", "build", "fields"),
    [pytest.param(*case, id=f"{case[0]}-{'-'.join(sorted(case[2]))}") for case in CREATE_CASES],
)
def test_invalid_input_is_a_400_naming_the_field(
    api_client, admin_member, world, endpoint, build, fields
):
    response = api_client(admin_member).post(url(endpoint), build(world))
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("accounts", {"fit_score": 100, "employee_count": 0, "annual_revenue": "0"}),
        ("accounts", {"annual_revenue": "9" * 14 + ".99"}),
        ("opportunities", {"amount": "0"}),
        ("opportunities", {"amount": "9" * 12 + ".99"}),
    ],
)
def test_values_at_the_ends_of_their_range_are_accepted(
    api_client, admin_member, world, endpoint, body
):
    response = api_client(admin_member).post(url(endpoint), world.valid_input(endpoint) | body)
    assert response.status_code == 201, response.content


def test_a_domain_is_stored_in_its_normal_spelling(api_client, admin_member, world):
    body = world.valid_input("accounts") | {"domain": "https://www.Northwind.example/about"}
    response = api_client(admin_member).post(url("accounts"), body)
    assert response.status_code == 201
    assert response.json()["domain"] == "northwind.example"


def test_renaming_a_domain_to_another_accounts_is_a_400(api_client, admin_member, world):
    other = AccountFactory(domain="globex.com")
    response = api_client(admin_member).patch(url("accounts", other.pk), {"domain": "WWW.ACME.COM"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"domain"}
    other.refresh_from_db()
    assert other.domain == "globex.com"


def test_changing_a_contacts_email_to_a_taken_one_is_a_400(api_client, admin_member, world):
    taken = world.contact.email.upper()
    other = ContactFactory(account=world.account)
    response = api_client(admin_member).patch(url("contacts", other.pk), {"email": taken})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"stage": MISSING}, {"stage"}),
        ({}, {"stage"}),
        ({"stage": "discovery"}, {"stage"}),
        ({"stage": None, "note": "x" * 301}, {"stage", "note"}),
    ],
)
def test_moving_to_an_unknown_stage_is_a_400(api_client, world, sales_rep, body, fields):
    response = api_client(sales_rep).post(
        url("opportunities", world.opportunity.pk, "move-stage"), body
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    world.opportunity.refresh_from_db()
    assert world.opportunity.stage == world.discovery


def test_a_clash_the_checks_could_not_see_is_a_409_and_saves_nothing(
    api_client, admin_member, monkeypatch
):
    # Two requests racing past the uniqueness check: the database constraint decides.
    AccountFactory(domain="acme.com")
    monkeypatch.setattr(Account, "validate_unique", lambda self, exclude=None: None)

    response = api_client(admin_member).post(
        url("accounts"), {"name": "Acme twin", "domain": "acme.com", "tier": 2}
    )

    assert response.status_code == 409
    assert "conflicts" in response.json()["detail"]
    assert Account.objects.filter(domain="acme.com").count() == 1


def test_deleting_a_record_still_in_use_is_a_409_that_says_by_what(api_client, admin_member):
    persona = PlaybookCellFactory().persona
    client = api_client(admin_member)

    asked = client.delete(url("personas", persona.pk) + "?permanent=true")
    assert asked.status_code == 409
    assert asked.json()["blocked_by"] == {"playbook cells": 1}
    confirm = asked.json()["confirm"]
    response = client.delete(url("personas", persona.pk) + f"?permanent=true&confirm={confirm}")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Cannot delete: still used by 1 playbook cells. Remove or reassign those first."
    )
    assert Persona.objects.filter(pk=persona.pk).exists()


def test_a_contacts_country_and_subdivision_are_checked_with_messages_naming_them(
    api_client, admin_member, world
):
    client, contact = api_client(admin_member), world.contact

    unknown = client.patch(url("contacts", contact.pk), {"country": "XX"})
    assert unknown.json()["errors"] == {"country": ["Unknown country code 'XX'."]}
    elsewhere = client.patch(url("contacts", contact.pk), {"country": "DE", "subdivision": "ZZ"})
    assert elsewhere.json()["errors"] == {"subdivision": ["'ZZ' is not a subdivision of DE."]}

    # A subdivision given as DE-BY or in lower case is stored as the holidays package spells it.
    saved = client.patch(url("contacts", contact.pk), {"country": "DE", "subdivision": "de-by"})
    assert saved.status_code == 200, saved.content
    assert (saved.json()["country"], saved.json()["subdivision"]) == ("DE", "BY")
