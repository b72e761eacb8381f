"""What comes in: seniority from title rules (the starter kit's among them), imports and the API;
a fit score from an import."""

import pytest

from apps.accounts.models import Account, Contact
from apps.imports.fields import seniority
from apps.imports.presets import mapping_suggest
from apps.personas.models import TitleRule
from apps.personas.selectors import title_rule_matcher
from apps.starter.services import starter_kit_install
from apps.users.models import Role
from tests.factories import AccountFactory, ContactFactory, PersonaFactory, UserFactory
from tests.imports.conftest import importer, run_import  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Chief Financial Officer", "c_level"),
        ("CFO", "c_level"),
        ("Vice President, Procurement", "vp"),
        ("SVP Finance", "vp"),
        ("Managing Director", "c_level"),
        ("Director of IT", "director"),
        ("Head of Finance Systems", "director"),
        ("Accounts Payable Manager", "manager"),
        ("AP Team Lead", "manager"),
        ("Accounts Payable Specialist", "individual"),
        ("AP Clerk", "individual"),
        ("Board member", ""),
    ],
)
def test_the_starter_kit_rules_tell_seniority_from_titles(title, expected):
    starter_kit_install()

    assert title_rule_matcher()(title).seniority == expected


def test_seniority_rules_sit_beside_persona_rules():
    cfo = PersonaFactory(name="CFO")
    TitleRule.objects.create(pattern="VP", seniority="vp", position=1)
    TitleRule.objects.create(
        pattern="Finance", persona=cfo, buying_role="economic_buyer", position=2
    )
    TitleRule.objects.create(pattern="VP Finance", seniority="c_level", position=3)

    assert title_rule_matcher()("VP Finance") == (cfo.pk, "economic_buyer", "vp")


def test_an_import_sets_seniority_from_its_column_else_from_the_title(run_import):  # noqa: F811
    AccountFactory(domain="acme.com")
    TitleRule.objects.create(pattern="VP|Vice President", seniority="vp")
    kept = ContactFactory(email="d@acme.com", account=Account.objects.get(), seniority="director")

    run = run_import(
        "contacts",
        "email,first_name,last_name,title,seniority\n"
        "a@acme.com,A,A,VP Sales,\n"
        "b@acme.com,B,B,VP Sales,Executive\n"
        "c@acme.com,C,C,Analyst,Individual contributor\n"
        "d@acme.com,D,D,VP Sales,\n"
        "e@acme.com,E,E,Analyst,\n",
    )

    assert run.creates == 4 and not run.row_errors.exists()
    found = dict(Contact.objects.values_list("email", "seniority"))
    assert found == {
        "a@acme.com": "vp",
        "b@acme.com": "c_level",
        "c@acme.com": "individual",
        "d@acme.com": kept.seniority,  # a seniority it has stays
        "e@acme.com": "",
    }


def test_an_unknown_seniority_is_a_row_error():
    with pytest.raises(Exception, match="Unknown value: use one of c_level, vp"):
        seniority("Wizard")


def test_a_hubspot_seniority_column_is_suggested():
    suggestion = mapping_suggest(kind="contacts", header=["Email", "Job Title", "Seniority"])

    assert suggestion.mapping["Seniority"] == "seniority"


def test_the_api_sets_and_shows_seniority(api_client):
    contact = ContactFactory()
    client = api_client(UserFactory(role=Role.ADMIN))

    response = client.patch(
        f"/api/v1/contacts/{contact.pk}/", {"seniority": "director"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["seniority"] == "director"
    assert client.patch(
        f"/api/v1/contacts/{contact.pk}/", {"seniority": "boss"}, format="json"
    ).json()["errors"] == {"seniority": ['"boss" is not a valid choice.']}


def test_an_imported_fit_score_is_set_by_hand_unless_unchanged(run_import):  # noqa: F811
    AccountFactory(domain="kept.com", fit_score=0)

    run_import(
        "accounts",
        "domain,name,fit_score\nnew.com,New,70\nkept.com,Kept,0\nblank.com,Blank,\n",
    )

    found = dict(Account.objects.values_list("domain", "fit_source"))
    assert found == {"new.com": "manual", "kept.com": "learned", "blank.com": "learned"}
