"""A/B variants of an email step: how enrolments are split between them, what the dispatcher
sends and records, the winner, and what a marketer is told when a variant cannot be saved."""

import datetime
from collections import Counter
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from apps.core.exceptions import ApplicationError
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.models import Enrollment, Sequence, Step, StepVariant, Touch
from apps.nurture.services import (
    enrollment_create,
    step_pick_winner,
    step_update,
    step_variant_create,
    step_variant_delete,
    step_variant_update,
)
from apps.nurture.variants import VariantDraw
from tests.factories import ContactFactory, SequenceFactory, StepFactory
from tests.nurture.conftest import NOW, email_step

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def _draw(*weights: int) -> VariantDraw:
    variants = [
        StepVariant(pk=i + 1, label=chr(ord("A") + i), weight=w) for i, w in enumerate(weights)
    ]
    return VariantDraw.of(variants, winner_id=None)


def _split(draw: VariantDraw, enrollment_ids) -> Counter:
    return Counter(draw.pick(enrollment_id=pk, step_id=7).label for pk in enrollment_ids)


@pytest.mark.parametrize("first_id", [1, 50_001])
def test_equal_weights_split_enrolments_evenly(first_id):
    split = _split(_draw(1, 1), range(first_id, first_id + 2000))
    assert abs(split["A"] - 1000) <= 100 and abs(split["B"] - 1000) <= 100  # ±5 points


@pytest.mark.parametrize("first_id", [1, 50_001])
def test_weights_three_to_one_send_three_in_four(first_id):
    split = _split(_draw(3, 1), range(first_id, first_id + 2000))
    assert abs(split["A"] - 1500) <= 100 and abs(split["B"] - 500) <= 100


def test_an_enrolment_gets_the_same_variant_every_time_and_steps_draw_apart():
    draw = _draw(1, 1, 1)
    first = [draw.pick(enrollment_id=pk, step_id=3).label for pk in range(300)]
    assert first == [draw.pick(enrollment_id=pk, step_id=3).label for pk in range(300)]
    # Another step draws afresh: a contact who got A at step 3 is not always A at step 4.
    other = [draw.pick(enrollment_id=pk, step_id=4).label for pk in range(300)]
    assert 0.2 < sum(a != b for a, b in zip(first, other, strict=True)) / 300 < 0.9


def test_a_winner_takes_every_send_and_paused_variants_none():
    a, b, c = (
        StepVariant(pk=pk, label=label, weight=5) for pk, label in ((1, "A"), (2, "B"), (3, "C"))
    )
    c.is_active = False
    assert _split(VariantDraw.of([a, b, c], winner_id=None), range(500)).keys() == {"A", "B"}
    assert _split(VariantDraw.of([a, b, c], winner_id=2), range(500)) == {"B": 500}


# -- the dispatcher -----------------------------------------------------------------------------


@pytest.fixture
def ab_step(world) -> Step:
    """A one-step email sequence in an A/B test: A is the step's own text, B another subject."""
    sequence = SequenceFactory(name="Pilot follow-up", journey_stage=world.shortlist)
    step = email_step(sequence, 1, subject="A: pilot for {{ account.name }}")
    step_variant_create(
        step=step, data={"subject": "B: {{ contact.first_name }}, a pilot?", "body": "Hi B"}
    )
    Sequence.objects.filter(pk=sequence.pk).update(is_active=True)
    sequence.refresh_from_db()
    return step


def _enrol(world, step: Step, count: int) -> list[Enrollment]:
    return [
        enrollment_create(
            sequence=step.sequence,
            contact=ContactFactory(
                account=world.account, first_name=f"P{i}", time_zone="Europe/London"
            ),
            enrolled_by=None,
            now=NOW,
        )
        for i in range(count)
    ]


def test_the_first_variant_turns_the_step_own_text_into_variant_a(ab_step):
    a, b = ab_step.variants.order_by("label")
    assert (a.label, a.subject, a.body, a.weight) == ("A", ab_step.subject, ab_step.body, 1)
    assert (b.label, b.subject, b.weight) == ("B", "B: {{ contact.first_name }}, a pilot?", 1)


def test_each_touch_records_its_variant_and_the_email_carries_that_variant_text(world, ab_step):
    enrolments = _enrol(world, ab_step, 24)

    assert due_steps_dispatch(now=NOW).sent == 24

    touches = Touch.objects.filter(enrollment__in=enrolments).select_related(
        "variant", "enrollment__contact"
    )
    assert {t.variant.label for t in touches} == {"A", "B"}
    subjects = {m.to[0]: (m.subject, m.body) for m in mail.outbox}
    for touch in touches:
        contact = touch.enrollment.contact
        expected = (
            "A: pilot for Acme"
            if touch.variant.label == "A"
            else f"B: {contact.first_name}, a pilot?"
        )
        assert touch.subject == subjects[contact.email][0] == expected
        assert subjects[contact.email][1].startswith(
            "Hello" if touch.variant.label == "A" else "Hi B"
        )


