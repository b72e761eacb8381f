from decimal import Decimal

import pytest

from apps.accounts.models import Account, Contact
from apps.imports.models import ImportChange, ImportRun
from tests.factories import AccountFactory, ContactFactory, PersonaFactory
from tests.imports.conftest import row_errors

pytestmark = pytest.mark.django_db

ACCOUNTS = (
    "name,domain,industry,tier,is_target,employee_count,annual_revenue,owner_email\n"
    "Acme,https://www.Acme.com/about,Manufacturing,Tier 1,yes,1200,5000000.50,ivy@waymark.test\n"
    "Globex,globex.io,Energy,2,no,,,\n"
)


def test_accounts_are_created_with_normalised_domains_and_counted(run_import, importer):
    run = run_import("accounts", ACCOUNTS)

    assert (run.status, run.creates, run.updates, run.unchanged, run.errors) == (
        "committed",
        2,
        0,
        0,
        0,
    )
    acme = Account.objects.get(domain="acme.com")
    assert (acme.name, acme.tier, acme.is_target, acme.employee_count) == ("Acme", 1, True, 1200)
    assert acme.annual_revenue == Decimal("5000000.50")
    assert acme.owner == importer
    globex = Account.objects.get(domain="globex.io")
    assert (globex.tier, globex.is_target, globex.owner) == (2, False, None)
    assert ImportChange.objects.filter(run=run, action="created").count() == 2


def test_reimport_by_domain_updates_what_changed_and_counts_the_rest_unchanged(run_import):
    run_import("accounts", ACCOUNTS)
    changed = ACCOUNTS.replace("Energy", "Utilities")

    run = run_import("accounts", changed)

    assert (run.creates, run.updates, run.unchanged) == (0, 1, 1)
    assert Account.objects.get(domain="globex.io").industry == "Utilities"
    assert Account.objects.count() == 2


def test_an_empty_cell_keeps_the_stored_value(run_import):
    AccountFactory(domain="acme.com", industry="Retail", employee_count=40)

    run_import("accounts", "domain,industry,employee_count\nacme.com,,41\n")

    acme = Account.objects.get(domain="acme.com")
    assert (acme.industry, acme.employee_count) == ("Retail", 41)


def test_upsert_by_external_id_renames_the_domain(run_import):
    account = AccountFactory(domain="old.example", external_source="hubspot", external_id="77")

    run = run_import(
        "accounts", "Record ID,Company name,Company Domain Name\n77,Renamed,new.example\n"
    )

    assert run.source == "hubspot"
    account.refresh_from_db()
    assert (account.name, account.domain) == ("Renamed", "new.example")
    assert (run.creates, run.updates) == (0, 1)


def test_a_domain_match_gets_the_external_id_filled_in(run_import):
    account = AccountFactory(domain="acme.com")

    run_import("accounts", "external_id,domain\nA-1,acme.com\n", source="salesforce")

    account.refresh_from_db()
    assert (account.external_source, account.external_id) == ("salesforce", "A-1")


def test_contacts_upsert_by_email_whatever_its_case(run_import):
    acme = AccountFactory(domain="acme.com")
    contact = ContactFactory(account=acme, email="ana@acme.com", title="Analyst")

    run = run_import(
        "contacts",
        "email,first_name,last_name,title\nANA@Acme.com,Ana,Lima,CFO\nbo@acme.com,Bo,Berg,\n",
    )

    assert (run.creates, run.updates) == (1, 1)
    contact.refresh_from_db()
    assert (contact.first_name, contact.title) == ("Ana", "CFO")
    assert Contact.objects.get(email="bo@acme.com").account == acme


def test_contacts_find_their_account_by_column_else_by_email_domain(run_import):
    acme = AccountFactory(domain="acme.com")
    partner = AccountFactory(domain="partner.example", external_source="hubspot", external_id="9")

    run_import(
        "contacts",
        "email,first_name,last_name,account_domain,account_external_id\n"
        "a@gmail.com,A,One,acme.com,\n"
        "b@acme.com,B,Two,,\n"
        "c@acme.com,C,Three,,9\n",
        source="hubspot",
    )

    accounts = dict(Contact.objects.values_list("email", "account__domain"))
    assert accounts == {
        "a@gmail.com": "acme.com",
        "b@acme.com": "acme.com",
        "c@acme.com": partner.domain,
    }
    assert acme.contacts.count() == 2


