import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from apps.accounts.models import Account
from apps.campaigns.fields import ListField
from apps.content.models import AssetType
from apps.core.audit import audit_trail
from apps.core.models import ArchivableModel, TimeStampedModel
from apps.core.validators import single_line
from apps.journeys.kpis import KPIS_BY_PHASE, Kpi, kpi_fits_phase
from apps.journeys.models import Phase
from apps.personas.models import BuyingRole


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBINAR = "webinar", "Webinar"
    EVENT = "event", "Event"
    PAID_SOCIAL = "paid_social", "Paid social"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    SALES_OUTREACH = "sales_outreach", "Sales outreach"
    CONTENT_SYNDICATION = "content_syndication", "Content syndication"


def channel_labels(channels: list[str]) -> list[str]:
    return [Channel(channel).label for channel in channels if channel in Channel.values]


def kpi_misfit(*, kpi: str, phase: str) -> str | None:
    """Why the KPI cannot measure a goal in this phase, or None when it fits."""
    if kpi_fits_phase(kpi=kpi, phase=phase):
        return None
    fitting = ", ".join(Kpi(k).label for k in KPIS_BY_PHASE[phase])
    return f"{Kpi(kpi).label} does not measure a {phase} goal; use {fitting}."


CADENCE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(14)]
CADENCE_HELP = "The most touches one contact gets from this campaign in a week."
TARGET_NOT_NEGATIVE = MinValueValidator(0, "The KPI target cannot be negative.")
UTM_CODE = RegexValidator(
    r"^[A-Za-z0-9._-]+\Z", "A UTM code holds only letters, digits, dots, dashes and underscores."
)


class Campaign(TimeStampedModel, ArchivableModel):
    """A campaign serves one journey-stage goal and is measured with a KPI that fits it.

    Its segment (the `segment_*` fields) picks the accounts and contacts it is for; an empty
    criterion does not narrow it. Status moves only through `campaign_change_status`.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PLANNED = "planned", "Planned"
        LIVE = "live", "Live"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=200, validators=[single_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns"
    )
    goal_stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text="The one journey stage the campaign moves buyers through; it sets the journey.",
    )
    objective = models.TextField(blank=True)
    kpi = models.CharField("KPI", max_length=32, choices=Kpi.choices)
    kpi_target = models.DecimalField(
        "KPI target", max_digits=14, decimal_places=2, validators=[TARGET_NOT_NEGATIVE]
    )
    kpi_baseline = models.DecimalField(
        "KPI baseline",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "The KPI baseline cannot be negative.")],
        help_text="Where the KPI stood before the campaign.",
    )
    channels = ListField(item_choices=Channel.choices)
    cadence = models.PositiveSmallIntegerField(
        default=2, validators=CADENCE_VALIDATORS, help_text=CADENCE_HELP
    )
    assets = models.ManyToManyField(
        "content.Asset", related_name="campaigns", blank=True, verbose_name="content mix"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    budget = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    actual_spend = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    utm_code = models.CharField(
        "UTM code",
        max_length=80,
        blank=True,
        validators=[UTM_CODE],
        help_text="The utm_campaign value on this campaign's links (letters, digits, - _ .): "
        "visits and clicks carrying it count as the campaign's touches in attribution.",
    )

    segment_tiers = ListField("tiers", item_choices=Account.Tier.choices, blank=True)
    segment_industries = ListField("industries", blank=True)
    segment_regions = ListField("regions", blank=True)
    segment_stages = models.ManyToManyField(
        "journeys.JourneyStage",
        related_name="+",
        blank=True,
        verbose_name="current stages",
        help_text="Accounts with an open opportunity in one of these stages (or sub-stages).",
    )
    segment_fit_score_min = models.PositiveSmallIntegerField(
        "fit score from", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    segment_fit_score_max = models.PositiveSmallIntegerField(
        "fit score to", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    segment_personas = models.ManyToManyField(
        "personas.Persona", related_name="+", blank=True, verbose_name="personas"
    )
    segment_buying_roles = ListField("buying roles", item_choices=BuyingRole.choices, blank=True)

    history = audit_trail()

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
            models.UniqueConstraint(
                fields=["utm_code"],
                condition=~Q(utm_code=""),
                name="campaign_utm_code_unique",
                violation_error_message="Another campaign already uses this UTM code.",
            ),
            models.CheckConstraint(
                condition=Q(cadence__gte=1, cadence__lte=14),
                name="campaign_cadence_range",
                violation_error_message="Cadence goes from 1 to 14 touches a week.",
            ),
            models.CheckConstraint(
                condition=Q(segment_fit_score_min__isnull=True)
                | Q(segment_fit_score_max__isnull=True)
                | Q(segment_fit_score_max__gte=F("segment_fit_score_min")),
                name="campaign_fit_score_range",
                violation_error_message="The fit score range must not end below its start.",
            ),
        ]
        indexes = [models.Index(fields=["start_date", "end_date"], name="campaign_dates_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def channel_labels(self) -> list[str]:
        return channel_labels(self.channels)

    @property
    def segment_buying_role_labels(self) -> list[str]:
        return [BuyingRole(role).label for role in self.segment_buying_roles]

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "End date must be on or after the start date."
        if (
            self.goal_stage_id
            and self.kpi
            and (misfit := kpi_misfit(kpi=self.kpi, phase=self.goal_stage.phase))
        ):
            errors["kpi"] = misfit
        low, high = self.segment_fit_score_min, self.segment_fit_score_max
        if low is not None and high is not None and high < low:
            errors["segment_fit_score_max"] = "The fit score range must not end below its start."
        if errors:
            raise ValidationError(errors)


class CampaignTemplate(TimeStampedModel):
    """A starting point for a campaign at a stage of one phase: KPI, channels, cadence, content.

    Templates are by phase, so they serve every journey and every version of it.
    """

    name = models.CharField(max_length=160, unique=True, validators=[single_line])
    phase = models.CharField(max_length=16, choices=Phase.choices)
    description = models.TextField(blank=True, help_text="When to use this template.")
    objective = models.TextField(blank=True)
    kpi = models.CharField("KPI", max_length=32, choices=Kpi.choices)
    kpi_target = models.DecimalField(
        "KPI target",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[TARGET_NOT_NEGATIVE],
    )
    channels = ListField(item_choices=Channel.choices)
    cadence = models.PositiveSmallIntegerField(
        default=2, validators=CADENCE_VALIDATORS, help_text=CADENCE_HELP
    )
    duration_days = models.PositiveSmallIntegerField(
        default=42, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    asset_types = ListField(
        item_choices=AssetType.choices,
        blank=True,
        help_text="Content that fits: published assets of these types start the content mix.",
    )

    history = audit_trail()

    class Meta:
        ordering = ["phase", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_days__gte=1, duration_days__lte=366),
                name="campaign_template_duration_range",
                violation_error_message="A campaign lasts from 1 to 366 days.",
            ),
            models.CheckConstraint(
                condition=Q(cadence__gte=1, cadence__lte=14),
                name="campaign_template_cadence_range",
                violation_error_message="Cadence goes from 1 to 14 touches a week.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def channel_labels(self) -> list[str]:
        return channel_labels(self.channels)

    def clean(self) -> None:
        if self.phase and self.kpi and (misfit := kpi_misfit(kpi=self.kpi, phase=self.phase)):
            raise ValidationError({"kpi": misfit})


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(TimeStampedModel):
    """A user's secret calendar-feed address: whoever holds the token reads the campaigns."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
