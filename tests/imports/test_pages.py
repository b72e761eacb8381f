"""The import pages: upload → mapping → preview → commit → undo, who may use them, what bad
files and mappings show, the progress a worker's run polls, and the history's query count."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Account, Contact
from apps.imports import services
from apps.imports.models import ImportRun, SavedMapping
from apps.imports.tasks import commit_import, preview_import
from tests.factories import (
    AccountFactory,
    ImportRowErrorFactory,
    ImportRunFactory,
    SavedMappingFactory,
)
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db

HUBSPOT_CONTACTS = (
    "Record ID,First Name,Last Name,Email,Job Title,Company Domain Name,Favourite colour\n"
    "101,Ana,Alves,ana@acme.com,CFO,acme.com,blue\n"
    "102,Bo,Berg,not-an-email,CTO,acme.com,green\n"
    "103,Cy,Chen,cy@acme.com,VP Sales,acme.com,red\n"
)
ACCOUNTS = "name,domain,industry\nAcme,acme.com,Energy\nGlobex,globex.io,Retail\n"


@pytest.fixture
def marketer_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def _file(text: str | bytes, name: str = "export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def _upload(client: Client, text: str | bytes, kind: str = "contacts", **fields):
    data = {"kind": kind, "file": _file(text), "source": "", "mode": "valid_rows", **fields}
    return client.post(reverse("imports:new"), data)


def _mapping_post(run: ImportRun, mapping: dict[str, str], **fields) -> dict[str, str]:
    """The mapping form's fields: one select per column of the file, by position."""
    header = services.import_header(run=run)
    data = {f"column_{i}": mapping.get(column, "") for i, column in enumerate(header)}
    return {"source": run.source, "mode": run.mode, "save_as": "", **data, **fields}


def _started(marketer, text: str, kind: str = "accounts", **options) -> ImportRun:
    return services.import_run_start(kind=kind, file=upload(text), created_by=marketer, **options)


def _previewed(marketer, text: str, kind: str = "accounts") -> ImportRun:
    return services.import_preview(run=_started(marketer, text, kind))


# -- who may use the pages --------------------------------------------------------------------


def _every_url(run: ImportRun) -> list[tuple[str, str]]:
    get = [("get", reverse("imports:list")), ("get", reverse("imports:new"))]
    for name in ("detail", "mapping", "progress", "undo", "errors_csv"):
        get.append(("get", reverse(f"imports:{name}", args=[run.pk])))
    return [*get, ("post", reverse("imports:commit", args=[run.pk]))]


def test_sales_reps_are_refused_and_anonymous_visitors_sent_to_log_in(client, sales_rep, marketer):
    run = _previewed(marketer, ACCOUNTS)

    for method, url in _every_url(run):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url

    client.force_login(sales_rep)
    for method, url in _every_url(run):
        assert getattr(client, method)(url).status_code == 403, url
    assert ImportRun.objects.get().status == "previewed"


def test_the_import_link_shows_for_marketers_and_admins_only(client, sales_rep, marketer):
    client.force_login(sales_rep)
    for url in (reverse("web:home"), reverse("web:account_list")):
        assert reverse("imports:list") not in client.get(url).text
        assert reverse("imports:new") not in client.get(url).text

    client.force_login(marketer)
    assert f'href="{reverse("imports:list")}">Import</a>' in client.get(reverse("web:home")).text
    for url, kind in (("web:account_list", "accounts"), ("web:opportunity_list", "opportunities")):
        assert f"{reverse('imports:new')}?kind={kind}" in client.get(reverse(url)).text


# -- upload -----------------------------------------------------------------------------------


def test_upload_keeps_the_file_and_opens_the_mapping_with_the_suggestion(marketer_client):
    response = _upload(marketer_client, HUBSPOT_CONTACTS)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:mapping", args=[run.pk])
    assert (run.kind, run.file_name, run.source) == ("contacts", "export.csv", "hubspot")

    page = marketer_client.get(response.url)
    assert page.status_code == 200
    form = page.context["form"]
    chosen = {column.name: form[f"column_{i}"].value() for i, column in enumerate(form.columns)}
    assert chosen == {
        "Record ID": "external_id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Job Title": "title",
        "Company Domain Name": "account_domain",
        "Favourite colour": "",
    }
    samples = {column.name: column.samples for column in form.columns}
    assert samples["Email"] == ["ana@acme.com", "not-an-email", "cy@acme.com"]
    assert "— ignore —" in page.text
    assert "recognised as a hubspot export" in page.text


