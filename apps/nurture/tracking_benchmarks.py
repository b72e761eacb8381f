"""`manage.py bench email_tracking` (apps/core/bench.py): opens and clicks back as events.

- `tracking_vs_bulk`: events/s from open and click hits sent to the tracking endpoints of a
  running tracking server (gunicorn, two uvicorn workers, `config.asgi`, as production serves
  them), each hit a request of its own as mail clients send them, counted until every one is
  stored as an event (the hits wait in Redis until their email is due, then a Celery worker on
  the `ingestion` queue judges and records them: each email has one link, as most nurture
  emails do, so it is due at once; one of `BURST_LINKS` or more would wait `QUIET_SECONDS`
  after its last hit) over events/s of the same events posted to the bulk events endpoint of
  the site's server (gunicorn, two sync workers, `config.wsgi`; NDJSON, `ingestion.MAX_EVENTS`
  a request, two senders), stored when answered; same rows, same table, emptied between the
  two.
- `tracking_answer_ms`: the median time a hit waits for its answer (the pixel, the redirect):
  nothing is written to the database meanwhile.
- `tracking_requests_per_s`: the hits answered a second (first hit to last answer), and
  `tracking_server_cpu_us` the CPU the server's workers spent a hit meanwhile (and until the
  last event was stored): where the time goes.
- `tracking_hits_alone_vs_bulk`, `tracking_drain_alone_vs_bulk`: each stage of that pipeline
  alone on the machine, against the bulk endpoint: the same hits answered while no drain runs,
  then drained by the same worker while no hit arrives. Two cores carry both stages at once in
  `tracking_vs_bulk`, so their costs add up there.

`TOUCHES` emails of one link sent a day ago to as many contacts, each opened once and its link
clicked once from a browser's User-Agent: two events an email. `BENCH_SCALE` shrinks the world.
"""

import datetime
import http.client
import json
import os
import re
import selectors
import socket
import statistics
import tempfile
import threading
import time
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.core.bench import (
    BenchReport,
    CeleryWorker,
    GunicornServer,
    benchmark,
    scaled,
    stopwatch,
)
from apps.engagement import ingestion
from apps.engagement.models import Event
from apps.journeys.models import Journey, JourneyStage, Phase
from apps.nurture import tracking
from apps.nurture.models import Sequence, Step
from apps.nurture.tasks import drain_tracking_hits
from apps.users.models import Role
from apps.users.services import api_token_issue, user_create
from config.celery_app import app as celery_app

TOUCHES = scaled(50_000)
CLIENTS = 8
SENDERS = 2
TARGET = "https://waymark.example/pricing"
AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"


