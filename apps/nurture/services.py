import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Contact
from apps.accounts.services import contact_update
from apps.core.bulk_actions import BulkResult, bulk_apply
from apps.core.deletion import record_archive
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.mentions import ERASED, Mentions
from apps.core.services import model_create, model_update
from apps.engagement.models import EventKind, EventSource
from apps.engagement.services import events_ingest
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.nurture import sweep
from apps.nurture.emails import (
    nurture_message_ids,
    stall_alert_email,
)
from apps.nurture.mail_events import MailReport
from apps.nurture.models import (
    BounceType,
    Enrollment,
    ExitReason,
    MailEvent,
    Sequence,
    Step,
    StepVariant,
    SuppressedAddress,
    Touch,
)
from apps.pipeline.models import Opportunity, OpportunityStall
from apps.users.models import User
from apps.users.selectors import bound_to_own_records

logger = logging.getLogger(__name__)

SEQUENCE_FIELDS = [
    "name",
    "journey_stage",
    "buying_role",
    "persona",
    "campaign",
    "is_active",
    "track_opens",
    "track_clicks",
]
STEP_FIELDS = [
    "position",
    "kind",
    "delay_days",
    "delay_hours",
    "task_action",
    "subject",
    "body",
    "asset",
]
VARIANT_FIELDS = ["subject", "body", "weight", "is_active"]
ALERT_BATCH = 5000
_T_CONTACT = Contact._meta.db_table


# -- sequences and steps ----------------------------------------------------------------------


def _no_steps_error() -> ApplicationError:
    return ApplicationError(
        "A sequence with no steps cannot be activated.",
        fields={"is_active": ["Add a step before activating the sequence."]},
    )


@transaction.atomic
def sequence_create(*, data: dict) -> Sequence:
    """A new sequence; it starts as a draft unless it is given steps later and activated."""
    if data.get("is_active"):
        raise _no_steps_error()
    return model_create(model=Sequence, data=data)


@transaction.atomic
def sequence_update(*, sequence: Sequence, data: dict) -> Sequence:
    if data.get("is_active") and not sequence.steps.exists():
        raise _no_steps_error()
    return model_update(instance=sequence, fields=SEQUENCE_FIELDS, data=data)[0]


@transaction.atomic
def sequence_delete(*, sequence: Sequence) -> None:
    if Touch.objects.filter(step__sequence=sequence).exists():
        raise ApplicationError(
            "This sequence has already reached contacts; deactivate it instead of deleting it."
        )
    sequence.delete()


@transaction.atomic
def step_create(*, data: dict) -> Step:
    """A step at the end of its sequence unless a position is given."""
    if data.get("position") is None:
        last = data["sequence"].steps.order_by("-position").values_list("position", flat=True)
        data = data | {"position": (last.first() or 0) + 1}
    return model_create(model=Step, data=data)


@transaction.atomic
def step_update(*, step: Step, data: dict, now: datetime | None = None) -> Step:
    """Edit a step; contacts not past it yet get the new version.

    Texts are read when the step runs. A changed delay brings the step's waiting enrolments
    forward, so the dispatcher works their due time out again from the new delay.
    """
    old_delay = (step.delay_days, step.delay_hours)
    step, _ = model_update(instance=step, fields=STEP_FIELDS, data=data)
    _check_variants_fit(step)
    if (step.delay_days, step.delay_hours) != old_delay:
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, next_step=step).update(
            due_at=now or timezone.now(), holiday_move=""
        )
    return step


@transaction.atomic
def step_delete(*, step: Step, now: datetime | None = None) -> None:
    """Remove a step no contact has reached; those waiting for it go on to the next one."""
    if step.touches.exists():
        raise ApplicationError(
            "This step has already run for some contacts: edit it instead of removing it."
        )
    sequence = step.sequence
    following = sequence.steps.filter(position__gt=step.position).order_by("position").first()
    if following is None and sequence.is_active and not sequence.steps.exclude(pk=step.pk):
        raise ApplicationError(
            "An active sequence keeps at least one step; deactivate it first.",
            fields={"is_active": ["Deactivate the sequence before removing its last step."]},
        )
    Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, next_step=step).update(
        next_step=following, due_at=now or timezone.now(), holiday_move="", send_attempts=0
    )
    step.delete()


