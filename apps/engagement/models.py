from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class EventKind(models.TextChoices):
    PAGE_VIEW = "page_view", "Page view"
    PRODUCT_PAGE_VIEW = "product_page_view", "Product page view"
    PRICING_PAGE_VIEW = "pricing_page_view", "Pricing page view"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    WEBINAR_ATTENDED = "webinar_attended", "Webinar attended"
    DEMO_REQUEST = "demo_request", "Demo request"
    EMAIL_OPEN = "email_open", "Email open"
    EMAIL_CLICK = "email_click", "Email click"
    FORM_SUBMIT = "form_submit", "Form submit"
    MEETING = "meeting", "Meeting"
    INTENT_SURGE = "intent_surge", "Intent-topic surge"
    CRM_ACTIVITY = "crm_activity", "CRM activity"
    ASSET_SHARED = "asset_shared", "Asset shared by a rep"


class EventSource(models.TextChoices):
    WEB = "web", "Website"
    EMAIL = "email", "Email"
    INTENT = "intent", "Intent / ABM feed"
    CRM = "crm", "CRM"
    WAYMARK = "waymark", "Waymark"


class Event(models.Model):
    """A buyer signal. Append-only; `(source, external_id)` makes re-delivery harmless."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="events")
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        help_text="Empty for anonymous visits matched to the account by domain.",
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    source = models.CharField(max_length=16, choices=EventSource.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    url = models.URLField(max_length=500, blank=True)
    asset = models.ForeignKey(
        "content.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    properties = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(
        max_length=120, blank=True, help_text="The sender's own event id."
    )

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="event_source_external_id_unique",
                violation_error_message="This source already sent an event with this id.",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "occurred_at"]),
            models.Index(fields=["contact", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class SignalRule(models.Model):
    """How strongly a kind of event says a buyer is in a journey stage, and how fast that fades."""

    kind = models.CharField(max_length=32, choices=EventKind.choices)
    url_pattern = models.CharField(
        max_length=200, blank=True, help_text="Only events whose URL contains this, e.g. /pricing."
    )
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.CASCADE, related_name="signal_rules"
    )
    weight = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    half_life_days = models.PositiveSmallIntegerField(default=30)
    cap = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="Most this rule can add."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["journey_stage", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "url_pattern", "journey_stage"], name="signal_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="signal_rule_weight_non_negative",
                violation_error_message="Weight cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(half_life_days__gte=1),
                name="signal_rule_half_life_positive",
                violation_error_message="Half-life is at least one day.",
            ),
        ]

    def __str__(self) -> str:
        pattern = f" {self.url_pattern}" if self.url_pattern else ""
        return f"{self.get_kind_display()}{pattern} → {self.journey_stage}"
