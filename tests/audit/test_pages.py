"""The trail is readable on each record's page (History panel) and in admin, deleted records
included; the panel's queries do not grow with its entries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.core.audit import audit_path
from tests.admin.helpers import admin_url
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    JourneyFactory,
    OpportunityFactory,
    SequenceFactory,
    SignalRuleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _change(record, field, values, user):
    # As a request would: the user making the change is whom the trail names.
    with audit_path("web", user=user):
        for value in values:
            setattr(record, field, value)
            record.save()


# Each record page with a History panel, and a field a marketer would change there.
PAGES = [
    (AccountFactory, "web:account_detail", "name"),
    (OpportunityFactory, "web:opportunity_detail", "name"),
    (CampaignFactory, "campaigns:detail", "name"),
    (AssetFactory, "content:asset_detail", "title"),
    (SequenceFactory, "nurture:sequence_detail", "name"),
    (JourneyFactory, "journeys:history", "name"),
    (SignalRuleFactory, "signals:rule_edit", "url_pattern"),
]


@pytest.mark.parametrize(("factory", "url_name", "field"), PAGES)
def test_record_pages_show_who_changed_what(client, admin_member, factory, url_name, field):
    record = factory(**{field: "before"})
    _change(record, field, ["after"], admin_member)
    client.force_login(admin_member)

    page = client.get(reverse(url_name, args=[record.pk])).text

    assert 'id="history"' in page
    assert "before → after" in page
    assert str(admin_member) in page


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("factory", "url_name"),
    [(AccountFactory, "web:account_detail"), (CampaignFactory, "campaigns:detail")],
)
def test_history_panel_queries_do_not_grow_with_entries(client, admin_member, factory, url_name):
    record = factory()
    url = reverse(url_name, args=[record.pk])
    client.force_login(admin_member)
    _change(record, "name", ["One"], UserFactory())
    _page_queries(client, url)  # warm per-process caches
    with_one = _page_queries(client, url)

    _change(record, "name", [f"Name {n}" for n in range(15)], UserFactory())
    with_many = _page_queries(client, url)

    assert record.history.count() == 17
    assert with_many == with_one


def test_admin_shows_a_records_trail_with_its_path(staff_client, admin_member):
    account = AccountFactory(name="Acme")
    _change(account, "name", ["Acme Corp"], admin_member)

    page = staff_client.get(admin_url(Account, "history", account.pk)).text

    assert "Acme Corp" in page
    assert "Web page" in page


def test_a_deleted_records_trail_and_who_deleted_it_stay_readable_in_admin(
    staff_client, admin_member
):
    campaign = CampaignFactory(name="Gone soon")
    pk = campaign.pk
    with audit_path("api", user=admin_member):
        campaign.delete()
    trail = Campaign.history.model

    listing = staff_client.get(admin_url(trail, "changelist"), {"history_type": "-"}).text
    history = staff_client.get(admin_url(Campaign, "history", pk))

    assert admin_url(Campaign, "history", pk) in listing
    assert str(admin_member) in listing
    assert history.status_code == 200
    assert "Gone soon" in history.text
    assert "Deleted" in history.text


def test_the_trail_admin_queries_do_not_grow_with_rows(staff_client):
    AccountFactory.create_batch(2)
    url = admin_url(Account.history.model, "changelist")
    _page_queries(staff_client, url)
    with_two = _page_queries(staff_client, url)

    AccountFactory.create_batch(20)

    assert _page_queries(staff_client, url) == with_two