def _check_variants_fit(step: Step) -> None:
    """A step's A/B variants still make sense after the step changed: it is still an email,
    and the variants' merge fields still find what they name (the step's content asset)."""
    variants = list(step.variants.all())
    if variants and step.kind != Step.Kind.EMAIL:
        raise ApplicationError(
            "Only email steps have A/B variants.",
            fields={"kind": ["This step has A/B variants: keep it an email or remove them."]},
        )
    for variant in variants:
        try:
            variant.full_clean()
        except ValidationError as error:
            problems = "; ".join(m for ms in error.message_dict.values() for m in ms)
            raise ApplicationError(
                f"Variant {variant.label} would break: {problems}",
                fields={"asset": [f"Variant {variant.label}: {problems}"]},
            ) from error


# -- A/B variants ------------------------------------------------------------------------------


@transaction.atomic
def step_variant_create(*, step: Step, data: dict) -> StepVariant:
    """A new variant of an email step, labelled with the next free letter.

    The first variant of a step starts its A/B test: the step's own subject and body become
    variant A (weight 1) and the new one is B, so nothing already written is lost.
    """
    step = Step.objects.select_for_update().get(pk=step.pk)
    if step.winner_id:
        raise ApplicationError(
            f"Variant {step.winner.label} won this step's test: every new send uses it. "
            "Edit the winner instead of adding a variant."
        )
    labels = list(step.variants.values_list("label", flat=True))
    if not labels:
        model_create(
            model=StepVariant,
            data={"step": step, "label": "A", "subject": step.subject, "body": step.body},
        )
        labels = ["A"]
    label = chr(ord(max(labels)) + 1)
    if label > "Z":
        raise ApplicationError("A step has at most 26 variants, A to Z.")
    return model_create(model=StepVariant, data={**data, "step": step, "label": label})


@transaction.atomic
def step_variant_update(*, variant: StepVariant, data: dict) -> StepVariant:
    """Edit a variant; contacts who have not had the step yet get the new text or share."""
    variant, _ = model_update(instance=variant, fields=VARIANT_FIELDS, data=data)
    _check_one_sent(variant.step)
    return variant


@transaction.atomic
def step_variant_delete(*, variant: StepVariant) -> None:
    """Remove a variant nobody has been sent; one that was sent is paused instead (its results
    stay). Without variants the step sends its own subject and body again."""
    if variant.touches.exists():
        raise ApplicationError(
            f"Variant {variant.label} has already been sent: pause it instead of removing it."
        )
    if variant.step.winner_id == variant.pk:
        raise ApplicationError(f"Variant {variant.label} is this step's winner.")
    step = variant.step
    variant.delete()
    _check_one_sent(step)


def _check_one_sent(step: Step) -> None:
    """A step with variants sends at least one of them (its winner or an active one)."""
    variants = list(step.variants.all())
    if variants and not step.winner_id and not any(v.is_active for v in variants):
        raise ApplicationError(
            "Keep at least one variant active, or pick a winner.",
            fields={"is_active": ["This is the step's last active variant."]},
        )
    if step.winner_id and not any(v.pk == step.winner_id and v.is_active for v in variants):
        raise ApplicationError(
            "The winner cannot be paused.",
            fields={"is_active": ["This variant is the step's winner: every new send uses it."]},
        )


