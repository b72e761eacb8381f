import pytest
from django.apps import apps

from apps.core.exceptions import ApplicationError
from apps.imports import services
from apps.imports.models import ImportRowError, ImportRun
from tests.factories import AccountFactory, PersonaFactory
from tests.imports.conftest import row_errors, upload

pytestmark = pytest.mark.django_db


def test_each_bad_value_is_named_by_row_column_and_value(run_import):
    AccountFactory(domain="acme.com")
    PersonaFactory(name="CFO")
    run = run_import(
        "contacts",
        "Email,First,Last,Persona,Owner\n"
        "not-an-email,A,A,CFO,\n"
        "b@acme.com,B,B,Chief Wizard,\n"
        "c@acme.com,C,C,cfo,\n"
        "c@acme.com,C,Again,,\n"
        "d@nowhere.example,D,D,,\n"
        'e@acme.com,"E\nE",E,,\n',
        commit=False,
        mapping={
            "Email": "email",
            "First": "first_name",
            "Last": "last_name",
            "Persona": "persona",
        },
    )

    assert row_errors(run) == [
        (2, "Email", "not-an-email", "Not an email address such as ana@acme.com."),
        (3, "Persona", "Chief Wizard", "No persona named “Chief Wizard” in Waymark."),
        (5, "Email", "c@acme.com", "Same email as row 4; only that row counts."),
        (
            6,
            "account_domain",
            "",
            "No account matches: name one, or import it first.",
        ),
        (7, "First", "E\nE", "Line breaks and control characters are not allowed here."),
    ]
    assert (run.status, run.creates, run.errors, run.rows_total) == ("previewed", 1, 5, 6)


def test_unknown_owner_malformed_domain_and_bad_choices(run_import):
    run = run_import(
        "accounts",
        "name,domain,owner_email,tier,is_target\n"
        "A,a.example,nobody@waymark.test,1,yes\n"
        "B,not a domain,,1,yes\n"
        "C,c.example,,4,maybe\n",
        commit=False,
    )

    assert row_errors(run) == [
        (
            2,
            "owner_email",
            "nobody@waymark.test",
            "No user with the email or name “nobody@waymark.test” in Waymark.",
        ),
        (3, "domain", "not a domain", "Not a web domain such as acme.com."),
        (4, "tier", "4", "Must be 1, 2 or 3 (or Tier 1, Tier 2, Tier 3)."),
        (4, "is_target", "maybe", "Must be true or false (yes/no, 1/0)."),
    ]
    assert run.errors == 3


def test_a_new_record_needs_its_required_values(run_import):
    AccountFactory(domain="known.example")
    run = run_import("accounts", "domain,industry\nknown.example,Retail\nnew.example,Retail\n")

    assert row_errors(run) == [(3, "name", "", "Required for a new record.")]
    assert (run.updates, run.creates) == (1, 0)


def test_a_mapping_without_a_key_column_is_refused_naming_it(importer):
    run = services.import_run_start(
        kind="accounts", file=upload("Company,Sector\nAcme,Retail\n"), created_by=importer
    )
    with pytest.raises(ApplicationError) as refused:
        services.import_mapping_set(run=run, mapping={"Company": "name", "Sector": "industry"})

    assert refused.value.fields["mapping"] == [
        "Map a column to domain or external_id: that is how each row finds its record."
    ]


def test_a_mapping_naming_unknown_columns_or_fields_is_refused(importer):
    run = services.import_run_start(
        kind="accounts", file=upload("name,domain\nAcme,acme.com\n"), created_by=importer
    )
    with pytest.raises(ApplicationError) as refused:
        services.import_mapping_set(
            run=run, mapping={"name": "name", "domain": "domain", "Nope": "region", "x": "colour"}
        )

    problems = refused.value.fields["mapping"]
    assert "The file has no column “Nope”." in problems
    assert any(problem.startswith("“colour” is not a field of accounts") for problem in problems)


def test_a_file_that_is_not_csv_or_xlsx_is_refused_at_upload(importer):
    with pytest.raises(ApplicationError, match="not a CSV or XLSX file"):
        services.import_run_start(
            kind="accounts",
            file=upload(b"\x89PNG\r\n\x1a\n\x00\x00", "logo.csv"),
            created_by=importer,
        )
    assert not ImportRun.objects.exists()


def _table_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if not model._meta.label.startswith(("imports.", "sessions.", "contenttypes.", "auth."))
    }


def test_a_preview_writes_nothing_but_the_runs_counts_and_errors(run_import, importer):
    AccountFactory(domain="acme.com", industry="Retail")
    before = _table_counts()

    run = run_import(
        "accounts",
        "name,domain,industry\nAcme,acme.com,Energy\nNew,new.example,\nBad,bad domain,\n",
        commit=False,
    )

    assert _table_counts() == before
    assert (run.status, run.creates, run.updates, run.unchanged, run.errors) == (
        "previewed",
        1,
        1,
        0,
        1,
    )
    assert ImportRowError.objects.filter(run=run).count() == 1
    assert not run.changes.exists()
    assert apps.get_model("accounts.Account").objects.get(domain="acme.com").industry == "Retail"


def test_row_errors_download_as_csv(run_import):
    run = run_import("accounts", "name,domain\n=cmd,bad domain\n", commit=False)

    response = services.import_errors_download(run=run)

    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == [
        "row,column,value,message",
        "2,domain,bad domain,Not a web domain such as acme.com.",
    ]
