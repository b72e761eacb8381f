"""Opens and clicks of sequence emails, back as buyer signals.

*Links.* An email that tracks carries a 1×1 image, `/t/o/<token>.gif`, and in its HTML part
every web address of its text goes through `/t/c/<token>/?u=<address>`. A token signs the email
(enrolment and step) and how many links it tracks, for a click which of them (numbered from 0)
and the address, with the time it was signed (django.core.signing, salted); a token signed
before tokens named the count still counts, as an email's that may have many links. A tampered
token records nothing: the pixel still answers with its image, a click gets a short page that
goes nowhere; only a signed address is ever redirected to. A token older than
`NURTURE_TRACKING_MAX_AGE_DAYS` still redirects to its address and records nothing.

*Hits.* The endpoints answer at once: a hit is appended in Redis to its email's list (by the
server process's `OUTBOX`, with the others of the moment, in one round trip) and the email
becomes due for judgement `QUIET_SECONDS` after its latest hit, so that a scanner's burst is
judged whole; an email with fewer than `BURST_LINKS` tracked links can form no burst, and is
due at once. The first hit while nothing waits starts a drain (Celery, `ingestion` queue;
beat also runs one every minute); it takes the due emails' hits in batches (`BATCH_EMAILS`,
or fewer once the first has been due `GATHER_SECONDS`) and records each batch in one
transaction. A drain that finds more than a batch due starts one more drain beside it. Drains
side by side are safe: a batch's transaction first waits for any other holding one of its
touches (an email's later hits, taken while its first are recorded), so each touch's events are
asked for and stored by one at a time. A batch taken by a drain that dies is taken again after
`TAKEN_LEASE_SECONDS`: recording is idempotent.

*Judgement.* A hit is a machine's, never buyer intent, when it is a HEAD request (a prefetch);
when its User-Agent is an image proxy that fetches every image as mail arrives (Apple Mail
Privacy Protection's bare `Mozilla/5.0`, Yahoo's), a mail-security link scanner (Barracuda,
Mimecast, Proofpoint, Safe Links…), a bot or a script, or is empty; when it comes within
`TOO_SOON` of sending; or when `BURST_LINKS` distinct links of the email were hit within
`BURST_SECONDS` (every hit of the email in that window is flagged). Gmail's GoogleImageProxy
fetches the image when the reader opens the message: its opens count.

*Recording.* The buyer's hits become `email_open` / `email_click` events of the contact
(source `email`) through `apps.engagement`'s ingestion, as any other signal: scores, stages,
stalls and attribution see them. Their properties name the touch, enrolment, step, sequence
and campaign, with the campaign's UTM code as `utm_campaign` when it has one (and `utm_medium`
`email`); attribution credits them to that campaign, else to the sequence's (its touch table
reads the `sequence`). One event per email for its opens and one
per link for its clicks (deterministic ids: a repeat is a duplicate); the touch keeps the first
open and the first click (a click also counts as an open: the images were blocked). Machines'
hits are kept as `TrackingHit` rows, once per email, link and reason, and are no event. Hits of
a contact who has since declined tracking, or of a touch that is gone, are dropped.
"""

import atexit
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import NamedTuple
from urllib.parse import quote

import redis
from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from apps.engagement.models import EventKind, EventSource
from apps.nurture.models import Step, Touch, TrackingHit

logger = logging.getLogger(__name__)

SALT = "nurture.tracking"
# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
QUIET_SECONDS = 5.0
BURST_LINKS = 3
BURST_SECONDS = 5.0
TOO_SOON = timedelta(seconds=10)
# Emails a drain takes from Redis at a time (each with its few hits): a full batch at once,
# else when the first due email has waited `GATHER_SECONDS` (a drain keeping up with a steady
# stream records a few batches a second, not an email or two a time at a fixed cost each).
BATCH_EMAILS = 2_000
GATHER_SECONDS = 0.5
# A server process sends its hits to Redis together, this often (`HitOutbox`).
OUTBOX_GATHER_SECONDS = 0.01
TAKEN_LEASE_SECONDS = 600
MAX_URL = 500  # what an event's URL holds; a longer address is redirected to, not stored

_SPACE = re.compile(r"\s")  # what str.isspace() is true for
_MACHINE_AGENT = re.compile(
    r"^(mozilla/5\.0)?$|bot\b|crawl|spider|scan|preview|headless|phantomjs|yahoomailproxy"
    r"|barracuda|mimecast|proofpoint|urldefense|safelinks|forcepoint|sophos|trend ?micro"
    r"|symantec|messagelabs|ironport|fireeye|zscaler|python|curl|wget|go-http-client|java/"
    r"|okhttp|libwww|httpclient",
    re.IGNORECASE,
)