def test_the_account_list_import_button_preselects_accounts(marketer_client):
    page = marketer_client.get(reverse("imports:new"), {"kind": "accounts"})

    assert page.context["form"]["kind"].value() == "accounts"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\x00\x01\x02binary", "This is not a CSV or XLSX file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "old Excel (.xls) file"),
        (b"name,domain\n" + b"Acme,acme.com\n" * 80_000, "an import takes at most 1 MB"),
    ],
    ids=["empty", "not-csv", "xls", "too-big"],
)
@override_settings(IMPORT_MAX_UPLOAD_MB=1)
def test_a_bad_file_is_refused_on_the_file_field_and_nothing_is_kept(
    marketer_client, content, message
):
    response = _upload(marketer_client, content)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["file"])
    assert 'data-testid="error-file"' in response.text
    assert not ImportRun.objects.exists()


def test_a_saved_mapping_chosen_on_upload_is_applied_on_the_mapping_page(marketer_client):
    saved = SavedMappingFactory(kind="contacts", mapping={"Email": "email"})

    response = _upload(marketer_client, HUBSPOT_CONTACTS, saved_mapping=saved.pk)

    run = ImportRun.objects.get()
    assert response.url == f"{reverse('imports:mapping', args=[run.pk])}?saved={saved.pk}"
    form = marketer_client.get(response.url).context["form"]
    chosen = {column.name: form[f"column_{i}"].value() for i, column in enumerate(form.columns)}
    assert {column: field for column, field in chosen.items() if field} == {"Email": "email"}


def test_a_saved_mapping_of_another_kind_is_refused(marketer_client):
    saved = SavedMappingFactory(name="HubSpot companies", kind="accounts")

    response = _upload(marketer_client, HUBSPOT_CONTACTS, saved_mapping=saved.pk)

    assert response.context["form"].errors["saved_mapping"] == [
        "“HubSpot companies” maps accounts, not contacts."
    ]
    assert not ImportRun.objects.exists()


# -- mapping ----------------------------------------------------------------------------------


def test_mapping_errors_name_the_problem_and_change_nothing(marketer_client, marketer):
    run = _started(marketer, ACCOUNTS)
    url = reverse("imports:mapping", args=[run.pk])

    response = marketer_client.post(url, _mapping_post(run, {"name": "name", "industry": "name"}))

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "Two columns fill “name”: keep one." in errors
    assert "Map a column to domain or external_id: that is how each row finds its record." in errors
    assert 'data-testid="mapping-errors"' in response.text
    run.refresh_from_db()
    assert (run.status, run.mapping) == (
        "uploaded",
        {"name": "name", "domain": "domain", "industry": "industry"},
    )


def test_submitting_the_mapping_previews_and_the_run_page_lists_the_row_errors(
    marketer_client, marketer
):
    AccountFactory(domain="acme.com")
    run = _started(marketer, HUBSPOT_CONTACTS, kind="contacts")
    mapping = {**run.mapping, "Favourite colour": ""}

    response = marketer_client.post(
        reverse("imports:mapping", args=[run.pk]),
        _mapping_post(run, mapping, mode="all_or_nothing", save_as="HubSpot contacts"),
    )

    assert response.status_code == 302
    assert response.url == reverse("imports:detail", args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.mode, run.creates, run.errors) == ("previewed", "all_or_nothing", 2, 1)
    assert not Contact.objects.exists()
    saved = SavedMapping.objects.get()
    assert (saved.name, saved.kind, saved.mapping, saved.source) == (
        "HubSpot contacts",
        "contacts",
        run.mapping,
        "hubspot",
    )

    page = marketer_client.get(response.url)
    assert [(label, count) for label, count in page.context["counts"]] == [
        ("to create", 2),
        ("to update", 0),
        ("unchanged", 0),
        ("rows with errors", 1),
    ]
    errors = [(e.row, e.column, e.value) for e in page.context["errors_page"]]
    assert errors == [(3, "Email", "not-an-email")]
    assert "as 1 row has errors, committing writes nothing." in page.text
    assert reverse("imports:errors_csv", args=[run.pk]) in page.text


