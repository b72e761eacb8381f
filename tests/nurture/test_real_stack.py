"""The nurture engine on the real stack: Celery workers (subprocesses) on Redis, PostgreSQL, and
an SMTP server on loopback (aiosmtpd) that counts what it receives.

The workers send sequence emails through `NURTURE_EMAIL_URL` (test settings keep Django's own
backend in memory) and run with an always-open send window, so the clock never moves a step.
"""

import asyncio
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from apps.accounts.models import Contact
from apps.core.bench import free_port
from apps.nurture.models import Enrollment, Sequence, Step, Touch
from apps.nurture.tasks import dispatch_due_steps, stall_sweep
from apps.pipeline.models import OpportunityStall
from tests.factories import (
    AccountFactory,
    ContactFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PipelineStageFactory,
)
from tests.nurture.conftest import email_step
from tests.waiting import STALL_SECONDS, wait_for_progress
from tests.workers import pool_children

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DUE_STEPS = 5_000
CHUNK = 25  # steps recorded, sent and committed together


@dataclass
class SmtpSink:
    """Accepts every message and records its Message-ID and recipient.

    `hold_before(n)` makes the n-th conversation wait at RCPT (before any message data), so a
    test can kill the sender at a known point in the middle of a batch.
    """

    received: list[tuple[str, str]] = field(default_factory=list)
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    rcpt_count: int = 0
    sessions: set[int] = field(default_factory=set)  # SMTP connections that said EHLO

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions.add(id(session))
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_count += 1
        if self.rcpt_count == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        self.received.append((message["Message-ID"], envelope.rcpt_tos[0]))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(monkeypatch):
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    # Read by the worker processes' settings when they start.
    monkeypatch.setenv("NURTURE_EMAIL_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("NURTURE_SEND_DAYS", "0,1,2,3,4,5,6")
    monkeypatch.setenv("NURTURE_SEND_FROM_HOUR", "0")
    monkeypatch.setenv("NURTURE_SEND_UNTIL_HOUR", "24")
    monkeypatch.setenv("NURTURE_DISPATCH_BATCH", "50")
    monkeypatch.setenv("NURTURE_DISPATCH_CHUNK", str(CHUNK))
    # A short lease, so a killed worker's claimed steps come back within seconds.
    monkeypatch.setenv("NURTURE_CLAIM_SECONDS", "3")
    yield sink
    sink.release.set()
    controller.stop()


def _due_steps(count: int) -> Step:
    """`count` contacts, each with one email step due now."""
    sequence = Sequence.objects.create(
        name="Race", journey_stage=JourneyStageFactory(), is_active=True
    )
    step = email_step(sequence, 1)
    accounts = [AccountFactory() for _ in range(10)]
    contacts = Contact.objects.bulk_create(
        Contact(
            account=accounts[n % 10],
            first_name=f"Buyer{n}",
            last_name="Test",
            email=f"buyer{n}@race.example",
            time_zone="UTC",
        )
        for n in range(count)
    )
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(
            sequence=step.sequence,
            contact=contact,
            next_step=step,
            waiting_since=now,
            due_at=now,
            enrolled_at=now,
        )
        for contact in contacts
    )
    return step


def _assert_each_step_sent_once(sink: SmtpSink, count: int) -> None:
    message_ids = [message_id for message_id, _ in sink.received]
    recipients = {rcpt for _, rcpt in sink.received}
    assert len(sink.received) == count, "every message arrived once"
    assert len(set(message_ids)) == count and len(recipients) == count
    assert Touch.objects.count() == count
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"completed"}


# `smtp_sink` comes first: it sets the environment the workers start with.
def test_two_workers_and_two_dispatcher_runs_send_every_step_exactly_once(
    smtp_sink, celery_worker_process
):
    _due_steps(DUE_STEPS)
    celery_worker_process("w1", concurrency=1)
    celery_worker_process("w2", concurrency=1)

    runs = [dispatch_due_steps.delay(), dispatch_due_steps.delay()]
    wait_for_progress(
        lambda: min(len(smtp_sink.received), Touch.objects.count()),
        lambda n: n >= DUE_STEPS,
        # A run stops after its time budget; on a slow machine beat would start more.
        every=lambda: runs.append(dispatch_due_steps.delay()),
    )
    time.sleep(1)  # anything sent twice would arrive now

    _assert_each_step_sent_once(smtp_sink, DUE_STEPS)
    # One SMTP connection per dispatcher run (a run that found nothing due opens none).
    assert 1 <= len(smtp_sink.sessions) <= len(runs)


