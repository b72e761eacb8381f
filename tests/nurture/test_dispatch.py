import datetime
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Contact
from apps.engagement.models import EventKind
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.emails import unsubscribe_contact_id
from apps.nurture.models import (
    Enrollment,
    ExitReason,
    Step,
    SuppressedAddress,
    TaskAction,
    Touch,
)
from apps.nurture.services import enrollment_create, stall_sweep, step_update
from apps.pipeline.services import opportunity_move_stage
from tests.factories import (
    ContactFactory,
    EnrollmentFactory,
    EventFactory,
    HolidayFactory,
    StepFactory,
)
from tests.nurture.conftest import NOW, build_world

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


class RefusingBackend(EmailBackend):
    """An SMTP server that refuses every recipient: a hard bounce."""

    def send_messages(self, messages):
        raise SMTPRecipientsRefused({m.to[0]: (550, b"No such user") for m in messages})


@pytest.fixture
def stalled(world):
    """The deal stalled at NOW; its champion and economic buyer enrolled, first steps due."""
    deal = world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    deal.refresh_from_db()
    return deal


def _enrolment(contact) -> Enrollment:
    """The contact's enrolment from the stall sweep."""
    return Enrollment.objects.select_related("next_step").get(contact=contact, stall__isnull=False)


def test_a_due_email_is_sent_once_with_merge_fields_and_an_unsubscribe_link(world, stalled):
    result = due_steps_dispatch(now=NOW)

    assert (result.sent, result.moved) == (2, 0)
    message = next(m for m in mail.outbox if m.to == ["chloe@acme.example"])
    assert message.subject == "Step 1 for Acme"
    assert message.body.startswith("Hello Chloe, read https://content.example/1")
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    assert unsubscribe_contact_id(link.rstrip("/").rsplit("/", 1)[1]) == world.champion.pk
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.reply_to == [world.owner.email]

    touch = Touch.objects.get(enrollment__contact=world.champion)
    assert (touch.step.position, touch.kind, touch.subject, touch.sent_at) == (
        1,
        Step.Kind.EMAIL,
        "Step 1 for Acme",
        NOW,
    )
    # Step 2 waits two business days: Wednesday 10:00 → Friday 10:00 in London.
    enrolment = _enrolment(world.champion)
    assert (enrolment.next_step.position, enrolment.due_at) == (2, NOW + 2 * 24 * HOUR)
    assert enrolment.claim is None

    assert due_steps_dispatch(now=NOW).sent == 0
    assert len(mail.outbox) == 2


def test_the_last_step_completes_the_enrolment(world, stalled):
    due_steps_dispatch(now=NOW)
    friday = NOW + 2 * 24 * HOUR

    result = due_steps_dispatch(now=friday)

    assert (result.sent, result.completed) == (2, 2)
    enrolment = _enrolment(world.champion)
    assert (enrolment.status, enrolment.next_step, enrolment.ended_at) == (
        "completed",
        None,
        friday,
    )


def _exit_by_event(kind):
    def act(world, deal):
        EventFactory(account=world.account, contact=world.champion, kind=kind, occurred_at=NOW)

    return act


def _move(stage_name):
    def act(world, deal):
        opportunity_move_stage(
            opportunity=deal, stage=getattr(world, stage_name), changed_by=None, at=NOW + HOUR / 2
        )

    return act


def _opt_out(world, deal):
    Contact.objects.filter(pk=world.champion.pk).update(consent=Contact.Consent.OPTED_OUT)


def _end_stall(world, deal):
    deal.stalls.update(ended_at=NOW)


def _suppress(world, deal):
    """The address suppressed behind the services' back (they would end the enrolment)."""
    SuppressedAddress.objects.create(
        email=world.champion.email, reason=SuppressedAddress.Reason.COMPLAINT, suppressed_at=NOW
    )


EXITS = [
    pytest.param(_opt_out, ExitReason.UNSUBSCRIBED, id="unsubscribed"),
    pytest.param(_exit_by_event("email_bounce"), ExitReason.BOUNCED, id="bounced"),
    pytest.param(_exit_by_event("email_reply"), ExitReason.REPLIED, id="replied"),
    pytest.param(
        _exit_by_event(EventKind.DEMO_REQUEST), ExitReason.DEMO_REQUESTED, id="demo request"
    ),
    pytest.param(_move("proposal"), ExitReason.ADVANCED, id="advanced"),
    pytest.param(_move("won"), ExitReason.WON, id="won"),
    pytest.param(_move("lost"), ExitReason.LOST, id="lost"),
    pytest.param(_end_stall, ExitReason.NO_LONGER_STALLED, id="no longer stalled"),
    pytest.param(_suppress, ExitReason.COMPLAINED, id="suppressed address"),
]


@pytest.mark.parametrize(("act", "reason"), EXITS)
def test_each_exit_criterion_stops_the_sequence_before_the_send(world, stalled, act, reason):
    act(world, stalled)

    due_steps_dispatch(now=NOW + HOUR)

    enrolment = _enrolment(world.champion)
    assert (enrolment.status, enrolment.exit_reason, enrolment.ended_at) == (
        "exited",
        reason,
        NOW + HOUR,
    )
    assert not Touch.objects.filter(enrollment=enrolment).exists()
    assert "chloe@acme.example" not in [m.to[0] for m in mail.outbox]