def test_a_saved_mapping_is_applied_to_the_mapping_page(marketer_client, marketer):
    run = _started(marketer, "Company,Web\nAcme,acme.com\n")
    saved = SavedMappingFactory(
        name="Old CRM", mapping={"Company": "name", "Web": "domain", "Owner": "owner_email"}
    )

    page = marketer_client.get(reverse("imports:mapping", args=[run.pk]), {"saved": saved.pk})

    form = page.context["form"]
    assert [form[f"column_{i}"].value() for i in range(2)] == ["name", "domain"]
    assert form["source"].value() == "hubspot"
    assert "This file has no column “Owner”: left out." in page.text


def test_the_mapping_of_a_committed_run_cannot_be_changed(marketer_client, marketer):
    run = services.import_commit(run=_previewed(marketer, ACCOUNTS))

    response = marketer_client.get(reverse("imports:mapping", args=[run.pk]))

    assert response.url == reverse("imports:detail", args=[run.pk])


# -- large files: preview and commit on a worker -----------------------------------------------


@contextmanager
def _queues(task, run: ImportRun, capture_on_commit):
    """The block sends the run to `task` once its transaction commits (the task is not run)."""
    with mock.patch.object(task, "delay") as delay, capture_on_commit(execute=True):
        yield
    delay.assert_called_once_with(run.pk)


@override_settings(IMPORT_BACKGROUND_ROWS=1)
def test_a_large_file_previews_on_a_worker_while_the_page_polls(
    marketer_client, marketer, django_capture_on_commit_callbacks
):
    run = _started(marketer, ACCOUNTS)

    with _queues(preview_import, run, django_capture_on_commit_callbacks):
        marketer_client.post(
            reverse("imports:mapping", args=[run.pk]), _mapping_post(run, run.mapping)
        )

    page = marketer_client.get(reverse("imports:detail", args=[run.pk])).text
    progress = reverse("imports:progress", args=[run.pk])
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in page
    assert "Checking the rows (a dry run)" in page

    assert preview_import(run.pk) == "previewed"
    polled = marketer_client.get(progress)
    assert "hx-trigger" not in polled.text
    assert polled.context["counts"][0] == ("to create", 2)


@override_settings(IMPORT_BACKGROUND_ROWS=1)
def test_a_large_commit_is_queued_shows_progress_and_ends_at_100(
    marketer_client, marketer, django_capture_on_commit_callbacks
):
    run = _previewed(marketer, ACCOUNTS)

    with _queues(commit_import, run, django_capture_on_commit_callbacks):
        marketer_client.post(reverse("imports:commit", args=[run.pk]))

    polled = marketer_client.get(reverse("imports:progress", args=[run.pk])).text
    assert 'hx-trigger="every 1s"' in polled
    assert 'aria-valuenow="0"' in polled
    assert "Waiting for a worker to commit 2 rows" in polled

    assert commit_import(run.pk) == "committed"
    polled = marketer_client.get(reverse("imports:progress", args=[run.pk])).text
    assert "hx-trigger" not in polled
    assert 'aria-valuenow="100"' in polled
    assert Account.objects.count() == 2


# -- commit, errors, undo ---------------------------------------------------------------------


def test_commit_writes_the_valid_rows_and_shows_what_it_did(marketer_client, marketer):
    run = _previewed(marketer, ACCOUNTS + "Bad,not a domain,\n")

    response = marketer_client.post(reverse("imports:commit", args=[run.pk]))

    assert response.url == reverse("imports:detail", args=[run.pk])
    assert sorted(Account.objects.values_list("domain", flat=True)) == ["acme.com", "globex.io"]
    page = marketer_client.get(response.url)
    assert page.context["counts"] == [
        ("created", 2),
        ("updated", 0),
        ("unchanged", 0),
        ("rows with errors", 1),
    ]
    assert f'href="{reverse("web:account_list")}">See the accounts' in page.text
    assert reverse("imports:undo", args=[run.pk]) in page.text


