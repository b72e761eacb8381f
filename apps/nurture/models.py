from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.audit import audit_trail
from apps.core.countries import (
    COUNTRY_ERRORS,
    SUBDIVISION_MAX_LENGTH,
    country_choices,
    place_clean,
)
from apps.core.models import ArchivableModel, TimeStampedModel
from apps.core.validators import single_line
from apps.nurture.merge_fields import merge_field_errors
from apps.personas.models import BuyingRole


class Sequence(TimeStampedModel, ArchivableModel):
    """A nurture sequence for buyers in one journey stage, optionally for one persona or role.

    The stall sweep picks, for each committee member, the most specific active sequence of the
    deal's journey stage (or of its parent stage): persona and role match, then role, then the
    generic one.
    """

    name = models.CharField(max_length=160, validators=[single_line])
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.PROTECT, related_name="sequences"
    )
    buying_role = models.CharField(
        max_length=32,
        choices=BuyingRole.choices,
        blank=True,
        help_text="Empty: for every role without a sequence of its own.",
    )
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sequences",
        help_text="Empty: for every persona without a sequence of its own.",
    )
    is_active = models.BooleanField(
        default=False, help_text="Only active sequences enrol and send; needs at least one step."
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sequences",
        help_text="The campaign its touches count for in attribution; empty: none.",
    )
    # Each email's opens and clicks come back as engagement events (apps/nurture/tracking.py);
    # contacts who declined tracking get neither, whatever the sequence says.
    track_opens = models.BooleanField(
        default=True,
        db_default=True,
        help_text="Emails carry a tracking pixel: opens count as signals.",
    )
    track_clicks = models.BooleanField(
        default=True,
        db_default=True,
        help_text="Links in emails go through a signed redirect: clicks count as signals.",
    )

    history = audit_trail()

    class Meta:
        ordering = ["journey_stage", "name"]

    def __str__(self) -> str:
        return self.name


class TaskAction(models.TextChoices):
    CALL = "call", "Call"
    LINKEDIN = "linkedin", "LinkedIn message"
    CUSTOMER_PROOF = "customer_proof", "Send customer proof"


class Step(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        TASK = "task", "Rep task"
        WAIT = "wait", "Wait"

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    delay_days = models.PositiveSmallIntegerField(
        default=0, help_text="Business days after the previous step."
    )
    delay_hours = models.PositiveSmallIntegerField(
        default=0, help_text="Business hours after the previous step, on top of the days."
    )
    task_action = models.CharField(
        max_length=16,
        choices=TaskAction.choices,
        blank=True,
        help_text="For rep tasks; empty for a general follow-up.",
    )
    subject = models.CharField(
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text="Email subject or task title; merge fields allowed.",
    )
    body = models.TextField(blank=True, help_text="Email text or task notes; merge fields allowed.")
    asset = models.ForeignKey(
        "content.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    winner = models.ForeignKey(
        "StepVariant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The A/B variant picked as the winner: every new send uses it.",
    )

    history = audit_trail()

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "position"],
                name="step_position_unique",
                violation_error_message="Another step of this sequence has this position.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} #{self.position}: {self.get_kind_display()}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind == self.Kind.EMAIL:
            for field in ("subject", "body"):
                if not getattr(self, field).strip():
                    errors.setdefault(field, []).append("An email needs a subject and a body.")
        elif self.kind == self.Kind.TASK and not self.subject.strip():
            errors["subject"] = ["Give the task a title."]
        elif self.kind == self.Kind.WAIT and not (self.delay_days or self.delay_hours):
            errors["delay_days"] = ["A wait needs a delay in days or hours."]
        if self.kind != self.Kind.TASK and self.task_action:
            errors["task_action"] = ["Only rep tasks have an action."]
        _add_merge_field_errors(errors, self, has_asset=bool(self.asset_id))
        if errors:
            raise ValidationError(errors)


def _add_merge_field_errors(errors: dict[str, list[str]], text, *, has_asset: bool) -> None:
    """Add what is wrong with the merge fields of `text.subject` and `text.body` (a step or a
    variant) to `errors`, per field."""
    for field in ("subject", "body"):
        for message in merge_field_errors(getattr(text, field), has_asset=has_asset):
            errors.setdefault(field, []).append(message)


