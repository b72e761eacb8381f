"""Erasure and the subject access export through the API and admin: admins only, confirmed."""

import json

import pytest

from apps.accounts.models import Contact
from apps.privacy.models import Erasure
from tests.admin.helpers import admin_url
from tests.factories import (
    AccountFactory,
    AssetShareFactory,
    ContactFactory,
    EventFactory,
    OpportunityFactory,
    StageChangeFactory,
)
from tests.privacy.conftest import EMAIL, MARKER

pytestmark = pytest.mark.django_db


def erase_url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/erase/"


def export_url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/personal-data/"


def test_an_admin_erases_a_contact_by_confirming_their_email(api_client, admin_member, footprint):
    response = api_client(admin_member).post(
        erase_url(footprint.person), {"confirm": EMAIL.upper()}, format="json"
    )

    assert response.status_code == 200
    erasure = Erasure.objects.get()
    assert response.json()["id"] == erasure.pk
    assert response.json()["counts"]["contacts"] == 1
    assert Contact.objects.get(pk=footprint.person.pk).email.endswith("@erased.invalid")


@pytest.mark.parametrize("confirm", [None, "", "someone@else.example"])
def test_an_erasure_without_the_right_confirmation_is_a_400_and_erases_nothing(
    api_client, admin_member, footprint, confirm
):
    body = {} if confirm is None else {"confirm": confirm}

    response = api_client(admin_member).post(erase_url(footprint.person), body, format="json")

    assert response.status_code == 400
    assert "confirm" in response.json()["errors"]
    assert Contact.objects.get(pk=footprint.person.pk).email == EMAIL


@pytest.mark.parametrize("role", ["marketer", "sales"])
def test_only_admins_erase_or_export(api_client, users, footprint, role):
    client = api_client(users[role])

    erase = client.post(erase_url(footprint.person), {"confirm": EMAIL}, format="json")
    export = client.get(export_url(footprint.person))

    assert (erase.status_code, export.status_code) == (403, 403)
    assert not Erasure.objects.exists()


def test_the_export_holds_the_persons_events_and_touches_and_nothing_of_another(
    api_client, admin_member, footprint
):
    response = api_client(admin_member).get(export_url(footprint.person))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["contact"]["email"] == EMAIL
    assert len(data["events"]) == 2
    assert all(event["properties"]["note"] == MARKER for event in data["events"])
    assert [touch["subject"] for touch in data["touches"]] == [f"Hi Zebulon, {MARKER} inside"]
    assert len(data["enrollments"]) == 1 and len(data["handoffs"]) == 1
    assert len(data["asset_shares"]) == 1
    text = response.content.decode()
    assert footprint.colleague.email not in text
    assert "Olga" not in text and "colleague's" not in text


def test_the_export_reads_a_fixed_number_of_queries(
    api_client, admin_member, footprint, django_assert_max_num_queries
):
    EventFactory.create_batch(20, account=footprint.account, contact=footprint.person)
    AssetShareFactory.create_batch(5, contact=footprint.person)

    with django_assert_max_num_queries(20):
        api_client(admin_member).get(export_url(footprint.person))


def test_admin_erase_action_asks_first_then_erases(staff_client, footprint):
    url = admin_url(Contact, "changelist")
    picked = {"action": "erase_personal_data", "_selected_action": [footprint.person.pk]}

    asked = staff_client.post(url, picked)

    assert asked.status_code == 200
    assert "Yes, erase their personal data" in asked.text and EMAIL in asked.text
    assert not Erasure.objects.exists()

    done = staff_client.post(url, {**picked, "post": "yes"})

    assert done.status_code == 302
    assert Erasure.objects.get().contact_id == footprint.person.pk


def test_admin_downloads_one_contacts_personal_data(staff_client, footprint):
    response = staff_client.post(
        admin_url(Contact, "changelist"),
        {"action": "download_personal_data", "_selected_action": [footprint.person.pk]},
    )

    assert response.status_code == 200
    assert json.loads(response.content)["contact"]["email"] == EMAIL


def test_admin_delete_confirmation_lists_what_the_delete_removes(staff_client):
    deal = OpportunityFactory()
    account = deal.account
    ContactFactory.create_batch(3, account=account)
    EventFactory.create_batch(4, account=account)
    StageChangeFactory(opportunity=deal, stage=deal.stage)  # besides the one it opened with

    page = staff_client.get(admin_url(type(account), "delete", account.pk))

    assert page.status_code == 200
    assert page.context["impact"].would_remove == {
        "contacts": 3,
        "events": 4,
        "opportunities": 1,
        "stage changes": 2,
    }
    for line in ("3 contacts", "4 events", "1 opportunities", "2 stage changes"):
        assert f"<li>{line}</li>" in page.text
    assert "Archive selected" in page.text


def test_admin_lists_hide_archived_until_filtered_and_the_action_archives(staff_client):
    kept, archived = AccountFactory(name="Kept Ltd"), AccountFactory(name="Gone Ltd")
    url = admin_url(type(kept), "changelist")

    staff_client.post(url, {"action": "archive_selected", "_selected_action": [archived.pk]})

    active = staff_client.get(url)
    assert "Kept Ltd" in active.text and "Gone Ltd" not in active.text
    listed = staff_client.get(url, {"archived": "1"})
    assert "Gone Ltd" in listed.text and "Kept Ltd" not in listed.text

    staff_client.post(
        f"{url}?archived=1", {"action": "restore_selected", "_selected_action": [archived.pk]}
    )
    assert "Gone Ltd" in staff_client.get(url).text
