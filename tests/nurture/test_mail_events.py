"""What the mail provider reports after a sequence email left (apps/nurture/mail_events.py):
signed deliveries only, each event counted once; hard bounces and complaints stop every
sequence of the address, a reply ends the contact's sequence and tells the deal's owner."""

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import Contact
from apps.analytics.models import Touch as AttributionTouch
from apps.core.exceptions import ApplicationError
from apps.engagement.models import Event, EventKind
from apps.engagement.webhooks import signature_header
from apps.notifications.models import Notification
from apps.nurture.mail_events import mailgun_signature
from apps.nurture.models import (
    BounceType,
    Enrollment,
    ExitReason,
    MailEvent,
    SuppressedAddress,
    Touch,
)
from apps.nurture.services import enrollment_create, stall_sweep, suppressions_lift
from tests.factories import ContactFactory, EnrollmentFactory, TouchFactory
from tests.nurture.conftest import NOW

pytestmark = pytest.mark.django_db

SECRET = "mail-events-s3cret"
MAILGUN_KEY = "key-0123456789abcdef"


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.MAIL_EVENTS_SECRET = SECRET
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = MAILGUN_KEY


def message_id(touch: Touch) -> str:
    host = urlsplit(settings.SITE_URL).hostname
    return f"<nurture.{touch.enrollment_id}.{touch.step_id}@{host}>"


def sent(world, contact, sequence, *, deal=None, position=1) -> Touch:
    """An active enrolment of `contact` in `sequence` whose step `position` email went out."""
    step = sequence.steps.get(position=position)
    enrollment = EnrollmentFactory(
        sequence=sequence,
        contact=contact,
        opportunity=deal,
        next_step=step,
        enrolled_at=timezone.now() - timedelta(days=3),
        due_at=timezone.now() + timedelta(days=2),
    )
    return TouchFactory(
        enrollment=enrollment,
        step=step,
        subject="Ideas for Acme",
        sent_at=timezone.now() - timedelta(hours=1),
    )


def post_events(client, events, *, secret=SECRET, at=None, header=None):
    body = json.dumps({"events": events}).encode()
    timestamp = int(at if at is not None else time.time())
    header = (
        header
        if header is not None
        else signature_header(secret=secret, timestamp=timestamp, body=body)
    )
    return client.post(
        "/api/v1/mail-events/",
        body,
        content_type="application/json",
        headers={"X-Waymark-Signature": header} if header else {},
    )


def event(touch=None, *, id="ev-1", type="delivered", **extra) -> dict:
    return {
        "id": id,
        "type": type,
        "message_id": message_id(touch) if touch else "",
        "occurred_at": timezone.now().isoformat(),
        **extra,
    }


def mailgun_signed(*, at=None, key=MAILGUN_KEY) -> dict:
    timestamp, token = str(int(at if at is not None else time.time())), "a" * 50
    signature = mailgun_signature(key=key, timestamp=timestamp, token=token)
    return {"timestamp": timestamp, "token": token, "signature": signature}


def post_mailgun(client, event_data, **signed):
    body = {"signature": mailgun_signed(**signed), "event-data": event_data}
    return client.post("/api/v1/mail-events/mailgun/", body, content_type="application/json")


def mailgun_event(touch, *, id="CPgfbmQMTCKtHW6uIWtuVe", event="delivered", **extra) -> dict:
    """An event as Mailgun's documentation shows it (trimmed to what is read and a little more)."""
    return {
        "id": id,
        "event": event,
        "timestamp": time.time(),
        "log-level": "info",
        "recipient": touch.enrollment.contact.email,
        "recipient-domain": "acme.example",
        "message": {
            "headers": {
                "message-id": message_id(touch).strip("<>"),
                "to": touch.enrollment.contact.email,
                "from": "Waymark <waymark@localhost>",
                "subject": touch.subject,
            },
            "size": 2012,
        },
        "delivery-status": {"code": 250, "message": "OK", "attempt-no": 1},
        **extra,
    }


# -- signatures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "someone-else"},
        {"header": "t=1,v1=00"},
        {"header": ""},  # unsigned
        {"at": time.time() - 600},  # outside the five minutes
    ],
    ids=["wrong-secret", "garbage", "missing", "stale"],
)
def test_a_badly_signed_generic_delivery_is_401_and_stores_nothing(client, world, signing):
    touch = sent(world, world.champion, world.generic)

    response = post_events(client, [event(touch)], **signing)

    assert response.status_code == 401, response.json()
    assert not MailEvent.objects.exists()
    touch.refresh_from_db()
    assert touch.delivered_at is None