class StepVariant(models.Model):
    """One version (A, B, …) of an email step's subject and body in an A/B test.

    A step without variants sends its own subject and body. Once it has variants, each
    enrolment gets one of the active ones, in proportion to their weights and always the same
    one for the same enrolment (`apps.nurture.variants`); once a winner is picked, only the
    winner is sent.
    """

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(max_length=1, editable=False, help_text="A, B, C, … in order.")
    subject = models.CharField(
        max_length=200,
        validators=[single_line],
        help_text="Email subject; merge fields allowed.",
    )
    body = models.TextField(help_text="Email text; merge fields allowed.")
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Share of the sends: weights 3 and 1 send this variant to 3 in 4 contacts.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Only active variants are sent; a paused one keeps its results."
    )

    history = audit_trail()

    class Meta:
        ordering = ["step", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "label"],
                name="step_variant_label_unique",
                violation_error_message="This step already has a variant with this label.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1),
                name="step_variant_weight_positive",
                violation_error_message="A weight is a whole number from 1 up.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} variant {self.label}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.step.kind != Step.Kind.EMAIL:
            errors["step"] = ["Only email steps have A/B variants."]
        _add_merge_field_errors(errors, self, has_asset=bool(self.step.asset_id))
        if errors:
            raise ValidationError(errors)


class ExitReason(models.TextChoices):
    """Why an enrolment stopped before its last step; checked before every send."""

    UNSUBSCRIBED = "unsubscribed", "Contact unsubscribed"
    BOUNCED = "bounced", "Email bounced"
    COMPLAINED = "complained", "Contact marked our email as spam"
    REPLIED = "replied", "Contact replied"
    DEMO_REQUESTED = "demo_requested", "Contact asked for a demo"
    ADVANCED = "advanced", "Deal moved to another stage"
    WON = "won", "Deal won"
    LOST = "lost", "Deal lost"
    NO_LONGER_STALLED = "no_longer_stalled", "Deal no longer stalled"
    MANUAL = "manual", "Ended by hand"
    FAILED = "failed", "A step could not be sent"
    ARCHIVED = "archived", "Contact or sequence archived"
    ERASED = "erased", "Contact's personal data erased"


