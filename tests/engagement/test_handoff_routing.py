"""Handoffs go to the account's owner (none: the marketing-ops queue); only their owner, a sales
manager or an admin decides them; managers, marketers and admins reassign them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.engagement.models import EventKind, Handoff
from apps.engagement.services import handoffs_decide
from apps.notifications import services
from apps.notifications.models import Notification
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

HANDOFFS = reverse("signals:handoff_list")


@pytest.fixture
def hot_accounts(stages, scoring, sales_rep):
    """Two accounts over the MQL and MQA thresholds: one owned by the rep, one by nobody."""
    scoring.mql_threshold, scoring.mqa_threshold = 20, 50
    scoring.save()
    SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision, weight=10, half_life_days=365
    )
    accounts = {"owned": AccountFactory(owner=sales_rep), "unowned": AccountFactory(owner=None)}
    for account in accounts.values():
        for role in (BuyingRole.CHAMPION, BuyingRole.ECONOMIC_BUYER):
            contact = ContactFactory(account=account, buying_role=role)
            EventFactory(
                account=account, contact=contact, kind=EventKind.DEMO_REQUEST, occurred_at=NOW
            )
    return accounts


def test_a_raised_handoff_goes_to_the_account_owner_else_to_the_ops_queue(
    hot_accounts, recompute, sales_rep
):
    with CaptureQueriesContext(connection) as queries:
        recompute()
    handoff_inserts = [q for q in queries if "INSERT INTO engagement_handoff" in q["sql"]]
    assert len(handoff_inserts) == 2  # one set-based statement per kind, owners joined in

    owned = Handoff.objects.filter(account=hot_accounts["owned"])
    unowned = Handoff.objects.filter(account=hot_accounts["unowned"])
    assert owned.count() == unowned.count() == 3  # two MQLs and an MQA each
    assert {h.owner for h in owned} == {sales_rep}
    assert {h.owner for h in unowned} == {None}


def test_the_list_starts_on_each_role_s_own_queue(
    client_for_role, client, sales_rep, other_sales_rep, marketer, sales_manager
):
    mine = HandoffFactory(owner=sales_rep)
    theirs = HandoffFactory(owner=other_sales_rep)
    queued = HandoffFactory(owner=None)

    def shown(role, query=""):
        response = client_for_role(role).get(HANDOFFS + query)
        return {h.pk for h in response.context["page_obj"]}, response

    assert shown("sales")[0] == {mine.pk}
    assert shown("marketer")[0] == {queued.pk}
    assert shown("admin")[0] == {mine.pk, theirs.pk, queued.pk}
    # A rep reads only their own queue: no "All" or ops tab, and asking for them shows theirs.
    for query in ("?queue=all", "?queue=ops"):
        assert shown("sales", query)[0] == {mine.pk}
    _, response = shown("sales", "?queue=all")
    text = response.text
    assert 'data-testid="queue-all"' not in text and 'data-testid="queue-ops"' not in text
    assert str(other_sales_rep) not in text
    assert text.count('name="decision" value="accepted"') == 1
    assert f'value="{mine.pk}" form="bulk-handoffs"' in text
    # A manager sees all, with the owner column, and decides any.
    client.force_login(sales_manager)
    response = client.get(HANDOFFS + "?queue=all")
    assert {h.pk for h in response.context["page_obj"]} == {mine.pk, theirs.pk, queued.pk}
    assert str(other_sales_rep) in response.text and "Marketing-ops queue" in response.text
    assert f'value="{theirs.pk}" form="bulk-handoffs"' in response.text


def test_the_api_reads_a_rep_s_own_handoffs_like_the_page(
    api_client, sales_rep, other_sales_rep, sales_manager
):
    mine = HandoffFactory(owner=sales_rep)
    theirs = HandoffFactory(owner=other_sales_rep)
    queued = HandoffFactory(owner=None)

    def listed(user) -> set[int]:
        return {row["id"] for row in api_client(user).get("/api/v1/handoffs/").json()["results"]}

    assert listed(sales_rep) == {mine.pk}
    assert listed(sales_manager) == {mine.pk, theirs.pk, queued.pk}
    assert api_client(sales_rep).get(f"/api/v1/handoffs/{theirs.pk}/").status_code == 404


def test_a_rep_cannot_decide_another_rep_s_handoff_in_the_ui(client_for_role, other_sales_rep):
    theirs = HandoffFactory(owner=other_sales_rep)
    response = client_for_role("sales").post(
        reverse("signals:handoff_decide", args=[theirs.pk]), {"decision": "accepted"}
    )
    assert response.status_code == 403
    assert f"This handoff is {other_sales_rep}&#x27;s" in response.text
    theirs.refresh_from_db()
    assert theirs.status == Handoff.Status.PENDING


def test_a_rep_cannot_decide_another_rep_s_handoff_in_the_api(
    api_client, sales_rep, other_sales_rep, sales_manager
):
    theirs = HandoffFactory(owner=other_sales_rep)
    queued = HandoffFactory(owner=None)
    url = f"/api/v1/handoffs/{theirs.pk}/accept/"

    refused = api_client(sales_rep).post(url, {}, format="json")
    refused_queued = api_client(sales_rep).post(
        f"/api/v1/handoffs/{queued.pk}/accept/", {}, format="json"
    )
    by_manager = api_client(sales_manager).post(url, {}, format="json")

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(f"This handoff is {other_sales_rep}'s")
    assert refused.json()["errors"] == {"owner": ["Ask for it to be reassigned to you."]}
    assert refused_queued.status_code == 403
    assert "marketing-ops queue" in refused_queued.json()["detail"]
    assert by_manager.status_code == 200
    assert by_manager.json()["decided_by"] == sales_manager.pk


def test_reassign_by_marketing_or_a_manager_not_by_a_rep(
    api_client, sales_rep, other_sales_rep, marketer, sales_manager, client_for_role
):
    queued = HandoffFactory(owner=None)
    url = f"/api/v1/handoffs/{queued.pk}/reassign/"

    by_rep = api_client(sales_rep).post(url, {"owner": sales_rep.pk}, format="json")
    by_marketer = api_client(marketer).post(url, {"owner": other_sales_rep.pk}, format="json")
    to_a_marketer = api_client(sales_manager).post(url, {"owner": marketer.pk}, format="json")

    assert by_rep.status_code == 403
    assert by_marketer.status_code == 200
    assert by_marketer.json()["owner"] == other_sales_rep.pk
    assert by_marketer.json()["owner_name"] == str(other_sales_rep)
    assert to_a_marketer.status_code == 400
    assert "owner" in to_a_marketer.json()["errors"]
    assert (
        api_client(marketer).get(f"/api/v1/handoffs/?owner={other_sales_rep.pk}").json()["count"]
        == 1
    )

    # Through the page: an admin sends it back to the ops queue.
    response = client_for_role("admin").post(
        reverse("signals:handoff_reassign", args=[queued.pk]), {"owner": ""}
    )
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.owner is None
    refused = client_for_role("sales").post(
        reverse("signals:handoff_reassign", args=[queued.pk]), {"owner": sales_rep.pk}
    )
    assert refused.status_code == 403


def test_bulk_decision_decides_what_the_user_may_and_names_the_rest(
    client_for_role, sales_rep, other_sales_rep
):
    mine = HandoffFactory.create_batch(3, owner=sales_rep)
    theirs = HandoffFactory(owner=other_sales_rep)
    done = HandoffFactory(
        owner=sales_rep, status=Handoff.Status.ACCEPTED, decided_at=NOW, decided_by=sales_rep
    )
    ticked = [h.pk for h in [*mine, theirs, done]]

    response = client_for_role("sales").post(
        reverse("signals:handoff_bulk_decide"),
        {"handoff": ticked, "decision": "accepted", "next": "queue=mine"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == HANDOFFS + "?queue=mine"
    statuses = dict(Handoff.objects.filter(pk__in=ticked).values_list("pk", "status"))
    assert [statuses[h.pk] for h in mine] == ["accepted"] * 3
    assert statuses[theirs.pk] == "pending"
    notes = [str(m) for m in response.context["messages"]]
    assert "Accepted 3 handoffs." in notes
    assert any(f"{theirs.contact.full_name}" in n and "only its owner" in n for n in notes)
    assert any("already accepted" in n for n in notes)


def test_bulk_reject_needs_one_reason_and_runs_in_one_transaction(sales_rep):
    mine = HandoffFactory.create_batch(2, owner=sales_rep)
    with pytest.raises(Exception, match="Say why"):
        handoffs_decide(handoff_ids=[h.pk for h in mine], user=sales_rep, accept=False)

    result = handoffs_decide(
        handoff_ids=[h.pk for h in mine] + [999_999],
        user=sales_rep,
        accept=False,
        reason="Not our segment",
    )
    assert [h.status for h in result.decided] == ["rejected", "rejected"]
    assert result.refused == {999_999: "No such handoff."}


def test_backfill_routes_existing_handoffs_to_the_account_owner(sales_rep):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("apps.engagement.migrations.0014_handoff_owner")
    owned = HandoffFactory(contact__account__owner=sales_rep)
    orphan = HandoffFactory(contact__account__owner=None)
    Handoff.objects.update(owner=None)

    migration.route_to_account_owners(apps, None)

    owned.refresh_from_db()
    orphan.refresh_from_db()
    assert (owned.owner, orphan.owner) == (sales_rep, None)


def test_the_list_reads_as_many_queries_for_one_handoff_as_for_many(
    client_for_role, sales_rep, other_sales_rep
):
    client = client_for_role("admin")  # reassign selects and decisions on every row

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(HANDOFFS + "?queue=all")
        assert response.status_code == 200
        return len(captured)

    HandoffFactory(owner=sales_rep)
    one = queries()
    for n in range(15):
        HandoffFactory(owner=[sales_rep, other_sales_rep, None][n % 3])
    assert queries() == one


def test_bulk_decision_through_the_api(api_client, sales_rep, other_sales_rep):
    mine, theirs = HandoffFactory(owner=sales_rep), HandoffFactory(owner=other_sales_rep)

    response = api_client(sales_rep).post(
        "/api/v1/handoffs/decide/",
        {"handoffs": [mine.pk, theirs.pk], "decision": "accept"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert [(h["id"], h["status"]) for h in body["decided"]] == [(mine.pk, "accepted")]
    [refusal] = body["refused"]
    assert refusal["id"] == theirs.pk and "only its owner" in refusal["detail"]
    no_reason = api_client(sales_rep).post(
        "/api/v1/handoffs/decide/", {"handoffs": [theirs.pk], "decision": "reject"}, format="json"
    )
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"] == {"reason": ["Required when rejecting."]}


def test_a_raised_handoff_lands_in_its_owner_s_inbox_once(hot_accounts, recompute, sales_rep):
    with CaptureQueriesContext(connection) as queries:
        recompute()
    notices = [q for q in queries if "INSERT INTO notifications_notification" in q["sql"]]
    assert len(notices) == 1  # one set-based statement for every handoff raised

    owned = Handoff.objects.filter(account=hot_accounts["owned"])
    inbox = Notification.objects.filter(kind=Notification.Kind.HANDOFF)
    # Only the owned account's three: the ops queue's have no one to tell.
    assert {(n.recipient, n.subject) for n in inbox} == {(sales_rep, h) for h in owned}
    mqa = inbox.get(subject_id=owned.get(kind=Handoff.Kind.MQA).pk)
    assert mqa.text == f"New MQA: {hot_accounts['owned'].name}, is yours to accept or reject."
    assert mqa.link == HANDOFFS and mqa.read_at is None

    recompute()  # nothing new raised: nothing new said
    assert inbox.count() == 3


def test_a_reassigned_handoff_tells_its_new_owner(
    api_client, sales_rep, other_sales_rep, sales_manager
):
    queued = HandoffFactory(owner=None)
    url = f"/api/v1/handoffs/{queued.pk}/reassign/"

    api_client(sales_manager).post(url, {"owner": sales_rep.pk}, format="json")
    api_client(sales_manager).post(url, {"owner": other_sales_rep.pk}, format="json")

    (first,) = Notification.objects.filter(recipient=sales_rep)
    (second,) = Notification.objects.filter(recipient=other_sales_rep)
    assert (second.kind, second.subject, second.link) == (
        Notification.Kind.HANDOFF,
        queued,
        HANDOFFS,
    )
    assert second.text == (
        f"{sales_manager} handed you the MQL for {queued.contact} to accept or reject."
    )
    # Handed back to the first rep: their notification about it comes back unread, not twice.
    services.notification_open(notification=first)
    api_client(sales_manager).post(url, {"owner": sales_rep.pk}, format="json")
    (again,) = Notification.objects.filter(recipient=sales_rep)
    assert again.pk == first.pk and again.read_at is None
    # Back to the ops queue: nobody to tell.
    api_client(sales_manager).post(url, {"owner": None}, format="json")
    assert Notification.objects.count() == 2
