"""Review reminders: when a review falls due, what triggers make it due now, and an email to
the owner once per due date, however often the daily task runs or however many runs overlap."""

import datetime
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.journeys import services
from apps.journeys.models import Journey, JourneyReviewTrigger, ReviewReminder
from apps.journeys.selectors import add_months, journey_review_status
from apps.journeys.services import (
    journey_mark_reviewed,
    journey_review_reminders_send,
    journey_review_trigger_record,
)
from apps.journeys.tasks import send_review_reminders
from apps.notifications.models import Notification
from config.celery_app import app as celery_app
from tests.factories import JourneyFactory, UserFactory
from tests.waiting import wait_for_progress

UTC = datetime.UTC
JAN_15 = datetime.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def _published(**fields) -> Journey:
    """A published journey owned by someone with an email, last reviewed on 15 January 2026."""
    defaults = {
        "owner": UserFactory(email="owner@waymark.test"),
        "published_at": JAN_15,
        "last_reviewed_at": JAN_15,
    }
    return JourneyFactory(status="published", **defaults | fields)


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# --- when a review is due --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        ("2026-01-15", 6, "2026-07-15"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2027-08-31", 6, "2028-02-29"),
        ("2026-11-30", 12, "2027-11-30"),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, due):
    assert add_months(_day(day), months) == _day(due)


@pytest.mark.django_db
def test_a_review_falls_due_a_cadence_after_the_last_review():
    journey = _published(review_cadence_months=6)

    status = journey_review_status(journey=journey)

    assert status.due_on == _day("2026-07-15")
    assert not status.is_due(today=_day("2026-07-14"))
    assert status.is_due(today=_day("2026-07-15"))


@pytest.mark.django_db
def test_a_never_reviewed_journey_counts_from_when_it_was_published():
    journey = _published(last_reviewed_at=None, review_cadence_months=12)

    assert journey_review_status(journey=journey).due_on == _day("2027-01-15")


@pytest.mark.django_db
def test_a_review_trigger_makes_the_review_due_now(marketer):
    journey = _published()
    journey_review_trigger_record(
        journey=journey,
        kind=JourneyReviewTrigger.Kind.NEW_PRODUCT,
        note="Launch of the payments module",
        recorded_by=marketer,
        at=datetime.datetime(2026, 3, 2, 10, tzinfo=UTC),
    )

    status = journey_review_status(journey=journey)

    assert status.due_on == _day("2026-03-02")
    assert [t.note for t in status.triggers] == ["Launch of the payments module"]
    assert journey.changes.get().summary == "Review trigger recorded: New product"


@pytest.mark.django_db
def test_marking_reviewed_stores_who_when_and_notes_and_closes_the_triggers(marketer):
    journey = _published()
    journey_review_trigger_record(
        journey=journey,
        kind=JourneyReviewTrigger.Kind.NEW_MARKET,
        recorded_by=marketer,
        at=datetime.datetime(2026, 3, 2, tzinfo=UTC),
    )
    reviewed_at = datetime.datetime(2026, 3, 10, 16, tzinfo=UTC)

    review = journey_mark_reviewed(
        journey=journey, reviewed_by=marketer, notes="Added the Nordics", at=reviewed_at
    )

    journey.refresh_from_db()
    assert (review.reviewed_by, review.reviewed_at, review.notes) == (
        marketer,
        reviewed_at,
        "Added the Nordics",
    )
    assert journey.last_reviewed_at == reviewed_at
    status = journey_review_status(journey=journey)
    assert status.triggers == []
    assert status.due_on == _day("2026-09-10")


@pytest.mark.django_db
def test_an_archived_version_is_not_reviewed(marketer):
    journey = _published()
    Journey.objects.filter(pk=journey.pk).update(status="archived")
    journey.refresh_from_db()

    with pytest.raises(ApplicationError) as caught:
        journey_mark_reviewed(journey=journey, reviewed_by=marketer)

    assert "status" in caught.value.fields
    assert not journey.reviews.exists()


# --- reminder emails -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_gets_one_email_however_often_the_task_runs(mailoutbox):
    journey = _published()

    sent = [
        journey_review_reminders_send(today=_day(day))
        for day in ("2026-07-14", "2026-07-15", "2026-07-15", "2026-07-16")
    ]

    assert sent == [0, 1, 0, 0]
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["owner@waymark.test"]
    assert email.subject == f"Time to review the journey map: {journey}"
    assert "due since 15 July 2026" in email.body
    assert f"{settings.SITE_URL}/journeys/{journey.pk}/" in email.body
    reminder = ReviewReminder.objects.get()
    assert (reminder.due_on, reminder.sent_to) == (_day("2026-07-15"), "owner@waymark.test")
    assert reminder.sent_at is not None


