import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.core.audit import audit_trail
from apps.core.countries import (
    COUNTRY_ERRORS,
    SUBDIVISION_MAX_LENGTH,
    country_choices,
    place_clean,
)
from apps.core.models import (
    ArchivableModel,
    ExternalRecord,
    TimeStampedModel,
    active_ordering_indexes,
)
from apps.core.time_zones import time_zone_choices
from apps.core.validators import single_line
from apps.personas.models import BuyingRole, Seniority

_DOMAIN_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_domain(value: str) -> str:
    """`https://www.Acme.com/about` → `acme.com`: one spelling per company."""
    host = _DOMAIN_PREFIX.sub("", value.strip().lower())
    return host.split("/", 1)[0].split(":", 1)[0].rstrip(".")


def is_web_domain(value: str) -> bool:
    """True for a normalised domain such as `acme.com`."""
    return bool(_DOMAIN.match(value))


class Located(models.Model):
    """Where a buyer works: their country and subdivision pick their public holidays."""

    country = models.CharField(
        max_length=2,
        choices=country_choices,
        blank=True,
        default="",
        db_default="",
        error_messages=COUNTRY_ERRORS,
        help_text="ISO 3166 code, e.g. DE; its public holidays pause nurture steps.",
    )
    subdivision = models.CharField(
        max_length=SUBDIVISION_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        help_text="State or province code within the country, e.g. BY (Bavaria) or CA.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        place_clean(self)


class Account(ExternalRecord, TimeStampedModel, ArchivableModel, Located):
    """A company we sell to; its country is the holiday calendar of contacts without one."""

    class Tier(models.IntegerChoices):
        TIER_1 = 1, "Tier 1"
        TIER_2 = 2, "Tier 2"
        TIER_3 = 3, "Tier 3"

    name = models.CharField(max_length=200, validators=[single_line])
    domain = models.CharField(
        max_length=253, unique=True, help_text="Company web domain, e.g. acme.com."
    )
    industry = models.CharField(max_length=80, blank=True, validators=[single_line])
    region = models.CharField(max_length=80, blank=True, validators=[single_line])
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="In USD.",
    )
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.TIER_3)
    is_target = models.BooleanField("target account", default=False)

    class FitSource(models.TextChoices):
        LEARNED = "learned", "Learned"
        MANUAL = "manual", "Set by hand"

    fit_score = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="How well the account fits the ideal customer profile, 0–100: the learned "
        "fit, unless set by hand.",
    )
    fit_source = models.CharField(
        max_length=8,
        choices=FitSource.choices,
        default=FitSource.LEARNED,
        db_default=FitSource.LEARNED,
        help_text="Set by hand: the fit score stays as entered. Learned: it follows the fit "
        "model (apps/fit).",
    )
    fit_learned = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The active fit model's fit, 0–100; kept while the score is set by hand.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )

    # The learned fit is rewritten in bulk for every account after each training: system state.
    history = audit_trail(excluded_fields=["fit_learned"])

    class Meta:
        ordering = ["name"]
        constraints = [
            *ExternalRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")),
                name="account_domain_normalised",
                violation_error_message="Domain must be lower-case.",
            ),
            models.CheckConstraint(
                condition=Q(annual_revenue__gte=0) | Q(annual_revenue__isnull=True),
                name="account_revenue_non_negative",
                violation_error_message="Annual revenue cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(fit_score__lte=100),
                name="account_fit_score_range",
                violation_error_message="Fit score goes from 0 to 100.",
            ),
        ]
        indexes = [
            models.Index(fields=["tier", "is_target"]),
            # One per ordering that lists offer, over the active rows they show; the id keeps
            # the order stable (and pages disjoint) between equal values.
            *active_ordering_indexes("account", ["name"], ["tier"], ["fit_score"], ["created_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.domain = normalise_domain(self.domain)
        if not is_web_domain(self.domain):
            raise ValidationError({"domain": "Enter a web domain such as acme.com."})


class Contact(ExternalRecord, TimeStampedModel, ArchivableModel, Located):
    """A person at an account; the account's contacts with their roles form its buying committee."""

    class Consent(models.TextChoices):
        OPTED_IN = "opted_in", "Opted in"
        UNKNOWN = "unknown", "Unknown"
        OPTED_OUT = "opted_out", "Opted out"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=80, validators=[single_line])
    last_name = models.CharField(max_length=80, validators=[single_line])
    email = models.EmailField(unique=True)
    title = models.CharField("job title", max_length=120, blank=True, validators=[single_line])
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    buying_role = models.CharField(max_length=32, choices=BuyingRole.choices, blank=True)
    seniority = models.CharField(
        max_length=16, choices=Seniority.choices, blank=True, default="", db_default=""
    )
    person_fit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The active fit model's fit for this person (persona, buying role, "
        "seniority), 0–100.",
    )
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.UNKNOWN)
    declines_tracking = models.BooleanField(
        default=False,
        db_default=False,  # imports and bench worlds insert contacts in raw SQL
        help_text="Declined email tracking: sequence emails to them carry no open pixel and no "
        "tracked links.",
    )
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    buying_cycle_started_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When this person's current buying cycle began (their deal closed, or sales "
        "rejected them to recycle): earlier signals no longer count toward stage and score.",
    )

    # A buying cycle starts when a deal closes, and the person fit follows the fit model, for
    # many people at once: system state.
    history = audit_trail(excluded_fields=["buying_cycle_started_at", "person_fit"])

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = active_ordering_indexes(
            "contact", ["last_name", "first_name"], ["first_name"], ["created_at"]
        )
        constraints = [
            *ExternalRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="contact_email_normalised",
                violation_error_message="Email must be lower-case.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    @property
    def holiday_place(self) -> tuple[str, str]:
        """The country and subdivision whose holidays apply: the contact's, else the account's."""
        if self.country:
            return self.country, self.subdivision
        return self.account.country, self.account.subdivision
