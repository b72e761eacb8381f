"""Webhooks: HMAC-SHA256 over timestamp and body with each source's secret; stale or replayed
deliveries are refused, and a refused delivery stores nothing."""

import json
import time

import pytest

from apps.engagement.models import Event, WebhookDelivery
from apps.engagement.webhooks import signature_header
from tests.factories import AccountFactory, WebhookSourceFactory

pytestmark = pytest.mark.django_db

BODY = json.dumps(
    [
        {
            "id": "surge-1",
            "kind": "intent_surge",
            "occurred_at": "2026-03-01T10:00:00Z",
            "domain": "acme.com",
            "source": "web",  # the source's own `source` wins
            "properties": {"topic": "invoice automation"},
        }
    ]
).encode()


@pytest.fixture
def feed():
    AccountFactory(domain="acme.com")
    return WebhookSourceFactory(
        name="bombora", source="intent", secret="s3cret", tolerance_seconds=300
    )


def _deliver(client, *, secret="s3cret", at=None, body=BODY, header=None, name="bombora"):
    header = header or signature_header(secret=secret, timestamp=int(at or time.time()), body=body)
    return client.post(
        f"/api/v1/webhooks/{name}/events/",
        body,
        content_type="application/json",
        headers={"X-Waymark-Signature": header},
    )


def test_a_signed_delivery_is_stored_under_the_source(client, feed):
    response = _deliver(client)

    assert response.status_code == 200, response.json()
    assert response.json()["accepted"] == 1
    event = Event.objects.get()
    assert (event.source, event.external_id, event.kind) == ("intent", "surge-1", "intent_surge")
    assert WebhookDelivery.objects.filter(webhook_source=feed).count() == 1


def test_a_delivery_maps_direction_by_kind_unless_it_says(client, feed):
    calls = [
        {"id": f"call-{n}", "kind": "call", "occurred_at": "2026-03-01T10:00:00Z",
         "domain": "acme.com", **extra}
        for n, extra in enumerate(({}, {"direction": "buyer"}))
    ]  # fmt: skip

    response = _deliver(client, body=json.dumps(calls).encode())

    assert response.json()["accepted"] == 2
    assert dict(Event.objects.values_list("external_id", "direction")) == {
        "call-0": "seller",
        "call-1": "buyer",
    }


@pytest.mark.parametrize(
    ("header", "secret"),
    [
        (None, "wrong-secret"),
        ("t=1700000000", "s3cret"),
        ("v1=abc", "s3cret"),
        ("garbage", "s3cret"),
    ],
    ids=["wrong secret", "no signature", "no time", "malformed"],
)
def test_a_bad_signature_is_401_and_stores_nothing(client, feed, header, secret):
    response = _deliver(client, secret=secret, header=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Waymark-Signature"
    assert not Event.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_tampered_body_fails_its_signature(client, feed):
    header = signature_header(secret="s3cret", timestamp=int(time.time()), body=BODY)

    response = _deliver(client, header=header, body=BODY.replace(b"surge-1", b"surge-2"))

    assert response.status_code == 401
    assert not Event.objects.exists()


@pytest.mark.parametrize("offset", [-301, 301], ids=["too old", "too far ahead"])
def test_a_delivery_outside_the_tolerance_is_refused(client, feed, offset):
    response = _deliver(client, at=time.time() + offset)

    assert response.status_code == 401
    assert "300 seconds" in response.json()["detail"]
    assert not Event.objects.exists()


def test_a_replayed_delivery_is_refused(client, feed):
    header = signature_header(secret="s3cret", timestamp=int(time.time()), body=BODY)

    first = _deliver(client, header=header)
    replay = _deliver(client, header=header)

    assert first.status_code == 200
    assert replay.status_code == 409
    assert replay.json()["detail"] == "This delivery was received before."
    assert Event.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_each_source_has_its_own_secret_and_an_inactive_one_is_gone(client, feed):
    WebhookSourceFactory(name="sixsense", secret="other", is_active=False)

    inactive = _deliver(client, name="sixsense", secret="other")
    unknown = _deliver(client, name="nosuch")
    wrong_secret = _deliver(client, name="bombora", secret="other")

    # The same answer whether the source exists or not: names cannot be guessed one by one.
    for response in (inactive, unknown, wrong_secret):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Waymark-Signature"
    assert inactive.json() == unknown.json() == wrong_secret.json()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "header",
    [lambda now: f"t={now},v1=é", lambda now: f"t={now},v1=", lambda now: f"t={'9' * 4000},v1=ab"],
    ids=["non-hex signature", "empty signature", "huge time"],
)
def test_a_signature_that_is_not_hex_is_a_401(client, feed, header):
    response = _deliver(client, header=header(int(time.time())))

    assert response.status_code == 401
    assert not Event.objects.exists()


def test_ndjson_deliveries_report_bad_lines(client, feed):
    body = BODY[1:-1] + b"\n{not json}\n"
    header = signature_header(secret="s3cret", timestamp=int(time.time()), body=body)

    response = client.post(
        "/api/v1/webhooks/bombora/events/",
        body,
        content_type="application/x-ndjson",
        headers={"X-Waymark-Signature": header},
    )

    assert response.json()["accepted"] == 1
    assert response.json()["errors"][0]["item"] == 2