def test_a_step_that_cannot_be_sent_does_not_hold_up_the_rest(smtp_sink, celery_worker_process):
    count = 200
    step = _due_steps(count)
    poisoned = Enrollment.objects.filter(next_step=step).order_by("pk").first()
    # First in batch order, with an address stored before addresses were validated.
    Enrollment.objects.filter(pk=poisoned.pk).update(
        due_at=timezone.now() - timezone.timedelta(hours=1)
    )
    Contact.objects.filter(pk=poisoned.contact_id).update(
        email="pat@race.example\nbcc: someone@example.com"
    )
    celery_worker_process("w1", concurrency=1)

    dispatch_due_steps.delay()
    wait_for_progress(Touch.objects.count, lambda n: n >= count - 1)
    time.sleep(1)

    poisoned.refresh_from_db()
    assert (poisoned.status, poisoned.exit_reason) == ("exited", "failed")
    assert len(smtp_sink.received) == count - 1
    assert "someone@example.com" not in {rcpt for _, rcpt in smtp_sink.received}
    assert Enrollment.objects.filter(status="completed").count() == count - 1


def test_a_worker_killed_mid_chunk_loses_nothing_and_sends_only_that_chunk_again(
    smtp_sink, celery_worker_process
):
    """The crash window (dispatch.due_steps_dispatch): the chunks committed before the kill are
    never sent again; the emails the killed chunk sent go again, with the same Message-IDs."""
    count = 400
    _due_steps(count)
    smtp_sink.hold_at = 120  # in the middle of the fifth chunk of 25 (the third batch of 50)
    doomed = celery_worker_process("doomed", concurrency=1)

    dispatch_due_steps.delay()
    assert smtp_sink.holding.wait(STALL_SECONDS), "the worker never reached the held message"
    for pid in [*pool_children(doomed.pid), doomed.pid]:
        os.kill(pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    smtp_sink.release.set()
    sent_before = smtp_sink.hold_at - 1
    committed = sent_before // CHUNK * CHUNK
    assert len(smtp_sink.received) == sent_before
    assert Touch.objects.count() == committed

    celery_worker_process("rescuer", concurrency=1)
    # Beat would start a dispatcher every minute; here every few seconds.
    dispatch_due_steps.delay()
    wait_for_progress(Touch.objects.count, lambda n: n >= count, every=dispatch_due_steps.delay)
    time.sleep(1)

    message_ids = [message_id for message_id, _ in smtp_sink.received]
    assert len(set(message_ids)) == count, "every step arrived"
    assert Touch.objects.count() == count
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"completed"}
    sent_twice = {m for m in message_ids if message_ids.count(m) > 1}
    assert sent_twice == set(message_ids[committed:sent_before])
    assert len(message_ids) == count + len(sent_twice)


def test_two_stall_sweeps_at_the_same_time_enrol_each_contact_once(celery_worker_process, tmp_path):
    stage = JourneyStageFactory()
    sequence = Sequence.objects.create(name="Stalled deals", journey_stage=stage, is_active=True)
    email_step(sequence, 1)
    discovery = PipelineStageFactory(journey_stage=stage, max_days_in_stage=10)
    long_ago = timezone.now() - timezone.timedelta(days=30)
    deals = 0
    for _ in range(60):
        account = AccountFactory()
        ContactFactory.create_batch(4, account=account)
        # Two stalled deals per account: their committees would be enrolled twice over.
        for _ in range(2):
            OpportunityFactory(account=account, stage=discovery, stage_entered_at=long_ago)
            deals += 1
    celery_worker_process("s1", concurrency=1)
    celery_worker_process("s2", concurrency=1)

    stall_sweep.delay()
    stall_sweep.delay()

    def sweeps_finished() -> int:
        lines = "".join(log.read_text() for log in tmp_path.glob("s*.log")).splitlines()
        return sum("nurture.stall_sweep[" in line and " succeeded in " in line for line in lines)

    wait_for_progress(sweeps_finished, lambda n: n >= 2)
    assert OpportunityStall.objects.count() == deals
    pairs = list(Enrollment.objects.values_list("sequence_id", "contact_id"))
    assert len(pairs) == len(set(pairs)) == 60 * 4
