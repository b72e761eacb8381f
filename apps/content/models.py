from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.content.files import validate_asset_file
from apps.core.audit import audit_trail
from apps.core.models import ArchivableModel, TimeStampedModel
from apps.core.validators import single_line


class AssetType(models.TextChoices):
    BLOG_POST = "blog_post", "Educational blog post"
    TREND_REPORT = "trend_report", "Industry trend report"
    WHITEPAPER = "whitepaper", "Whitepaper"
    WEBINAR = "webinar", "Webinar"
    CASE_STUDY = "case_study", "Case study"
    COMPARISON_GUIDE = "comparison_guide", "Comparison guide"
    ROI_CALCULATOR = "roi_calculator", "ROI calculator"
    DEMO = "demo", "Product demo"
    CUSTOMER_REFERENCE = "customer_reference", "Customer reference"
    PRICING_SHEET = "pricing_sheet", "Pricing sheet"


class Asset(TimeStampedModel, ArchivableModel):
    """A piece of content mapped to the journey stage and personas it serves."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    title = models.CharField(max_length=200, validators=[single_line])
    asset_type = models.CharField(max_length=32, choices=AssetType.choices)
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.PROTECT, related_name="assets"
    )
    personas = models.ManyToManyField("personas.Persona", related_name="assets", blank=True)
    summary = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(
        upload_to="assets/%Y/%m/",
        blank=True,
        validators=[validate_asset_file],
        help_text="PDF, image, Office document, text/CSV or MP4; handed out as a download.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_assets",
    )

    history = audit_trail()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["journey_stage", "asset_type", "status"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.status == self.Status.PUBLISHED and not (self.url or self.file):
            raise ValidationError({"url": "A published asset needs a URL or a file."})


class AssetShare(models.Model):
    """A rep sent an asset to a committee member: the basis of content influence."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="shares")
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="asset_shares"
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="asset_shares",
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    shared_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    history = audit_trail()

    class Meta:
        ordering = ["-shared_at"]

    def __str__(self) -> str:
        return f"{self.asset} → {self.contact}"


class EnablementRequest(TimeStampedModel):
    """A rep asks marketing for an asset the library lacks."""

    class Priority(models.TextChoices):
        CRITICAL = "critical", "Critical"
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        IN_PROGRESS = "in_progress", "In progress"
        DELIVERED = "delivered", "Delivered"
        DECLINED = "declined", "Declined"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enablement_requests"
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enablement_requests",
    )
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    need = models.TextField(help_text="The objection or need the asset should answer.")
    asset_type = models.CharField(max_length=32, choices=AssetType.choices, blank=True)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_enablement_requests",
    )
    delivered_asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="fulfilled_requests"
    )
    decline_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When marketing last moved it on."
    )
    requester_seen_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the requester last saw its news."
    )
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the requester was emailed the outcome; set once, so they hear once.",
    )

    OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS)

    history = audit_trail(excluded_fields=["requester_seen_at", "notified_at"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="enablement_request_decline_has_reason",
                violation_error_message="A declined request needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return self.need[:60]

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in self.OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )
