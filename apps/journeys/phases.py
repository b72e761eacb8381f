"""Phases live apart from the models so that the models can use the KPIs, which use phases."""

from django.db import models


class Phase(models.TextChoices):
    """The three phases of the buyer's journey; every stage and sub-stage belongs to one."""

    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
