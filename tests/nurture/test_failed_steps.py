"""A step that can never be sent fails alone: it ends its enrolment with the reason, its owner
is told, and every other due step still goes out. A mail server that is down is another matter:
the step waits, longer each time, and is sent once the server is back."""

import datetime
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Contact
from apps.notifications.models import Notification
from apps.nurture.dispatch import DispatchResult, due_steps_dispatch, send_retry_delay
from apps.nurture.models import Enrollment, ExitReason, Touch
from apps.nurture.services import enrollment_create
from apps.pipeline.models import Opportunity
from tests.admin.helpers import admin_url
from tests.factories import ContactFactory, SequenceFactory
from tests.nurture.conftest import NOW, email_step

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
INJECTION = "\nBcc: someone@example.com"


class MailServerDown(EmailBackend):
    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def _due(world, count: int) -> list[Enrollment]:
    """`count` contacts of one deal, each with one email step due now that merges its name."""
    sequence = SequenceFactory(name="Renewal nurture", journey_stage=world.shortlist)
    email_step(sequence, 1, subject="News for {{ opportunity.name }}")
    sequence.is_active = True
    sequence.save()
    deal = world.deal(name="Renewal")
    return [
        enrollment_create(
            sequence=sequence,
            contact=ContactFactory(account=world.account, time_zone="Europe/London"),
            opportunity=deal,
            enrolled_by=None,
            now=NOW,
        )
        for _ in range(count)
    ]


def _first_in_batch_order(enrolment: Enrollment) -> None:
    Enrollment.objects.filter(pk=enrolment.pk).update(due_at=NOW - 60 * MINUTE)


def test_a_step_that_cannot_be_sent_fails_alone_and_every_other_due_email_goes_out(world):
    poisoned, *others = _due(world, 80)
    _first_in_batch_order(poisoned)
    # An address stored before it was validated: no mail backend can put it in a header.
    Contact.objects.filter(pk=poisoned.contact_id).update(
        email="pat@acme.example" + INJECTION.lower()
    )

    result = due_steps_dispatch(now=NOW, batch_size=25)

    assert (result.sent, result.failed) == (79, 1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.contact.email for e in others)
    assert not any(m.bcc for m in mail.outbox)
    poisoned.refresh_from_db()
    assert (poisoned.status, poisoned.exit_reason) == ("exited", ExitReason.FAILED)
    assert poisoned.failure.startswith("Step 1 (email): ")
    assert "newlines" in poisoned.failure  # Django's words for the header it refused
    assert not Touch.objects.filter(enrollment=poisoned).exists()
    notice = Notification.objects.get(kind=Notification.Kind.STEP_FAILED)
    assert notice.recipient == world.owner  # the deal's owner, whom the email is from
    assert str(poisoned.contact) in notice.text and "Renewal nurture" in notice.text
    assert notice.link == reverse("nurture:contact_timeline", args=[poisoned.contact_id])
    assert notice.subject == poisoned  # the enrolment that failed

    assert due_steps_dispatch(now=NOW + MINUTE) == DispatchResult()
    assert len(mail.outbox) == 79
    assert Notification.objects.count() == 1


def test_a_name_with_a_line_break_stored_before_the_rule_cannot_add_a_header(world):
    poisoned, *_ = _due(world, 3)
    _first_in_batch_order(poisoned)
    Opportunity.objects.filter(pk=poisoned.opportunity_id).update(name="Renewal" + INJECTION)

    result = due_steps_dispatch(now=NOW)

    assert (result.sent, result.failed) == (3, 0)
    headers = [m.message() for m in mail.outbox]
    assert {h["Subject"] for h in headers} == {"News for Renewal Bcc: someone@example.com"}
    assert not any(h["Bcc"] for h in headers) and not any(m.bcc for m in mail.outbox)
    assert set(Touch.objects.values_list("subject", flat=True)) == {
        "News for Renewal Bcc: someone@example.com"
    }


def test_the_failure_shows_on_the_sequence_page_and_the_contact_timeline(world, marketer):
    poisoned, _ = _due(world, 2)
    Contact.objects.filter(pk=poisoned.contact_id).update(
        email="pat@acme.example" + INJECTION.lower()
    )
    due_steps_dispatch(now=NOW)
    poisoned.refresh_from_db()
    client = Client()
    client.force_login(marketer)

    sequence_page = client.get(reverse("nurture:sequence_detail", args=[poisoned.sequence_id]))
    timeline = client.get(reverse("nurture:contact_timeline", args=[poisoned.contact_id]))

    assert sequence_page.text.count('data-testid="failure"') == 1
    for page in (sequence_page, timeline):
        assert page.status_code == 200
        assert "Step 1 (email): Header values can" in page.text


def test_admins_find_failed_enrolments_with_their_reason(world, admin_member):
    poisoned, _ = _due(world, 2)
    Contact.objects.filter(pk=poisoned.contact_id).update(
        email="pat@acme.example" + INJECTION.lower()
    )
    due_steps_dispatch(now=NOW)
    client = Client()
    client.force_login(admin_member)

    listed = client.get(admin_url(Enrollment, "changelist"), {"exit_reason__exact": "failed"})
    page = client.get(admin_url(Enrollment, "change", poisoned.pk))

    assert listed.context["cl"].result_count == 1
    for response in (listed, page):
        assert "Step 1 (email): Header values can" in response.text
    assert "failure" in page.context["adminform"].readonly_fields


def test_a_mail_server_that_is_down_delays_the_step_longer_each_time(world, settings):
    enrolment, other = _due(world, 2)
    Enrollment.objects.filter(pk=other.pk).update(due_at=NOW + 600 * MINUTE)
    settings.NURTURE_EMAIL_CONFIG = {"EMAIL_BACKEND": f"{__name__}.MailServerDown"}

    with pytest.raises(SMTPServerDisconnected):
        due_steps_dispatch(now=NOW)
    enrolment.refresh_from_db()
    assert (enrolment.due_at, enrolment.send_attempts) == (NOW + 5 * MINUTE, 1)
    assert due_steps_dispatch(now=NOW + 4 * MINUTE) == DispatchResult()

    with pytest.raises(SMTPServerDisconnected):
        due_steps_dispatch(now=NOW + 5 * MINUTE)
    enrolment.refresh_from_db()
    assert (enrolment.due_at, enrolment.send_attempts) == (NOW + 15 * MINUTE, 2)
    assert (enrolment.status, enrolment.claim) == ("active", None)

    settings.NURTURE_EMAIL_CONFIG = None  # the server is back
    assert due_steps_dispatch(now=NOW + 15 * MINUTE).sent == 1
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.send_attempts) == ("completed", 0)
    assert Touch.objects.filter(enrollment=enrolment).count() == 1


def test_the_retry_delay_doubles_up_to_four_hours():
    delays = [send_retry_delay(attempts) for attempts in (1, 2, 3, 6, 40)]
    assert delays == [
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=10),
        datetime.timedelta(minutes=20),
        datetime.timedelta(hours=2, minutes=40),
        datetime.timedelta(hours=4),
    ]
