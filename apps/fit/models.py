from django.conf import settings
from django.db import models
from django.db.models import Q


class FitModel(models.Model):
    """One training of the ideal-customer profile: what won accounts and their people had in
    common against lost ones, as points per attribute value (see apps/fit/features.py).

    At most one is active; its fits are written on the accounts and contacts.
    """

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        FAILED = "failed", "Failed"

    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.TRAINING)
    requested_at = models.DateTimeField()
    trained_at = models.DateTimeField(null=True, blank=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    account_model = models.JSONField(
        default=dict,
        blank=True,
        help_text="Firmographics: the typical account's log-odds and each attribute value's "
        "learned weight.",
    )
    person_model = models.JSONField(
        default=dict,
        blank=True,
        help_text="Persona, buying role and seniority, in the same shape; empty when there "
        "were too few people to learn from.",
    )
    won_accounts = models.PositiveIntegerField(default=0)
    lost_accounts = models.PositiveIntegerField(
        default=0, help_text="Accounts whose closed deals were all lost (no decision included)."
    )
    won_people = models.PositiveIntegerField(default=0)
    lost_people = models.PositiveIntegerField(default=0)
    account_auc = models.FloatField(null=True, blank=True)
    person_auc = models.FloatField(null=True, blank=True)
    validation = models.CharField(max_length=80, blank=True, help_text="How the AUC was measured.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="active"),
                name="fit_model_one_active",
                violation_error_message="Only one fit model is active at a time.",
            ),
        ]

    def __str__(self) -> str:
        return f"Fit model v{self.version}"
