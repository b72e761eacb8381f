from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.audit import audit_trail
from apps.core.models import TimeStampedModel
from apps.personas.models import BuyingRole


class EventKind(models.TextChoices):
    PAGE_VIEW = "page_view", "Page view"
    PRODUCT_PAGE_VIEW = "product_page_view", "Product page view"
    PRICING_PAGE_VIEW = "pricing_page_view", "Pricing page view"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    WEBINAR_ATTENDED = "webinar_attended", "Webinar attended"
    DEMO_REQUEST = "demo_request", "Demo request"
    EMAIL_OPEN = "email_open", "Email open"
    EMAIL_CLICK = "email_click", "Email click"
    EMAIL_REPLY = "email_reply", "Email reply"
    EMAIL_BOUNCE = "email_bounce", "Email bounce"
    FORM_SUBMIT = "form_submit", "Form submit"
    MEETING = "meeting", "Meeting"
    INTENT_SURGE = "intent_surge", "Intent-topic surge"
    CRM_ACTIVITY = "crm_activity", "CRM activity"
    ASSET_SHARED = "asset_shared", "Asset shared by a rep"
    EMAIL_SENT = "email_sent", "Email sent by a rep"
    CALL = "call", "Call"


class Direction(models.TextChoices):
    """Who started it. Only the buyer's own actions are intent; what a rep does (an email sent,
    a call, a meeting they booked) shows how well an account is covered, never its stage."""

    BUYER = "buyer", "Buyer-initiated"
    SELLER = "seller", "Seller-initiated"


# The kinds a rep starts unless the sender says otherwise (an inbound call, a meeting the
# buyer booked through a scheduling link: `direction` "buyer").
SELLER_KINDS = frozenset(
    (
        EventKind.EMAIL_SENT,
        EventKind.CALL,
        EventKind.MEETING,
        EventKind.CRM_ACTIVITY,
        EventKind.ASSET_SHARED,
    )
)


def default_direction(kind: str) -> str:
    return Direction.SELLER if kind in SELLER_KINDS else Direction.BUYER


class EventSource(models.TextChoices):
    WEB = "web", "Website"
    EMAIL = "email", "Email"
    INTENT = "intent", "Intent / ABM feed"
    CRM = "crm", "CRM"
    WAYMARK = "waymark", "Waymark"