def test_committing_twice_says_why_not(marketer_client, marketer):
    run = services.import_commit(run=_previewed(marketer, ACCOUNTS))

    response = marketer_client.post(reverse("imports:commit", args=[run.pk]), follow=True)

    assert "This import is committed; it must be previewed first." in response.text
    assert Account.objects.count() == 2


def test_the_row_errors_download_as_csv(marketer_client, marketer):
    run = _previewed(marketer, ACCOUNTS + "Bad,not a domain,\n")

    response = marketer_client.get(reverse("imports:errors_csv", args=[run.pk]))

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "row,column,value,message"
    assert body.splitlines()[1].startswith("4,domain,not a domain,")


def test_the_run_page_shows_200_row_errors_a_page(marketer_client):
    run = ImportRunFactory(errors=205)
    ImportRowErrorFactory.create_batch(205, run=run)
    url = reverse("imports:detail", args=[run.pk])

    first = marketer_client.get(url).context["errors_page"]
    second = marketer_client.get(url, {"page": 2}).context["errors_page"]

    assert (len(first), len(second)) == (200, 5)
    assert first[0].row < first[199].row < second[0].row


def test_undo_confirms_what_it_removes_and_then_removes_it(marketer_client, marketer):
    AccountFactory(domain="acme.com", industry="Retail")
    run = services.import_commit(run=_previewed(marketer, ACCOUNTS))
    url = reverse("imports:undo", args=[run.pk])

    confirm = marketer_client.get(url)
    assert (confirm.context["summary"].removes, confirm.context["summary"].restores) == (1, 1)
    assert "removes the <strong>1</strong> record it created" in confirm.text
    assert (
        "puts back the previous values of the <strong>1</strong> record it updated" in confirm.text
    )

    response = marketer_client.post(url)

    assert response.url == reverse("imports:detail", args=[run.pk])
    assert list(Account.objects.values_list("domain", "industry")) == [("acme.com", "Retail")]
    assert ImportRun.objects.get().status == "undone"


def test_undo_refused_names_the_records_edited_since_with_links(marketer_client, marketer):
    run = services.import_commit(run=_previewed(marketer, ACCOUNTS))
    acme = Account.objects.get(domain="acme.com")
    Account.objects.filter(pk=acme.pk).update(updated_at=run.committed_at + timedelta(minutes=5))
    url = reverse("imports:undo", args=[run.pk])

    assert 'data-testid="undo-form"' not in marketer_client.get(url).text
    response = marketer_client.post(url)

    assert response.status_code == 409
    assert "This import cannot be undone" in response.text
    link = f'<a href="{reverse("web:account_detail", args=[acme.pk])}">{acme}</a>'
    assert link in response.text
    assert Account.objects.count() == 2
    assert ImportRun.objects.get().status == "committed"


# -- history ----------------------------------------------------------------------------------


def test_history_lists_every_run_newest_first_with_its_counts(marketer_client, marketer):
    first = services.import_commit(run=_previewed(marketer, ACCOUNTS))
    second = _previewed(marketer, "name,domain\nAcme,acme.com\n")

    page = marketer_client.get(reverse("imports:list"))

    assert [run.pk for run in page.context["page_obj"]] == [second.pk, first.pk]
    assert reverse("imports:detail", args=[first.pk]) in page.text
    assert f'href="{reverse("imports:new")}">New import' in page.text
    assert "name → <code>name</code>" in page.text


def test_history_runs_the_same_queries_however_many_runs(marketer_client, marketer):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert marketer_client.get(reverse("imports:list")).status_code == 200
        return len(captured)

    ImportRunFactory(created_by=marketer)
    one = queries()
    ImportRunFactory.create_batch(6)

    assert queries() == one
