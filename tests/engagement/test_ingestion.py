"""The bulk endpoint: JSON arrays and NDJSON, idempotent by (source, id), errors per item."""

import json
import threading

import pytest
from django.db import connection

from apps.engagement import ingestion, tasks
from apps.engagement.models import Event, RecomputeRequest
from tests.factories import AccountFactory, AssetFactory, ContactFactory, UserFactory

BULK = "/api/v1/events/bulk/"
NDJSON = "application/x-ndjson"


def _event(n: int = 1, **fields) -> dict:
    return {
        "id": f"evt-{n}",
        "kind": "pricing_page_view",
        "occurred_at": "2026-03-01T10:00:00Z",
        "source": "web",
        "email": "ann@acme.com",
        "url": "https://waymark.example/pricing",
        **fields,
    }


def _ndjson(*lines) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode()


@pytest.fixture
def acme(db):
    account = AccountFactory(name="Acme", domain="acme.com")
    ContactFactory(account=account, email="ann@acme.com")
    return account


@pytest.fixture
def post(api_client, marketer):
    client = api_client(marketer)

    def send(body, content_type="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return client.generic("POST", BULK, body, content_type=content_type)

    return send


@pytest.mark.django_db
def test_a_json_array_is_stored_matched_to_contact_and_account(post, acme):
    asset = AssetFactory()
    anonymous = _event(2, email=None, domain="https://www.ACME.com/", asset=asset.pk)

    response = post([_event(1, properties={"plan": "enterprise"}), anonymous])

    assert response.status_code == 200, response.json()
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": 0, "errors": []}
    known, visit = Event.objects.order_by("external_id")
    assert (known.account, known.contact.email, known.kind) == (
        acme,
        "ann@acme.com",
        "pricing_page_view",
    )
    assert known.properties == {"plan": "enterprise"}
    assert known.occurred_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert (visit.account, visit.contact, visit.asset) == (acme, None, asset)


@pytest.mark.django_db
def test_ndjson_is_read_line_by_line(post, acme):
    response = post(_ndjson(_event(1), "", _event(2)), NDJSON)

    assert response.json()["accepted"] == 2
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_an_event_id_is_stored_once_per_source(post, acme):
    first = post([_event(1), _event(2), _event(2)])
    again = post([_event(1), _event(2), _event(1, source="crm"), _event(3, id=None)])

    assert first.json() | {"errors": []} == {
        "accepted": 2, "duplicates": 1, "rejected": 0, "errors": []
    }  # fmt: skip
    assert again.json()["accepted"] == 2  # crm's evt-1, and one without an id
    assert again.json()["duplicates"] == 2
    assert Event.objects.count() == 4


@pytest.mark.django_db
def test_bad_items_are_named_and_the_good_ones_still_stored(post, acme, monkeypatch):
    monkeypatch.setattr(ingestion, "MAX_EVENT_BYTES", 600)
    body = _ndjson(
        _event(1),  # line 1: fine
        '{"id": "evt-2", "kind": ',  # 2: malformed JSON
        _event(3, kind="billboard_sighting"),  # 3
        _event(4, occurred_at="2031-01-01T00:00:00Z"),  # 4: far in the future
        _event(5, occurred_at="yesterday"),  # 5
        _event(6, email=None),  # 6: neither contact nor account
        _event(7, email="nobody@unknown.example"),  # 7: no such contact, no such account
        _event(8, contact=999999),  # 8
        _event(9, asset=999999),  # 9
        _event(10, properties={"blob": "x" * 700}),  # 10: a line over the per-event limit
        _event(11, url="ftp://files.example/x"),  # 11
        '["not", "an", "object"]',  # 12
        _event(13, domain="globex.io", email=None),  # 13: no account with that domain
        _event(14, source="fax"),  # 14
        _event(15),  # 15: fine
    )

    response = post(body, NDJSON)

    assert response.status_code == 200
    report = response.json()
    assert (report["accepted"], report["rejected"]) == (2, 13)
    errors = {error["item"]: error["errors"] for error in report["errors"]}
    assert list(errors) == list(range(2, 15))
    assert "Malformed JSON" in errors[2]["event"][0]
    assert "Unknown kind 'billboard_sighting'" in errors[3]["kind"][0]
    assert "future" in errors[4]["occurred_at"][0]
    assert "ISO 8601" in errors[5]["occurred_at"][0]
    assert "Name a contact" in errors[6]["contact"][0]
    assert "neither a known contact nor an account" in errors[7]["contact"][0]
    assert errors[8] == {"contact": ["No contact with id 999999."]}
    assert errors[9] == {"asset": ["No content asset with id 999999."]}
    assert "Longer than 600 bytes" in errors[10]["event"][0]
    assert "http" in errors[11]["url"][0]
    assert errors[12] == {"event": ["Each event is a JSON object."]}
    assert errors[13] == {"domain": ["No account with the domain globex.io."]}
    assert "Unknown source" in errors[14]["source"][0]
    assert sorted(Event.objects.values_list("external_id", flat=True)) == ["evt-1", "evt-15"]


@pytest.mark.django_db
def test_an_unknown_email_counts_for_the_account_of_its_domain(post, acme):
    response = post([_event(1, email="new.person@acme.com")])

    assert response.json()["accepted"] == 1
    event = Event.objects.get()
    assert (event.account, event.contact) == (acme, None)


@pytest.mark.django_db
def test_more_than_ten_thousand_events_store_nothing(post, acme):
    body = _ndjson(*(_event(n) for n in range(ingestion.MAX_EVENTS + 1)))

    response = post(body, NDJSON)

    assert response.status_code == 413
    assert "at most 10,000 events" in response.json()["detail"]
    assert not Event.objects.exists()
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db
def test_an_oversize_body_is_refused_whole(post, acme, monkeypatch):
    monkeypatch.setattr(ingestion, "MAX_BODY_BYTES", 1000)

    as_array = post([_event(n) for n in range(10)])
    as_lines = post(_ndjson(*(_event(n) for n in range(10))), NDJSON)

    assert as_array.status_code == as_lines.status_code == 413
    assert as_lines.json()["errors"] == {
        "body": ["Too large: split the events over several requests."]
    }
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_a_json_array_is_a_400(post, acme):
    assert post(b"[{]").status_code == 400
    response = post({"kind": "page_view"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["Expected a JSON array."]}


@pytest.mark.django_db
def test_only_roles_that_feed_signals_may_post(api_client, sales_rep, admin_member, acme):
    body = json.dumps([_event(1)])
    assert api_client(None).post(BULK, body, content_type="application/json").status_code == 401
    assert (
        api_client(sales_rep).post(BULK, body, content_type="application/json").status_code == 403
    )
    response = api_client(admin_member).post(BULK, body, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_touched_accounts_are_rescored_after_commit(
    post, acme, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.recompute_pending_scores, "delay", lambda: queued.append(1))
    globex = AccountFactory(domain="globex.io")

    with django_capture_on_commit_callbacks(execute=True):
        post([_event(1), _event(2, email=None, domain="globex.io")])
        post([_event(3)])
        post([_event(3)])  # only a duplicate: nothing new to score

    assert len(queued) == 2
    waiting = RecomputeRequest.objects.order_by("account__domain")
    assert [r.account for r in waiting] == [acme, globex]  # one row each, however often touched


@pytest.mark.django_db(transaction=True)
def test_the_same_ids_sent_twice_at_once_are_stored_once(committed_db, api_client, monkeypatch):
    monkeypatch.setattr(tasks.recompute_pending_scores, "delay", lambda: None)
    account = AccountFactory(domain="acme.com")
    ContactFactory(account=account, email="ann@acme.com")
    feed = UserFactory(role="marketer")
    body = json.dumps([_event(n) for n in range(200)])
    start, reports = threading.Barrier(2), []

    def send():
        try:
            start.wait()
            response = api_client(feed).post(BULK, body, content_type="application/json")
            reports.append(response.json())
        finally:
            connection.close()

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    # Each id went in once, whichever request got there first; the other counted duplicates.
    assert len(reports) == 2
    assert sum(r["accepted"] for r in reports) == 200
    assert sum(r["duplicates"] for r in reports) == 200
    assert Event.objects.count() == 200
