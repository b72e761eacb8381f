"""Opens and clicks of sequence emails come back as engagement events (apps/nurture/tracking.py):
the pixel and tracked links in the email, their signatures, the hits waiting in Redis, machines
told from buyers, and the events, touches and flagged hits they leave."""

import datetime
import http.client
import os
import re
import threading
import time
from email import message_from_bytes
from html import unescape
from io import BytesIO
from urllib.parse import unquote

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core import mail, signing
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.http import QueryDict
from django.test import Client, override_settings
from django.utils import timezone

from apps.core.bench import GunicornServer
from apps.engagement.models import Event, EventKind, RecomputeRequest
from apps.nurture import tracking
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.models import Enrollment, Touch, TrackingHit
from apps.nurture.services import stall_sweep
from apps.nurture.tracking_views import _last_address
from tests.factories import CampaignFactory
from tests.nurture.conftest import NOW
from tests.waiting import wait_for_progress

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
BODY = (
    "Hello {{ contact.first_name }}, read {{ asset.url }}.\n"
    "Prices: https://waymark.example/pricing?plan=team&seats=5, or see "
    "(https://waymark.example/case-study) and https://waymark.example/demo"
)


@pytest.fixture
def hits(monkeypatch):
    """The Redis queue, empty, with emails due and taken at once; drains started are counted."""
    queue = tracking.hit_queue()
    queue.clear()
    monkeypatch.setattr(tracking, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(tracking, "GATHER_SECONDS", 0.0)
    started: list[bool] = []
    monkeypatch.setattr(
        "apps.nurture.tasks.drain_tracking_hits.delay", lambda: started.append(True)
    )
    yield started
    queue.clear()


@pytest.fixture
def sent(world):
    """Chloe's first email, sent an hour ago from a sequence of a campaign with a UTM code."""
    return _send(world, BODY)


def _send(world, body: str) -> tuple[Touch, mail.EmailMessage]:
    world.generic.campaign = CampaignFactory(utm_code="q3-shortlist")
    world.generic.save()
    world.generic.steps.filter(position=1).update(body=body)
    world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    due_steps_dispatch(now=NOW)
    touch = Touch.objects.get(enrollment__contact=world.champion)
    Touch.objects.filter(pk=touch.pk).update(sent_at=timezone.now() - datetime.timedelta(hours=1))
    touch.refresh_from_db()
    message = next(m for m in mail.outbox if m.to == [world.champion.email])
    return touch, message


def _html(message) -> str:
    (content, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return content


def _links(message) -> tuple[str, list[str]]:
    """The pixel's path and the tracked links' paths (with their query) of an email."""
    html = _html(message)
    pixel = re.search(r'<img src="http://[^/]+(/t/o/[^"]+)"', html).group(1)
    clicks = [unescape(path) for path in re.findall(r'href="http://[^/]+(/t/c/[^"]+)"', html)]
    return pixel, clicks


def _drain() -> int:
    recorded, more = tracking.hits_drain(time_budget=5, sleep=lambda seconds: None)
    assert not more
    return recorded


def test_a_tracked_email_has_an_html_part_with_the_pixel_and_every_link_tracked(world, sent):
    _, message = sent

    assert message.body.startswith(
        "Hello Chloe, read https://content.example/1.\n"
        "Prices: https://waymark.example/pricing?plan=team&seats=5, or see"
    )
    assert "/t/" not in message.body  # the text part is left as written
    html = _html(message)
    pixel, clicks = _links(message)
    assert pixel.endswith(".gif") and len(clicks) == 4
    targets = [re.search(r"[?&]u=([^&]+)", link).group(1) for link in clicks]
    assert [unquote(t) for t in targets] == [
        "https://content.example/1",
        "https://waymark.example/pricing?plan=team&seats=5",
        "https://waymark.example/case-study",
        "https://waymark.example/demo",
    ]
    assert ">https://waymark.example/pricing?plan=team&amp;seats=5</a>, or see (" in html
    # The unsubscribe link is the same in both parts, untracked, and names the email.
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert f'href="{unsubscribe}"' in html and unsubscribe in message.body
    parsed = message_from_bytes(message.message().as_bytes())
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    assert parsed.get_payload(1).get_payload(decode=True).decode() == html


@override_settings(NURTURE_TRACKING_URL="https://t.waymark.example")
def test_a_tracking_host_of_its_own_gets_the_pixel_and_links_not_the_unsubscribe_link(world):
    world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    due_steps_dispatch(now=NOW)

    message = next(m for m in mail.outbox if m.to == [world.champion.email])
    html = _html(message)
    assert '<img src="https://t.waymark.example/t/o/' in html
    hosts = set(re.findall(r'href="([^"]+)/t/c/', html))
    assert hosts == {"https://t.waymark.example"}
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(settings.SITE_URL)


@pytest.mark.parametrize("change", ["sequence tracks nothing", "contact declined tracking"])
def test_no_pixel_and_no_tracked_link_when_the_sequence_or_the_contact_says_no(world, change):
    if change == "contact declined tracking":
        world.champion.declines_tracking = True
        world.champion.save()
    else:
        world.generic.track_opens = world.generic.track_clicks = False
        world.generic.save()
    world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    due_steps_dispatch(now=NOW)

    message = next(m for m in mail.outbox if m.to == [world.champion.email])
    assert not message.alternatives
    assert message.message().get_content_type() == "text/plain"
    other = next(m for m in mail.outbox if m.to == [world.buyer.email])
    assert other.alternatives  # the economic buyer's sequence and choice are untouched


def test_pixel_and_click_create_one_event_each_deduplicated(world, sent, hits):
    touch, message = sent
    pixel, clicks = _links(message)
    reader = Client(HTTP_USER_AGENT=BROWSER)

    opened = reader.get(pixel)
    clicked = reader.get(clicks[1])

    assert opened.status_code == 200 and opened["Content-Type"] == "image/gif"
    assert opened.content == tracking.PIXEL and "no-store" in opened["Cache-Control"]
    assert clicked.status_code == 302
    assert clicked["Location"] == "https://waymark.example/pricing?plan=team&seats=5"
    assert hits == [True]  # the first hit while nothing waited started a drain
    assert not Event.objects.exists()  # nothing written while the reader waited

    _drain()
    for _ in range(2):  # a second look, a second click on the same link
        reader.get(pixel)
        reader.get(clicks[1])
    _drain()

    events = Event.objects.order_by("kind")
    assert [(e.kind, e.source, e.contact_id) for e in events] == [
        (EventKind.EMAIL_CLICK, "email", world.champion.pk),
        (EventKind.EMAIL_OPEN, "email", world.champion.pk),
    ]
    click = events[0]
    assert click.url == "https://waymark.example/pricing?plan=team&seats=5"
    assert click.properties == {
        "touch": touch.pk,
        "enrollment": touch.enrollment_id,
        "step": touch.step_id,
        "sequence": world.generic.pk,
        "campaign": world.generic.campaign_id,
        "utm_campaign": "q3-shortlist",
        "utm_medium": "email",
        "link": 1,
    }
    touch.refresh_from_db()
    assert touch.opened_at == events[1].occurred_at and touch.clicked_at == click.occurred_at
    assert RecomputeRequest.objects.filter(account=world.account).exists()  # rescored
    assert not TrackingHit.objects.exists()


@pytest.mark.parametrize(
    ("body", "at_once"),
    [
        ("See https://waymark.example/demo, then https://waymark.example/demo again.", True),
        ("Read https://waymark.example/a or https://waymark.example/b", True),
        ("Read https://waymark.example/a, https://waymark.example/b, https://x.example", False),
    ],
    ids=["one link twice", "two links", "three links"],
)
def test_an_email_with_too_few_links_for_a_burst_is_judged_at_once(
    world, hits, monkeypatch, body, at_once
):
    monkeypatch.setattr(tracking, "QUIET_SECONDS", 5.0)
    touch, message = _send(world, body)
    pixel, clicks = _links(message)
    reader = Client(HTTP_USER_AGENT=BROWSER)
    queue = tracking.hit_queue()

    reader.get(pixel)
    reader.get(clicks[0])

    key, raw = queue.take()
    if not at_once:  # a scanner could still hit the other links: the email waits to be quiet
        assert raw == [] and 4 < queue.due_in() <= 5
        key, raw = queue.take(now=time.time() + tracking.QUIET_SECONDS)
    assert len(raw) == 2 and queue.due_in() is None
    tracking.hits_record(hits=map(tracking.Hit.decode, raw))
    queue.done(key)
    assert Event.objects.filter(properties__touch=touch.pk).count() == 2


def test_links_signed_before_tokens_named_their_count_still_count_and_wait(
    world, sent, hits, monkeypatch
):
    touch, _ = sent
    monkeypatch.setattr(tracking, "QUIET_SECONDS", 5.0)
    signer = signing.TimestampSigner(salt=tracking.SALT, sep=".")
    email = f"{touch.enrollment_id}.{touch.step_id}"
    value = f"{email}.1 https://waymark.example/demo"
    click = f"{email}.1.{signer.sign(value)[len(value) + 1 :]}"
    reader = Client(HTTP_USER_AGENT=BROWSER)
    queue = tracking.hit_queue()

    assert reader.get(f"/t/o/{signer.sign(email)}.gif").content == tracking.PIXEL
    clicked = reader.get(f"/t/c/{click}/?u=https%3A%2F%2Fwaymark.example%2Fdemo")

    assert clicked["Location"] == "https://waymark.example/demo"
    assert queue.take()[1] == [] and queue.due_in() > 4  # as many links as could be: it waits
    # A hit queued in Redis before hits said whether their email may burst waits as well.
    hit = tracking.Hit.decode('["open",1,2,0,"",1.5,false,"agent"]')
    assert hit.may_burst and hit.user_agent == "agent"
    _, raw = queue.take(now=time.time() + tracking.QUIET_SECONDS)
    tracking.hits_record(hits=map(tracking.Hit.decode, raw))
    assert set(Event.objects.values_list("kind", "url")) == {
        (EventKind.EMAIL_OPEN, ""),
        (EventKind.EMAIL_CLICK, "https://waymark.example/demo"),
    }


def test_a_click_without_an_open_counts_as_one_and_other_links_count_apart(world, sent, hits):
    touch, message = sent
    _, clicks = _links(message)
    reader = Client(HTTP_USER_AGENT=BROWSER)

    reader.get(clicks[0])
    _drain()
    reader.get(clicks[3])
    _drain()

    assert Event.objects.filter(kind=EventKind.EMAIL_CLICK).count() == 2
    assert not Event.objects.filter(kind=EventKind.EMAIL_OPEN).exists()
    touch.refresh_from_db()
    first = Event.objects.order_by("occurred_at").first().occurred_at
    assert touch.opened_at == touch.clicked_at == first  # images blocked, yet it was read


def test_a_scanner_like_burst_is_flagged_and_counts_for_nothing(world, sent, hits):
    touch, message = sent
    pixel, clicks = _links(message)
    scanner = Client(HTTP_USER_AGENT=BROWSER)  # looks like a browser: caught by its pace

    scanner.get(pixel)
    for link in clicks:
        assert scanner.get(link).status_code == 302  # every link still answers
    _drain()

    assert not Event.objects.exists()
    touch.refresh_from_db()
    assert touch.opened_at is None and touch.clicked_at is None
    flagged = TrackingHit.objects.filter(touch=touch)
    assert set(flagged.values_list("kind", "link", "reason")) == {
        ("open", 0, "burst"),
        *(("click", n, "burst") for n in range(4)),
    }


@pytest.mark.parametrize(
    ("agent", "method", "reason"),
    [
        ("Mozilla/5.0", "get", "scanner"),  # Apple Mail Privacy Protection's prefetch
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "get", "scanner"),
        ("", "get", "scanner"),
        (BROWSER, "head", "prefetch"),
    ],
)
def test_machines_are_told_by_their_agent_or_method(world, sent, hits, agent, method, reason):
    touch, message = sent
    pixel, _ = _links(message)

    getattr(Client(HTTP_USER_AGENT=agent), method)(pixel)
    _drain()

    assert not Event.objects.exists()
    assert TrackingHit.objects.get(touch=touch).reason == reason


def test_an_open_seconds_after_sending_is_a_machine_and_gmail_proxy_opens_count(world, sent, hits):
    touch, message = sent
    pixel, _ = _links(message)
    Touch.objects.filter(pk=touch.pk).update(sent_at=timezone.now())

    Client(HTTP_USER_AGENT="Mozilla/5.0 (via ggpht.com GoogleImageProxy)").get(pixel)
    _drain()
    assert TrackingHit.objects.get(touch=touch).reason == "too_soon"

    Touch.objects.filter(pk=touch.pk).update(sent_at=timezone.now() - datetime.timedelta(hours=2))
    Client(HTTP_USER_AGENT="Mozilla/5.0 (via ggpht.com GoogleImageProxy)").get(pixel)
    _drain()
    assert Event.objects.get().kind == EventKind.EMAIL_OPEN


def _tampered(token: str) -> str:
    return token[:-2] + ("aa" if not token.endswith("aa") else "bb")


def test_tampered_signatures_record_nothing_and_redirect_nowhere(world, sent, hits):
    _, message = sent
    pixel, clicks = _links(message)
    reader = Client(HTTP_USER_AGENT=BROWSER)
    path, query = clicks[1].split("?")
    elsewhere = "u=https%3A%2F%2Fevil.example%2F"
    other_email = re.sub(r"/t/c/(\d+)\.", lambda m: f"/t/c/{int(m.group(1)) + 1}.", path)
    # Fewer links than it has, so that its hits would be judged before a scanner's burst ends.
    fewer_links = re.compile(r"^(/t/[oc]/(?:\d+\.){2,3})4\.")
    assert fewer_links.match(pixel) and fewer_links.match(path)

    images = [
        reader.get(_tampered(pixel.removesuffix(".gif")) + ".gif"),
        reader.get(fewer_links.sub(r"\g<1>1.", pixel)),
    ]
    answers = [
        reader.get(fewer_links.sub(r"\g<1>1.", path) + f"?{query}"),
        reader.get(f"{_tampered(path.rstrip('/'))}/?{query}"),  # a forged signature
        reader.get(f"{path}?{elsewhere}"),  # the signed link, sent elsewhere
        reader.get(f"{other_email}?{query}"),  # another email's numbers
        reader.get(f"{path}"),  # no address at all
        reader.get("/t/c/1.2.3/?u=https%3A%2F%2Fevil.example%2F"),
    ]

    for image in images:
        assert image.status_code == 200 and image.content == tracking.PIXEL
    for answer in answers:
        assert answer.status_code == 400 and not answer.has_header("Location")
        assert "This link does not work" in answer.text and "evil.example" not in answer.text
    _drain()
    assert hits == [] and not Event.objects.exists() and not TrackingHit.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "u=https%3A%2F%2Fa.example%2F",
        "u=https%3A%2F%2Fa.example%2F&u=https%3A%2F%2Fb.example%2Fx%3Fq%3D1+2",
        "%75=https%3A%2F%2Fc.example%2F&x=1",  # the name encoded too
        "u=https://d.example/?a=1&&utm=2",  # an address left unencoded: cut at its "&"
        "u",
        "u=%ZZ%E9",  # not UTF-8: replaced, as Django does
        "x=1",
        "",
    ],
)
def test_a_click_reads_its_address_as_django_reads_the_query(query):
    assert _last_address(query) == QueryDict(query).get("u", "")