class Event(models.Model):
    """A signal from or about a buyer (`direction` says who started it). Append-only;
    `(source, external_id, occurred_at)` makes re-delivery harmless.

    On PostgreSQL the table is partitioned by month of `occurred_at` (apps/engagement/
    partitions.py): its unique indexes must hold that column, and the database's primary key is
    (id, occurred_at) while Django's stays `id`."""

    # The (account, occurred_at) and (contact, occurred_at) indexes serve lookups by either key;
    # a second index per key would only slow down the bulk inserts.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="events", db_index=False
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        help_text="Empty for anonymous visits matched to the account by domain.",
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    source = models.CharField(max_length=16, choices=EventSource.choices)
    # A database default too, so set-based inserts that leave it out still work. Scoring reads
    # it through the buyer events' index (migration 0010), never on its own: no index here.
    direction = models.CharField(
        max_length=6, choices=Direction.choices, default=Direction.BUYER, db_default="buyer"
    )
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
            # A re-delivered event carries its time again; a sender that changes the time of
            # an event it already sent makes a second one (README, "Events at 100 million rows").
            models.UniqueConstraint(
                fields=["source", "external_id", "occurred_at"],
                condition=~Q(external_id=""),
                name="event_source_external_id_unique",
                violation_error_message="This source already sent an event with this id "
                "at this time.",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "occurred_at"]),
            models.Index(fields=["contact", "occurred_at"]),
            # The events list, newest first, at any table size.
            models.Index(fields=["occurred_at", "id"], name="event_by_occurred_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class SignalRule(models.Model):
    """How strongly a kind of event says a buyer is in a journey stage, and how fast that fades."""

    kind = models.CharField(max_length=32, choices=EventKind.choices)
    url_pattern = models.CharField(
        max_length=200, blank=True, help_text="Only events whose URL contains this, e.g. /pricing."
    )
    property_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="Only events whose properties hold this field, e.g. outcome.",
    )
    property_value = models.CharField(
        max_length=200,
        blank=True,
        help_text="The value that field must have, as text, e.g. connected.",
    )
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage", on_delete=models.CASCADE, related_name="signal_rules"
    )
    weight = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    half_life_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[
            MinValueValidator(1, "Half-life is at least one day."),
            MaxValueValidator(3650, "Half-life is at most ten years."),
        ],
        help_text="Days after which an event counts half as much.",
    )
    cap = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "A rule's cap cannot be negative.")],
        help_text="Most this rule can add.",
    )
    repeat_count = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Events needed within the repeat window before any counts, e.g. 3 visits.",
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="The window of a repeat rule, e.g. 14 days.",
    )
    is_active = models.BooleanField(default=True)

    history = audit_trail()

    class Meta:
        ordering = ["journey_stage", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "kind",
                    "url_pattern",
                    "property_name",
                    "property_value",
                    "journey_stage",
                    "repeat_count",
                ],
                name="signal_rule_unique",
                violation_error_message="A rule for this kind, URL, property and stage already "
                "exists.",
            ),
            models.CheckConstraint(
                condition=Q(repeat_count=1) | Q(repeat_window_days__isnull=False),
                name="signal_rule_repeat_has_window",
                violation_error_message="A repeat rule needs a window in days.",
            ),
            models.CheckConstraint(
                condition=Q(property_name="", property_value="")
                | (~Q(property_name="") & ~Q(property_value="")),
                name="signal_rule_property_has_value",
                violation_error_message="Give the value the property must have.",
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
        return f"{self.label} → {self.journey_stage}"

    @property
    def label(self) -> str:
        """What the rule matches, e.g. "Call outcome=connected" or "Page view /pricing ×3…"."""
        pattern = f" {self.url_pattern}" if self.url_pattern else ""
        matched = f" {self.property_name}={self.property_value}" if self.property_name else ""
        return f"{self.get_kind_display()}{pattern}{matched}{self.repeat_label}"

    @property
    def is_repeat(self) -> bool:
        return self.repeat_count > 1

    @property
    def repeat_label(self) -> str:
        if not self.is_repeat:
            return ""
        return f" ×{self.repeat_count} within {self.repeat_window_days} days"

    def clean(self) -> None:
        if bool(self.property_name) != bool(self.property_value):
            field = "property_value" if self.property_name else "property_name"
            raise ValidationError(
                {field: "A property rule names both the field and the value it must have."}
            )
        if self.repeat_count > 1 and not self.repeat_window_days:
            raise ValidationError({"repeat_window_days": "A repeat rule needs a window in days."})
        if self.repeat_count == 1 and self.repeat_window_days:
            raise ValidationError(
                {"repeat_count": "Set how many events the window needs (2 or more)."}
            )


class ScoringSettings(models.Model):
    """How scores and stages are worked out: one row, edited by marketers and admins.

    Contact score = fit + engagement, where engagement sums each signal's weight halved every
    half-life and multiplied by its phase (later phases count more). An account counts its
    most engaged people only (each up to a cap), so a big account's one hot buyer is not lost
    among the rest, rewards each buying role engaged and scales by tier.
    """

    SINGLETON_ID = 1

    stage_threshold = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(0.01)],
        help_text="Decayed evidence a stage needs before a buyer is placed in it.",
    )
    awareness_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    consideration_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("2"), validators=[MinValueValidator(0)]
    )
    decision_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("3"), validators=[MinValueValidator(0)]
    )
    firmographic_fit_points = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(0)],
        help_text="Points for an account with a fit score of 100; less in proportion.",
    )
    persona_fit_points = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(0)],
        help_text=(
            "Points for a person with a learned person fit of 100, less in proportion; until a "
            "fit model is trained, for a contact whose persona is a target persona (any "
            "persona if none)."
        ),
    )
    target_personas = models.ManyToManyField("personas.Persona", blank=True, related_name="+")
    buying_role_points = models.JSONField(
        default=dict,
        blank=True,
        help_text='Points per buying role, e.g. {"economic_buyer": 15, "champion": 10}.',
    )
    top_members = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many of an account's most engaged people its score and stage evidence "
        "count; the rest add only through buying-role breadth and committee coverage.",
    )
    person_cap = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("40"),
        validators=[MinValueValidator(0)],
        help_text="Most one person's engagement adds to their account's score.",
    )
    role_breadth_points = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(0)],
        help_text="Account points for each buying role with someone placed in a stage, "
        "whoever it is.",
    )
    committee_for_consideration = models.PositiveSmallIntegerField(
        default=2, help_text="People an account needs in consideration or later to be there."
    )
    committee_for_decision = models.PositiveSmallIntegerField(
        default=2, help_text="People an account needs in decision to be there."
    )
    tier_1_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.5"), validators=[MinValueValidator(0)]
    )
    tier_2_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.2"), validators=[MinValueValidator(0)]
    )
    tier_3_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    mql_threshold = models.DecimalField(
        "MQL threshold",
        max_digits=8,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(0)],
        help_text="A contact scoring this much is handed to sales as an MQL.",
    )
    mqa_threshold = models.DecimalField(
        "MQA threshold",
        max_digits=8,
        decimal_places=2,
        default=Decimal("120"),
        validators=[MinValueValidator(0)],
        help_text="An account scoring this much is handed to sales as an MQA.",
    )
    rejected_handoff_cooldown_days = models.PositiveSmallIntegerField(
        default=30, help_text="A rejected MQL or MQA is raised again after this many days."
    )
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    history = audit_trail()

    class Meta:
        verbose_name = "scoring settings"
        verbose_name_plural = "scoring settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="scoring_settings_single_row"),
        ]

    def __str__(self) -> str:
        return "Scoring settings"

    def clean(self) -> None:
        roles = dict(BuyingRole.choices)
        points = self.buying_role_points
        if not isinstance(points, dict):
            raise ValidationError({"buying_role_points": "Give points per buying role."})
        unknown = sorted(set(points) - set(roles))
        if unknown:
            raise ValidationError(
                {"buying_role_points": f"Unknown buying role: {', '.join(unknown)}."}
            )
        if any(
            isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 100
            for v in points.values()
        ):
            raise ValidationError({"buying_role_points": "Points go from 0 to 100."})


