"""Scores over a threshold raise an MQL (contact) or MQA (account) that sales accept or reject."""

import datetime

import pytest

from apps.engagement.models import EventKind, Handoff
from apps.personas.models import BuyingRole
from tests.engagement.conftest import NOW
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    HandoffFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hot_account(stages, scoring):
    scoring.mql_threshold = 20
    scoring.mqa_threshold = 50
    scoring.save()
    SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision, weight=10, half_life_days=365
    )
    account = AccountFactory()
    for role in (BuyingRole.CHAMPION, BuyingRole.ECONOMIC_BUYER):
        contact = ContactFactory(account=account, buying_role=role)
        EventFactory(account=account, contact=contact, kind=EventKind.DEMO_REQUEST, occurred_at=NOW)
    ContactFactory(account=account)  # a quiet colleague: no MQL
    return account


def test_crossing_a_threshold_raises_one_pending_handoff(hot_account, recompute):
    recompute()
    recompute(at=NOW + datetime.timedelta(hours=1))

    mqls = Handoff.objects.filter(kind=Handoff.Kind.MQL)
    assert mqls.count() == 2
    assert all(h.status == "pending" and h.raised_at == NOW for h in mqls)
    assert {h.contact.buying_role for h in mqls} == {"champion", "economic_buyer"}
    mqa = Handoff.objects.get(kind=Handoff.Kind.MQA)
    assert (mqa.account, mqa.contact, mqa.threshold) == (hot_account, None, 50)
    assert mqa.score >= 50


def test_a_rejected_handoff_returns_only_after_the_cool_down(hot_account, recompute, scoring):
    recompute()
    mqa = Handoff.objects.get(kind=Handoff.Kind.MQA)
    mqa.status, mqa.decided_at, mqa.reason = "rejected", NOW, "No budget this year"
    mqa.save()

    recompute(at=NOW + datetime.timedelta(days=2))
    assert Handoff.objects.filter(kind="mqa").count() == 1

    recompute(at=NOW + datetime.timedelta(days=scoring.rejected_handoff_cooldown_days + 1))
    assert Handoff.objects.filter(kind="mqa", status="pending").count() == 1


def test_sales_accept_and_reject_with_timestamps(api_client, sales_rep):
    mql, other = HandoffFactory(owner=sales_rep), HandoffFactory(owner=sales_rep)
    client = api_client(sales_rep)

    accepted = client.post(f"/api/v1/handoffs/{mql.pk}/accept/", {}, format="json")
    no_reason = client.post(f"/api/v1/handoffs/{other.pk}/reject/", {}, format="json")
    rejected = client.post(
        f"/api/v1/handoffs/{other.pk}/reject/", {"reason": "Student, not a buyer"}, format="json"
    )
    again = client.post(f"/api/v1/handoffs/{mql.pk}/reject/", {"reason": "x"}, format="json")

    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["decided_by"] == sales_rep.pk
    assert accepted.json()["decided_at"]
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"] == {"reason": ["Required when rejecting."]}
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "Student, not a buyer"
    assert again.status_code == 400
    assert "already accepted" in again.json()["detail"]


def test_marketers_see_handoffs_but_do_not_decide_them(api_client, marketer):
    handoff = HandoffFactory()
    client = api_client(marketer)

    assert client.get("/api/v1/handoffs/?status=pending").json()["count"] == 1
    assert client.post(f"/api/v1/handoffs/{handoff.pk}/accept/", {}).status_code == 403