def test_without_a_secret_the_generic_endpoint_takes_nothing(client, world, settings):
    settings.MAIL_EVENTS_SECRET = ""
    touch = sent(world, world.champion, world.generic)

    response = post_events(client, [event(touch)], secret="")

    assert response.status_code == 401
    assert "MAIL_EVENTS_SECRET" in response.json()["detail"]
    assert not MailEvent.objects.exists()


@pytest.mark.parametrize(
    "signing",
    [{"key": "key-not-ours"}, {"at": time.time() - 600}],
    ids=["wrong-key", "stale"],
)
def test_a_badly_signed_mailgun_delivery_is_401_and_stores_nothing(client, world, signing):
    touch = sent(world, world.champion, world.generic)

    response = post_mailgun(
        client, mailgun_event(touch, event="failed", severity="permanent"), **signing
    )

    assert response.status_code == 401
    assert not MailEvent.objects.exists()
    assert not SuppressedAddress.objects.exists()
    assert Enrollment.objects.get().status == Enrollment.Status.ACTIVE


def test_a_badly_signed_mailgun_reply_is_401_and_exits_no_one(client, world):
    touch = sent(world, world.champion, world.generic)
    form = {**mailgun_signed(), "signature": "0" * 64, "Message-Id": "<r1@acme.example>"}

    response = client.post(
        "/api/v1/mail-events/mailgun/replies/",
        {**form, "In-Reply-To": message_id(touch), "sender": world.champion.email},
    )

    assert response.status_code == 401
    assert Enrollment.objects.get().status == Enrollment.Status.ACTIVE
    assert not Notification.objects.exists()


# -- delivered, duplicates, bad items --------------------------------------------------------


def test_a_delivery_reported_twice_is_counted_once(client, world):
    touch = sent(world, world.champion, world.generic)
    first = event(touch, id="ev-1", occurred_at="2025-06-02T09:00:00Z")

    answers = [post_events(client, [first]).json(), post_events(client, [first]).json()]

    assert [(a["recorded"], a["duplicates"]) for a in answers] == [(1, 0), (0, 1)]
    assert answers[1]["results"] == [{"item": 0, "outcome": "duplicate"}]
    assert MailEvent.objects.count() == 1
    touch.refresh_from_db()
    assert touch.delivered_at.isoformat() == "2025-06-02T09:00:00+00:00"


def test_each_bad_item_is_named_by_index_and_field_and_the_good_ones_are_recorded(client, world):
    touch = sent(world, world.champion, world.generic)
    events = [
        event(touch, id="ok"),
        event(touch, id="no-type", type="opened"),
        event(touch, id="soft?", type="bounced"),
        {"id": "nowhere", "type": "delivered", "occurred_at": "2025-06-02T09:00:00Z"},
        event(touch, id="when", occurred_at="yesterday"),
    ]

    response = post_events(client, events)

    assert response.status_code == 200
    report = response.json()
    assert (report["recorded"], report["rejected"]) == (1, 4)
    errors = {r["item"]: sorted(r["errors"]) for r in report["results"] if "errors" in r}
    assert errors == {1: ["type"], 2: ["bounce_type"], 3: ["message_id"], 4: ["occurred_at"]}
    assert list(MailEvent.objects.values_list("provider_event_id", flat=True)) == ["ok"]


def test_a_body_without_events_is_400_naming_events(client, world):
    body = b'{"event": []}'
    header = signature_header(secret=SECRET, timestamp=int(time.time()), body=body)

    response = client.post(
        "/api/v1/mail-events/",
        body,
        content_type="application/json",
        headers={"X-Waymark-Signature": header},
    )

    assert response.status_code == 400
    assert "events" in response.json()["errors"]


def test_an_unknown_message_id_is_reported_unmatched_not_an_error(client, world):
    response = post_events(
        client,
        [
            event(id="x1", message_id="<nurture.999999.888888@elsewhere.example>"),
            event(id="x2", message_id="<CAF=abc@mail.gmail.com>", email="nobody@nowhere.example"),
        ],
    )

    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["unmatched", "unmatched"]
    assert MailEvent.objects.filter(touch__isnull=True).count() == 2


