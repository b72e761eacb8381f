"""Signal pages: account and contact scores with evidence, hot accounts, the rule editor with
its preview, and handoffs; each page runs the same number of queries however many signals."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.deletion import deletion_impact
from apps.engagement.models import EventKind, Handoff, SignalRule
from apps.personas.models import BuyingRole
from tests.factories import (
    AccountFactory,
    AccountScoreFactory,
    ContactFactory,
    EventFactory,
    HandoffFactory,
    SignalRuleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting_rule(stages):
    return SignalRuleFactory(
        kind=EventKind.MEETING, journey_stage=stages.decision, weight=10, half_life_days=30
    )


def _meet(contact, at=None):
    return EventFactory(
        account=contact.account,
        contact=contact,
        kind=EventKind.MEETING,
        url="https://crm.example/meetings/1",
        occurred_at=at or timezone.now(),
    )


@pytest.fixture
def engaged_account(meeting_rule, recompute):
    account = AccountFactory(name="Acme Corp")
    dana = ContactFactory(
        account=account, first_name="Dana", last_name="Scully", buying_role=BuyingRole.CHAMPION
    )
    fox = ContactFactory(
        account=account, first_name="Fox", last_name="Mulder", buying_role=BuyingRole.ECONOMIC_BUYER
    )
    _meet(dana)
    _meet(fox)
    recompute(at=timezone.now())
    return account


def test_account_page_shows_score_stage_and_why(client_for_role, engaged_account):
    response = client_for_role("sales").get(
        reverse("web:account_detail", args=[engaged_account.pk])
    )

    text = response.text
    assert response.status_code == 200
    summary = response.context["signals"]
    assert summary.score.stage.name == "Decision"
    for shown in ["Why Decision?", "No stage → <strong>Decision</strong>",
                  "Meeting</strong> → Decision", "2 signals, 20.0 points",
                  "2 of the committee there", "Dana Scully", "Fox Mulder",
                  "2 buying roles engaged"]:  # fmt: skip
        assert shown in text, shown
    dana = engaged_account.contacts.get(first_name="Dana")
    assert reverse("signals:contact_detail", args=[dana.pk]) in text


def test_contact_page_shows_score_stage_evidence_and_signals(client_for_role, engaged_account):
    dana = engaged_account.contacts.get(first_name="Dana")

    response = client_for_role("marketer").get(reverse("signals:contact_detail", args=[dana.pk]))

    assert response.status_code == 200
    text = response.text
    for shown in ["Dana Scully", "Champion", "Decision", "Meeting</strong> → Decision",
                  "1 signal, 10.0 points", "https://crm.example/meetings/1"]:  # fmt: skip
        assert shown in text, shown
    assert (
        client_for_role("marketer").get(reverse("signals:contact_detail", args=[99999])).status_code
        == 404
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_account_and_contact_pages_do_not_grow_with_signals(
    client_for_role, meeting_rule, recompute, scoring
):
    scoring.committee_for_decision = 1  # one person's meeting already moves the account
    scoring.save()
    client = client_for_role("sales")
    account = AccountFactory()
    contact = ContactFactory(account=account)
    urls = [
        reverse("web:account_detail", args=[account.pk]),
        reverse("signals:contact_detail", args=[contact.pk]),
    ]
    start = timezone.now() - datetime.timedelta(days=60)
    _meet(contact, at=start)
    recompute(at=start)
    one = [_queries(client, url) for url in urls]

    # Many more signals, people and stage changes (in and out of Decision as evidence fades).
    for n in range(1, 9):
        at = start + datetime.timedelta(days=7 * n)
        for colleague in [contact, ContactFactory(account=account)]:
            _meet(colleague, at=at)
            EventFactory(account=account, kind=EventKind.PAGE_VIEW, occurred_at=at)
        recompute(at=at + datetime.timedelta(days=n % 2 * 40))
    many = [_queries(client, url) for url in urls]

    assert one == many


def test_hot_accounts_put_forward_moves_first_then_the_fastest_rise(
    client_for_role, engaged_account
):
    riser = AccountScoreFactory(account=AccountFactory(name="Riser"), score=50, score_week_ago=10)
    AccountScoreFactory(account=AccountFactory(name="Slow"), score=50, score_week_ago=45)
    AccountScoreFactory(account=AccountFactory(name="Cooling"), score=20, score_week_ago=30)
    response = client_for_role("sales").get(reverse("signals:hot_accounts"))

    names = [state.account.name for state in response.context["page_obj"]]
    # Acme's stage moved forward today; Cooling's score fell.
    assert names == ["Acme Corp", "Riser", "Slow"]
    assert "moved forward" in response.text
    assert riser.trend == 40


def test_hot_accounts_list_queries_do_not_grow(client_for_role):
    client = client_for_role("marketer")
    AccountScoreFactory(score=20, score_week_ago=5)
    one = _queries(client, reverse("signals:hot_accounts"))
    for _ in range(15):
        AccountScoreFactory(account=AccountFactory(owner=UserFactory()), score=20, score_week_ago=5)
    assert _queries(client, reverse("signals:hot_accounts")) == one


def test_rule_editor_saves_through_the_form(client_for_role, stages):
    client = client_for_role("marketer")
    form = {
        "kind": "product_page_view",
        "url_pattern": "/product",
        "journey_stage": stages.consideration.pk,
        "weight": "4",
        "half_life_days": "14",
        "cap": "",
        "repeat_count": "3",
        "repeat_window_days": "14",
        "is_active": "on",
    }

    assert client.get(reverse("signals:rule_create")).status_code == 200
    missing_window = client.post(reverse("signals:rule_create"), {**form, "repeat_window_days": ""})
    created = client.post(reverse("signals:rule_create"), form)

    assert "A repeat rule needs a window in days." in missing_window.text
    assert created.status_code == 302
    rule = SignalRule.objects.get()
    assert rule.repeat_count == 3
    listing = client.get(reverse("signals:rule_list"))
    assert "3 within 14 days" in listing.text
    edited = client.post(reverse("signals:rule_edit", args=[rule.pk]), {**form, "weight": "6"})
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert rule.weight == 6
    confirmation = client.get(reverse("signals:rule_delete", args=[rule.pk]))
    assert "Nothing else is removed with it." in confirmation.text
    token = deletion_impact(instance=rule).token
    client.post(reverse("signals:rule_delete", args=[rule.pk]), {"confirm": token})
    assert not SignalRule.objects.exists()


def test_rule_preview_counts_contacts_that_would_move(client_for_role, meeting_rule, recompute):
    for _ in range(2):
        _meet(ContactFactory())
    recompute(at=timezone.now())
    form = {
        "rule": meeting_rule.pk,
        "kind": "meeting",
        "url_pattern": "",
        "journey_stage": meeting_rule.journey_stage_id,
        "weight": "2",
        "half_life_days": "30",
        "repeat_count": "1",
        "is_active": "on",
    }
    client = client_for_role("marketer")

    weaker = client.post(reverse("signals:rule_preview"), form, HTTP_HX_REQUEST="true")
    removed = client.post(reverse("signals:rule_preview"), {**form, "remove": "1"})
    invalid = client.post(reverse("signals:rule_preview"), {**form, "weight": "-3"})

    assert weaker.context["form"].errors == {}
    assert weaker.context["shift"].back == 2
    assert "<html" not in weaker.text
    assert removed.context["shift"].back == 2
    assert invalid.context["shift"] is None
    assert "Fix the rule first" in invalid.text
    meeting_rule.refresh_from_db()
    assert meeting_rule.weight == 10  # previews save nothing


def test_sales_reps_see_hot_accounts_but_not_the_rule_editor(client_for_role, meeting_rule):
    sales = client_for_role("sales")
    marketer = client_for_role("marketer")

    assert sales.get(reverse("signals:rule_list")).status_code == 403
    assert sales.get(reverse("signals:rule_edit", args=[meeting_rule.pk])).status_code == 403
    assert sales.post(reverse("signals:rule_preview"), {}).status_code == 403
    home = sales.get(reverse("web:home")).text
    assert "Hot accounts" in home
    assert "Signal rules" not in home
    assert "Signal rules" in marketer.get(reverse("web:home")).text


def test_sales_decide_handoffs_on_the_page(client_for_role, sales_rep):
    accept, reject = HandoffFactory(owner=sales_rep), HandoffFactory(owner=sales_rep)
    client = _client(sales_rep)
    url = reverse("signals:handoff_list")

    assert "Accept" in client.get(url).text
    client.post(reverse("signals:handoff_decide", args=[accept.pk]), {"decision": "accepted"})
    no_reason = client.post(
        reverse("signals:handoff_decide", args=[reject.pk]), {"decision": "rejected"}, follow=True
    )
    client.post(
        reverse("signals:handoff_decide", args=[reject.pk]),
        {"decision": "rejected", "reason": "Wrong company"},
    )

    assert "Say why it is rejected" in no_reason.text
    accept.refresh_from_db()
    reject.refresh_from_db()
    assert (accept.status, accept.decided_by, reject.status) == ("accepted", sales_rep, "rejected")
    assert reject.reason == "Wrong company"
    marketer = client_for_role("marketer")
    assert "Reason (to reject)" not in marketer.get(url + "?status=pending").text
    assert Handoff.objects.filter(status="pending").count() == 0
    assert marketer.post(reverse("signals:handoff_decide", args=[accept.pk]), {}).status_code == 403