def _world(now: datetime.datetime) -> tuple[str, list[tuple[int, int, int, int]]]:
    """A campaign's sequence and its emails, sent a day ago; returns the bulk feed's API token
    and each email's (enrolment, step, touch, contact)."""
    feed = user_create(
        username="tracking-bench-feed", email="feed@bench.test", password=None, role=Role.MARKETER
    )
    journey = Journey.objects.create(key="tracking-bench", name="Tracking bench", owner=feed)
    stage = JourneyStage.objects.create(
        journey=journey, name="Shortlist", slug="shortlist", phase=Phase.CONSIDERATION, position=1
    )
    campaign = Campaign.objects.create(
        name="Tracking bench",
        owner=feed,
        goal_stage=stage,
        kpi="reach",
        kpi_target=1000,
        start_date=now.date(),
        end_date=now.date(),
        utm_code="tracking-bench",
    )
    sequence = Sequence.objects.create(
        name="Tracking bench", journey_stage=stage, campaign=campaign, is_active=True
    )
    step = Step.objects.create(
        sequence=sequence, position=1, kind="email", subject="Hi", body=f"Hi, see {TARGET}"
    )
    sent = now - datetime.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_account (created_at, updated_at, name, domain, industry,
                   region, tier, is_target, fit_score, external_source, external_id)
               SELECT now(), now(), 'Tracking account ' || n, 'tracking' || n || '.example',
                      '', '', 3, FALSE, 0, '', ''
               FROM generate_series(1, %s) n""",
            [max(1, TOUCHES // 10)],
        )
        cursor.execute(
            """INSERT INTO accounts_contact (created_at, updated_at, account_id, first_name,
                   last_name, email, title, buying_role, consent, time_zone, external_source,
                   external_id)
               SELECT now(), now(), a.id, 'Pat', 'Reader ' || n, 'p' || n || '@' || a.domain,
                      '', '', 'unknown', 'UTC', '', ''
               FROM generate_series(0, %s - 1) n
               JOIN accounts_account a ON a.domain = 'tracking' || (1 + n %% %s) || '.example'""",
            [TOUCHES, max(1, TOUCHES // 10)],
        )
        cursor.execute(
            """INSERT INTO nurture_enrollment (sequence_id, contact_id, status, waiting_since,
                   enrolled_at, exit_reason)
               SELECT %s, c.id, 'completed', %s, %s, '' FROM accounts_contact c""",
            [sequence.pk, sent, sent],
        )
        cursor.execute(
            """INSERT INTO nurture_touch (enrollment_id, step_id, kind, subject, sent_at)
               SELECT e.id, %s, 'email', 'Hi', %s FROM nurture_enrollment e
               RETURNING enrollment_id, step_id, id""",
            [step.pk, sent],
        )
        touches = cursor.fetchall()
        cursor.execute("SELECT id, contact_id FROM nurture_enrollment")
        contacts = dict(cursor.fetchall())
        cursor.execute("ANALYZE")
    emails = [(e, s, t, contacts[e]) for e, s, t in touches]
    return api_token_issue(user=feed)[1], emails


def _bulk_file(folder: Path, emails, campaign: int, sequence: int, now) -> Path:
    """The events the hits make, as a sender would post them (NDJSON)."""
    path = folder / "events.ndjson"
    occurred = now.isoformat()
    with path.open("w") as out:
        for enrollment, step, touch, contact in emails:
            properties = {"touch": touch, "enrollment": enrollment, "step": step,
                          "sequence": sequence, "utm_medium": "email", "campaign": campaign,
                          "utm_campaign": "tracking-bench"}  # fmt: skip
            for kind, url, extra in (("email_open", "", {}), ("email_click", TARGET, {"link": 0})):
                item = {"id": f"bulk.{kind}.{touch}", "kind": kind, "source": "email",
                        "occurred_at": occurred, "contact": contact, "url": url,
                        "properties": properties | extra}  # fmt: skip
                out.write(json.dumps(item) + "\n")
    return path


def _post(port: int, token: str, body: bytes) -> int:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Token {token}"}
    client.request("POST", "/api/v1/events/bulk/", body=body, headers=headers)
    response = client.getresponse()
    report = json.loads(response.read())
    client.close()
    if response.status != 200:
        raise RuntimeError(f"bulk API answered {response.status}: {report}")
    return report["accepted"]


def _bulk_seconds(port: int, token: str, path: Path, *, expected: int) -> float:
    """All events, `ingestion.MAX_EVENTS` a request, from `SENDERS` threads taking turns."""
    lock, accepted = threading.Lock(), []

    def sender(source) -> None:
        while True:
            with lock:
                lines = list(islice(source, ingestion.MAX_EVENTS))
            if not lines:
                return
            accepted.append(_post(port, token, b"".join(lines)))

    with stopwatch() as elapsed, path.open("rb") as source:
        threads = [threading.Thread(target=sender, args=(source,)) for _ in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if sum(accepted) != expected:
        raise RuntimeError(f"the bulk endpoint stored {sum(accepted)} of {expected} events")
    return elapsed()


def _hit_paths(emails) -> list[str]:
    paths = []
    for enrollment, step, _, _ in emails:
        links = tracking.EmailLinks(
            enrollment_id=enrollment, step_id=step, site="", addresses=[TARGET]
        )
        paths += [links.open_url(), links.click_url(TARGET)]
    return paths


# What a reader needs of an answer's head; searched, not parsed line by line: the bench's client
# shares the machine's two cores with the server it measures.
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close\b", re.IGNORECASE)


class _Reader:
    """One reader's mail client fetching images and following links: one HTTP/1.1 request at
    a time on a kept-alive connection, a new one when the server closed it (gunicorn's sync
    workers close every connection)."""

    def __init__(self, port: int, paths: list[str]):
        self.port = port
        self.paths = iter(paths)
        self.sock: socket.socket | None = None
        self.received = b""
        self.sent_at = 0.0

    def send_next(self, selector: selectors.BaseSelector) -> bool:
        """Ask for the next path; False when there is none left."""
        path = next(self.paths, None)
        if path is None:
            self.close(selector)
            return False
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
            self.sock.setblocking(False)
            selector.register(self.sock, selectors.EVENT_READ, self)
        self.path, self.sent_at = path, time.perf_counter()
        # A few hundred bytes on a connection with nothing in flight: taken whole at once.
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {AGENT}\r\n\r\n"
        self.sock.sendall(request.encode())
        return True

    def receive(self) -> tuple[int, bool] | None:
        """The answer's status and whether the server closes, once it is all in."""
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"{self.path}: the server closed without answering")
        self.received += chunk
        head, end, body = self.received.partition(b"\r\n\r\n")
        if not end:
            return None
        length = _LENGTH.search(head)
        if length and len(body) < int(length[1]):
            return None
        self.received = b""
        return int(head[9:12]), bool(_CLOSE.search(head))

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.sock is not None:
            selector.unregister(self.sock)
            self.sock.close()
            self.sock = None