def test_title_rules_fill_persona_and_role_when_the_row_has_neither(run_import):
    from apps.personas.models import TitleRule

    AccountFactory(domain="acme.com")
    cfo = PersonaFactory(name="CFO", buying_role="economic_buyer")
    it = PersonaFactory(name="IT lead", buying_role="technical_evaluator")
    TitleRule.objects.create(pattern="CFO|VP Finance", persona=cfo, buying_role="economic_buyer")
    TitleRule.objects.create(pattern="CTO", persona=it, buying_role="technical_evaluator")

    run_import(
        "contacts",
        "email,first_name,last_name,title,persona,buying_role\n"
        "a@acme.com,A,A,vp finance,,\n"
        "b@acme.com,B,B,Director of Sales,,\n"
        "c@acme.com,C,C,CFO,IT lead,champion\n",
    )

    found = {c.email: (c.persona and c.persona.name, c.buying_role) for c in Contact.objects.all()}
    assert found == {
        "a@acme.com": ("CFO", "economic_buyer"),
        # "Director" holds "cto" but not as a word.
        "b@acme.com": (None, ""),
        "c@acme.com": ("IT lead", "champion"),
    }


def test_valid_rows_go_in_and_bad_rows_are_listed(run_import):
    run = run_import(
        "accounts", "name,domain,fit_score\nGood,good.example,50\nBad,bad.example,150\n"
    )

    assert (run.status, run.creates, run.errors) == ("committed", 1, 1)
    assert row_errors(run) == [(3, "fit_score", "150", "Must be between 0 and 100.")]
    assert list(Account.objects.values_list("domain", flat=True)) == ["good.example"]


def test_all_or_nothing_writes_nothing_when_one_row_fails(run_import):
    run = run_import(
        "accounts",
        "name,domain,fit_score\nGood,good.example,50\nBad,bad.example,150\n",
        mode=ImportRun.Mode.ALL_OR_NOTHING,
    )

    assert run.status == "failed"
    assert "no row was imported" in run.failure
    assert (run.creates, run.errors) == (0, 1)
    assert not Account.objects.exists()
    assert not ImportChange.objects.exists()


def test_the_accounts_of_changed_contacts_wait_for_rescoring(
    run_import, django_capture_on_commit_callbacks
):
    from unittest import mock

    from apps.engagement.models import RecomputeRequest
    from apps.engagement.tasks import recompute_pending_scores

    acme, quiet = AccountFactory(domain="acme.com"), AccountFactory(domain="quiet.example")
    ContactFactory(account=quiet, email="q@quiet.example", title="CFO")

    with (
        mock.patch.object(recompute_pending_scores, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_import(
            "contacts",
            # A new person counts for their account's score; a new job title alone does not.
            "email,first_name,last_name,title\na@acme.com,A,A,\nq@quiet.example,,,Chief of Staff\n",
        )

    assert list(RecomputeRequest.objects.values_list("account_id", flat=True)) == [acme.pk]
    delay.assert_called_once_with()


def test_an_xlsx_upload_imports_like_a_csv(importer):
    import io

    from openpyxl import Workbook

    from apps.imports import services
    from tests.imports.conftest import upload

    book = Workbook()
    book.active.append(["Account Name", "Website", "Employees", "Account ID"])
    book.active.append(["Acme", "https://acme.com", 1200, "001A"])
    data = io.BytesIO()
    book.save(data)

    run = services.import_run_start(
        kind="accounts", file=upload(data.getvalue(), "accounts.xlsx"), created_by=importer
    )
    run = services.import_commit(run=services.import_preview(run=run))

    assert (run.source, run.creates, run.errors) == ("salesforce", 1, 0)
    acme = Account.objects.get()
    assert (acme.domain, acme.employee_count, acme.external_id) == ("acme.com", 1200, "001A")