def test_tracking_tokens_are_signed_as_django_signs_them(settings):
    django_signer = signing.TimestampSigner(salt=tracking.SALT, sep=".")
    value = "12.34.4"
    assert tracking._signer().signature(value) == django_signer.signature(value)
    signed = django_signer.sign(value)
    assert tracking._signer().unsign(signed) == value

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a new key", [settings.SECRET_KEY]
    assert tracking._signer().unsign(signed) == value  # signed with the key before: still good
    assert tracking._signer().signature(value) != django_signer.signature(value)
    assert tracking._signer().signature(value) == signing.TimestampSigner(
        salt=tracking.SALT, sep="."
    ).signature(value)


def test_an_expired_link_still_goes_to_its_target_and_records_nothing(world, sent, hits):
    _, message = sent
    pixel, clicks = _links(message)
    reader = Client(HTTP_USER_AGENT=BROWSER)

    with override_settings(NURTURE_TRACKING_MAX_AGE_DAYS=-1):
        clicked = reader.get(clicks[2])
        opened = reader.get(pixel)

    assert clicked.status_code == 302
    assert clicked["Location"] == "https://waymark.example/case-study"
    assert opened.status_code == 200
    _drain()
    assert hits == [] and not Event.objects.exists()


def test_hits_of_a_contact_who_declined_tracking_since_are_dropped(world, sent, hits):
    _, message = sent
    pixel, _ = _links(message)
    world.champion.declines_tracking = True
    world.champion.save()

    Client(HTTP_USER_AGENT=BROWSER).get(pixel)
    _drain()

    assert not Event.objects.exists() and not TrackingHit.objects.exists()