def test_signals_from_before_the_enrolment_do_not_end_it(world, stalled):
    EventFactory(
        account=world.account,
        contact=world.champion,
        kind=EventKind.DEMO_REQUEST,
        occurred_at=NOW - 30 * 24 * HOUR,
    )

    assert due_steps_dispatch(now=NOW).sent == 2


def test_a_refused_recipient_ends_the_sequence_as_bounced(world, stalled, settings):
    settings.NURTURE_EMAIL_CONFIG = {"EMAIL_BACKEND": f"{__name__}.RefusingBackend"}

    result = due_steps_dispatch(now=NOW)

    assert (result.sent, result.exited) == (0, 2)
    assert set(Enrollment.objects.values_list("exit_reason", flat=True)) == {"bounced"}
    assert not Touch.objects.exists()


def test_quiet_hours_move_a_step_to_the_next_morning_in_the_contact_time_zone(world, stalled):
    world.champion.time_zone = "America/New_York"
    world.champion.save()

    result = due_steps_dispatch(now=NOW)  # 05:00 in New York

    assert result.moved == 1
    enrolment = _enrolment(world.champion)
    nine_in_new_york = datetime.datetime(2030, 1, 16, 14, 0, tzinfo=datetime.UTC)
    assert (enrolment.status, enrolment.next_step.position, enrolment.due_at) == (
        "active",
        1,
        nine_in_new_york,
    )
    assert due_steps_dispatch(now=nine_in_new_york).sent == 1
    assert Touch.objects.filter(enrollment=enrolment).count() == 1


def test_a_holiday_is_skipped(world, stalled):
    due_steps_dispatch(now=NOW)
    HolidayFactory(date=datetime.date(2030, 1, 18), name="Founders' day")  # the Friday

    due_steps_dispatch(now=NOW + 2 * 24 * HOUR)

    # Two business days after Wednesday, Friday being a holiday: Monday, same hour.
    monday = datetime.datetime(2030, 1, 21, 10, 0, tzinfo=datetime.UTC)
    assert _enrolment(world.champion).due_at == monday
    assert due_steps_dispatch(now=monday).sent == 2


def test_the_frequency_cap_moves_a_step_instead_of_dropping_it(world, stalled, settings):
    settings.NURTURE_TOUCHES_PER_WEEK = 2
    for days in (6, 1):
        earlier = EnrollmentFactory(contact=world.champion, status="completed")
        Touch.objects.create(
            enrollment=earlier,
            step=StepFactory(sequence=earlier.sequence),
            kind=Step.Kind.EMAIL,
            sent_at=NOW - days * 24 * HOUR,
        )

    result = due_steps_dispatch(now=NOW)

    assert (result.sent, result.moved) == (1, 1)  # the economic buyer had room
    enrolment = _enrolment(world.champion)
    freed = NOW + 24 * HOUR  # Thursday, when the touch of six days ago leaves the week
    assert (enrolment.status, enrolment.next_step.position, enrolment.due_at) == (
        "active",
        1,
        freed,
    )
    assert due_steps_dispatch(now=freed).sent == 1


def test_a_rep_task_lands_on_the_owner_task_list_and_a_wait_only_waits(world):
    sequence = world.generic
    sequence.steps.all().delete()
    StepFactory(
        sequence=sequence,
        position=1,
        kind=Step.Kind.TASK,
        task_action=TaskAction.CALL,
        subject="Call {{ contact.first_name }} about the ROI",
        body="",
    )
    StepFactory(sequence=sequence, position=2, kind=Step.Kind.WAIT, delay_days=1, body="")
    deal = world.deal(entered_days_ago=40)
    enrolment = enrollment_create(
        sequence=sequence, contact=world.champion, opportunity=deal, enrolled_by=None, now=NOW
    )

    assert due_steps_dispatch(now=NOW).assigned == 1
    task = Touch.objects.get(enrollment=enrolment)
    assert (task.kind, task.assignee, task.subject, task.completed_at) == (
        Step.Kind.TASK,
        world.owner,
        "Call Chloe about the ROI",
        None,
    )
    result = due_steps_dispatch(now=NOW + 24 * HOUR)
    assert (result.waited, result.completed) == (1, 1)
    assert mail.outbox == []


def test_editing_a_live_sequence_affects_the_steps_not_yet_sent(world, stalled):
    due_steps_dispatch(now=NOW)
    second = world.generic.steps.get(position=2)

    step_update(
        step=second, data={"subject": "New words for {{ contact.first_name }}", "delay_days": 1}
    )

    thursday = NOW + 24 * HOUR
    due_steps_dispatch(now=thursday)
    assert "New words for Chloe" in [m.subject for m in mail.outbox]
    assert _enrolment(world.champion).status == "completed"