@transaction.atomic
def step_pick_winner(*, step: Step, variant: StepVariant) -> Step:
    """End the step's A/B test: from now on every send of the step is `variant`. Touches sent
    before keep the variant they had; the choice is in the step's audit trail."""
    if variant.step_id != step.pk:
        raise ApplicationError(
            "That variant belongs to another step.",
            fields={"variant": [f"Pick one of step {step.position}'s variants."]},
        )
    if not variant.is_active:
        raise ApplicationError(
            f"Variant {variant.label} is paused.",
            fields={"variant": ["Activate the variant before picking it as the winner."]},
        )
    step.winner = variant
    step.save(update_fields=["winner"])
    return step


# -- enrolments -------------------------------------------------------------------------------


@transaction.atomic
def enrollment_create(
    *,
    sequence: Sequence,
    contact: Contact,
    opportunity: Opportunity | None = None,
    enrolled_by: User | None,
    now: datetime | None = None,
) -> Enrollment:
    """Enrol a contact by hand, optionally for one of their account's deals."""
    if not sequence.is_active or sequence.is_archived:
        raise ApplicationError(
            "Only an active sequence takes enrolments.",
            fields={"sequence": ["This sequence is not active."]},
        )
    for field, record in (("contact", contact), ("opportunity", opportunity)):
        if record is not None and record.is_archived:
            raise ApplicationError(
                f"This {field} is archived; restore it to enrol it.",
                fields={field: [f"This {field} is archived."]},
            )
    if contact.consent == Contact.Consent.OPTED_OUT:
        raise ApplicationError(
            "This contact opted out of our emails.",
            fields={"contact": ["This contact opted out of our emails."]},
        )
    suppressed = SuppressedAddress.objects.filter(email=contact.email).first()
    if suppressed is not None:
        why = (
            f"Email to {contact.email} is suppressed: {suppressed.get_reason_display().lower()} "
            f"on {suppressed.suppressed_at:%Y-%m-%d}."
        )
        raise ApplicationError(why, fields={"contact": [why]})
    if opportunity is not None and opportunity.account_id != contact.account_id:
        raise ApplicationError(
            "The deal belongs to another account.",
            fields={"opportunity": ["Pick a deal of the contact's own account."]},
        )
    now = now or timezone.now()
    first = sequence.steps.order_by("position").first()
    return model_create(
        model=Enrollment,
        data={
            "sequence": sequence,
            "contact": contact,
            "opportunity": opportunity,
            "enrolled_by": enrolled_by,
            "next_step": first,
            "enrolled_at": now,
            "waiting_since": now,
            "due_at": now,
        },
    )


def _ended(reason: str, now: datetime) -> dict[str, Any]:
    return {
        "status": Enrollment.Status.EXITED,
        "exit_reason": reason,
        "ended_at": now,
        "due_at": None,
        "claim": None,
        "claimed_until": None,
    }


@transaction.atomic
def enrollment_exit(
    *, enrollment: Enrollment, reason: str = ExitReason.MANUAL, now: datetime | None = None
) -> Enrollment:
    ended = Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.ACTIVE).update(
        **_ended(reason, now or timezone.now())
    )
    if not ended:
        raise ApplicationError("This enrolment has already ended.")
    enrollment.refresh_from_db()
    return enrollment


@transaction.atomic
def contacts_enrol(
    *,
    contact_ids: Iterable[int],
    sequence: Sequence,
    enrolled_by: User,
    now: datetime | None = None,
) -> BulkResult:
    """Enrol many contacts in one sequence at once (marketing's bulk action); each one refused
    (opted out, archived, already in it) is named with why."""
    ids = list(contact_ids)
    already = set(
        Enrollment.objects.filter(
            sequence=sequence, status=Enrollment.Status.ACTIVE, contact_id__in=ids
        ).values_list("contact_id", flat=True)
    )

    def enrol(contact: Contact) -> Enrollment:
        if contact.pk in already:
            raise ApplicationError("Already enrolled in this sequence.")
        return enrollment_create(
            sequence=sequence, contact=contact, enrolled_by=enrolled_by, now=now
        )

    return bulk_apply(rows=Contact.objects.all(), ids=ids, act=enrol, missing="No such contact.")