class Enrollment(models.Model):
    """A contact going through a sequence; `due_at` is when the dispatcher looks at it next.

    A dispatcher claims due rows for `claimed_until` (a lease under `claim`): a worker that dies
    leaves its rows to be claimed again once the lease runs out.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        EXITED = "exited", "Exited"

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="enrollments"
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="enrollments",
    )
    stall = models.ForeignKey(
        "pipeline.OpportunityStall",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrollments",
        help_text="The stall that enrolled the contact; empty for a manual enrolment.",
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    next_step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="The next step's delay counts from here."
    )
    due_at = models.DateTimeField(null=True, blank=True)
    holiday_move = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",  # the stall sweep enrols in raw SQL
        editable=False,
        help_text="When the buyer's holidays put the next step later: from when, to when, and "
        "which days, e.g. “from Mon 25 Dec to Wed 27 Dec: Christmas Day (DE)”.",
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=200, choices=ExitReason.choices, blank=True)
    failure = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",  # the stall sweep enrols in raw SQL
        editable=False,
        help_text="Why the next step could not be sent, when the exit reason is a failed step.",
    )
    send_attempts = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="Failed tries of the next step's email (mail server down); each waits longer.",
    )
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "contact"],
                condition=Q(status="active"),
                name="enrollment_one_active_per_contact",
                violation_error_message="This contact is already active in this sequence.",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.contact} in {self.sequence}"


class BounceType(models.TextChoices):
    HARD = "hard", "Hard bounce"  # the address does not exist: never send to it again
    SOFT = "soft", "Soft bounce"  # full mailbox, server down: later sends may arrive


class Touch(models.Model):
    """A step carried out for an enrollment; the unique pair makes every send happen once.

    A rep task is a touch on its assignee's task list until they complete it.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="touches")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="touches")
    kind = models.CharField(max_length=8, choices=Step.Kind.choices, default=Step.Kind.EMAIL)
    subject = models.CharField(
        max_length=200, blank=True, help_text="As sent, merge fields filled in."
    )
    variant = models.ForeignKey(
        StepVariant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="touches",
        help_text="The A/B variant sent; empty for a step without variants.",
    )
    sent_at = models.DateTimeField()
    holiday_move = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",  # the dispatcher records touches in raw SQL
        editable=False,
        help_text="When the buyer's holidays put this step later: the enrolment's note as it "
        "stood when the step ran, e.g. “from Thu 3 Oct to Fri 4 Oct: German Unity Day (DE)”.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nurture_tasks",
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    # What came back after an email left: from the tracking pixel and links, and from the mail
    # provider's webhooks. Each is the first time it happened; the sequence results count them.
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="First open by the buyer, not a scanner."
    )
    clicked_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="First click by the buyer, not a scanner."
    )
    replied_at = models.DateTimeField(null=True, blank=True, editable=False)
    bounced_at = models.DateTimeField(null=True, blank=True, editable=False)
    bounce_type = models.CharField(
        max_length=4,
        choices=BounceType.choices,
        blank=True,
        default="",
        db_default="",  # the dispatcher records touches in raw SQL
        editable=False,
    )
    complained_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Marked as spam by the receiver."
    )
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Unsubscribed through this email."
    )

    class Meta:
        ordering = ["-sent_at"]
        verbose_name_plural = "touches"
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="touch_once_per_step"),
        ]
        indexes = [
            models.Index(
                fields=["assignee", "sent_at"],
                condition=Q(kind="task", completed_at__isnull=True),
                name="touch_open_task_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.enrollment.contact}"


class MailEvent(models.Model):
    """What the mail provider reported about one email, once: its (provider, id) pair is unique,
    so a delivery the provider repeats is acknowledged and counted once (see mail_events.py).
    """

    class Provider(models.TextChoices):
        GENERIC = "generic", "Signed JSON"
        MAILGUN = "mailgun", "Mailgun"

    class Kind(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"
        REPLIED = "replied", "Replied"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    provider = models.CharField(max_length=16, choices=Provider.choices)
    provider_event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    bounce_type = models.CharField(max_length=4, choices=BounceType.choices, blank=True)
    email = models.EmailField(blank=True, help_text="The recipient (or, for a reply, its sender).")
    message_id = models.CharField(max_length=300, blank=True)
    touch = models.ForeignKey(
        Touch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mail_events",
        help_text="Empty: no email of ours matched the message id or the address.",
    )
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"], name="mail_event_once_per_provider_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.email or self.message_id}"


class SuppressedAddress(models.Model):
    """An address no sequence sends to: it hard-bounced, or its owner marked our email as spam.

    Kept by address, not by contact, so the address stays suppressed through a re-import or a
    new contact with it; an admin lifts it (the audit trail records who and when).
    """

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        SOFT_BOUNCES = "soft_bounces", "Soft bounces in a row"
        COMPLAINT = "complaint", "Spam complaint"

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    suppressed_at = models.DateTimeField()
    touch = models.ForeignKey(
        Touch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The email that bounced or was marked as spam.",
    )

    history = audit_trail()

    class Meta:
        ordering = ["-suppressed_at"]
        verbose_name_plural = "suppressed addresses"

    def __str__(self) -> str:
        return self.email

    @property
    def exit_reason(self) -> str:
        return self.exit_reason_for(self.reason)

    @classmethod
    def exit_reason_for(cls, reason: str) -> str:
        """Why a sequence ends for an address suppressed for `reason`."""
        return ExitReason.COMPLAINED if reason == cls.Reason.COMPLAINT else ExitReason.BOUNCED


class Holiday(models.Model):
    """A company day off: no step runs for the buyers it applies to, in their time zone.

    Without a country it applies to every buyer; with one, to the buyers in that country (or
    only in its subdivision), e.g. a day off of the German office. Public holidays come from
    the buyer's own calendar (`apps.nurture.calendars`), not from these rows.
    """

    date = models.DateField()
    name = models.CharField(max_length=120, validators=[single_line])
    country = models.CharField(
        max_length=2,
        choices=country_choices,
        blank=True,
        default="",
        error_messages=COUNTRY_ERRORS,
        help_text="Empty: for buyers in every country.",
    )
    subdivision = models.CharField(
        max_length=SUBDIVISION_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Empty: the whole country. A state or province code, e.g. BY.",
    )

    history = audit_trail()

    class Meta:
        ordering = ["date", "country", "subdivision"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "country", "subdivision"],
                name="holiday_once_per_day_and_place",
                violation_error_message="There is already a holiday on this day for this place.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d}{', ' + self.place if self.country else ''})"

    @property
    def place(self) -> str:
        """`DE`, `DE-BY`, or "" for everywhere."""
        return "-".join(filter(None, (self.country, self.subdivision)))

    def clean(self) -> None:
        place_clean(self)


class TrackingHit(models.Model):
    """An open or click that a machine made, not the buyer: an image proxy fetching the pixel,
    a link scanner following every link. Kept for the marketer to see, never a signal.

    One row per email, kind, link and reason however often the machine came back.
    """

    class Kind(models.TextChoices):
        OPEN = "open", "Open"
        CLICK = "click", "Click"

    class Reason(models.TextChoices):
        PREFETCH = "prefetch", "Prefetch (HEAD request)"
        SCANNER = "scanner", "Image proxy or link scanner"
        TOO_SOON = "too_soon", "Seconds after sending"
        BURST = "burst", "Several links at once"

    touch = models.ForeignKey(Touch, on_delete=models.CASCADE, related_name="automated_hits")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    link = models.PositiveSmallIntegerField(
        default=0, help_text="Which link of the email (from 0); 0 for an open."
    )
    url = models.URLField(max_length=500, blank=True)
    reason = models.CharField(max_length=8, choices=Reason.choices)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["touch", "kind", "link", "reason"],
                name="tracking_hit_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by a machine ({self.get_reason_display()})"