# The recompute writes scores, snapshots and stage changes in bulk, 100,000 rows at a time: their
# foreign keys carry no database constraint (a check per row would double a full recompute's
# time). Django still cascades deletes and nulls stages for them, as `on_delete` says.


class ScoreState(models.Model):
    """What the scoring found for a buyer at its last run: score, stage and since when.

    `score_week_ago` gives the trend: for a contact, the score its events gave seven days
    before the run; for an account, its snapshot of that day.
    """

    fit = models.FloatField(default=0)
    engagement = models.FloatField(default=0)
    score = models.FloatField(default=0)
    # Every buyer's row is rewritten each night: left unindexed (a handful of stages would
    # not narrow a search much) so that rewrite can stay on its page (a HOT update).
    stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    stage_evidence = models.FloatField(
        default=0, help_text="The decayed evidence behind the current stage."
    )
    stage_since = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()
    score_week_ago = models.FloatField(null=True, blank=True)
    # No foreign key: written in bulk by every recompute, like the rest of the row.
    rule_set_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The rule set version the score was computed with."
    )

    class Meta:
        abstract = True

    @property
    def trend(self) -> float | None:
        """How much the score moved over the last seven days; None without a week-old score."""
        return None if self.score_week_ago is None else self.score - self.score_week_ago


class ContactScore(ScoreState):
    contact = models.OneToOneField(
        "accounts.Contact",
        on_delete=models.CASCADE,
        db_constraint=False,
        primary_key=True,
        related_name="signal_score",
    )
    # A copy of the contact's account for the recompute; an account's people are looked up
    # through the contacts' own index, so the row written for every contact each run is
    # spared one of its own.
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"Score of contact {self.contact_id}"


class AccountScore(ScoreState):
    account = models.OneToOneField(
        "accounts.Account",
        on_delete=models.CASCADE,
        db_constraint=False,
        primary_key=True,
        related_name="signal_score",
    )
    engaged_contacts = models.PositiveIntegerField(
        default=0, help_text="People placed in any stage."
    )
    engaged_roles = models.PositiveSmallIntegerField(
        default=0, help_text="Buying roles with someone placed in any stage."
    )
    committee_coverage = models.PositiveIntegerField(
        default=0, help_text="People placed in the account's stage or later."
    )

    def __str__(self) -> str:
        return f"Score of account {self.account_id}"


