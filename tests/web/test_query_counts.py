"""Each list and detail page runs the same number of queries for 1 row as for many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.engagement.models import Direction, EventKind
from apps.pipeline.services import opportunity_move_stage
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    EventFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str, *, shows: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert shows in response.text
    return len(queries)


def _add_committee_member(account):
    ContactFactory(account=account, persona=PersonaFactory(), title="Buyer")


def _add_deal(account):
    OpportunityFactory(account=account, owner=UserFactory(), stage=PipelineStageFactory())


def _add_signal(account):
    contact = ContactFactory(account=account)
    EventFactory(account=account, contact=contact, asset=AssetFactory(title="Signal asset"))


def _account_with_everything(account):
    """One more committee member (with persona), deal (own stage and owner) and signal."""
    for grow in (_add_committee_member, _add_deal, _add_signal):
        grow(account)


def test_accounts_list(client_for, marketer):
    client = client_for(marketer)
    _account_with_everything(AccountFactory(name="First", owner=UserFactory()))
    one = _queries(client, reverse("web:account_list"), shows="First")

    for n in range(20):
        _account_with_everything(AccountFactory(name=f"More {n}", owner=UserFactory()))
    many = _queries(client, reverse("web:account_list"), shows="More 19")

    assert one == many


@pytest.mark.parametrize(
    ("grow", "count", "shows"),
    [(_add_committee_member, 10, "Buyer"), (_add_deal, 10, "Deal"), (_add_signal, 20, "Signal")],
    ids=["committee", "opportunities", "events"],
)
def test_account_detail(client_for, sales_rep, grow, count, shows):
    client = client_for(sales_rep)
    account = AccountFactory(owner=UserFactory())
    url = reverse("web:account_detail", args=[account.pk])
    grow(account)
    one = _queries(client, url, shows=shows)

    for _ in range(count - 1):
        grow(account)
    many = _queries(client, url, shows=shows)

    assert one == many


def test_opportunities_list(client_for, marketer):
    client = client_for(marketer)
    OpportunityFactory(name="First deal")
    one = _queries(client, reverse("web:opportunity_list"), shows="First deal")

    OpportunityFactory.create_batch(15, name="Another deal")
    many = _queries(client, reverse("web:opportunity_list"), shows="Another deal")

    assert one == many


def test_opportunity_detail(client_for, sales_rep):
    client = client_for(sales_rep)
    deal = OpportunityFactory(owner=sales_rep)
    ContactFactory(account=deal.account, persona=PersonaFactory())
    url = reverse("web:opportunity_detail", args=[deal.pk])
    one = _queries(client, url, shows=deal.name)

    for n in range(8):
        deal = opportunity_move_stage(
            opportunity=deal, stage=PipelineStageFactory(name=f"Step {n}"), changed_by=UserFactory()
        )
        person = ContactFactory(account=deal.account, persona=PersonaFactory())
        EventFactory(  # a call on the deal's activity timeline, with whom
            account=deal.account,
            contact=person,
            kind=EventKind.CALL,
            direction=Direction.SELLER,
            properties={"outcome": f"Outcome {n}"},
        )
    many = _queries(client, url, shows="Outcome 7")

    assert one == many
