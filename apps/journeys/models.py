from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.content.models import AssetType
from apps.core.audit import audit_trail
from apps.core.models import TimeStampedModel
from apps.core.validators import single_line
from apps.journeys.kpis import KPIS_BY_PHASE, Kpi, kpi_fits_phase
from apps.journeys.phases import Phase
from apps.personas.models import BuyingRole

CADENCE_RANGE_MESSAGE = "Review cadence must be between 1 and 24 months."


class Journey(TimeStampedModel):
    """A map of how one kind of buyer decides; each published change is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    key = models.SlugField(max_length=80, help_text="Shared by every version of this journey.")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=160, validators=[single_line])
    scope = models.CharField(
        max_length=200, blank=True, help_text="Product, market or segment the map is for."
    )
    # Empty for the starter kit's journey, installed before anyone has signed up.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_journeys",
        help_text="Gets the review reminders; none: no one is reminded.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version this one was copied from.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    review_cadence_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[
            MinValueValidator(1, CADENCE_RANGE_MESSAGE),
            MaxValueValidator(24, CADENCE_RANGE_MESSAGE),
        ],
        help_text="Months between reviews: 1–24, usually 6–12.",
    )
    last_reviewed_at = models.DateTimeField(null=True, blank=True)

    history = audit_trail()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="journey_key_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="journey_version_positive"),
            models.CheckConstraint(
                condition=Q(review_cadence_months__gte=1, review_cadence_months__lte=24),
                name="journey_review_cadence_range",
                violation_error_message=CADENCE_RANGE_MESSAGE,
            ),
            # A key has at most one draft being edited and one published version at a time.
            *(
                models.UniqueConstraint(
                    fields=["key"],
                    condition=Q(status=status),
                    name=f"journey_one_{status}_per_key",
                    violation_error_message=f"This journey already has a {status} version.",
                )
                for status in ("draft", "published")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_draft(self) -> bool:
        """Only a draft is edited in place; a published or archived version is history."""
        return self.status == self.Status.DRAFT


class JourneyStage(models.Model):
    """A journey stage, or a sub-stage when it has a parent (e.g. consideration → shortlist)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="substages"
    )
    name = models.CharField(max_length=120, validators=[single_line])
    slug = models.SlugField(
        max_length=80,
        help_text="Kept from version to version: content, campaigns and pipeline stages mapped "
        "to a stage of an earlier version count for the stage with the same slug.",
    )
    phase = models.CharField(max_length=16, choices=Phase.choices)
    position = models.PositiveSmallIntegerField(help_text="Order among its siblings.")
    description = models.TextField(blank=True)
    entry_criteria = models.TextField(blank=True, help_text="One per line.")
    exit_triggers = models.TextField(
        blank=True, help_text="Signals or events that move a buyer on; one per line."
    )

    history = audit_trail()

    class Meta:
        ordering = ["journey", "parent__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "slug"], name="stage_slug_unique"),
            models.UniqueConstraint(
                fields=["journey", "position"],
                condition=Q(parent__isnull=True),
                name="stage_top_position_unique",
                violation_error_message="Another top-level stage of the journey has this position.",
            ),
            models.UniqueConstraint(
                fields=["parent", "position"],
                condition=Q(parent__isnull=False),
                name="stage_sub_position_unique",
                violation_error_message="Another sub-stage of this stage has this position.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} → {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        errors = {}
        if self.parent_id is not None:
            if self.parent.parent_id is not None:
                errors["parent"] = "Sub-stages go one level deep: pick a top-level stage."
            if self.parent.journey_id != self.journey_id:
                errors["parent"] = "The parent stage belongs to another journey."
            if self.phase != self.parent.phase:
                errors["phase"] = f"A sub-stage shares its parent's phase ({self.parent.phase})."
        elif self.pk is not None and self.substages.exclude(phase=self.phase).exists():
            errors["phase"] = "Its sub-stages are in another phase: change theirs with it."
        if "phase" not in errors and self.pk is not None:
            misfits = [
                k for k in self.kpis.all() if not kpi_fits_phase(kpi=k.kpi, phase=self.phase)
            ]
            if misfits:
                names = ", ".join(k.get_kpi_display() for k in misfits)
                errors["phase"] = f"Its KPIs ({names}) do not measure a {self.phase} stage."
        if errors:
            raise ValidationError(errors)


class StageTransition(models.Model):
    """An allowed move between two stages: journeys are graphs, so skips and moves back count."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.ForeignKey(
        JourneyStage, on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_stage = models.ForeignKey(
        JourneyStage, on_delete=models.CASCADE, related_name="transitions_in"
    )
    trigger = models.CharField(
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text="What makes the move happen.",
    )

    history = audit_trail()

    class Meta:
        ordering = ["journey", "from_stage__position", "to_stage__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_stage", "to_stage"], name="transition_pair_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")),
                name="transition_not_to_itself",
                violation_error_message="A transition must lead to another stage.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    def clean(self) -> None:
        errors = {
            field: "This stage belongs to another journey."
            for field in ("from_stage", "to_stage")
            if getattr(self, f"{field}_id") and getattr(self, field).journey_id != self.journey_id
        }
        if errors:
            raise ValidationError(errors)


MAX_ENTRIES = 30
MAX_ENTRY_LENGTH = 300


def _clean_text_list(value, *, errors: dict, field: str) -> list[str]:
    """A list of distinct, stripped, non-empty entries; wrong shapes go to `errors[field]`."""
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        errors[field] = "Give a list of text entries."
        return value
    entries: list[str] = []
    for entry in (entry.strip() for entry in value):
        if entry and entry not in entries:
            entries.append(entry)
    if len(entries) > MAX_ENTRIES:
        errors[field] = f"At most {MAX_ENTRIES} entries."
    elif any(len(entry) > MAX_ENTRY_LENGTH for entry in entries):
        errors[field] = f"Keep each entry under {MAX_ENTRY_LENGTH} characters."
    return entries


class PlaybookCell(TimeStampedModel):
    """What one persona asks, feels and needs at one stage, and how we meet them there.

    With `account`, the cell is one tier-1 target account's playbook: its entries add to the
    persona's cell for that stage, or replace them when `replaces_persona_cell` is set.
    List fields hold one entry per list item; objections hold {objection, response} pairs.
    """

    TEXT_LISTS = ("buyer_questions", "pain_points", "decision_criteria", "touchpoints")
    CHOICE_LISTS = {"committee_roles": BuyingRole, "content_types": AssetType}
    # Every list field, in the order pages and exports show them.
    LIST_FIELDS = (
        "buyer_questions",
        "pain_points",
        "decision_criteria",
        "objections",
        "committee_roles",
        "touchpoints",
        "content_types",
    )

    stage = models.ForeignKey(JourneyStage, on_delete=models.CASCADE, related_name="playbook_cells")
    # Protected: a published version's cells are history that deleting a persona must not erase.
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.PROTECT, related_name="playbook_cells"
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="playbook_cells",
        help_text="Set for one tier-1 target account's own playbook.",
    )
    replaces_persona_cell = models.BooleanField(
        default=False,
        help_text="For an account's playbook: replace the persona's entries instead of adding.",
    )
    buyer_questions = models.JSONField(default=list, blank=True)
    pain_points = models.JSONField(default=list, blank=True)
    decision_criteria = models.JSONField(default=list, blank=True)
    objections = models.JSONField(
        default=list, blank=True, help_text="Common objections, each with a suggested response."
    )
    committee_roles = models.JSONField(
        "committee roles", default=list, blank=True, help_text="Decision makers involved."
    )
    touchpoints = models.JSONField(
        "touchpoints and channels", default=list, blank=True, help_text="Where we meet them."
    )
    content_types = models.JSONField("recommended content types", default=list, blank=True)

    history = audit_trail()

    class Meta:
        ordering = ["stage__journey", "persona__name", "stage__position", "account__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "persona"],
                condition=Q(account__isnull=True),
                name="playbook_cell_unique",
                violation_error_message="This persona already has a cell at this stage.",
            ),
            models.UniqueConstraint(
                fields=["stage", "persona", "account"],
                condition=Q(account__isnull=False),
                name="playbook_account_cell_unique",
                violation_error_message="This account already has a cell for this persona and "
                "stage.",
            ),
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(replaces_persona_cell=False),
                name="playbook_cell_replaces_only_for_account",
                violation_error_message="Only an account's playbook replaces the persona's cell.",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.persona} × {self.stage}"
        return f"{where} for {self.account}" if self.account_id else where

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, field) for field in self.LIST_FIELDS)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in self.TEXT_LISTS:
            setattr(self, field, _clean_text_list(getattr(self, field), errors=errors, field=field))
        for field, choices in self.CHOICE_LISTS.items():
            value = _clean_text_list(getattr(self, field), errors=errors, field=field)
            unknown = [] if field in errors else sorted(set(value) - set(choices.values))
            if unknown:
                errors[field] = f"Unknown choice: {', '.join(unknown)}."
            setattr(self, field, value)
        self.objections = self._clean_objections(errors)
        if self.account_id is not None:
            account = self.account
            if account.tier != account.Tier.TIER_1 or not account.is_target:
                errors["account"] = (
                    f"{account} is not a tier-1 target account: account playbooks are for "
                    "tier-1 target accounts only."
                )
        elif self.replaces_persona_cell:
            errors["replaces_persona_cell"] = "Only an account's playbook replaces the persona's."
        if errors:
            raise ValidationError(errors)

    def _clean_objections(self, errors: dict) -> list:
        value = self.objections
        shape = "Give a list of objections, each with `objection` and `response` text."
        if not isinstance(value, list) or not all(
            isinstance(item, dict)
            and set(item) <= {"objection", "response"}
            and all(isinstance(text, str) for text in item.values())
            for item in value
        ):
            errors["objections"] = shape
            return value
        pairs = [
            {
                "objection": item.get("objection", "").strip(),
                "response": item.get("response", "").strip(),
            }
            for item in value
        ]
        pairs = [pair for pair in pairs if pair["objection"] or pair["response"]]
        if any(not pair["objection"] for pair in pairs):
            errors["objections"] = "Each suggested response needs the objection it answers."
        elif len(pairs) > MAX_ENTRIES:
            errors["objections"] = f"At most {MAX_ENTRIES} objections."
        elif any(len(text) > MAX_ENTRY_LENGTH for pair in pairs for text in pair.values()):
            errors["objections"] = f"Keep each entry under {MAX_ENTRY_LENGTH} characters."
        return pairs


class StageKpi(models.Model):
    """A KPI a stage is measured by, with its target; the KPI must fit the stage's phase."""

    stage = models.ForeignKey(JourneyStage, on_delete=models.CASCADE, related_name="kpis")
    kpi = models.CharField("KPI", max_length=32, choices=Kpi.choices)
    target = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=200, blank=True)

    history = audit_trail()

    class Meta:
        verbose_name = "stage KPI"
        ordering = ["stage", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "kpi"],
                name="stage_kpi_unique",
                violation_error_message="The stage already has a target for this KPI.",
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0),
                name="stage_kpi_target_non_negative",
                violation_error_message="A KPI target cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} at {self.stage}"

    def clean(self) -> None:
        if self.stage_id and self.kpi and not kpi_fits_phase(kpi=self.kpi, phase=self.stage.phase):
            phase = self.stage.phase
            fitting = ", ".join(Kpi(kpi).label for kpi in KPIS_BY_PHASE[phase])
            raise ValidationError(
                {"kpi": f"{Kpi(self.kpi).label} does not measure a {phase} stage; use {fitting}."}
            )


class JourneyChange(models.Model):
    """Who changed what in a journey version, written by the journey services."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["journey", "-changed_at"])]

    def __str__(self) -> str:
        return self.summary


class JourneyReviewTrigger(models.Model):
    """An event that makes a journey's review due now, whatever its cadence says."""

    class Kind(models.TextChoices):
        NEW_PRODUCT = "new_product", "New product"
        NEW_MARKET = "new_market", "New market"
        BUYING_BEHAVIOUR = "buying_behaviour", "Shift in buying behaviour"
        OTHER = "other", "Other"

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="review_triggers")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = audit_trail()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.journey})"


class JourneyReview(models.Model):
    """Someone reviewed a journey: who, when and what they concluded."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.journey}"


class ReviewReminder(models.Model):
    """One review reminder per journey and due date: inserted before the email goes out, so
    however often the daily task runs, or however many run at once, one email is sent."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="review_reminders")
    due_on = models.DateField()
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)

    class Meta:
        ordering = ["-due_on", "journey"]
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "due_on"], name="review_reminder_once_per_due_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journey}: review due {self.due_on}"