class AccountScoreSnapshot(models.Model):
    """An account's score and stage at the end of a day, for its trend line."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="score_snapshots",
    )
    day = models.DateField()
    score = models.FloatField()
    stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.SET_NULL,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["account", "day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="account_snapshot_day_unique")
        ]

    def __str__(self) -> str:
        return f"Account {self.account_id} on {self.day}"


class InferredStageChange(models.Model):
    """A buyer's inferred journey stage changed, with the evidence that moved it.

    `contact` is empty when the change is the account's own stage. `evidence` lists, per signal
    rule, what it added for the stage reached (and, on a move back, for the stage left): the
    rule as it read then, the stage, how many events, their decayed points and the latest event.
    """

    # Indexed by (account, changed_at) and (contact, changed_at) below: no index of their own.
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="inferred_stage_changes",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="inferred_stage_changes",
    )
    # Changes are read by buyer and time (indexes below); by stage only when one is deleted,
    # or filtered after the buyer: no stage index to write on every change.
    from_stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the evidence for every stage faded.",
    )
    is_forward = models.BooleanField()
    changed_at = models.DateTimeField()
    score = models.FloatField()
    stage_evidence = models.FloatField(help_text="Decayed evidence for the stage reached.")
    threshold = models.FloatField(help_text="The evidence a stage needed at the time.")
    committee_coverage = models.PositiveIntegerField(null=True, blank=True)
    evidence = models.JSONField(default=list)
    rule_set_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The rule set version the change was computed with."
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["account", "changed_at"]),
            models.Index(fields=["contact", "changed_at"]),
            models.Index(
                fields=["changed_at"],
                condition=Q(contact__isnull=True, is_forward=True),
                name="account_moved_forward_idx",
            ),
            # An account's own changes apart from its people's (ten or a hundred times as
            # many): the dashboards look up each account's change before another, or its
            # latest move forward, one account at a time.
            models.Index(
                fields=["account", "changed_at"],
                condition=Q(contact__isnull=True),
                name="account_own_change_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or 'no stage'} → {self.to_stage or 'no stage'}"


class Handoff(models.Model):
    """A marketing-qualified lead (contact) or account handed to sales to accept or reject."""

    class Kind(models.TextChoices):
        MQL = "mql", "MQL"
        MQA = "mqa", "MQA"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=3, choices=Kind.choices)
    # Raised in bulk by the recompute, like the scores: Django's on_delete keeps the links,
    # without a database check per row at commit.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_constraint=False, related_name="handoffs"
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="handoffs",
    )
    score = models.FloatField(help_text="The score when it was raised.")
    threshold = models.FloatField()
    stage = models.ForeignKey(
        "journeys.JourneyStage",
        on_delete=models.SET_NULL,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_at = models.DateTimeField()
    # Routed to the account's owner when raised; empty: the marketing-ops queue, until someone
    # there (or a sales manager) assigns it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="handoffs",
        help_text="Who decides it: the account's owner when it was raised, or whoever it was "
        "reassigned to; empty for the marketing-ops queue.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="mql", contact__isnull=False)
                | Q(kind="mqa", contact__isnull=True),
                name="handoff_kind_matches_subject",
                violation_error_message="An MQL names a contact; an MQA names only an account.",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="handoff_decided_when_not_pending",
                violation_error_message="A decided handoff records when it was decided.",
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(status="pending", contact__isnull=False),
                name="handoff_one_pending_mql",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="pending", kind="mqa"),
                name="handoff_one_pending_mqa",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "raised_at"]),
            # A rep's queue: their pending handoffs.
            models.Index(fields=["owner", "status"], name="handoff_owner_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} raised {self.raised_at:%Y-%m-%d}"


class RecomputeRequest(models.Model):
    """An account whose scores wait for the incremental recompute; one row however often asked."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Recompute account {self.account_id}"


