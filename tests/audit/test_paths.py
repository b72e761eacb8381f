"""An audit entry for a change through each way in: who (or nobody, for system paths), which
path, and which fields changed (as the record's History panel lists them)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.core.selectors import FieldChange, record_history
from apps.imports import services as imports
from apps.users.models import Role
from apps.users.services import api_token_issue
from config.celery_app import app as celery_app
from tests.admin.helpers import admin_url, page_post_data
from tests.factories import AccountFactory, CampaignFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def latest(record):
    return record.history.order_by("-history_date", "-history_id").first()


def changes(record) -> list[FieldChange]:
    return record_history(record=record, limit=1)[0].changes


def test_a_web_page_form_records_the_user_the_path_and_the_field(client, marketer):
    campaign = CampaignFactory(status=Campaign.Status.DRAFT)
    client.force_login(marketer)

    client.post(reverse("campaigns:status", args=[campaign.pk]), {"status": "planned"})

    entry = latest(campaign)
    assert (entry.history_user, entry.path, entry.history_type) == (marketer, "web", "~")
    assert changes(campaign) == [FieldChange("Status", "Draft", "Planned")]


def test_an_api_call_with_a_token_records_the_user_it_authenticated(admin_member):
    account = AccountFactory(name="Acme")
    _, token = api_token_issue(user=admin_member)
    client = APIClient(headers={"Authorization": f"Token {token}"})

    response = client.patch(f"/api/v1/accounts/{account.pk}/", {"name": "Acme Corp"})

    assert response.status_code == 200, response.content
    entry = latest(account)
    assert (entry.history_user, entry.path) == (admin_member, "api")
    assert changes(account) == [FieldChange("Name", "Acme", "Acme Corp")]


def test_an_api_call_in_a_browser_session_records_the_signed_in_user(client, admin_member):
    account = AccountFactory(tier=3)
    client.force_login(admin_member)

    response = client.patch(
        f"/api/v1/accounts/{account.pk}/", {"tier": 1}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    entry = latest(account)
    assert (entry.history_user, entry.path) == (admin_member, "api")
    assert changes(account) == [FieldChange("Tier", "Tier 3", "Tier 1")]


def test_an_admin_edit_records_the_admin_and_the_path(staff_client, admin_member):
    account = AccountFactory(industry="Retail")
    url = admin_url(Account, "change", account.pk)
    data = page_post_data(staff_client.get(url)) | {"industry": "Banking"}

    response = staff_client.post(url, data)

    assert response.status_code == 302
    entry = latest(account)
    assert (entry.history_user, entry.path) == (admin_member, "admin")
    assert changes(account) == [FieldChange("Industry", "Retail", "Banking")]


def test_an_admin_bulk_action_leaves_an_entry_per_record(staff_client, admin_member):
    accounts = AccountFactory.create_batch(2, is_target=False)

    staff_client.post(
        admin_url(Account, "changelist"),
        {"action": "mark_target", "_selected_action": [a.pk for a in accounts]},
    )

    for account in accounts:
        entry = latest(account)
        assert (entry.history_user, entry.path, entry.is_target) == (admin_member, "admin", True)
        assert changes(account) == [FieldChange("Target account", "No", "Yes")]


def _import(user, text: str):
    run = imports.import_run_start(
        kind="accounts", file=ContentFile(text.encode(), name="accounts.csv"), created_by=user
    )
    return imports.import_commit(run=imports.import_preview(run=run))


def test_an_import_records_what_it_created_and_changed_as_its_user():
    importer = UserFactory(username="ivy", role=Role.MARKETER)
    kept = AccountFactory(name="Acme", domain="acme.com", industry="Retail")

    run = _import(importer, "name,domain,industry\nAcme,acme.com,Banking\nGlobex,globex.com,\n")

    created = Account.objects.get(domain="globex.com")
    for account, kind in ((kept, "~"), (created, "+")):
        entry = latest(account)
        assert (entry.history_type, entry.history_user, entry.path) == (kind, importer, "import")
        assert entry.history_change_reason == f"Import #{run.pk}"
    assert changes(kept) == [FieldChange("Industry", "Retail", "Banking")]
    assert latest(created).name == "Globex"


def test_undoing_an_import_records_who_undid_it():
    importer = UserFactory(username="ivy", role=Role.MARKETER)
    undoer = UserFactory(username="uma", role=Role.ADMIN)
    kept = AccountFactory(name="Acme", domain="acme.com", industry="Retail")
    run = _import(importer, "name,domain,industry\nAcme,acme.com,Banking\nInitech,initech.com,\n")
    created_pk = Account.objects.get(domain="initech.com").pk

    imports.import_undo(run=run, user=undoer)

    assert changes(kept) == [FieldChange("Industry", "Banking", "Retail")]
    assert (latest(kept).history_user, latest(kept).path) == (undoer, "import")
    gone = Account.history.filter(id=created_pk).order_by("-history_date").first()
    assert (gone.history_type, gone.history_user, gone.path) == ("-", undoer, "import")


@celery_app.task(name="tests.audit.rename_account")
def rename_account(account_id: int, name: str) -> None:
    account = Account.objects.get(pk=account_id)
    account.name = name
    account.save()


def test_a_celery_task_records_the_task_path_and_no_user(admin_member, client):
    account = AccountFactory(name="Acme")

    rename_account.apply(args=[account.pk, "Acme Holdings"])

    entry = latest(account)
    assert (entry.history_user, entry.path) == (None, "task")
    assert changes(account) == [FieldChange("Name", "Acme", "Acme Holdings")]


def test_a_delete_through_the_api_leaves_a_trail_naming_who_deleted(admin_member):
    account = AccountFactory(name="Acme")
    contact = ContactFactory(account=account)
    _, token = api_token_issue(user=admin_member)
    client = APIClient(headers={"Authorization": f"Token {token}"})
    url = f"/api/v1/accounts/{account.pk}/"

    assert client.delete(url).status_code == 204  # archived first
    archived = latest(account)
    confirm = client.delete(f"{url}?permanent=true").json()["confirm"]
    assert client.delete(f"{url}?permanent=true&confirm={confirm}").status_code == 204

    assert not Account.objects.filter(pk=account.pk).exists()
    assert (archived.history_user, archived.path, archived.archived_by) == (
        admin_member,
        "api",
        admin_member,
    )
    for model, pk in ((Account, account.pk), (type(contact), contact.pk)):
        gone = model.history.filter(id=pk).order_by("-history_date", "-history_id").first()
        assert (gone.history_type, gone.history_user, gone.path) == ("-", admin_member, "api")
    kinds = Account.history.filter(id=account.pk).order_by("history_date", "history_id")
    assert [row.history_type for row in kinds] == ["+", "~", "-"]