def test_the_address_finds_the_latest_email_when_the_message_id_does_not(client, world):
    older = sent(world, world.champion, world.generic)
    newer = sent(world, world.champion, world.economic)
    Touch.objects.filter(pk=older.pk).update(sent_at=timezone.now() - timedelta(days=2))

    post_events(client, [event(id="d1", email="Chloe@Acme.example")])

    older.refresh_from_db(), newer.refresh_from_db()
    assert (older.delivered_at, newer.delivered_at is not None) == (None, True)


# -- bounces and complaints --------------------------------------------------------------------


def test_a_hard_bounce_stops_every_sequence_of_the_address_and_keeps_it_out(client, world):
    first_deal = world.deal(name="Acme rollout")
    second_deal = world.deal(name="Acme expansion")
    bounced = sent(world, world.buyer, world.generic, deal=first_deal)
    sent(world, world.buyer, world.economic, deal=second_deal)
    other = sent(world, world.champion, world.economic, deal=first_deal)

    response = post_events(client, [event(bounced, id="b1", type="bounced", bounce_type="hard")])

    assert response.json()["recorded"] == 1
    ended = Enrollment.objects.filter(contact=world.buyer)
    assert {(e.status, e.exit_reason) for e in ended} == {
        (Enrollment.Status.EXITED, ExitReason.BOUNCED)
    }
    assert ended.count() == 2
    other.enrollment.refresh_from_db()
    assert other.enrollment.status == Enrollment.Status.ACTIVE
    bounced.refresh_from_db()
    assert (bounced.bounce_type, bounced.bounced_at is not None) == (BounceType.HARD, True)
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.email, suppressed.reason, suppressed.touch) == (
        "ben@acme.example",
        SuppressedAddress.Reason.HARD_BOUNCE,
        bounced,
    )
    # No new enrolment of the address, by hand or by the stall sweep.
    with pytest.raises(ApplicationError, match="suppressed: hard bounce"):
        enrollment_create(sequence=world.generic, contact=world.buyer, enrolled_by=world.owner)
    Enrollment.objects.all().delete()
    world.deal(entered_days_ago=40, name="Acme stalled")
    stall_sweep(now=NOW)
    assert set(Enrollment.objects.values_list("contact__email", flat=True)) == {
        "chloe@acme.example"
    }


def test_a_soft_bounce_is_recorded_and_the_sequence_goes_on(client, world):
    touch = sent(world, world.buyer, world.generic)

    post_events(client, [event(touch, id="s1", type="bounced", bounce_type="soft")])

    touch.refresh_from_db()
    assert touch.bounce_type == BounceType.SOFT
    assert Enrollment.objects.get().status == Enrollment.Status.ACTIVE
    assert not SuppressedAddress.objects.exists()


def test_soft_bounces_in_a_row_suppress_the_address_a_delivery_breaks_the_run(
    client, world, settings
):
    settings.MAIL_SOFT_BOUNCE_LIMIT = 2
    delivered = sent(world, world.buyer, world.generic)
    soft = TouchFactory(
        enrollment=delivered.enrollment,
        step=world.generic.steps.get(position=2),
        sent_at=timezone.now() - timedelta(minutes=30),
    )
    bounces = [event(delivered, id="d1"), event(soft, id="s1", type="bounced", bounce_type="soft")]
    post_events(client, bounces)
    assert not SuppressedAddress.objects.exists()  # a delivery before this soft bounce

    again = sent(world, world.buyer, world.economic)
    Touch.objects.filter(pk=again.pk).update(sent_at=timezone.now() - timedelta(minutes=10))
    post_events(client, [event(again, id="s2", type="bounced", bounce_type="soft")])

    assert SuppressedAddress.objects.get().reason == SuppressedAddress.Reason.SOFT_BOUNCES
    assert set(Enrollment.objects.values_list("exit_reason", flat=True)) == {ExitReason.BOUNCED}


def test_a_complaint_stops_every_sequence_of_the_address(client, world):
    touch = sent(world, world.buyer, world.generic)
    sent(world, world.buyer, world.economic)

    post_events(client, [event(touch, id="c1", type="complained")])

    assert set(Enrollment.objects.values_list("exit_reason", flat=True)) == {ExitReason.COMPLAINED}
    touch.refresh_from_db()
    assert touch.complained_at is not None
    assert SuppressedAddress.objects.get().reason == SuppressedAddress.Reason.COMPLAINT