def test_rows_claimed_by_a_live_run_are_skipped_and_a_dead_run_rows_are_taken_after_its_lease(
    world, stalled
):
    Enrollment.objects.update(
        claim="00000000-0000-0000-0000-000000000001", claimed_until=NOW + HOUR
    )

    assert due_steps_dispatch(now=NOW).sent == 0
    assert due_steps_dispatch(now=NOW + 2 * HOUR).sent == 2


def test_a_step_already_touched_is_never_sent_again(world, stalled):
    enrolment = _enrolment(world.champion)
    Touch.objects.create(
        enrollment=enrolment, step=enrolment.next_step, kind=Step.Kind.EMAIL, sent_at=NOW
    )

    due_steps_dispatch(now=NOW)

    assert [m.to for m in mail.outbox] == [["ben@acme.example"]]
    assert Touch.objects.filter(enrollment=enrolment).count() == 1


def test_a_batch_takes_the_same_queries_whatever_its_size(world):
    """Loading, recording and settling a batch are set-based: no query per step."""
    deal = world.deal(entered_days_ago=5)

    def queries_for(count: int) -> int:
        for _ in range(count):
            enrollment_create(
                sequence=world.generic,
                contact=ContactFactory(account=world.account, time_zone="Europe/London"),
                opportunity=deal,
                enrolled_by=None,
                now=NOW,
            )
        with CaptureQueriesContext(connection) as queries:
            assert due_steps_dispatch(now=NOW).sent == count
        return len(queries)

    assert queries_for(1) == queries_for(8)


def test_each_chunk_of_steps_is_recorded_in_one_statement(world, settings):
    settings.NURTURE_DISPATCH_CHUNK = 2
    deal = world.deal(entered_days_ago=5)
    for _ in range(5):  # chunks of 2, 2 and 1
        enrollment_create(
            sequence=world.generic,
            contact=ContactFactory(account=world.account, time_zone="Europe/London"),
            opportunity=deal,
            enrolled_by=None,
            now=NOW,
        )

    with CaptureQueriesContext(connection) as queries:
        assert due_steps_dispatch(now=NOW).sent == 5

    records = [q["sql"] for q in queries if "INSERT INTO nurture_touch" in q["sql"]]
    assert len(records) == 3
    assert Touch.objects.count() == 5


class WorkerKilled(BaseException):
    """The worker's process dying mid-chunk, as far as the dispatcher's code can tell."""


class DyingBackend(EmailBackend):
    """Accepts three messages, then the worker dies while handing over the fourth."""

    def send_messages(self, messages):
        if len(mail.outbox) == 3:
            raise WorkerKilled
        return super().send_messages(messages)


def test_a_worker_dying_mid_chunk_sends_that_chunk_again_with_the_same_message_ids(
    committed_db, settings
):
    """The crash window (dispatch.due_steps_dispatch): what a chunk sent before the crash is not
    recorded, so it goes out again, with the same Message-IDs; earlier chunks stay committed."""
    settings.NURTURE_DISPATCH_CHUNK = 2
    world = build_world()
    deal = world.deal(entered_days_ago=5)
    for _ in range(5):
        enrollment_create(
            sequence=world.generic,
            contact=ContactFactory(account=world.account, time_zone="Europe/London"),
            opportunity=deal,
            enrolled_by=None,
            now=NOW,
        )
    settings.NURTURE_EMAIL_CONFIG = {"EMAIL_BACKEND": f"{__name__}.DyingBackend"}

    with pytest.raises(WorkerKilled):
        due_steps_dispatch(now=NOW)
    assert (len(mail.outbox), Touch.objects.count()) == (3, 2)  # the first chunk committed

    settings.NURTURE_EMAIL_CONFIG = None
    assert due_steps_dispatch(now=NOW + HOUR).sent == 3
    message_ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(message_ids) == 6 and len(set(message_ids)) == 5
    assert message_ids[2] == message_ids[3]  # the one email the crash sent twice
    assert sorted(Touch.objects.values_list("enrollment", flat=True)) == sorted(
        Enrollment.objects.values_list("pk", flat=True)
    )


def test_a_refused_recipient_mid_chunk_leaves_the_rest_of_the_chunk_recorded(world, settings):
    deal = world.deal(entered_days_ago=5)
    contacts = [
        ContactFactory(account=world.account, time_zone="Europe/London", email=f"c{n}@x.example")
        for n in range(3)
    ]
    for contact in contacts:
        enrollment_create(
            sequence=world.generic, contact=contact, opportunity=deal, enrolled_by=None, now=NOW
        )
    settings.NURTURE_EMAIL_CONFIG = {"EMAIL_BACKEND": f"{__name__}.RefusingOne"}

    result = due_steps_dispatch(now=NOW)

    assert (result.sent, result.exited) == (2, 1)
    refused = Enrollment.objects.get(contact=contacts[1])
    assert (refused.status, refused.exit_reason) == ("exited", "bounced")
    assert not Touch.objects.filter(enrollment=refused).exists()
    assert Touch.objects.filter(enrollment__contact__in=[contacts[0], contacts[2]]).count() == 2


class RefusingOne(EmailBackend):
    def send_messages(self, messages):
        if messages[0].to == ["c1@x.example"]:
            raise SMTPRecipientsRefused({"c1@x.example": (550, b"No such user")})
        return super().send_messages(messages)
