from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel
from apps.personas.models import BuyingRole


class Sequence(TimeStampedModel):
    """A nurture sequence for buyers in one journey stage, optionally for one buying role."""

    name = models.CharField(max_length=160)
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.PROTECT, related_name="sequences"
    )
    buying_role = models.CharField(
        max_length=32,
        choices=BuyingRole.choices,
        blank=True,
        help_text="Empty: for every role without a sequence of its own.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["journey_stage", "name"]

    def __str__(self) -> str:
        return self.name


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
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    asset = models.ForeignKey(
        "content.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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


class Enrollment(models.Model):
    """A contact going through a sequence; `due_at` is when its next step is to run."""

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
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    next_step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=200, blank=True)

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


class Touch(models.Model):
    """A step carried out for an enrollment; the unique pair makes every send happen once."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="touches")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="touches")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name_plural = "touches"
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="touch_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.enrollment.contact}"