class AcceptedThenLost(EmailBackend):
    """The server takes the message, then the connection drops before the step commits: the
    step is tried again later."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_step_sent_again_after_a_failure_sends_the_same_variant(world, ab_step, settings):
    _enrol(world, ab_step, 12)
    settings.NURTURE_EMAIL_CONFIG = {"EMAIL_BACKEND": f"{__name__}.AcceptedThenLost"}
    for _ in range(12):  # each run stops at its failure; the failed step waits 5 minutes
        with pytest.raises(SMTPServerDisconnected):
            due_steps_dispatch(now=NOW)
    first_tries = {m.extra_headers["Message-ID"]: m.subject for m in mail.outbox}
    assert len(first_tries) == 12 and not Touch.objects.exists()

    settings.NURTURE_EMAIL_CONFIG = None
    mail.outbox.clear()
    assert due_steps_dispatch(now=NOW + 30 * MINUTE).sent == 12
    assert {m.extra_headers["Message-ID"]: m.subject for m in mail.outbox} == first_tries


def test_a_picked_winner_is_every_new_send_and_earlier_touches_keep_their_variant(world, ab_step):
    due_steps_dispatch(now=NOW)  # nobody enrolled yet
    before = _enrol(world, ab_step, 16)
    due_steps_dispatch(now=NOW)
    sent_before = dict(
        Touch.objects.filter(enrollment__in=before).values_list("pk", "variant__label")
    )
    assert set(sent_before.values()) == {"A", "B"}

    b = ab_step.variants.get(label="B")
    step_pick_winner(step=ab_step, variant=b)
    after = _enrol(world, ab_step, 16)
    mail.outbox.clear()
    due_steps_dispatch(now=NOW)

    labels = Touch.objects.filter(enrollment__in=after).values_list("variant__label", flat=True)
    assert list(labels) == ["B"] * 16
    assert all(m.subject.startswith("B: ") for m in mail.outbox)
    assert (
        dict(Touch.objects.filter(enrollment__in=before).values_list("pk", "variant__label"))
        == sent_before
    )
    assert ab_step.history.first().winner_id == b.pk  # the pick is in the step's audit trail


def test_a_step_without_variants_sends_its_own_text_and_records_no_variant(world):
    world.deal(entered_days_ago=5)
    step = world.generic.steps.get(position=1)
    enrollment_create(sequence=world.generic, contact=world.champion, enrolled_by=None, now=NOW)

    assert due_steps_dispatch(now=NOW).sent == 1
    touch = Touch.objects.get(step=step)
    assert (touch.variant, touch.subject) == (None, "Step 1 for Acme")


# -- what a marketer may and may not do ---------------------------------------------------------


def _fields(error: ApplicationError | Exception) -> dict:
    return getattr(error, "fields", None) or error.message_dict


def test_a_variant_is_checked_like_a_step(world, ab_step):
    with pytest.raises(Exception) as unknown:
        step_variant_create(step=ab_step, data={"subject": "Hi", "body": "{{ account.nickname }}"})
    assert "Unknown merge field {{ account.nickname }}" in _fields(unknown.value)["body"][0]

    with pytest.raises(Exception) as zero:
        step_variant_create(step=ab_step, data={"subject": "Hi", "body": "Yo", "weight": 0})
    assert "weight" in _fields(zero.value)

    with pytest.raises(Exception) as empty:
        step_variant_create(step=ab_step, data={"subject": "", "body": "Yo"})
    assert "subject" in _fields(empty.value)

    task = StepFactory(sequence=ab_step.sequence, position=2, kind=Step.Kind.TASK, body="")
    with pytest.raises(Exception) as not_email:
        step_variant_create(step=task, data={"subject": "Hi", "body": "Yo"})
    assert _fields(not_email.value)["step"] == ["Only email steps have A/B variants."]

    bare = StepFactory(sequence=ab_step.sequence, position=3)
    with pytest.raises(Exception) as no_asset:
        step_variant_create(step=bare, data={"subject": "Hi", "body": "{{ asset.url }}"})
    assert _fields(no_asset.value)["body"] == [
        "{{ asset.url }} needs a content asset on this step."
    ]
    assert ab_step.variants.count() == 2 and not bare.variants.exists()


def test_a_step_with_variants_stays_an_email_and_keeps_what_they_merge(ab_step):
    step_variant_create(step=ab_step, data={"subject": "C", "body": "Read {{ asset.url }}"})
    with pytest.raises(ApplicationError) as kind:
        step_update(step=Step.objects.get(pk=ab_step.pk), data={"kind": Step.Kind.TASK})
    assert "kind" in kind.value.fields
    with pytest.raises(ApplicationError) as asset:
        step_update(step=Step.objects.get(pk=ab_step.pk), data={"asset": None, "body": "Hi"})
    assert asset.value.fields["asset"] == [
        "Variant A: {{ asset.url }} needs a content asset on this step."
    ]


def test_the_last_active_variant_and_the_winner_cannot_be_paused(ab_step):
    a, b = ab_step.variants.order_by("label")
    step_variant_update(variant=a, data={"is_active": False})
    with pytest.raises(ApplicationError) as last:
        step_variant_update(variant=b, data={"is_active": False})
    assert last.value.fields == {"is_active": ["This is the step's last active variant."]}

    with pytest.raises(ApplicationError) as paused:
        step_pick_winner(step=ab_step, variant=StepVariant.objects.get(pk=a.pk))
    assert "variant" in paused.value.fields
    step_pick_winner(step=ab_step, variant=StepVariant.objects.get(pk=b.pk))
    with pytest.raises(ApplicationError, match="Variant B won this step's test"):
        step_variant_create(step=ab_step, data={"subject": "D", "body": "D"})


def test_a_sent_variant_is_paused_not_removed_and_an_unsent_one_goes(world, ab_step):
    _enrol(world, ab_step, 8)
    due_steps_dispatch(now=NOW)
    sent = StepVariant.objects.filter(touches__isnull=False).first()
    with pytest.raises(ApplicationError, match="pause it instead"):
        step_variant_delete(variant=sent)

    fresh = step_variant_create(step=ab_step, data={"subject": "C", "body": "C"})
    step_variant_delete(variant=fresh)
    assert list(ab_step.variants.values_list("label", flat=True)) == ["A", "B"]