def test_an_unsubscribe_mailgun_heard_opts_the_contact_out_of_every_sequence(client, world):
    touch = sent(world, world.buyer, world.generic)
    other = sent(world, world.buyer, world.economic)
    bystander = sent(world, world.champion, world.economic)
    unsubscribed = mailgun_event(touch, id="u1", event="unsubscribed")

    answers = [post_mailgun(client, unsubscribed), post_mailgun(client, unsubscribed)]

    assert [a.json()["outcome"] for a in answers] == ["recorded", "duplicate"]
    world.buyer.refresh_from_db()
    assert world.buyer.consent == Contact.Consent.OPTED_OUT
    for mine in (touch, other):
        mine.enrollment.refresh_from_db()
        assert mine.enrollment.exit_reason == ExitReason.UNSUBSCRIBED
    bystander.enrollment.refresh_from_db()
    assert bystander.enrollment.status == Enrollment.Status.ACTIVE
    touch.refresh_from_db(), other.refresh_from_db()
    # The email it came from records it, for the step's unsubscribe rate; the other does not.
    assert touch.unsubscribed_at is not None and other.unsubscribed_at is None
    assert MailEvent.objects.get().kind == MailEvent.Kind.UNSUBSCRIBED


def test_a_generic_unsubscribe_found_by_address_alone_opts_the_contact_out(client, world):
    sent(world, world.champion, world.generic)

    answer = post_events(client, [event(id="u2", type="unsubscribed", email=world.champion.email)])

    assert answer.json()["recorded"] == 1, answer.json()
    world.champion.refresh_from_db()
    assert world.champion.consent == Contact.Consent.OPTED_OUT
    assert not Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).exists()


def test_mailgun_failures_map_permanent_to_hard_and_temporary_to_soft(client, world):
    soft = sent(world, world.champion, world.generic)
    hard = sent(world, world.buyer, world.economic)

    answers = [
        post_mailgun(client, mailgun_event(soft, id="t1", event="failed", severity="temporary")),
        post_mailgun(client, mailgun_event(hard, id="p1", event="failed", severity="permanent")),
        post_mailgun(client, mailgun_event(hard, id="p1", event="failed", severity="permanent")),
        post_mailgun(client, mailgun_event(hard, id="o1", event="opened")),
    ]

    assert [a.json()["outcome"] for a in answers] == [
        "recorded",
        "recorded",
        "duplicate",
        "ignored",
    ]
    soft.refresh_from_db(), hard.refresh_from_db()
    assert (soft.bounce_type, hard.bounce_type) == (BounceType.SOFT, BounceType.HARD)
    assert list(SuppressedAddress.objects.values_list("email", flat=True)) == ["ben@acme.example"]
    assert MailEvent.objects.count() == 2


def test_the_dispatcher_ends_an_enrolment_of_a_suppressed_address(world):
    from apps.nurture.dispatch import due_steps_dispatch

    SuppressedAddress.objects.create(
        email=world.buyer.email,
        reason=SuppressedAddress.Reason.COMPLAINT,
        suppressed_at=NOW,
    )
    enrollment = EnrollmentFactory(
        sequence=world.generic,
        contact=world.buyer,
        next_step=world.generic.steps.first(),
        enrolled_at=NOW - timedelta(days=1),
        waiting_since=NOW - timedelta(days=1),
        due_at=NOW,
    )

    due_steps_dispatch(now=NOW)

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == ("exited", ExitReason.COMPLAINED)
    assert not Touch.objects.exists()


def test_a_lifted_suppression_lets_the_address_be_enrolled_again(world):
    suppressed = SuppressedAddress.objects.create(
        email=world.buyer.email, reason=SuppressedAddress.Reason.HARD_BOUNCE, suppressed_at=NOW
    )

    assert suppressions_lift(suppressions=[suppressed]) == 1

    enrollment_create(sequence=world.generic, contact=world.buyer, enrolled_by=world.owner)
    history = SuppressedAddress.history.filter(email=world.buyer.email).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]


# -- replies -------------------------------------------------------------------------------------