class WebhookSource(TimeStampedModel):
    """A sender allowed to push events by webhook, signing each delivery with its own secret."""

    name = models.SlugField(max_length=60, unique=True, help_text="Part of the webhook URL.")
    source = models.CharField(max_length=16, choices=EventSource.choices)
    secret = models.CharField(
        max_length=128, help_text="Shared with the sender; never shown in lists."
    )
    tolerance_seconds = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(10), MaxValueValidator(3600)],
        help_text="How old a delivery's timestamp may be.",
    )
    is_active = models.BooleanField(default=True)

    history = audit_trail(excluded_fields=["secret"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """A delivery already taken: its signature may not be used again (replays are refused)."""

    webhook_source = models.ForeignKey(
        WebhookSource, on_delete=models.CASCADE, related_name="deliveries"
    )
    signature = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook_source", "signature"], name="webhook_delivery_unique"
            )
        ]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.webhook_source} delivery at {self.received_at:%Y-%m-%d %H:%M:%S}"


class Backtest(TimeStampedModel):
    """One backtest of the scores: as of a past moment, against what happened in the horizon
    after (see apps/engagement/backtest.py). `results` holds the numbers the page draws."""

    class Outcome(models.TextChoices):
        OPPORTUNITY_CREATED = "opportunity_created", "Opportunity created"
        OPPORTUNITY_WON = "opportunity_won", "Opportunity won"
        HANDOFF_ACCEPTED = "handoff_accepted", "Handoff accepted"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    as_of = models.DateTimeField(help_text="Scores as they stood then.")
    horizon_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days after the as-of time in which the outcome counts.",
    )
    outcome = models.CharField(
        max_length=24, choices=Outcome.choices, default=Outcome.OPPORTUNITY_CREATED
    )
    known_then = models.BooleanField(
        default=False, help_text="Count only the events Waymark had received by the as-of time."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    compare_with = models.ForeignKey(
        "engagement.RuleSet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A proposal or an earlier version, scored beside the current rules.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Backtest as of {self.as_of:%Y-%m-%d}, {self.horizon_days} days"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class RuleSet(TimeStampedModel):
    """One version of the rules scores are computed with: every signal rule as a recompute reads
    it and the stage threshold, kept whole so any past score can be worked out again.

    Every change of the live rules stores a new active version (the one before is superseded);
    a calibration stores a proposal instead, which changes nothing until a marketer approves it.
    Exactly one version is active once any exists.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"
        DECLINED = "declined", "Declined"

    class Origin(models.TextChoices):
        STARTER_KIT = "starter_kit", "Starter kit"
        EDITED = "edited", "Rules edited"
        TEMPLATE_RESET = "template_reset", "Reset to the template"
        CALIBRATION = "calibration", "Calibration"
        IN_PLACE = "in_place", "Rules in place when versions began"

    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    origin = models.CharField(max_length=14, choices=Origin.choices)
    summary = models.TextField(help_text="What changed, and who changed it.")
    # Per rule: id, kind, url_pattern, property_name, property_value, journey_stage (id),
    # weight, half_life_days, cap, repeat_count, repeat_window_days, is_active, label
    # (`scoring.rule_snapshot`).
    rules = models.JSONField(default=list)
    stage_threshold = models.DecimalField(max_digits=6, decimal_places=2)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version this one was made from.",
    )
    # A calibration's why: per rule its lift, interval, events and reason; the threshold's
    # reason; the metrics; the history it learned from.
    evidence = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="rule_set_version_positive"),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="active"),
                name="rule_set_one_active",
                violation_error_message="Only one rule set is active at a time.",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="rule_set_decided_unless_proposed",
                violation_error_message="A rule set that is no longer proposed records when it "
                "was decided.",
            ),
        ]

    def __str__(self) -> str:
        return f"Rule set v{self.version} ({self.get_status_display().lower()})"


class Calibration(TimeStampedModel):
    """One calibration run: weights, half-lives and the stage threshold learned from history
    on a worker (apps/engagement/calibration.py), ending in a proposed rule set."""

    Status = Backtest.Status

    start = models.DateTimeField(help_text="The first moment buyers are scored at.")
    end = models.DateTimeField(help_text="The last moment buyers are scored at.")
    horizon_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days after each moment in which the outcome counts.",
    )
    outcome = models.CharField(
        max_length=24,
        choices=Backtest.Outcome.choices,
        default=Backtest.Outcome.OPPORTUNITY_CREATED,
    )
    cutoffs = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(24)],
        help_text="Moments spread evenly from start to end; the later ones are held out.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    failure = models.TextField(blank=True)
    proposal = models.ForeignKey(
        RuleSet, on_delete=models.SET_NULL, null=True, blank=True, related_name="calibrations"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Calibration {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}, {self.horizon_days} days"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