# -- tokens and links ---------------------------------------------------------------------------


class _Signer(signing.TimestampSigner):
    """Django's timestamp signer, each key's HMAC derived once per process instead of at every
    check (a tracking server checks thousands a second); the signatures are Django's."""

    def signature(self, value: str, key=None) -> str:
        mac = _keyed_hmac(self.algorithm, self.salt + "signer", key or self.key).copy()
        mac.update(value.encode())
        return signing.b64_encode(mac.digest()).decode()


@lru_cache(maxsize=8)
def _keyed_hmac(algorithm: str, key_salt: str, secret: str | bytes) -> hmac.HMAC:
    """`django.utils.crypto.salted_hmac`'s HMAC before it is given the message."""
    secret = secret if isinstance(secret, bytes) else secret.encode()
    key = hashlib.new(algorithm, key_salt.encode() + secret).digest()
    return hmac.new(key, digestmod=algorithm)


def _signer() -> signing.TimestampSigner:
    return _signer_for(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@lru_cache(maxsize=4)
def _signer_for(key, fallback_keys: tuple) -> signing.TimestampSigner:
    return _Signer(key=key, fallback_keys=list(fallback_keys), salt=SALT, sep=".")


def _max_age() -> timedelta:
    return timedelta(days=settings.NURTURE_TRACKING_MAX_AGE_DAYS)


@cache
def _path_templates() -> tuple[str, str]:
    """The pixel and click paths around a placeholder token, reversed once."""
    return (
        reverse("tracking:open", args=["__token__"]),
        reverse("tracking:click", args=["__token__"]),
    )


class EmailLinks:
    """The pixel and tracked links of one email, whose tracked web addresses are `addresses`
    (numbered in order; an address twice is one link)."""

    def __init__(self, *, enrollment_id: int, step_id: int, site: str, addresses=()):
        self.email = f"{enrollment_id}.{step_id}"
        self.site = site.rstrip("/")
        self.links = {address: n for n, address in enumerate(dict.fromkeys(addresses))}

    def open_url(self) -> str:
        token = _signer().sign(f"{self.email}.{len(self.links)}")
        return self.site + _path_templates()[0].replace("__token__", token)

    def click_url(self, address: str) -> str:
        """The tracked link to `address`, one of the email's `addresses`."""
        named = f"{self.email}.{self.links[address]}.{len(self.links)}"
        value = f"{named} {address}"
        stamp = _signer().sign(value)[len(value) + 1 :]
        path = _path_templates()[1].replace("__token__", f"{named}.{stamp}")
        return f"{self.site}{path}?u={quote(address, safe='')}"


class Signed(NamedTuple):  # a tuple: made for every hit, at a third of a dataclass's cost
    """What a pixel or click token names; `current` is False once it is too old to count.
    `links`: how many links the email tracks (None: a token from before tokens said)."""

    enrollment_id: int
    step_id: int
    link: int
    current: bool
    links: int | None

    @property
    def may_burst(self) -> bool:
        return self.links is None or self.links >= BURST_LINKS


def _ids(parts: list[str]) -> list[int] | None:
    if all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        return [int(p) for p in parts]
    return None


def _check(signed_value: str) -> bool | None:
    """True for an authentic, current signature, False for an authentic expired one."""
    try:
        _signer().unsign(signed_value, max_age=_max_age())
    except signing.SignatureExpired:
        return False
    except signing.BadSignature:
        return None
    return True


# A token is its signed numbers, then the signature's time and hash. A pixel's numbers are the
# email's two and its links' count; a click's the email's, the link's and the count. A token
# signed before tokens named the count has one number less.
def open_signed(token: str) -> Signed | None:
    """The email a pixel token was signed for; None when it was not."""
    parts = token.split(".")
    ids = _ids(parts[:-2]) if len(parts) in (4, 5) else None
    current = _check(token) if ids else None
    if current is None:
        return None
    enrollment_id, step_id, *links = ids
    return Signed(enrollment_id, step_id, 0, current, links[0] if links else None)


def click_signed(token: str, address: str) -> Signed | None:
    """The email and link a click token was signed for with this address; None when it was not
    (a changed address, a forged token): such a click goes nowhere."""
    parts = token.split(".")
    ids = _ids(parts[:-2]) if len(parts) in (5, 6) else None
    if not ids or not web_address(address):
        return None
    current = _check(f"{'.'.join(parts[:-2])} {address}.{parts[-2]}.{parts[-1]}")
    if current is None:
        return None
    enrollment_id, step_id, link, *links = ids
    return Signed(enrollment_id, step_id, link, current, links[0] if links else None)


def web_address(address: str) -> bool:
    return address.startswith(("http://", "https://")) and not _SPACE.search(address)


# -- hits and their queue -----------------------------------------------------------------------


# One encoder for every hit (`json.dumps` with options builds one a call).
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


class Hit(NamedTuple):  # encoded as the JSON list of its fields
    kind: str  # TrackingHit.Kind
    enrollment_id: int
    step_id: int
    link: int
    url: str
    at: float  # Unix time
    head: bool
    user_agent: str
    may_burst: bool = True  # False: judged at once (a hit queued before hits said: True)

    @property
    def email(self) -> str:
        return f"{self.enrollment_id}.{self.step_id}"

    def encode(self) -> str:
        return _COMPACT_JSON.encode(self)

    @classmethod
    def decode(cls, raw: str | bytes) -> "Hit":
        return cls(*json.loads(raw))


def hit_from_request(
    signed: Signed, *, kind: str, url: str = "", method: str, user_agent: str
) -> Hit:
    return Hit(
        kind=kind,
        enrollment_id=signed.enrollment_id,
        step_id=signed.step_id,
        link=signed.link,
        url=url,
        at=time.time(),
        head=method == "HEAD",
        user_agent=user_agent[:300],
        may_burst=signed.may_burst,
    )


# Append hits (ARGV[1] the lists' prefix, then email, due time and hit for each) and make each
# email due when its latest hit says; 1 when nothing was waiting.
_PUSH = """
local idle = redis.call('ZCARD', KEYS[1]) == 0
for i = 2, #ARGV, 3 do
  redis.call('RPUSH', ARGV[1] .. ARGV[i], ARGV[i + 2])
  redis.call('ZADD', KEYS[1], 'GT', ARGV[i + 1], ARGV[i])
end
if idle then return 1 end
return 0
"""
# Take a batch: a stale taken batch again if there is one, else the due emails' hits (a full
# batch, or any once the first was due by ARGV[5]), moved to a batch key of their own until
# `done`.
_TAKE = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4], 'LIMIT', 0, 1)
if #stale > 0 then
  redis.call('ZADD', KEYS[2], ARGV[1], stale[1])
  return {stale[1], redis.call('LRANGE', stale[1], 0, -1)}
