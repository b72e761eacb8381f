from django.conf import settings
from django.db import models

from apps.core.audit import audit_trail


class DealObjection(models.Model):
    """An objection a rep heard on a deal; recommendations look for assets that answer it."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity", on_delete=models.CASCADE, related_name="objections"
    )
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who raised it, when known.",
    )
    text = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    history = audit_trail()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return self.text[:60]


class AssetRecommendation(models.Model):
    """An asset was recommended on a deal: once per pair, counted as "times recommended"."""

    asset = models.ForeignKey(
        "content.Asset", on_delete=models.CASCADE, related_name="recommendations"
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity", on_delete=models.CASCADE, related_name="asset_recommendations"
    )
    first_recommended_at = models.DateTimeField()

    class Meta:
        ordering = ["-first_recommended_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "opportunity"], name="asset_recommendation_once_per_deal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} for {self.opportunity}"