def test_a_batch_taken_by_a_drain_that_died_is_taken_again(world, sent, hits):
    _, message = sent
    pixel, _ = _links(message)
    Client(HTTP_USER_AGENT=BROWSER).get(pixel)
    queue = tracking.hit_queue()
    key, raw = queue.take()  # a drain takes the batch, then dies
    assert len(raw) == 1 and _drain() == 0

    again, raw_again = queue.take(now=time.time() + tracking.TAKEN_LEASE_SECONDS + 1)
    tracking.hits_record(hits=map(tracking.Hit.decode, raw_again))
    queue.done(again)

    assert again == key and Event.objects.filter(kind=EventKind.EMAIL_OPEN).count() == 1
    assert queue.take(now=time.time() + tracking.TAKEN_LEASE_SECONDS + 1)[1] == []


def test_without_redis_each_hit_goes_to_a_worker_as_a_task(world, sent, monkeypatch):
    _, message = sent
    pixel, _ = _links(message)
    tasks: list[list[str]] = []
    monkeypatch.setattr(
        "apps.nurture.tasks.record_tracking_hits.delay", lambda hits: tasks.append(hits)
    )

    with override_settings(NURTURE_TRACKING_REDIS_URL="", CELERY_BROKER_URL="filesystem://"):
        Client(HTTP_USER_AGENT=BROWSER).get(pixel)
    from apps.nurture.tasks import record_tracking_hits

    assert len(tasks) == 1 and record_tracking_hits(tasks[0]) == 1
    assert Event.objects.get().kind == EventKind.EMAIL_OPEN


