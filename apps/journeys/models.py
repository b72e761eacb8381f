from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from apps.core.models import TimeStampedModel


class Phase(models.TextChoices):
    """The three phases of the buyer's journey; every stage and sub-stage belongs to one."""

    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"


class Journey(TimeStampedModel):
    """A map of how one kind of buyer decides; each published change is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    key = models.SlugField(max_length=80, help_text="Shared by every version of this journey.")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=160)
    scope = models.CharField(
        max_length=200, blank=True, help_text="Product, market or segment the map is for."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_journeys"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_cadence_months = models.PositiveSmallIntegerField(default=6)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="journey_key_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="journey_version_positive"),
            models.CheckConstraint(
                condition=Q(review_cadence_months__gte=1, review_cadence_months__lte=24),
                name="journey_review_cadence_range",
                violation_error_message="Review cadence must be between 1 and 24 months.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class JourneyStage(models.Model):
    """A journey stage, or a sub-stage when it has a parent (e.g. consideration → shortlist)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="substages"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    phase = models.CharField(max_length=16, choices=Phase.choices)
    position = models.PositiveSmallIntegerField(help_text="Order among its siblings.")
    description = models.TextField(blank=True)
    entry_criteria = models.TextField(blank=True, help_text="One per line.")
    exit_triggers = models.TextField(
        blank=True, help_text="Signals or events that move a buyer on; one per line."
    )

    class Meta:
        ordering = ["journey", "parent__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "slug"], name="stage_slug_unique"),
            models.UniqueConstraint(
                fields=["journey", "position"],
                condition=Q(parent__isnull=True),
                name="stage_top_position_unique",
                violation_error_message="Another top-level stage of the journey has this position.",
            ),
            models.UniqueConstraint(
                fields=["parent", "position"],
                condition=Q(parent__isnull=False),
                name="stage_sub_position_unique",
                violation_error_message="Another sub-stage of this stage has this position.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} → {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        errors = {}
        if self.parent.parent_id is not None:
            errors["parent"] = "Sub-stages go one level deep: pick a top-level stage."
        if self.parent.journey_id != self.journey_id:
            errors["parent"] = "The parent stage belongs to another journey."
        if self.phase != self.parent.phase:
            errors["phase"] = f"A sub-stage shares its parent's phase ({self.parent.phase})."
        if errors:
            raise ValidationError(errors)


class StageTransition(models.Model):
    """An allowed move between two stages: journeys are graphs, so skips and moves back count."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.ForeignKey(
        JourneyStage, on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_stage = models.ForeignKey(
        JourneyStage, on_delete=models.CASCADE, related_name="transitions_in"
    )
    trigger = models.CharField(max_length=200, blank=True, help_text="What makes the move happen.")

    class Meta:
        ordering = ["journey", "from_stage__position", "to_stage__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_stage", "to_stage"], name="transition_pair_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")),
                name="transition_not_to_itself",
                violation_error_message="A transition must lead to another stage.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    def clean(self) -> None:
        errors = {
            field: "This stage belongs to another journey."
            for field in ("from_stage", "to_stage")
            if getattr(self, f"{field}_id") and getattr(self, field).journey_id != self.journey_id
        }
        if errors:
            raise ValidationError(errors)