@pytest.mark.django_db
def test_each_new_due_date_gets_its_own_email(mailoutbox, marketer):
    journey = _published()
    journey_review_reminders_send(today=_day("2026-07-20"))
    journey_mark_reviewed(
        journey=journey, reviewed_by=marketer, at=datetime.datetime(2026, 7, 21, tzinfo=UTC)
    )
    journey_review_trigger_record(
        journey=journey,
        kind=JourneyReviewTrigger.Kind.BUYING_BEHAVIOUR,
        note="Buyers now start with AI assistants",
        recorded_by=marketer,
        at=datetime.datetime(2026, 9, 1, tzinfo=UTC),
    )

    journey_review_reminders_send(today=_day("2026-09-01"))
    journey_review_reminders_send(today=_day("2026-09-02"))

    assert len(mailoutbox) == 2
    assert "Shift in buying behaviour (Buyers now start with AI assistants)" in mailoutbox[1].body
    assert list(ReviewReminder.objects.order_by("due_on").values_list("due_on", flat=True)) == [
        _day("2026-07-15"),
        _day("2026-09-01"),
    ]


@pytest.mark.django_db
def test_drafts_archived_versions_and_owners_without_email_get_no_reminder(mailoutbox):
    JourneyFactory(status="draft", last_reviewed_at=JAN_15)
    Journey.objects.filter(pk=_published().pk).update(status="archived")
    _published(owner=UserFactory(email=""))

    assert journey_review_reminders_send(today=_day("2027-01-01")) == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_an_email_that_fails_is_sent_by_the_next_run(mailoutbox, monkeypatch):
    _published()

    def broken(**kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(ConnectionError):
        journey_review_reminders_send(today=_day("2026-07-15"))
    monkeypatch.undo()

    assert ReviewReminder.objects.get().sent_at is None
    assert journey_review_reminders_send(today=_day("2026-07-16")) == 1
    assert len(mailoutbox) == 1


def test_two_runs_at_once_send_one_email_per_due_date(committed_db, mailoutbox, monkeypatch):
    """Two runs in two threads, each on its own database connection, start together; sending
    is slowed so that each run finds the other one holding a reminder."""
    journeys = [_published(), _published()]
    send = services.send_mail
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def slow_send(**kwargs):
        time.sleep(0.3)
        return send(**kwargs)

    def run():
        try:
            start.wait(timeout=10)
            sent.append(journey_review_reminders_send(today=_day("2026-08-01")))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    monkeypatch.setattr(services, "send_mail", slow_send)
    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=30)

    assert errors == []
    assert sum(sent) == 2
    assert sorted(email.subject for email in mailoutbox) == sorted(
        f"Time to review the journey map: {journey}" for journey in journeys
    )
    assert ReviewReminder.objects.filter(sent_at__isnull=False).count() == 2


# --- the Celery task -------------------------------------------------------------------------


def test_the_task_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["journeys-send-review-reminders"]

    assert entry["task"] == "journeys.send_review_reminders"
    assert entry["schedule"].hour == {7}
    assert "journeys.send_review_reminders" in celery_app.tasks


@pytest.mark.django_db
def test_the_task_sends_the_reminders_that_are_due(mailoutbox):
    _published(
        published_at=timezone.now(), last_reviewed_at=timezone.now() - datetime.timedelta(days=400)
    )

    assert send_review_reminders.apply().get() == 1
    assert len(mailoutbox) == 1


@pytest.mark.worker
def test_two_workers_running_the_task_together_send_one_reminder(celery_worker_process, tmp_path):
    journey = _published(last_reviewed_at=timezone.now() - datetime.timedelta(days=400))
    celery_worker_process("w1", concurrency=1)
    celery_worker_process("w2", concurrency=1)

    for _ in range(4):
        send_review_reminders.delay()
    logs = wait_for_progress(
        lambda: "".join(path.read_text() for path in tmp_path.glob("w*.log")),
        lambda text: text.count("succeeded in") >= 4,
    )

    assert logs.count("succeeded in") == 4, logs
    reminder = ReviewReminder.objects.get(journey=journey)
    assert reminder.sent_to == "owner@waymark.test"
    assert reminder.sent_at is not None
    # Each run reports how many emails it sent: one run sent it, the others none.
    assert sorted(
        line.rsplit(": ", 1)[-1] for line in logs.splitlines() if "succeeded in" in line
    ) == ["0", "0", "0", "1"]


@pytest.mark.django_db
def test_the_reminder_also_lands_in_the_owner_s_inbox_once(mailoutbox):
    journey = _published()

    for day in ("2026-07-15", "2026-07-15", "2026-07-16"):
        journey_review_reminders_send(today=_day(day))

    (notice,) = Notification.objects.all()
    assert (notice.recipient, notice.kind) == (journey.owner, Notification.Kind.REVIEW_DUE)
    assert notice.subject == ReviewReminder.objects.get()
    assert notice.text == f"The review of the journey map {journey} is due since 15 July 2026."
    assert notice.link == f"/journeys/{journey.pk}/"