end
local emails = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #emails < tonumber(ARGV[2]) and #redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[5],
                                                'LIMIT', 0, 1) == 0 then
  return {KEYS[3], {}}
end
local hits = {}
for _, email in ipairs(emails) do
  local key = ARGV[3] .. email
  for _, hit in ipairs(redis.call('LRANGE', key, 0, -1)) do hits[#hits + 1] = hit end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], email)
end
if #hits == 0 then return {KEYS[3], {}} end
for i = 1, #hits, 1000 do
  redis.call('RPUSH', KEYS[3], unpack(hits, i, math.min(i + 999, #hits)))
end
redis.call('ZADD', KEYS[2], ARGV[1], KEYS[3])
return {KEYS[3], hits}
"""


def queue_url() -> str:
    """Where hits wait: `NURTURE_TRACKING_REDIS_URL`, else the broker when it is Redis; empty
    without Redis (`make run` on its own), where each hit goes to a worker as a task."""
    if settings.NURTURE_TRACKING_REDIS_URL:
        return settings.NURTURE_TRACKING_REDIS_URL
    broker = settings.CELERY_BROKER_URL
    return broker if broker.startswith(("redis://", "rediss://", "unix://")) else ""


class HitQueue:
    """The hits waiting in Redis, under keys starting with `prefix`
    (`NURTURE_TRACKING_KEY_PREFIX`: one per pytest process)."""

    def __init__(self, url: str, *, prefix: str):
        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix
        self._due = prefix + "due"  # sorted set: email → when it is due for judgement
        self._taken = prefix + "taken"  # sorted set: a taken batch's key → when it was taken
        self._hits = prefix + "hits:"  # list per email
        self._push = self.redis.register_script(_PUSH)
        self._take = self.redis.register_script(_TAKE)

    def push(self, hits: Iterable[Hit]) -> bool:
        """Append the hits, in one round trip; True when nothing was waiting (a drain should
        start)."""
        args = [self._hits]
        for hit in hits:
            args += (hit.email, hit.at + (QUIET_SECONDS if hit.may_burst else 0), hit.encode())
        return bool(self._push(keys=[self._due], args=args))

    def take(self, *, limit: int | None = None, now: float | None = None) -> tuple[str, list]:
        now = time.time() if now is None else now
        key = f"{self.prefix}batch:{uuid.uuid4().hex}"
        limit = limit or BATCH_EMAILS
        args = [now, limit, self._hits, now - TAKEN_LEASE_SECONDS, now - GATHER_SECONDS]
        taken, raw = self._take(keys=[self._due, self._taken, key], args=args)
        return taken.decode(), raw

    def done(self, key: str) -> None:
        self.redis.pipeline().delete(key).zrem(self._taken, key).execute()

    def due_in(self, *, now: float | None = None) -> float | None:
        """Seconds until the next email is due (0 or less: now); None when nothing waits."""
        first = self.redis.zrange(self._due, 0, 0, withscores=True)
        if not first:
            return None
        return first[0][1] - (time.time() if now is None else now)

    def clear(self) -> None:
        """Forget every waiting hit (tests, benches)."""
        keys = list(self.redis.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.redis.delete(*keys)


@cache
def _queue(url: str, prefix: str) -> HitQueue:
    return HitQueue(url, prefix=prefix)


def hit_queue() -> HitQueue | None:
    url = queue_url()
    return _queue(url, settings.NURTURE_TRACKING_KEY_PREFIX) if url else None


def hits_enqueue(hits: list[Hit]) -> None:
    """Hand the hits over for judgement without waiting for it; a broken queue loses them,
    never an answer (the pixel, the redirect)."""
    from apps.nurture.tasks import drain_tracking_hits, record_tracking_hits

    try:
        queue = hit_queue()
        if queue is None:
            record_tracking_hits.delay(hits=[hit.encode() for hit in hits])
        elif queue.push(hits):
            drain_tracking_hits.delay()
    except Exception:  # Redis or the broker down: the reader still gets their page
        logger.exception("%d tracking hits lost, the first: %s", len(hits), hits[0])


def hit_enqueue(hit: Hit) -> None:
    hits_enqueue([hit])


class HitOutbox:
    """This process's hits on their way to Redis, for a server answering many at once
    (`tracking_views.tracking_wsgi`): a request only appends its hit and is answered; a thread
    of the process sends what gathered in `OUTBOX_GATHER_SECONDS` in one round trip. A hit
    waits here that long, and is sent on the process's way out; a process killed outright
    loses those few, as a broken queue would."""

    def __init__(self):
        self._pending: list[Hit] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._sending = threading.Lock()
        self._pid = 0  # the process whose thread sends (a forked server worker starts its own)

    def put(self, hit: Hit) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="tracking-hits", daemon=True).start()
                atexit.register(self.flush)
            self._pending.append(hit)
            self._arrived.notify()

    def flush(self) -> None:
        """Send what waits, once any sending is done (tests, the process's exit)."""
        with self._sending:
            with self._lock:
                hits, self._pending = self._pending, []
            if hits:
                hits_enqueue(hits)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending:
                    self._arrived.wait()
            time.sleep(OUTBOX_GATHER_SECONDS)
            self.flush()


OUTBOX = HitOutbox()


# -- judging and recording ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Touch:
    pk: int
    sent_at: datetime
    contact_id: int
    declined: bool
    sequence_id: int
    campaign_id: int | None
    utm_code: str | None


def _touches(hits: list[Hit]) -> dict[str, _Touch]:
    emails = {hit.email for hit in hits}
    enrollments = {hit.enrollment_id for hit in hits}
    if connection.vendor == "postgresql":
        # One array parameter for a batch's thousands of enrolments, not a placeholder each.
        enrollments = RawSQL("SELECT unnest(%s::bigint[])", [list(enrollments)])
    rows = Touch.objects.filter(enrollment_id__in=enrollments, kind=Step.Kind.EMAIL).values_list(
        "pk",
        "enrollment_id",
        "step_id",
        "sent_at",
        "enrollment__contact_id",
        "enrollment__contact__declines_tracking",
        "enrollment__sequence_id",
        "enrollment__sequence__campaign_id",
        "enrollment__sequence__campaign__utm_code",
    )
    found = {}
    for pk, enrollment_id, step_id, *facts in rows:
        if (email := f"{enrollment_id}.{step_id}") in emails:
            found[email] = _Touch(pk, *facts)
    return found


@lru_cache(maxsize=4096)  # a few agents send most hits, and the pattern is slow to search
def machine_agent(user_agent: str) -> bool:
    return bool(_MACHINE_AGENT.search(user_agent.strip()))


def _in_bursts(hits: list[Hit]) -> set[Hit]:
    """The hits of one email near a burst: `BURST_LINKS` distinct links clicked within
    `BURST_SECONDS`; the scanner's fetch of the pixel next to it goes with it."""
    clicks = [h for h in hits if h.kind == TrackingHit.Kind.CLICK]
    flagged: set[Hit] = set()
    if len({h.link for h in clicks}) < BURST_LINKS:  # most emails: no burst to look for
        return flagged
    clicks.sort(key=lambda h: h.at)
    for first in clicks:
        window = [h for h in clicks if first.at <= h.at <= first.at + BURST_SECONDS]
        if len({h.link for h in window}) >= BURST_LINKS:
            start, end = first.at - BURST_SECONDS, window[-1].at + BURST_SECONDS
            flagged |= {h for h in hits if start <= h.at <= end}
    return flagged


def judge(hit: Hit, touch: _Touch, bursts: set[Hit]) -> str:
    """Why the hit is a machine's (a `TrackingHit.Reason`), or "" when it is the buyer's."""
    if hit.head:
        return TrackingHit.Reason.PREFETCH
    if machine_agent(hit.user_agent):
        return TrackingHit.Reason.SCANNER
    if datetime.fromtimestamp(hit.at, tz=UTC) - touch.sent_at < TOO_SOON:
        return TrackingHit.Reason.TOO_SOON
    if hit in bursts:
        return TrackingHit.Reason.BURST
    return ""


@dataclass
class RecordResult:
    events: int = 0  # new events stored
    repeats: int = 0  # buyer hits already stored as events (a second open, the same link)
    automated: int = 0  # machines' hits
    dropped: int = 0  # touch gone, or the contact declined tracking since


def hits_record(*, hits: Iterable[Hit], now: datetime | None = None) -> RecordResult:
    """Judge a batch of hits and record it in one transaction (see the module's docstring)."""
    from apps.engagement.selectors import event_ids_stored
    from apps.engagement.services import events_ingest

    hits = list(hits)
    now = now or timezone.now()
    touches = _touches(hits)
    by_email: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_email[hit.email].append(hit)
    result = RecordResult()
    events: dict[str, dict] = {}
    firsts: dict[int, list[float | None]] = {}  # touch → [first open, first click]
    machines: list[TrackingHit] = []
    for email, its in by_email.items():
        touch = touches.get(email)
        if touch is None or touch.declined:
            result.dropped += len(its)
            continue
        bursts = _in_bursts(its)
        for hit in sorted(its, key=lambda h: h.at):
            reason = judge(hit, touch, bursts)
            if reason:
                machines.append(_machine_hit(hit, touch, reason))
                continue
            first = firsts.setdefault(touch.pk, [None, None])
            first[0] = min(first[0] or hit.at, hit.at)
            if hit.kind == TrackingHit.Kind.CLICK:
                first[1] = min(first[1] or hit.at, hit.at)
            event = _event(hit, touch)
            if event["id"] in events:
                result.repeats += 1
            else:
                events[event["id"]] = event
    with transaction.atomic():
        _touches_lock(touch.pk for touch in touches.values())
        # Events are unique per source, id and time: a later open (or click of the same link)
        # has the id of the first at another time, and is a repeat.
        stored = event_ids_stored(source=EventSource.EMAIL, external_ids=events)
        result.repeats += len(stored)
        events = {key: event for key, event in events.items() if key not in stored}
        if events:
            report = events_ingest(
                items=enumerate(events.values(), start=1), source=EventSource.EMAIL, at=now
            )
            if report.errors:
                logger.warning("Tracking events refused: %s", report.errors[:5])
            result.events = report.accepted
            result.repeats += report.duplicates
        _touch_firsts(firsts)
        TrackingHit.objects.bulk_create(machines, ignore_conflicts=True)
    result.automated = len(machines)
    return result


# Advisory locks are keyed by two int4s: this names the touches' kind, a touch's id the other.
_TOUCH_LOCKS = zlib.crc32(b"nurture.tracking.touch") - 2**31


def _touches_lock(pks: Iterable[int]) -> None:
    """Wait until no other transaction records hits of these touches, and hold them until this
    one ends (two drains side by side, or hits recorded one by one as tasks). In order, so two
    batches never wait for each other."""
    pks = sorted(set(pks))
    if pks and connection.vendor == "postgresql":  # elsewhere one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, (pk %% 2147483647)::int)"
                " FROM unnest(%s::bigint[]) AS pk",
                [_TOUCH_LOCKS, pks],
            )


def _event(hit: Hit, touch: _Touch) -> dict:
    click = hit.kind == TrackingHit.Kind.CLICK
    properties = {
        "touch": touch.pk,
        "enrollment": hit.enrollment_id,
        "step": hit.step_id,
        "sequence": touch.sequence_id,
        "utm_medium": "email",
    }
    if touch.campaign_id:
        properties["campaign"] = touch.campaign_id
    if touch.utm_code:
        properties["utm_campaign"] = touch.utm_code
    if click:
        properties["link"] = hit.link
    return {
        "id": f"nurture.{hit.kind}.{hit.email}" + (f".{hit.link}" if click else ""),
        "kind": EventKind.EMAIL_CLICK if click else EventKind.EMAIL_OPEN,
        "occurred_at": datetime.fromtimestamp(hit.at, tz=UTC).isoformat(),
        "contact": touch.contact_id,
        "url": hit.url if click and len(hit.url) <= MAX_URL else "",
        "properties": properties,
    }


def _machine_hit(hit: Hit, touch: _Touch, reason: str) -> TrackingHit:
    return TrackingHit(
        touch_id=touch.pk,
        kind=hit.kind,
        link=hit.link,
        url=hit.url[:MAX_URL],
        reason=reason,
        user_agent=hit.user_agent,
        at=datetime.fromtimestamp(hit.at, tz=UTC),
    )


def _touch_firsts(firsts: dict[int, list[float | None]]) -> None:
    """Each touch's first open and click, kept when earlier than what it has: one statement."""
    if not firsts:
        return
    rows = [(pk, _moment(opened), _moment(clicked)) for pk, (opened, clicked) in firsts.items()]
    if connection.vendor == "postgresql":
        # Three arrays: the same short statement however many touches (no placeholder each).
        values = (
            "unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[])"
            " AS v(column1, column2, column3)"
        )
        params = [list(column) for column in zip(*rows, strict=True)]
    else:
        values = f"(VALUES {', '.join(['(%s, %s, %s)'] * len(rows))}) AS v"
        adapt = connection.ops.adapt_datetimefield_value
        params = [value for pk, *moments in rows for value in (pk, *map(adapt, moments))]
    table = Touch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET
                    opened_at = CASE WHEN opened_at IS NULL OR opened_at > v.column2
                                     THEN v.column2 ELSE opened_at END,
                    clicked_at = CASE WHEN v.column3 IS NOT NULL
                                       AND (clicked_at IS NULL OR clicked_at > v.column3)
                                      THEN v.column3 ELSE clicked_at END
                FROM {values}
                WHERE {table}.id = v.column1""",
            params,
        )


def _moment(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(at, tz=UTC)


def hits_drain(
    *, time_budget: float = 50.0, sleep: Callable[[float], None] = time.sleep
) -> tuple[int, bool]:
    """Record the waiting hits batch after batch as their emails fall due, until none waits or
    `time_budget` seconds passed; returns how many were recorded and whether some still wait."""
    queue = hit_queue()
    if queue is None:
        return 0, False
    started, recorded, helped = time.monotonic(), 0, False
    while (left := time_budget - (time.monotonic() - started)) > 0:
        key, raw = queue.take()
        if raw:
            if not helped and (due_in := queue.due_in()) is not None and due_in <= 0:
                # More than a batch is due: a second drain records alongside (while a worker
                # has room), its database work beside this one's.
                from apps.nurture.tasks import drain_tracking_hits

                drain_tracking_hits.delay()
                helped = True
            hits_record(hits=_decoded(raw))
            queue.done(key)
            recorded += len(raw)
            continue
        due_in = queue.due_in()
        if due_in is None:
            return recorded, False
        sleep(min(max(due_in + GATHER_SECONDS, 0.05), left))
    return recorded, queue.due_in() is not None


def _decoded(raw: list[bytes]) -> Iterable[Hit]:
    for item in raw:
        try:
            yield Hit.decode(item)
        except (ValueError, TypeError):
            logger.warning("Unreadable tracking hit dropped: %r", item[:200])
