from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.bulk import ItemErrorSerializer
from apps.engagement import ingestion
from apps.engagement.models import (
    SELLER_KINDS,
    AccountScore,
    Backtest,
    Calibration,
    ContactScore,
    Direction,
    Event,
    EventKind,
    EventSource,
    Handoff,
    InferredStageChange,
    RuleSet,
    SignalRule,
)
from apps.engagement.selectors import rule_set_diff
from apps.users.models import User


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id",
            "account",
            "contact",
            "kind",
            "source",
            "direction",
            "occurred_at",
            "received_at",
            "url",
            "asset",
            "properties",
            "external_id",
        ]


class EventInputSerializer(serializers.Serializer):
    """One event as senders post it (bulk endpoint and webhooks); documents the body.

    Name the buyer by contact (`email` or `contact` id) or, for an anonymous visit, by account
    (`domain` or `account` id). An unknown email still counts for the account of its domain.
    """

    id = serializers.CharField(
        required=False, max_length=120, help_text="Your own event id: a second copy is skipped."
    )
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField(
        help_text="ISO 8601; no offset means UTC. At most an hour ahead of the server clock."
    )
    source = serializers.ChoiceField(
        choices=EventSource.choices, required=False, help_text="Set by the webhook's source."
    )
    direction = serializers.ChoiceField(
        choices=Direction.choices,
        required=False,
        help_text="Who started it: only the buyer's own actions count as intent. Default by kind: "
        f"{', '.join(sorted(SELLER_KINDS))} are seller-initiated (a rep's email, call, meeting "
        "they booked, CRM task or shared asset), every other kind buyer-initiated. Say `buyer` "
        "for an inbound call or a meeting the buyer booked.",
    )
    email = serializers.EmailField(required=False)
    contact = serializers.IntegerField(required=False, min_value=1)
    domain = serializers.CharField(required=False, max_length=253)
    account = serializers.IntegerField(required=False, min_value=1)
    url = serializers.URLField(required=False, max_length=500)
    asset = serializers.IntegerField(required=False, min_value=1)
    properties = serializers.DictField(
        required=False, help_text=f"At most {ingestion.MAX_PROPERTIES_BYTES} bytes of JSON."
    )


class IngestReportSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Already stored under the same source and id.")
    rejected = serializers.IntegerField()
    errors = ItemErrorSerializer(many=True)


class SignalRuleSerializer(serializers.ModelSerializer):
    journey_stage_name = serializers.CharField(source="journey_stage", read_only=True)

    class Meta:
        model = SignalRule
        fields = [
            "id",
            "kind",
            "url_pattern",
            "property_name",
            "property_value",
            "journey_stage",
            "journey_stage_name",
            "weight",
            "half_life_days",
            "cap",
            "repeat_count",
            "repeat_window_days",
            "is_active",
        ]
        # The service validates the whole rule, its uniqueness included, and names the field.
        validators = []


class RulePreviewSerializer(SignalRuleSerializer):
    rule = serializers.PrimaryKeyRelatedField(
        queryset=SignalRule.objects.all(),
        required=False,
        allow_null=True,
        help_text="The rule being edited; empty for a new one.",
    )
    remove = serializers.BooleanField(
        default=False, help_text="Preview deleting `rule` rather than changing it."
    )

    class Meta(SignalRuleSerializer.Meta):
        fields = [*SignalRuleSerializer.Meta.fields, "rule", "remove"]


class StageShiftSerializer(serializers.Serializer):
    contacts = serializers.IntegerField(help_text="Contacts compared.")
    forward = serializers.IntegerField(help_text="Would move to a later stage.")
    back = serializers.IntegerField(help_text="Would move back, or out of every stage.")
    changed = serializers.IntegerField()


class ScoreStateSerializer(serializers.ModelSerializer):
    stage_name = serializers.CharField(source="stage", read_only=True, allow_null=True)
    trend = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        fields = [
            "fit",
            "engagement",
            "score",
            "score_week_ago",
            "trend",
            "stage",
            "stage_name",
            "stage_evidence",
            "stage_since",
            "computed_at",
        ]


class ContactScoreSerializer(ScoreStateSerializer):
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)

    class Meta(ScoreStateSerializer.Meta):
        model = ContactScore
        fields = ["contact", "contact_name", "account", *ScoreStateSerializer.Meta.fields]