def test_unsubscribing_through_an_email_records_it_on_that_touch(world, sent):
    touch, message = sent
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = "/" + link.split("/", 3)[3]

    Client().post(path)

    touch.refresh_from_db()
    assert touch.unsubscribed_at is not None
    assert Enrollment.objects.filter(contact=world.champion, status="active").count() == 0


@pytest.fixture
def django_keeps_the_test_connection():
    """As Django's test client does: a request's end must not close the test's connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _wsgi_get(path: str, query: str, method: str) -> tuple[int, dict, bytes]:
    from config.wsgi import application

    answer: dict = {}
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_USER_AGENT": BROWSER,
        "wsgi.input": BytesIO(),
        "wsgi.url_scheme": "http",
    }
    body = b"".join(
        application(environ, lambda status, headers: answer.update(s=status, h=headers))
    )
    headers = {name.lower(): value for name, value in answer["h"]}
    return int(answer["s"].split()[0]), headers, body


def _asgi_get(path: str, query: str, method: str) -> tuple[int, dict, bytes]:
    """One request to the ASGI application, as a server passes it (Django's sync parts run in
    this thread, on the test's connection)."""
    from config.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"user-agent", BROWSER.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def call() -> tuple[dict, bytes]:
        server = ApplicationCommunicator(application, scope)
        await server.send_input({"type": "http.request", "body": b"", "more_body": False})
        start, body = await server.receive_output(), b""
        while True:
            message = await server.receive_output()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await server.wait()
        return start, body

    start, body = async_to_sync(call)()
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


@pytest.mark.parametrize("get", [_wsgi_get, _asgi_get], ids=["wsgi", "asgi"])
def test_the_tracking_paths_answer_the_same_without_django_middleware(
    world, sent, hits, django_keeps_the_test_connection, get, monkeypatch
):
    _, message = sent
    pixel, clicks = _links(message)
    path, query = clicks[1].split("?")
    handed, put = [], tracking.OUTBOX.put
    monkeypatch.setattr(tracking.OUTBOX, "put", lambda hit: (handed.append(hit.kind), put(hit)))

    status, headers, body = get(pixel, "", "GET")
    assert status == 200 and body == tracking.PIXEL
    assert headers["content-type"] == "image/gif" and "no-store" in headers["cache-control"]
    assert headers["content-length"] == str(len(tracking.PIXEL))
    status, headers, _ = get(path, query, "GET")
    assert status == 302
    assert headers["location"] == "https://waymark.example/pricing?plan=team&seats=5"
    status, headers, body = get(path, "u=https%3A%2F%2Fevil.example%2F", "GET")
    assert status == 400 and b"This link does not work" in body
    assert "location" not in headers and b"evil.example" not in body
    status, _, body = get(_tampered(pixel.removesuffix(".gif")) + ".gif", "", "GET")
    assert status == 200 and body == tracking.PIXEL  # a forged pixel records nothing
    assert get("/t/nothing/", "", "GET")[0] == 404  # the full stack's own page
    # Anything but GET and HEAD goes to the full stack too, which refuses it (CSRF first).
    assert get(pixel, "", "POST")[0] == 403
    assert handed == ["open", "click"]  # given to the process's outbox, not Django's views
    tracking.OUTBOX.flush()  # its thread sends the hits soon after; a test waits for none
    _drain()
    assert Event.objects.count() == 2

    get(pixel, "", "HEAD")  # a mail server's prefetch
    tracking.OUTBOX.flush()
    _drain()
    assert TrackingHit.objects.get().reason == "prefetch"


def test_a_server_process_sends_its_hits_to_redis_without_being_asked(world, sent, hits):
    _, message = sent
    pixel, _ = _links(message)
    queue = tracking.hit_queue()

    for _ in range(3):
        tracking.OUTBOX.put(_hit(pixel))
    # Its thread sends them soon; on a slow machine, later: wait while nothing arrived.
    wait_for_progress(queue.due_in, lambda due: due is not None)

    assert hits == [True]
    assert _drain() == 3


def _hit(pixel: str) -> tracking.Hit:
    signed = tracking.open_signed(pixel.removeprefix("/t/o/").removesuffix(".gif"))
    return tracking.hit_from_request(signed, kind="open", method="GET", user_agent=BROWSER)


def test_a_drain_takes_due_emails_together(world, sent, hits, monkeypatch):
    _, message = sent
    pixel, _ = _links(message)
    monkeypatch.setattr(tracking, "GATHER_SECONDS", 0.5)
    queue = tracking.hit_queue()
    tracking.hit_enqueue(_hit(pixel))

    assert queue.take()[1] == []  # due, but alone: more may follow
    assert len(queue.take(limit=1)[1]) == 1  # a full batch goes at once
    tracking.hit_enqueue(_hit(pixel))
    assert len(queue.take(now=time.time() + 0.5)[1]) == 1  # or once it waited


def test_a_drain_that_finds_more_than_a_batch_due_starts_a_second_beside_it(
    world, sent, hits, monkeypatch
):
    monkeypatch.setattr(tracking, "BATCH_EMAILS", 1)
    pixels = [_links(message)[0] for message in mail.outbox if message.alternatives][:2]
    for pixel in pixels:  # two emails opened
        tracking.hit_enqueue(_hit(pixel))
    assert len(pixels) == 2 and hits == [True]  # the first hit started a drain

    assert _drain() == 2
    assert hits == [True, True]  # it took one email and found the other due: a second drain


def _advisory_waits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_drains_side_by_side_store_an_email_s_open_once(world, sent, hits):
    _, message = sent
    pixel, _ = _links(message)
    first, later = _hit(pixel), _hit(pixel)  # one email opened twice, in two drains' batches

    def second_drain() -> None:
        try:
            tracking.hits_record(hits=[later])
        finally:
            connection.close()

    with transaction.atomic():  # the first drain's batch, recorded and not yet committed
        tracking.hits_record(hits=[first])
        other = threading.Thread(target=second_drain)
        other.start()
        wait_for_progress(_advisory_waits, lambda waiting: waiting > 0)  # it waits for us
    other.join()

    assert Event.objects.filter(kind=EventKind.EMAIL_OPEN).count() == 1


def test_waiting_hits_are_kept_under_the_pytest_process_s_own_keys(world, sent, hits):
    _, message = sent
    pixel, _ = _links(message)
    queue = tracking.hit_queue()

    tracking.hit_enqueue(_hit(pixel))

    assert queue.prefix == settings.NURTURE_TRACKING_KEY_PREFIX
    if worker := os.environ.get("PYTEST_XDIST_WORKER"):
        assert queue.prefix.startswith(f"{worker}:")
    keys = [key.decode() for key in queue.redis.scan_iter(match="*tracking:*")]
    mine = [key for key in keys if key.startswith(queue.prefix)]
    assert {key.removeprefix(queue.prefix).split(":")[0] for key in mine} == {"due", "hits"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_tracking_server_on_gunicorn_s_uvicorn_workers_turns_hits_into_events(
    world, committed_db, celery_worker_process
):
    """As production runs it: `config.asgi` on two uvicorn workers, hits through each worker's
    outbox to Redis, a drain on a real `ingestion` worker storing them."""
    touch, message = _send(world, "Pricing: https://waymark.example/pricing")
    pixel, (click,) = _links(message)
    queue = tracking.hit_queue()
    queue.clear()
    celery_worker_process("tracking", queues=("ingestion",))
    server = GunicornServer(
        app="config.asgi:application",
        worker_class="uvicorn_worker.UvicornWorker",
        env={"CELERY_BROKER_URL": settings.CELERY_BROKER_URL},
    )
    try:
        answers = [
            _served(server.port, "GET", pixel, BROWSER),
            _served(server.port, "GET", click, BROWSER),
            _served(server.port, "HEAD", pixel, BROWSER),  # a mail server's prefetch
            _served(server.port, "GET", _tampered(click.split("?")[0].rstrip("/")) + "/", BROWSER),
        ]
        wait_for_progress(
            lambda: (Event.objects.count(), TrackingHit.objects.count()),
            lambda counts: counts == (2, 1),
        )
    finally:
        server.stop()
        queue.clear()

    assert [status for status, _ in answers] == [200, 302, 200, 400]
    assert answers[1][1] == "https://waymark.example/pricing"
    assert set(Event.objects.values_list("kind", "contact")) == {
        (EventKind.EMAIL_OPEN, world.champion.pk),
        (EventKind.EMAIL_CLICK, world.champion.pk),
    }
    assert TrackingHit.objects.get().reason == "prefetch"
    touch.refresh_from_db()
    assert touch.opened_at is not None and touch.clicked_at is not None


def _served(port: int, method: str, path: str, agent: str) -> tuple[int, str]:
    """A real HTTP request's status and Location."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        client.request(method, path, headers={"User-Agent": agent})
        answer = client.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location", "")
    finally:
        client.close()