def _hits_sent(port: int, paths: list[str]) -> list[float]:
    """Every hit from `CLIENTS` readers at once (each its share of the emails, in order);
    returns each hit's answer time. The readers share one thread and a selector: threads of
    their own would spend the bench's CPU on handing Python's lock around, which a machine of
    two cores takes from the server."""
    answers: list[float] = []
    failures: list[str] = []
    share = (len(paths) + CLIENTS - 1) // CLIENTS
    with selectors.DefaultSelector() as selector:
        readers = [_Reader(port, paths[n * share : (n + 1) * share]) for n in range(CLIENTS)]
        busy = sum(reader.send_next(selector) for reader in readers)
        while busy:
            ready = selector.select(timeout=120)
            if not ready:
                raise RuntimeError("no answer from the server in two minutes")
            for key, _ in ready:
                reader = key.data
                if (answer := reader.receive()) is None:
                    continue
                status, close = answer
                answers.append(time.perf_counter() - reader.sent_at)
                if status not in (200, 302):
                    failures.append(f"{reader.path}: {status}")
                if close:
                    reader.close(selector)
                if not reader.send_next(selector):
                    busy -= 1
    if failures:
        raise RuntimeError(f"tracking hits failed: {failures[:3]}")
    return answers


def _stored(expected: int, elapsed) -> None:
    """Wait until `expected` events are stored."""
    while (stored := Event.objects.count()) < expected:
        if elapsed() > 600:
            raise RuntimeError(f"only {stored} of {expected} hits stored after 10 minutes")
        time.sleep(0.1)


def _events_emptied() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE engagement_event, engagement_recomputerequest")
        cursor.execute("VACUUM ANALYZE engagement_event")


def _cpu_seconds(pids: list[int]) -> float:
    """The CPU these processes used so far (user and system, from /proc)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@benchmark
def email_tracking(report: BenchReport) -> None:
    now = timezone.now()
    token, emails = _world(now)
    stored = 2 * len(emails)
    sequence = Sequence.objects.get(name="Tracking bench")
    queue = tracking.hit_queue()
    if queue is None:
        raise RuntimeError("the tracking bench needs Redis: set CELERY_BROKER_URL to a redis://")
    queue.clear()
    # The server hands hits to Redis and starts drains through the real broker.
    broker = {
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "NURTURE_TRACKING_REDIS_URL": tracking.queue_url(),
    }
    with tempfile.TemporaryDirectory() as folder:
        events = _bulk_file(Path(folder), emails, sequence.campaign_id, sequence.pk, now)
        paths = _hit_paths(emails)
        # Two processes, as production runs the queue: a second drain when more than a batch is due.
        worker = CeleryWorker(queues="ingestion", concurrency=2, log=Path(folder) / "worker.log")
        site = GunicornServer(workers=2, env=broker)
        server = GunicornServer(
            workers=2,
            env=broker,
            app="config.asgi:application",
            worker_class="uvicorn_worker.UvicornWorker",
        )
        try:
            for port in (site.port, server.port):
                for _ in range(4):  # both workers warm: a broken pixel records nothing
                    warm_up = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    warm_up.request("GET", "/t/o/1.gif")
                    warm_up.getresponse().read()
                    warm_up.close()
            bulk_seconds = _bulk_seconds(site.port, token, events, expected=stored)
            _events_emptied()

            server_cpu = _cpu_seconds(server.workers())
            with stopwatch() as elapsed:
                answers = _hits_sent(server.port, paths)
                hits_seconds = elapsed()
                _stored(stored, elapsed)
            tracking_seconds = elapsed()
            server_cpu = _cpu_seconds(server.workers()) - server_cpu

            # Each stage alone: the hits answered while no drain runs, then drained.
            worker.stop()
            _events_emptied()
            with stopwatch() as elapsed:
                _hits_sent(server.port, paths)
            alone_hits_seconds = elapsed()
            # The drain the first hit asked for waits for the clock, not for the worker's start.
            celery_app.connection_for_write().default_channel.queue_purge("ingestion")
            worker = CeleryWorker(queues="ingestion", concurrency=2, log=Path(folder) / "w2.log")
            with stopwatch() as elapsed:
                drain_tracking_hits.delay()
                _stored(stored, elapsed)
            alone_drain_seconds = elapsed()
        finally:
            site.stop()
            server.stop()
            worker.stop()
            queue.clear()
    report.line("bulk_events_per_s", stored / bulk_seconds)
    report.line("tracking_events_per_s", stored / tracking_seconds)
    report.line("tracking_vs_bulk", bulk_seconds / tracking_seconds, target=">= 0.5")
    report.line("tracking_answer_ms", statistics.median(answers) * 1000)
    report.line("tracking_requests_per_s", len(paths) / hits_seconds)
    report.line("tracking_server_cpu_us", server_cpu / len(paths) * 1e6)
    report.line("tracking_hits_alone_vs_bulk", bulk_seconds / alone_hits_seconds)
    report.line("tracking_drain_alone_vs_bulk", bulk_seconds / alone_drain_seconds)