def test_a_reply_forwarded_by_mailgun_exits_the_sequence_and_tells_the_deal_owner(client, world):
    deal = world.deal()
    touch = sent(world, world.champion, world.generic, deal=deal)
    untouched = sent(world, world.buyer, world.economic, deal=deal)
    references = f"<earlier@acme.example> {message_id(touch)}"
    form = {
        **mailgun_signed(),
        "recipient": "rita@waymark.test",
        "sender": "chloe@acme.example",
        "from": "Chloe <chloe@acme.example>",
        "subject": f"Re: {touch.subject}",
        "body-plain": "Happy to talk next week.\n\n> Ideas for Acme",
        "stripped-text": "Happy to talk next week.",
        "Message-Id": "<CAJx1=reply@mail.acme.example>",
        "In-Reply-To": message_id(touch),
        "References": references,
        "message-headers": json.dumps([["Message-Id", "<CAJx1=reply@mail.acme.example>"]]),
    }

    response = client.post("/api/v1/mail-events/mailgun/replies/", form)
    again = client.post("/api/v1/mail-events/mailgun/replies/", form)

    assert response.status_code == 200, response.json()
    assert (response.json()["outcome"], again.json()["outcome"]) == ("recorded", "duplicate")
    enrollment = touch.enrollment
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == ("exited", ExitReason.REPLIED)
    untouched.enrollment.refresh_from_db()
    assert untouched.enrollment.status == Enrollment.Status.ACTIVE
    touch.refresh_from_db()
    assert touch.replied_at is not None
    (notice,) = Notification.objects.all()
    assert (notice.recipient, notice.kind, notice.link) == (
        world.owner,
        Notification.Kind.REPLY,
        f"/opportunities/{deal.pk}/",
    )
    assert "Chloe" in notice.text and "Ideas for Acme" in notice.text
    (reply,) = Event.objects.filter(kind=EventKind.EMAIL_REPLY)
    assert (reply.contact, reply.source, reply.direction) == (world.champion, "email", "buyer")
    # Attribution credits the sequence (and so its campaign) with the reply, as with a click.
    replied = AttributionTouch.objects.get(event_id=reply.pk)
    assert (replied.sequence_id, replied.medium) == (world.generic.pk, "email")


def test_a_reply_without_a_deal_tells_the_account_owner_with_the_contact_link(client, world):
    world.account.owner = world.owner
    world.account.save()
    touch = sent(world, world.buyer, world.generic)

    response = post_events(client, [event(touch, id="r1", type="replied")])

    assert response.json()["recorded"] == 1
    (notice,) = Notification.objects.all()
    assert notice.recipient == world.owner
    assert notice.link == f"/nurture/contacts/{world.buyer.pk}/"
    assert Enrollment.objects.get().exit_reason == ExitReason.REPLIED


def test_a_new_contact_with_the_same_address_cannot_be_enrolled(world):
    """Contacts' addresses are unique, so "every sequence of the address" is its one contact's;
    the suppression is kept by address and outlives that contact."""
    SuppressedAddress.objects.create(
        email="gone@acme.example", reason=SuppressedAddress.Reason.HARD_BOUNCE, suppressed_at=NOW
    )
    newcomer = ContactFactory(account=world.account, email="gone@acme.example")

    with pytest.raises(ApplicationError) as refused:
        enrollment_create(sequence=world.generic, contact=newcomer, enrolled_by=world.owner)
    assert refused.value.fields["contact"] == [
        "Email to gone@acme.example is suppressed: hard bounce on 2030-01-16."
    ]


def test_the_contact_page_says_the_address_is_suppressed_and_since_when(client, world):
    touch = sent(world, world.buyer, world.generic)
    post_events(
        client,
        [
            event(
                touch, id="b1", type="bounced", bounce_type="hard", occurred_at="2025-06-02T09:00Z"
            )
        ],
    )
    client.force_login(world.owner)

    page = client.get(f"/nurture/contacts/{world.buyer.pk}/").content.decode()
    other = client.get(f"/nurture/contacts/{world.champion.pk}/").content.decode()

    assert "ben@acme.example is suppressed:</strong> hard bounce on 2025-06-02" in page
    assert "Email bounced" in page  # the ended enrolment's exit reason
    assert "is suppressed" not in other


def test_the_touches_api_shows_what_came_back(client, api_client, world, admin_member):
    touch = sent(world, world.buyer, world.generic)
    bounce = event(touch, id="b1", type="bounced", bounce_type="hard")
    post_events(client, [bounce | {"occurred_at": "2025-06-02T09:00:00Z"}])

    shown = api_client(admin_member).get(f"/api/v1/touches/{touch.pk}/").json()

    assert (shown["bounce_type"], shown["bounced_at"], shown["delivered_at"]) == (
        "hard",
        "2025-06-02T09:00:00Z",
        None,
    )