class AccountScoreSerializer(ScoreStateSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    tier = serializers.IntegerField(source="account.tier", read_only=True)

    class Meta(ScoreStateSerializer.Meta):
        model = AccountScore
        fields = [
            "account",
            "account_name",
            "tier",
            *ScoreStateSerializer.Meta.fields,
            "engaged_contacts",
            "engaged_roles",
            "committee_coverage",
        ]


class EvidenceItemSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule_id")
    label = serializers.CharField(help_text="The rule as it read when the change happened.")
    stage = serializers.IntegerField(source="stage_id")
    stage_name = serializers.CharField()
    events = serializers.IntegerField(help_text="Events the rule counted.")
    points = serializers.FloatField(help_text="What they were worth after decay and cap.")
    last_event = EventSerializer(allow_null=True)


class InferredStageChangeSerializer(serializers.ModelSerializer):
    from_stage_name = serializers.CharField(source="from_stage", read_only=True, allow_null=True)
    to_stage_name = serializers.CharField(source="to_stage", read_only=True, allow_null=True)
    evidence = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="Per rule: rule, label, stage, stage_name, events, points, last_event.",
    )

    class Meta:
        model = InferredStageChange
        fields = [
            "id",
            "account",
            "contact",
            "from_stage",
            "from_stage_name",
            "to_stage",
            "to_stage_name",
            "is_forward",
            "changed_at",
            "score",
            "stage_evidence",
            "threshold",
            "committee_coverage",
            "evidence",
        ]


class StageExplanationSerializer(serializers.Serializer):
    stage_name = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    stage_evidence = serializers.FloatField()
    score = serializers.FloatField()
    change = InferredStageChangeSerializer(source="entry.change", allow_null=True, default=None)
    evidence = EvidenceItemSerializer(source="entry.evidence", many=True, default=list)


class HandoffSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact_name = serializers.CharField(
        source="contact.full_name", read_only=True, allow_null=True, default=None
    )
    stage_name = serializers.CharField(source="stage", read_only=True, allow_null=True)
    decided_by_name = serializers.CharField(source="decided_by", read_only=True, allow_null=True)
    owner_name = serializers.CharField(
        source="owner", read_only=True, allow_null=True, help_text="Empty: marketing-ops queue."
    )

    class Meta:
        model = Handoff
        fields = [
            "id",
            "kind",
            "account",
            "account_name",
            "contact",
            "contact_name",
            "score",
            "threshold",
            "stage",
            "stage_name",
            "raised_at",
            "owner",
            "owner_name",
            "status",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "reason",
        ]


class HandoffDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class HandoffBulkDecisionSerializer(serializers.Serializer):
    handoffs = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject."
    )


class HandoffRefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    detail = serializers.CharField()


class HandoffBulkResultSerializer(serializers.Serializer):
    decided = HandoffSerializer(many=True)
    refused = HandoffRefusalSerializer(many=True, help_text="Left as they were, and why.")


class HandoffReassignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        help_text="A sales rep or manager; null sends it back to the marketing-ops queue.",
    )


@extend_schema_field(OpenApiTypes.STR)
class AsOfField(serializers.Field):
    """A date (its end counts) or an ISO date and time."""

    def to_internal_value(self, data):
        text = str(data)
        try:
            value = parse_datetime(text) or parse_date(text)
        except ValueError:
            value = None
        if value is None:
            raise serializers.ValidationError("A date (YYYY-MM-DD) or an ISO date and time.")
        return value


class BacktestInputSerializer(serializers.Serializer):
    as_of = AsOfField()
    horizon_days = serializers.IntegerField(min_value=1)
    outcome = serializers.ChoiceField(
        choices=Backtest.Outcome.choices, default=Backtest.Outcome.OPPORTUNITY_CREATED
    )
    known_then = serializers.BooleanField(default=False)
    compare_with = serializers.SlugRelatedField(
        slug_field="version",
        queryset=RuleSet.objects.all(),
        required=False,
        allow_null=True,
        help_text="A rule set version (a proposal or an earlier one) scored beside the current "
        "rules.",
    )


