import re

from django.core.exceptions import ValidationError
from django.db import models

from apps.core.audit import audit_trail
from apps.core.models import ArchivableModel, TimeStampedModel
from apps.core.validators import single_line


class BuyingRole(models.TextChoices):
    """The part a person plays in a buying committee."""

    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    TECHNICAL_EVALUATOR = "technical_evaluator", "Technical evaluator"
    CHAMPION = "champion", "Champion"
    PROCUREMENT = "procurement", "Procurement"
    END_USER = "end_user", "End user"
    INFLUENCER = "influencer", "Influencer"
    BLOCKER = "blocker", "Blocker"


class Seniority(models.TextChoices):
    """How senior a person is; blank when unknown."""

    C_LEVEL = "c_level", "C-level"
    VP = "vp", "VP"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    INDIVIDUAL = "individual", "Individual contributor"


class Persona(TimeStampedModel, ArchivableModel):
    """An archetype of buyer; list fields hold one entry per line."""

    name = models.CharField(max_length=120, unique=True, validators=[single_line])
    buying_role = models.CharField(max_length=32, choices=BuyingRole.choices)
    summary = models.TextField(blank=True)
    priorities = models.TextField(blank=True, help_text="One per line.")
    pain_points = models.TextField(blank=True, help_text="One per line.")
    decision_criteria = models.TextField(blank=True, help_text="One per line.")
    objections = models.TextField(blank=True, help_text="One per line.")

    history = audit_trail()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # "CFO" and "cfo" are one persona to a marketer.
        twins = Persona.objects.filter(name__iexact=self.name.strip()).exclude(pk=self.pk)
        if self.name and twins.exists():
            raise ValidationError({"name": f"A persona named “{twins.first().name}” exists."})

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def pain_point_list(self) -> list[str]:
        return self._lines(self.pain_points)

    @property
    def decision_criteria_list(self) -> list[str]:
        return self._lines(self.decision_criteria)

    @property
    def objection_list(self) -> list[str]:
        return self._lines(self.objections)

    @property
    def priority_list(self) -> list[str]:
        return self._lines(self.priorities)


class TitleRule(models.Model):
    """Job title → persona, buying role and seniority, for contacts imported without them.

    Rules are tried in `position` order: the persona and buying role come from the first rule
    that matches the title and sets either, the seniority from the first that sets one (so
    rules for seniority alone, `VP|Vice President`, sit beside the persona rules).
    """

    pattern = models.CharField(
        max_length=300,
        help_text="A case-insensitive regular expression; `CFO|VP Finance` matches either.",
    )
    persona = models.ForeignKey(
        Persona, on_delete=models.CASCADE, null=True, blank=True, related_name="title_rules"
    )
    buying_role = models.CharField(max_length=32, choices=BuyingRole.choices, blank=True)
    seniority = models.CharField(max_length=16, choices=Seniority.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower runs first.")

    history = audit_trail()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.pattern

    def clean(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as error:
            raise ValidationError({"pattern": f"Not a valid pattern: {error}."}) from error
        if self.persona_id is None and not self.buying_role and not self.seniority:
            raise ValidationError("A rule sets a persona, a buying role, a seniority or several.")