@transaction.atomic
def enrollments_exit(
    *, enrollment_ids: Iterable[int], by: User, now: datetime | None = None
) -> BulkResult:
    """Take many contacts out of their sequences at once; a rep only on their own deals. Each
    one left alone (already ended, another rep's) is named with why."""
    bound = bound_to_own_records(user=by)
    now = now or timezone.now()

    def leave(enrollment: Enrollment) -> Enrollment:
        if bound and (enrollment.opportunity is None or enrollment.opportunity.owner_id != by.pk):
            raise NotPermitted("Not on a deal of yours.")
        return enrollment_exit(enrollment=enrollment, now=now)

    return bulk_apply(
        rows=Enrollment.objects.select_related("opportunity"),
        ids=enrollment_ids,
        act=leave,
        missing="No such enrolment.",
    )


@transaction.atomic
def enrollments_end(
    *,
    reason: str,
    contacts=None,
    opportunities=None,
    sequences=None,
    now: datetime | None = None,
) -> int:
    """End the active enrolments of these contacts, deals or sequences (archived or erased);
    returns how many ended."""
    where = Q()
    for name, values in (
        ("contact__in", contacts),
        ("opportunity__in", opportunities),
        ("sequence__in", sequences),
    ):
        if values is not None:
            where |= Q(**{name: values})
    if not where:
        return 0
    return Enrollment.objects.filter(where, status=Enrollment.Status.ACTIVE).update(
        **_ended(reason, now or timezone.now())
    )


@transaction.atomic
def record_archive_leaving_sequences(
    *, record: Contact | Opportunity | Sequence, by: User
) -> Contact | Opportunity | Sequence:
    """Archive a contact, deal or sequence: out of lists, pickers and the stall sweep, and the
    enrolments it is part of end now (exit reason `archived`)."""
    record_archive(instance=record, by=by)
    of = {Contact: "contacts", Opportunity: "opportunities", Sequence: "sequences"}[type(record)]
    enrollments_end(reason=ExitReason.ARCHIVED, **{of: [record.pk]})
    return record


@transaction.atomic
def contact_unsubscribe(
    *, contact: Contact, email: tuple[int, int] | None = None, now: datetime | None = None
) -> int:
    """Opt the contact out and end every sequence they are in; returns how many ended. `email`
    (enrolment, step): the email whose link they followed, whose touch records it."""
    now = now or timezone.now()
    if contact.consent != Contact.Consent.OPTED_OUT:
        contact_update(contact=contact, data={"consent": Contact.Consent.OPTED_OUT})
    if email is not None:
        Touch.objects.filter(
            enrollment_id=email[0],
            step_id=email[1],
            enrollment__contact=contact,
            unsubscribed_at__isnull=True,
        ).update(unsubscribed_at=now)
    return Enrollment.objects.filter(contact=contact, status=Enrollment.Status.ACTIVE).update(
        **_ended(ExitReason.UNSUBSCRIBED, now)
    )


@transaction.atomic
def task_complete(*, touch: Touch, now: datetime | None = None) -> Touch:
    if touch.kind != Step.Kind.TASK:
        raise ApplicationError("Only rep tasks can be completed.")
    done = Touch.objects.filter(pk=touch.pk, completed_at__isnull=True).update(
        completed_at=now or timezone.now()
    )
    if not done:
        raise ApplicationError("This task is already done.")
    touch.refresh_from_db()
    return touch


# -- the stall sweep --------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    ran: bool
    stalled: int = 0
    unstalled: int = 0
    enrolled: int = 0
    exited: int = 0


