from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.core.audit import audit_trail
from apps.core.time_zones import time_zone_choices


class Role(models.TextChoices):
    """The kinds of Waymark user; each is a Django group of the same name."""

    MARKETER = "marketer", "Marketer"
    SALES = "sales", "Sales rep"
    # Sees and works every rep's deals and handoffs, as a rep works their own.
    MANAGER = "manager", "Sales manager"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    """A Waymark user; the role comes from group membership, not from a field."""

    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")

    history = audit_trail(excluded_fields=["password"], m2m_fields=["groups"])

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
