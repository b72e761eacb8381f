"""Records others depend on are archived, not deleted: hidden from lists, pickers and
automation, listed with ?archived=1, restorable; a permanent delete says what goes and asks."""

import pytest
from django.urls import reverse

from apps.accounts.models import Account, Contact
from apps.accounts.selectors import account_list
from apps.accounts.services import account_archive, account_restore
from apps.core.deletion import deletion_impact
from apps.engagement.models import Event
from apps.nurture.forms import SequenceForm
from apps.nurture.models import Enrollment, ExitReason
from apps.nurture.services import stall_sweep
from apps.pipeline.models import Opportunity, StageChange
from tests.factories import (
    AssetFactory,
    AssetShareFactory,
    CampaignFactory,
    ContactFactory,
    EventFactory,
    OpportunityFactory,
    PersonaFactory,
    SequenceFactory,
    StageChangeFactory,
    UserFactory,
)
from tests.nurture.conftest import NOW, build_world, days_ago

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    body = response.json()
    return {row["id"] for row in body.get("results", body)}


@pytest.fixture
def account_with_history():
    """An account with 2 contacts, 5 events and 1 deal with 3 stays in its stage history
    (the one it was created with and two more)."""
    opportunity = OpportunityFactory()
    account = opportunity.account
    contacts = ContactFactory.create_batch(2, account=account)
    for n in range(5):
        EventFactory(account=account, contact=contacts[n % 2])
    StageChangeFactory.create_batch(2, opportunity=opportunity, stage=opportunity.stage)
    return account


@pytest.mark.parametrize(
    ("endpoint", "factory"),
    [
        ("accounts", lambda: ContactFactory().account),
        ("contacts", ContactFactory),
        ("opportunities", OpportunityFactory),
        ("assets", AssetFactory),
        ("personas", PersonaFactory),
        ("campaigns", CampaignFactory),
        ("sequences", SequenceFactory),
    ],
)
def test_api_delete_archives_then_lists_with_the_filter_and_restores(
    api_client, admin_member, endpoint, factory
):
    record = factory()
    client = api_client(admin_member)
    url = f"/api/v1/{endpoint}/"

    deleted = client.delete(f"{url}{record.pk}/")

    assert deleted.status_code == 204
    record.refresh_from_db()
    assert record.archived_at is not None and record.archived_by == admin_member
    assert record.pk not in _ids(client.get(url))
    assert record.pk in _ids(client.get(url, {"archived": "1"}))
    assert client.get(f"{url}{record.pk}/").status_code == 200  # still readable by id

    restored = client.post(f"{url}{record.pk}/restore/")

    assert restored.status_code == 200
    record.refresh_from_db()
    assert record.archived_at is None
    assert record.pk in _ids(client.get(url))
    assert record.pk not in _ids(client.get(url, {"archived": "true"}))


def test_a_bad_archived_flag_is_a_400_naming_it(api_client, admin_member):
    response = api_client(admin_member).get("/api/v1/accounts/", {"archived": "maybe"})

    assert response.status_code == 400
    assert "archived" in response.json()["errors"]


def test_permanent_delete_without_confirmation_is_a_409_with_the_counts(
    api_client, admin_member, account_with_history
):
    account = account_with_history
    url = f"/api/v1/accounts/{account.pk}/?permanent=true"

    response = api_client(admin_member).delete(url)

    assert response.status_code == 409
    body = response.json()
    assert body["would_remove"] == {
        "contacts": 2,
        "events": 5,
        "opportunities": 1,
        "stage changes": 3,
    }
    assert body["confirm"] and "detail" in body
    assert Account.objects.filter(pk=account.pk).exists()


def test_permanent_delete_with_the_confirmation_removes_it_and_its_cascades(
    api_client, admin_member, account_with_history
):
    account = account_with_history
    client = api_client(admin_member)
    url = f"/api/v1/accounts/{account.pk}/?permanent=true"
    token = client.delete(url).json()["confirm"]

    response = client.delete(f"{url}&confirm={token}")

    assert response.status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not Event.objects.exists() and not StageChange.objects.exists()


def test_a_confirmation_seen_before_more_rows_joined_is_refused(
    api_client, admin_member, account_with_history
):
    account = account_with_history
    client = api_client(admin_member)
    url = f"/api/v1/accounts/{account.pk}/?permanent=true"
    token = client.delete(url).json()["confirm"]
    EventFactory(account=account)

    response = client.delete(f"{url}&confirm={token}")

    assert response.status_code == 409
    assert response.json()["would_remove"]["events"] == 6
    assert Account.objects.filter(pk=account.pk).exists()


def test_an_asset_delete_names_the_shares_it_removes_and_the_events_it_unlinks():
    asset = AssetFactory()
    AssetShareFactory.create_batch(2, asset=asset)
    EventFactory.create_batch(3, asset=asset)

    impact = deletion_impact(instance=asset)

    assert impact.would_remove == {"asset shares": 2}
    assert impact.would_unlink == {"events": 3}


