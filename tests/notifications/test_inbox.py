"""The inbox: `notify` writes one notification per recipient, kind and subject; the badge on
every page counts the unread in one query; opening one marks it read; "mark all read"; the
same through the API."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Notification
from tests.factories import HandoffFactory, NotificationFactory, OpportunityStallFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _unread_counts(queries) -> list[str]:
    """The badge's count queries (the inbox's paginator counts all of them, read or not)."""
    return [
        q["sql"]
        for q in queries
        if "notifications_notification" in q["sql"]
        and "COUNT(" in q["sql"].upper()
        and '"read_at" IS NULL' in q["sql"]
    ]


def test_notify_writes_one_notification_per_subject_and_brings_it_back_unread(sales_rep):
    handoff = HandoffFactory(owner=sales_rep)
    first = services.notify(
        recipient=sales_rep,
        kind=Notification.Kind.HANDOFF,
        subject=handoff,
        text="Yours to decide.",
        url="/signals/handoffs/",
    )
    services.notification_open(notification=first)

    again = services.notify(
        recipient=sales_rep,
        kind=Notification.Kind.HANDOFF,
        subject=handoff,
        text="Yours to decide, again.",
        url="/signals/handoffs/",
    )

    assert again.pk == first.pk and Notification.objects.count() == 1
    again.refresh_from_db()
    assert (again.text, again.read_at, again.subject) == ("Yours to decide, again.", None, handoff)


def test_notify_without_a_subject_always_adds_one(sales_rep):
    for _ in range(2):
        services.notify(
            recipient=sales_rep, kind=Notification.Kind.STEP_FAILED, subject=None, text="x" * 400
        )
    assert Notification.objects.count() == 2
    assert {len(n.text) for n in Notification.objects.all()} == {300}


def test_the_badge_counts_the_user_s_unread_on_every_page_in_one_query(sales_rep, other_sales_rep):
    NotificationFactory.create_batch(3, recipient=sales_rep)
    NotificationFactory(recipient=sales_rep, read_at=timezone.now())
    NotificationFactory(recipient=other_sales_rep)
    client = _client(sales_rep)

    for url in (reverse("web:home"), reverse("web:opportunity_list"), INBOX):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200
        assert '<span class="badge rounded-pill text-bg-danger" data-testid="unread-count">3' in (
            page.text
        )
        assert len(_unread_counts(queries)) == 1, url


def test_no_badge_and_no_count_query_when_nothing_is_unread(sales_rep):
    NotificationFactory(recipient=sales_rep, read_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        page = _client(sales_rep).get(reverse("web:home"))
    assert 'data-testid="unread-count"' not in page.text
    assert len(_unread_counts(queries)) == 1


def test_signed_out_pages_count_nothing(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
    assert not _unread_counts(queries)


def test_the_inbox_lists_newest_first_in_pages_and_only_the_user_s_own(sales_rep, other_sales_rep):
    start = timezone.now()
    for n in range(30):
        NotificationFactory(
            recipient=sales_rep,
            text=f"Notice {n}",
            created_at=start + datetime.timedelta(minutes=n),
        )
    NotificationFactory(recipient=other_sales_rep, text="Not yours")
    client = _client(sales_rep)

    first = client.get(INBOX)
    second = client.get(INBOX + "?page=2")

    texts = [n.text for n in first.context["page_obj"]]
    assert texts[:2] == ["Notice 29", "Notice 28"] and len(texts) == 25
    assert [n.text for n in second.context["page_obj"]][-1] == "Notice 0"
    assert "Not yours" not in first.text + second.text
    assert "30 notifications, 30 unread" in first.text


def test_the_inbox_reads_as_many_queries_for_one_notification_as_for_many(sales_rep):
    client = _client(sales_rep)
    NotificationFactory(recipient=sales_rep)
    with CaptureQueriesContext(connection) as one:
        client.get(INBOX)
    NotificationFactory.create_batch(20, recipient=sales_rep)
    with CaptureQueriesContext(connection) as many:
        client.get(INBOX)
    assert len(one) == len(many)


def test_opening_one_marks_it_read_and_leads_to_its_subject(sales_rep, other_sales_rep):
    stall = OpportunityStallFactory()
    note = NotificationFactory(
        recipient=sales_rep, subject=stall, link=f"/opportunities/{stall.opportunity_id}/"
    )
    client = _client(sales_rep)
    assert 'data-testid="unread-count">1' in client.get(INBOX).text

    opened = client.get(reverse("notifications:open", args=[note.pk]))

    assert opened.status_code == 302
    assert opened["Location"] == f"/opportunities/{stall.opportunity_id}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="unread-count"' not in client.get(INBOX).text
    # Someone else's is a 404; a link leading off the site is not followed.
    assert _client(other_sales_rep).get(opened.url).status_code == 200
    assert (
        _client(other_sales_rep).get(reverse("notifications:open", args=[note.pk])).status_code
        == 404
    )
    away = NotificationFactory(recipient=sales_rep, link="https://evil.example/")
    assert client.get(reverse("notifications:open", args=[away.pk]))["Location"] == INBOX


def test_mark_all_read_marks_only_the_user_s_own(sales_rep, other_sales_rep):
    NotificationFactory.create_batch(2, recipient=sales_rep)
    theirs = NotificationFactory(recipient=other_sales_rep)
    client = _client(sales_rep)

    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"), follow=True)

    assert "Marked 2 notifications read." in response.text
    assert not Notification.objects.filter(recipient=sales_rep, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_lists_the_user_s_own_and_marks_them_read(
    api_client, sales_rep, other_sales_rep, marketer
):
    stall = OpportunityStallFactory()
    mine = NotificationFactory(recipient=sales_rep, subject=stall)
    older = NotificationFactory(
        recipient=sales_rep, created_at=timezone.now() - datetime.timedelta(days=1)
    )
    theirs = NotificationFactory(recipient=other_sales_rep)
    api = api_client(sales_rep)

    listed = api.get("/api/v1/notifications/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk, older.pk]
    row = listed["results"][0]
    assert (row["kind"], row["kind_label"], row["unread"]) == ("stall", "Deal stalled", True)
    assert (row["subject_type"], row["subject_id"]) == ("pipeline.opportunitystall", stall.pk)

    read = api.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert read.status_code == 200 and read.json()["unread"] is False
    assert api.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404

    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    # Every role has an inbox (a marketer's is empty); signed out is a 401.
    assert api_client(marketer).get("/api/v1/notifications/").json()["count"] == 0
    assert api_client(None).get("/api/v1/notifications/").status_code == 401


def test_the_api_list_reads_as_many_queries_for_one_as_for_many(api_client, sales_rep):
    api = api_client(sales_rep)
    NotificationFactory(recipient=sales_rep, subject=OpportunityStallFactory())
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/notifications/")
    for _ in range(5):
        NotificationFactory(recipient=sales_rep, subject=OpportunityStallFactory())
    with CaptureQueriesContext(connection) as many:
        api.get("/api/v1/notifications/")
    assert len(one) == len(many)
