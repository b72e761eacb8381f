"""A buyer's country and subdivision (their holiday calendar) come in from CRM exports by code
or by name, are stored as ISO and package codes, and a wrong one is named with why."""

import pytest

from apps.accounts.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory
from tests.imports.conftest import row_errors

pytestmark = pytest.mark.django_db

HUBSPOT_CONTACTS = (
    "Email,First Name,Last Name,Company Domain Name,Country/Region,State/Region\n"
    "ann@acme.com,Ann,Lee,acme.com,Germany,Bayern\n"
    "bob@acme.com,Bob,Ray,acme.com,us,california\n"
    "cy@acme.com,Cy,Orr,acme.com,DE,DE-HH\n"
)


def test_a_hubspot_export_fills_country_and_subdivision_by_name_or_code(run_import):
    AccountFactory(domain="acme.com")

    run = run_import("contacts", HUBSPOT_CONTACTS)

    assert run.mapping["Country/Region"] == "country"
    assert run.mapping["State/Region"] == "subdivision"
    places = {
        email: place
        for email, *place in Contact.objects.values_list("email", "country", "subdivision")
    }
    assert places == {
        "ann@acme.com": ["DE", "BY"],
        "bob@acme.com": ["US", "CA"],
        "cy@acme.com": ["DE", "HH"],
    }


def test_an_unknown_country_or_a_subdivision_of_another_is_named(run_import):
    AccountFactory(domain="acme.com")
    run = run_import(
        "contacts",
        "email,first_name,last_name,country,subdivision\n"
        "a@acme.com,A,A,XX,\n"
        "b@acme.com,B,B,DE,ZZ\n"
        "c@acme.com,C,C,,BY\n",
        commit=False,
    )

    assert row_errors(run) == [
        (2, "country", "XX", "Unknown country code 'XX': use one such as DE or US, or the name."),
        (3, "subdivision", "ZZ", "'ZZ' is not a subdivision of DE."),
        (
            4,
            "subdivision",
            "BY",
            "Give the country that 'BY' is a subdivision of, in the same row.",
        ),
    ]


def test_a_new_country_without_a_subdivision_clears_the_old_one_and_empty_cells_keep_both(
    run_import,
):
    moved = AccountFactory(domain="acme.com", country="DE", subdivision="BY")
    kept = AccountFactory(domain="globex.io", country="US", subdivision="CA")
    ContactFactory(account=kept, email="kim@globex.io", country="US", subdivision="NY")

    run_import("accounts", "domain,country,subdivision\nacme.com,AT,\nglobex.io,,\n")
    run_import("contacts", "email,title\nkim@globex.io,CTO\n")

    assert Account.objects.values_list("country", "subdivision").get(pk=moved.pk) == ("AT", "")
    assert Account.objects.values_list("country", "subdivision").get(pk=kept.pk) == ("US", "CA")
    assert Contact.objects.values_list("country", "subdivision").get() == ("US", "NY")