@pytest.mark.parametrize("permanent", ["", "?permanent=true"])
def test_a_sales_rep_can_neither_archive_nor_delete(api_client, sales_rep, permanent):
    deal = OpportunityFactory(owner=sales_rep)

    response = api_client(sales_rep).delete(f"/api/v1/opportunities/{deal.pk}/{permanent}")

    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.archived_at is None


def test_a_marketer_archives_an_asset_but_a_rep_cannot_restore_it(api_client, marketer, sales_rep):
    asset = AssetFactory()

    assert api_client(marketer).delete(f"/api/v1/assets/{asset.pk}/").status_code == 204
    assert api_client(sales_rep).post(f"/api/v1/assets/{asset.pk}/restore/").status_code == 403
    asset.refresh_from_db()
    assert asset.archived_at is not None


def test_archiving_an_account_takes_its_contacts_and_deals_and_restoring_brings_them_back():
    deal = OpportunityFactory()
    account = deal.account
    contact = ContactFactory(account=account)
    archived_before = ContactFactory(account=account)
    archived_before.archived_at = days_ago(3)
    archived_before.save()
    user = UserFactory()

    account_archive(account=account, by=user)

    assert not account_list().filter(pk=account.pk).exists()
    assert account_list(archived=True).filter(pk=account.pk).exists()
    assert not Contact.objects.active().filter(pk=contact.pk).exists()
    assert not Opportunity.objects.active().filter(pk=deal.pk).exists()

    account_restore(account=account)

    assert account_list().filter(pk=account.pk).exists()
    assert Contact.objects.active().filter(pk=contact.pk).exists()
    assert Opportunity.objects.active().filter(pk=deal.pk).exists()
    # A contact archived on its own before stays archived.
    assert not Contact.objects.active().filter(pk=archived_before.pk).exists()


def test_the_stall_sweep_skips_archived_deals_contacts_and_sequences(db):
    world = build_world()
    archived_deal = world.deal(entered_days_ago=40, name="Archived deal")
    archived_deal.archived_at = NOW
    archived_deal.save()

    assert stall_sweep(now=NOW).stalled == 0

    world.deal(entered_days_ago=40, name="Live deal")
    Contact.objects.filter(pk=world.champion.pk).update(archived_at=NOW)
    world.economic.archived_at = NOW
    world.economic.save()

    result = stall_sweep(now=NOW)

    assert result.stalled == 1
    enrolled = set(Enrollment.objects.values_list("contact_id", "sequence_id"))
    # The economic buyer goes to the generic sequence, as theirs is archived; the archived
    # champion to none.
    assert enrolled == {(world.buyer.pk, world.generic.pk)}


def test_archiving_a_contact_ends_their_sequences(api_client, admin_member, db):
    world = build_world()
    enrollment = Enrollment.objects.create(
        sequence=world.generic, contact=world.champion, due_at=NOW
    )

    api_client(admin_member).delete(f"/api/v1/contacts/{world.champion.pk}/")

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == (
        Enrollment.Status.EXITED,
        ExitReason.ARCHIVED,
    )


def test_archived_records_leave_the_pages_lists(client, admin_member):
    kept, archived = ContactFactory().account, ContactFactory().account
    account_archive(account=archived, by=admin_member)
    client.force_login(admin_member)

    page = client.get(reverse("web:account_list"))

    assert kept.name in page.text
    assert archived.name not in page.text
    listed = client.get(reverse("web:account_list"), {"archived": "1"})
    assert archived.name in listed.text and kept.name not in listed.text
    detail = client.get(reverse("web:account_detail", args=[archived.pk]))
    assert "Archived " in detail.text


def test_removing_a_step_on_its_page_shows_what_it_unlinks_and_asks(client, marketer, db):
    world = build_world()
    step = world.generic.steps.order_by("position").last()
    Enrollment.objects.create(
        sequence=world.generic, contact=world.champion, next_step=step, due_at=NOW
    )
    client.force_login(marketer)
    url = reverse("nurture:step_delete", args=[step.pk])

    page = client.get(url)

    assert "<li>1 enrollments</li>" in page.text
    assert client.post(url, {"confirm": "stale"}).status_code == 200  # asked again
    assert world.generic.steps.filter(pk=step.pk).exists()

    done = client.post(url, {"confirm": deletion_impact(instance=step).token})

    assert done.status_code == 302
    assert not world.generic.steps.filter(pk=step.pk).exists()


def test_pickers_offer_active_records_and_keep_a_choice_archived_since(db):
    kept, archived = PersonaFactory(name="Kept"), PersonaFactory(name="Archived")
    archived.archived_at = NOW
    archived.save()
    sequence = SequenceFactory(persona=archived)

    new = SequenceForm().fields["persona"].queryset
    edited = SequenceForm(instance=sequence).fields["persona"].queryset

    assert set(new) == {kept}
    assert set(edited) == {kept, archived}
