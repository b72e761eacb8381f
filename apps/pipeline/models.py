from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.core.audit import audit_trail
from apps.core.models import (
    ArchivableModel,
    ExternalRecord,
    TimeStampedModel,
    active_ordering_indexes,
)
from apps.core.validators import single_line


class PipelineStage(models.Model):
    """A stage of the sales funnel, lined up with the buyer's journey through `journey_stage`."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Closed won"
        LOST = "lost", "Closed lost"

    name = models.CharField(max_length=80, unique=True, validators=[single_line])
    position = models.PositiveSmallIntegerField(unique=True)
    probability = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Chance to close, 0–100 %."
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pipeline_stages",
        help_text="The buyer's-journey stage a deal in this stage is usually in.",
    )
    max_days_in_stage = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A deal longer in this stage is stalled."
    )
    max_days_without_activity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A deal quiet for longer is stalled."
    )

    history = audit_trail()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100),
                name="pipeline_stage_probability_range",
                violation_error_message="Probability goes from 0 to 100.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.outcome != self.Outcome.OPEN


class StallReason(models.TextChoices):
    """Why the stall sweep (apps/nurture) flagged a deal, after its stage's stall rule."""

    TIME_IN_STAGE = "time_in_stage", "Longer in its stage than the stage allows"
    NO_ACTIVITY = "no_activity", "No activity for longer than the stage allows"
    BOTH = "both", "Over its stage time and no recent activity"


# False for a stalled deal, so ascending it puts the stalled first. `stalled_since` is set only
# while a deal is open (every stage move clears it), which makes this the stalled test of a
# list's order (`opportunity_list`): one expression an index can hold, where the open stage
# of `STALLED` would have the list join and sort every open deal for one page.
NOT_STALLED = models.ExpressionWrapper(
    Q(stalled_since__isnull=True), output_field=models.BooleanField()
)


class Opportunity(ExternalRecord, TimeStampedModel, ArchivableModel):
    """A deal with an account. Its stage changes only through `opportunity_move_stage`.

    `stalled_since` and `stall_reason` are the current stall, written by the stall sweep; its
    history (and the owner alert) is `OpportunityStall`.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="opportunities"
    )
    name = models.CharField(max_length=200, validators=[single_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="USD")
    stage_entered_at = models.DateTimeField(
        editable=False, help_text="When the current stay in `stage` began (see StageChange)."
    )
    expected_close_date = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stalled_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Empty while the deal is not stalled."
    )
    stall_reason = models.CharField(
        max_length=16, choices=StallReason.choices, blank=True, editable=False
    )

    # Stalls are system state with a trail of their own (`OpportunityStall`, one row each).
    history = audit_trail(excluded_fields=["stalled_since", "stall_reason"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "opportunities"
        constraints = [
            *ExternalRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="opportunity_amount_non_negative",
                violation_error_message="Amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(stalled_since__isnull=True, stall_reason="")
                | Q(stalled_since__isnull=False, stall_reason__gt=""),
                name="opportunity_stall_has_reason",
                violation_error_message="A stalled deal has a reason and a start.",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "stage"]),
            *active_ordering_indexes(
                "deal",
                ["name"],
                ["amount"],
                ["expected_close_date"],
                ["stage_entered_at"],
                ["created_at"],
            ),
            # The opportunities page's order: the stalled first, then the longest in their stage.
            models.Index(
                NOT_STALLED,
                F("stage_entered_at"),
                F("id"),
                condition=Q(archived_at__isnull=True),
                name="deal_active_stalled_first",
            ),
            # The board and the sweep's un-stall pass read only the few stalled deals.
            models.Index(
                fields=["stalled_since"],
                condition=Q(stalled_since__isnull=False),
                name="opportunity_stalled_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def days_in_stage(self) -> int:
        return (timezone.now() - self.stage_entered_at).days

    @property
    def is_stalled(self) -> bool:
        """In an open stall, as `apps.pipeline.selectors.STALLED` asks it of many deals."""
        return self.stalled_since is not None and not self.stage.is_closed

    @property
    def is_over_stage_time_limit(self) -> bool:
        """Longer in its stage than the stage allows: the plainest sign of a stalled deal."""
        limit = self.stage.max_days_in_stage
        return not self.stage.is_closed and limit is not None and self.days_in_stage > limit


class StageChange(models.Model):
    """One stay of an opportunity in a stage: days-in-stage and velocity are read from these."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    from_stage = models.ForeignKey(
        PipelineStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(max_length=300, blank=True)

    # A stay ends where the next begins: that next stay is in the trail, its end need not be.
    history = audit_trail(excluded_fields=["exited_at"])

    class Meta:
        ordering = ["opportunity", "entered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(exited_at__isnull=True),
                name="stage_change_one_current_per_opportunity",
                violation_error_message="An opportunity has one current stage.",
            ),
            models.CheckConstraint(
                condition=Q(exited_at__isnull=True) | Q(exited_at__gte=F("entered_at")),
                name="stage_change_exit_after_entry",
                violation_error_message="A stage is left after it is entered.",
            ),
        ]
        indexes = [models.Index(fields=["opportunity", "exited_at"])]

    def __str__(self) -> str:
        return f"{self.opportunity} in {self.stage}"


class OpportunityStall(models.Model):
    """One stall of a deal, from the sweep that found it to the one that saw it move again.

    Unique per (opportunity, start), so a stall is recorded, and its owner alerted, once.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stalls")
    reason = models.CharField(max_length=16, choices=StallReason.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    owner_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owner's alert email went out."
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "started_at"], name="opportunity_stall_once"
            ),
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(ended_at__isnull=True),
                name="opportunity_stall_one_current",
                violation_error_message="A deal has one current stall.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["started_at"],
                condition=Q(owner_alerted_at__isnull=True),
                name="stall_unalerted_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} stalled {self.started_at:%Y-%m-%d}"
