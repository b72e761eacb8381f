import pytest

from apps.accounts.models import Account
from apps.pipeline.models import PipelineStage
from tests.admin.helpers import admin_url, page_post_data
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    PipelineStageFactory,
)


def _add_account(client, **fields):
    url = admin_url(Account, "add")
    data = page_post_data(client.get(url)) | {"name": "Acme", "tier": "1", "fit_score": "70"}
    return client.post(url, data | fields)


def test_domain_is_stored_normalised(staff_client):
    response = _add_account(staff_client, domain="https://WWW.Acme.com/about")

    assert response.status_code == 302
    assert Account.objects.get(name="Acme").domain == "acme.com"


@pytest.mark.parametrize("spelling", ["ACME.com", "www.acme.com", "https://WWW.Acme.com/"])
def test_duplicate_domain_is_a_form_error_on_the_domain(staff_client, spelling):
    AccountFactory(name="Acme Corp", domain="acme.com")

    response = _add_account(staff_client, domain=spelling)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["domain"]
    assert "Domain already exists" in errors["domain"][0]
    assert Account.objects.count() == 1


def test_list_counts_contacts_and_open_opportunities(staff_client):
    busy, quiet = AccountFactory(name="Busy"), AccountFactory(name="Quiet")
    ContactFactory.create_batch(3, account=busy)
    OpportunityFactory.create_batch(2, account=busy)
    for outcome in (PipelineStage.Outcome.WON, PipelineStage.Outcome.LOST):
        OpportunityFactory(account=busy, stage=PipelineStageFactory(outcome=outcome))

    response = staff_client.get(admin_url(Account, "changelist"))

    counts = {
        account.name: (account.contact_count, account.open_opportunity_count)
        for account in response.context["cl"].result_list
    }
    assert counts == {busy.name: (3, 2), quiet.name: (0, 0)}


@pytest.mark.parametrize(
    ("action", "before", "after"), [("mark_target", False, True), ("mark_not_target", True, False)]
)
def test_target_actions_flip_only_the_selected_accounts(staff_client, action, before, after):
    chosen, other = AccountFactory(is_target=before), AccountFactory(is_target=before)
    stamp = chosen.updated_at

    response = staff_client.post(
        admin_url(Account, "changelist"), {"action": action, "_selected_action": [chosen.pk]}
    )

    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.is_target, other.is_target) == (after, before)
    assert chosen.updated_at > stamp


def test_contacts_are_edited_inline_under_their_account(staff_client):
    account = AccountFactory()
    url = admin_url(Account, "change", account.pk)
    data = page_post_data(staff_client.get(url)) | {
        "contacts-TOTAL_FORMS": "1",
        "contacts-0-first_name": "Grace",
        "contacts-0-last_name": "Hopper",
        "contacts-0-email": "Grace@Acme.example",
        "contacts-0-consent": "opted_in",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    contact = account.contacts.get()
    assert (contact.full_name, contact.email) == ("Grace Hopper", "grace@acme.example")
