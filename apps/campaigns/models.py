from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from apps.core.models import TimeStampedModel
from apps.journeys.kpis import KPIS_BY_PHASE, Kpi, kpi_fits_phase


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBINAR = "webinar", "Webinar"
    EVENT = "event", "Event"
    PAID_SOCIAL = "paid_social", "Paid social"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    SALES_OUTREACH = "sales_outreach", "Sales outreach"
    CONTENT_SYNDICATION = "content_syndication", "Content syndication"


class Campaign(TimeStampedModel):
    """A campaign serves one journey-stage goal and is measured with a KPI that fits it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PLANNED = "planned", "Planned"
        LIVE = "live", "Live"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns"
    )
    goal_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.PROTECT, related_name="campaigns"
    )
    objective = models.TextField(blank=True)
    kpi = models.CharField(max_length=32, choices=Kpi.choices)
    kpi_target = models.DecimalField(max_digits=14, decimal_places=2)
    kpi_baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    channel = models.CharField(max_length=32, choices=Channel.choices)
    assets = models.ManyToManyField("content.Asset", related_name="campaigns", blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    budget = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    actual_spend = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="campaign_ends_after_start",
                violation_error_message="End date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0) & Q(actual_spend__gte=0),
                name="campaign_money_non_negative",
                violation_error_message="Budget and actual spend cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "End date must be on or after the start date."
        if self.goal_stage_id and self.kpi:
            phase = self.goal_stage.phase
            if not kpi_fits_phase(kpi=self.kpi, phase=phase):
                fitting = ", ".join(Kpi(k).label for k in KPIS_BY_PHASE[phase])
                errors["kpi"] = (
                    f"{Kpi(self.kpi).label} does not measure a {phase} goal; use {fitting}."
                )
        if errors:
            raise ValidationError(errors)