class BacktestSerializer(serializers.ModelSerializer):
    requested_by_name = serializers.CharField(
        source="requested_by", read_only=True, allow_null=True
    )
    compare_with = serializers.SlugRelatedField(
        slug_field="version",
        read_only=True,
        allow_null=True,
        help_text="The rule set version scored beside the current rules.",
    )

    class Meta:
        model = Backtest
        fields = [
            "id",
            "as_of",
            "horizon_days",
            "outcome",
            "known_then",
            "compare_with",
            "status",
            "requested_by",
            "requested_by_name",
            "created_at",
            "finished_at",
            "failure",
            "results",
        ]
        read_only_fields = fields


class RuleSetSerializer(serializers.ModelSerializer):
    """A rule set version as the list shows it (id = version)."""

    based_on = serializers.SlugRelatedField(
        slug_field="version",
        read_only=True,
        allow_null=True,
        help_text="The version it was made from.",
    )
    proposed_by_name = serializers.CharField(source="proposed_by", read_only=True, allow_null=True)
    decided_by_name = serializers.CharField(source="decided_by", read_only=True, allow_null=True)

    class Meta:
        model = RuleSet
        fields = [
            "version",
            "status",
            "origin",
            "summary",
            "stage_threshold",
            "based_on",
            "proposed_by",
            "proposed_by_name",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "activated_at",
            "decline_reason",
            "created_at",
        ]
        read_only_fields = fields


class RuleChangeSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule_id")
    label = serializers.CharField()
    stage_name = serializers.CharField()
    change = serializers.ChoiceField(choices=["added", "removed", "changed", "unchanged"])
    old = serializers.DictField(allow_null=True, help_text="The rule in the older version.")
    new = serializers.DictField(allow_null=True, help_text="The rule as this version holds it.")
    evidence = serializers.DictField(
        allow_null=True, help_text="The calibration's lift, lift_low, lift_high, events, reason."
    )
    unclear = serializers.BooleanField(
        help_text="The weight moved although the lift's 90 % interval includes 1 (no effect)."
    )


class RuleSetDiffSerializer(serializers.Serializer):
    against = serializers.IntegerField(source="old.version", allow_null=True, default=None)
    old_threshold = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    new_threshold = serializers.DecimalField(max_digits=6, decimal_places=2)
    threshold_reason = serializers.CharField()
    rules = RuleChangeSerializer(many=True)


class RuleSetDetailSerializer(RuleSetSerializer):
    """A version with every rule it holds and, rule by rule, what changed from the version it
    was made from."""

    rules = serializers.ListField(child=serializers.DictField(), read_only=True)
    evidence = serializers.DictField(read_only=True)
    diff = serializers.SerializerMethodField()

    class Meta(RuleSetSerializer.Meta):
        fields = [*RuleSetSerializer.Meta.fields, "rules", "evidence", "diff"]
        read_only_fields = fields

    @extend_schema_field(RuleSetDiffSerializer)
    def get_diff(self, rule_set: RuleSet) -> dict:
        return RuleSetDiffSerializer(rule_set_diff(rule_set=rule_set)).data


class RuleSetDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CalibrationInputSerializer(serializers.Serializer):
    start = AsOfField(help_text="The first moment buyers are scored at (a date: its end).")
    end = AsOfField(help_text="The last moment buyers are scored at (a date: its end).")
    horizon_days = serializers.IntegerField(min_value=1)
    outcome = serializers.ChoiceField(
        choices=Backtest.Outcome.choices, default=Backtest.Outcome.OPPORTUNITY_CREATED
    )
    cutoffs = serializers.IntegerField(default=6, help_text="Moments from start to end, 2 to 24.")


class CalibrationSerializer(serializers.ModelSerializer):
    requested_by_name = serializers.CharField(
        source="requested_by", read_only=True, allow_null=True
    )
    proposal = serializers.SlugRelatedField(
        slug_field="version",
        read_only=True,
        allow_null=True,
        help_text="The rule set version it proposes.",
    )

    class Meta:
        model = Calibration
        fields = [
            "id",
            "start",
            "end",
            "horizon_days",
            "outcome",
            "cutoffs",
            "status",
            "requested_by",
            "requested_by_name",
            "created_at",
            "finished_at",
            "failure",
            "results",
            "proposal",
        ]
        read_only_fields = fields