@transaction.atomic
def stall_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark newly stalled deals, alert their owners, enrol their committees; end old stalls.

    Set-based (apps/nurture/sweep.py): the same few statements for ten deals or a million. A
    second sweep started while one runs finds it holding the lock and does nothing.
    """
    from apps.nurture.tasks import send_stall_alerts

    now = now or timezone.now()
    placeholder = 987654321
    link = reverse("web:opportunity_detail", args=[placeholder])
    prefix, suffix = link.split(str(placeholder))
    counts = sweep.run_sweep(now=now, link_prefix=prefix, link_suffix=suffix)
    if counts is None:
        return SweepResult(ran=False)
    if counts.stalled:
        transaction.on_commit(send_stall_alerts.delay)
    return SweepResult(ran=True, **{f.name: getattr(counts, f.name) for f in fields(counts)})


def stall_alerts_send(*, now: datetime | None = None) -> int:
    """Email each owner the deals of theirs that stalled since their last alert; one per stall.

    The stalls are marked alerted in the transaction that sends: a crash before it commits sends
    the alert again rather than losing it.
    """
    alerted = 0
    while True:
        with transaction.atomic():
            stalls = list(
                OpportunityStall.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(owner_alerted_at__isnull=True)
                .select_related("opportunity__owner", "opportunity__stage")
                .order_by("started_at", "pk")[:ALERT_BATCH]
            )
            if not stalls:
                return alerted
            by_owner: dict[User, list[OpportunityStall]] = defaultdict(list)
            for stall in stalls:
                by_owner[stall.opportunity.owner].append(stall)
            OpportunityStall.objects.filter(pk__in=[s.pk for s in stalls]).update(
                owner_alerted_at=now or timezone.now()
            )
            messages = [
                stall_alert_email(owner=owner, stalls=owned)
                for owner, owned in by_owner.items()
                if owner.email
            ]
            get_connection().send_messages(messages)
            alerted += len(stalls)


@transaction.atomic
def contact_nurture_erase(
    *, contact: Contact, mentions: Mentions, now: datetime | None = None
) -> dict[str, int]:
    """End a person's sequences and blank what was sent them, for GDPR erasure; returns rows
    changed per table. Touches keep their step and time (the deal's last activity); the
    subject, merged with their data, goes; so do the address in what the mail provider reported
    and its suppression (the erased contact has no address left to email)."""
    enrollments = Enrollment.objects.filter(contact=contact)
    ended = enrollments_end(reason=ExitReason.ERASED, contacts=[contact.pk], now=now)
    failures = enrollments.exclude(failure="").update(failure="")
    reported = MailEvent.objects.filter(
        Q(email=contact.email) | Q(touch__enrollment__contact=contact)
    )
    return {
        "enrollments": max(ended, failures),
        "touches": Touch.objects.filter(enrollment__contact=contact)
        .exclude(subject=ERASED)
        .update(subject=ERASED),
        "mail events": reported.exclude(email="").update(email=""),
        "suppressed addresses": SuppressedAddress.objects.filter(email=contact.email).delete()[0],
    }


# -- what the mail provider reported ------------------------------------------------------------


class MailEventOutcome(models.TextChoices):
    RECORDED = "recorded", "Recorded on the email it is about"
    UNMATCHED = "unmatched", "No email of ours matched the message id or the address"
    DUPLICATE = "duplicate", "Received before: counted once"
    IGNORED = "ignored", "A kind of event Waymark does not follow"


def mail_event_record(*, report: MailReport, at: datetime | None = None) -> str:
    """Record what a provider reported about one email and act on it; returns the outcome.

    Stored once per (provider, provider's id): a repeat changes nothing. The email is the touch
    its Message-ID names (the one replied to, for a reply), else the latest email to the
    address. On it the first delivery, bounce, complaint or reply is stamped; then:
    - a hard bounce or a complaint suppresses the address: every active enrolment of the
      address ends (bounced, complained) and no sequence enrols or sends to it again until an
      admin lifts it; so do `MAIL_SOFT_BOUNCE_LIMIT` soft bounces in a row;
    - a reply is buyer intent: an email_reply engagement event, which ends the contact's
      sequences begun before it (replied), and the deal's owner is told in the app;
    - an unsubscribe the provider heard opts the contact out as our own link does.
    """
    at = at or timezone.now()
    with transaction.atomic():
        touch = _reported_touch(report)
        _, created = MailEvent.objects.get_or_create(
            provider=report.provider,
            provider_event_id=report.event_id,
            defaults={
                "kind": report.kind,
                "bounce_type": report.bounce_type,
                "email": report.email,
                "message_id": report.message_ids,
                "touch": touch,
                "occurred_at": report.occurred_at,
                "received_at": at,
            },
        )
        if not created:
            return MailEventOutcome.DUPLICATE
        contact = touch.enrollment.contact if touch else _contact_with(report.email)
        email = report.email if report.kind != MailEvent.Kind.REPLIED else ""
        email = email or (contact.email if contact else "")
        when = report.occurred_at
        if report.kind == MailEvent.Kind.DELIVERED:
            _stamp(touch, delivered_at=when)
        elif report.kind == MailEvent.Kind.BOUNCED:
            _stamp(touch, bounced_at=when)
            _bounce(touch, email=email, hard=report.bounce_type == BounceType.HARD, at=when)
        elif report.kind == MailEvent.Kind.COMPLAINED:
            _stamp(touch, complained_at=when)
            address_suppress(
                email=email, reason=SuppressedAddress.Reason.COMPLAINT, touch=touch, at=when
            )
        elif report.kind == MailEvent.Kind.REPLIED and contact is not None:
            _stamp(touch, replied_at=when)
            _reply(report, touch=touch, contact=contact)
        elif report.kind == MailEvent.Kind.UNSUBSCRIBED and contact is not None:
            email_sent = (touch.enrollment_id, touch.step_id) if touch else None
            contact_unsubscribe(contact=contact, email=email_sent, now=when)
        return MailEventOutcome.RECORDED if touch or contact else MailEventOutcome.UNMATCHED


def _reported_touch(report: MailReport) -> Touch | None:
    email_touches = Touch.objects.filter(kind=Step.Kind.EMAIL).select_related(
        "enrollment__contact__account__owner",
        "enrollment__opportunity__owner",
        "enrollment__sequence",
        "enrollment__enrolled_by",
    )
    for enrollment_id, step_id in nurture_message_ids(report.message_ids):
        touch = email_touches.filter(enrollment_id=enrollment_id, step_id=step_id).first()
        if touch is not None:
            return touch
    if not report.email:
        return None
    return (
        email_touches.filter(enrollment__contact__email=report.email).order_by("-sent_at").first()
    )


def _contact_with(email: str) -> Contact | None:
    return (
        Contact.objects.select_related("account__owner").filter(email=email).first()
        if email
        else None
    )


def _stamp(touch: Touch | None, **first: datetime) -> None:
    """Set a touch's outcome time unless it already has one: the first time counts."""
    if touch is None:
        return
    for name, when in first.items():
        Touch.objects.filter(pk=touch.pk, **{f"{name}__isnull": True}).update(**{name: when})


def _bounce(touch: Touch | None, *, email: str, hard: bool, at: datetime) -> None:
    if touch is not None:
        kind = BounceType.HARD if hard else BounceType.SOFT
        # A hard bounce outranks a soft one reported earlier for the same email.
        touches = Touch.objects.filter(pk=touch.pk)
        (touches if hard else touches.filter(bounce_type="")).update(bounce_type=kind)
    if hard:
        address_suppress(
            email=email, reason=SuppressedAddress.Reason.HARD_BOUNCE, touch=touch, at=at
        )
    elif _soft_bounces_in_a_row(email):
        address_suppress(
            email=email, reason=SuppressedAddress.Reason.SOFT_BOUNCES, touch=touch, at=at
        )


def _soft_bounces_in_a_row(email: str) -> bool:
    """Whether the address's last `MAIL_SOFT_BOUNCE_LIMIT` emails that came back all
    soft-bounced (a delivery in between breaks the run)."""
    limit = settings.MAIL_SOFT_BOUNCE_LIMIT
    if not email or limit <= 0:
        return False
    outcomes = list(
        Touch.objects.filter(kind=Step.Kind.EMAIL, enrollment__contact__email=email)
        .filter(Q(delivered_at__isnull=False) | Q(bounced_at__isnull=False))
        .order_by("-sent_at", "-pk")
        .values_list("bounce_type", flat=True)[:limit]
    )
    return len(outcomes) == limit and all(kind == BounceType.SOFT for kind in outcomes)


@transaction.atomic
def address_suppress(
    *, email: str, reason: str, touch: Touch | None = None, at: datetime | None = None
) -> int:
    """Send nothing more to this address: end every active enrolment of the contacts with it
    (exit reason bounced, or complained) and keep it from new ones. Returns how many ended; an
    address already suppressed keeps its first reason and date."""
    if not email:
        return 0
    at = at or timezone.now()
    suppressed, _ = SuppressedAddress.objects.get_or_create(
        email=email, defaults={"reason": reason, "suppressed_at": at, "touch": touch}
    )
    return enrollments_end(
        reason=suppressed.exit_reason, contacts=Contact.objects.filter(email=email), now=at
    )


@transaction.atomic
def suppressions_lift(*, suppressions: Iterable[SuppressedAddress]) -> int:
    """Allow sequences to email these addresses again (an admin's decision, e.g. the mailbox
    was fixed); the audit trail keeps who lifted which. Ended enrolments stay ended."""
    lifted = 0
    for suppression in suppressions:
        suppression.delete()
        lifted += 1
    return lifted


def _reply(report: MailReport, *, touch: Touch | None, contact: Contact) -> None:
    """A buyer's reply: their sequences begun before it end, it counts as buyer intent, and
    whoever owns the conversation hears of it."""
    Enrollment.objects.filter(
        contact=contact, status=Enrollment.Status.ACTIVE, enrolled_at__lte=report.occurred_at
    ).update(**_ended(ExitReason.REPLIED, report.occurred_at))
    # Named as the email's opens and clicks are: a touch of its sequence in attribution.
    properties = (
        {"touch": touch.pk, "sequence": touch.enrollment.sequence_id, "utm_medium": "email"}
        if touch
        else {}
    )
    events_ingest(
        items=[
            (
                0,
                {
                    "id": f"{report.provider}:{report.event_id}",
                    "kind": EventKind.EMAIL_REPLY,
                    "occurred_at": report.occurred_at.isoformat(),
                    "contact": contact.pk,
                    "properties": properties,
                },
            )
        ],
        source=EventSource.EMAIL,
    )
    enrollment = touch.enrollment if touch else None
    deal = enrollment.opportunity if enrollment else None
    owner = (
        (deal.owner if deal else None)
        or contact.account.owner
        or (enrollment.enrolled_by if enrollment else None)
    )
    if owner is None:
        return
    replied_to = f" to “{touch.subject}” ({enrollment.sequence})" if touch else ""
    notify(
        recipient=owner,
        kind=Notification.Kind.REPLY,
        subject=touch or contact,
        text=f"{contact} replied{replied_to} and left the sequence: answer them yourself.",
        url=reverse("web:opportunity_detail", args=[deal.pk])
        if deal
        else reverse("nurture:contact_timeline", args=[contact.pk]),
        now=report.occurred_at,
    )


@transaction.atomic
def mail_reports_record(*, reports: Iterable[MailReport], at: datetime | None = None) -> list[str]:
    """Record a delivery's reports in one transaction, each in a savepoint of its own; returns
    each one's outcome, in order."""
    at = at or timezone.now()
    return [mail_event_record(report=report, at=at) for report in reports]
