from django.utils import timezone
from rest_framework import serializers

from apps.accounts.models import Contact
from apps.engagement.ingestion import FUTURE_TOLERANCE
from apps.nurture.mail_events import MailReport
from apps.nurture.models import (
    BounceType,
    Enrollment,
    MailEvent,
    Sequence,
    Step,
    StepVariant,
    Touch,
)
from apps.nurture.results import DEFAULT_DAYS, DEFAULT_METRIC, METRICS
from apps.nurture.services import MailEventOutcome
from apps.pipeline.models import PipelineStage


class StallRuleSerializer(serializers.ModelSerializer):
    """A pipeline stage's stall limits; empty means no limit."""

    class Meta:
        model = PipelineStage
        fields = ["id", "name", "outcome", "max_days_in_stage", "max_days_without_activity"]
        read_only_fields = ["name", "outcome"]


class SequenceSerializer(serializers.ModelSerializer):
    journey_stage_name = serializers.CharField(source="journey_stage.name", read_only=True)

    class Meta:
        model = Sequence
        fields = [
            "id",
            "name",
            "journey_stage",
            "journey_stage_name",
            "buying_role",
            "persona",
            "campaign",
            "is_active",
            "track_opens",
            "track_clicks",
            "created_at",
            "updated_at",
        ]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = [
            "id",
            "sequence",
            "position",
            "kind",
            "delay_days",
            "delay_hours",
            "task_action",
            "subject",
            "body",
            "asset",
            "winner",
        ]
        read_only_fields = ["winner"]
        extra_kwargs = {
            "position": {"required": False, "help_text": "Defaults to after the last step."}
        }
        # The service validates the whole step, unique position included.
        validators: list = []


class StepVariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepVariant
        fields = ["id", "step", "label", "subject", "body", "weight", "is_active"]
        read_only_fields = ["label"]
        # The service validates the whole variant against its step.
        validators: list = []


class PickWinnerSerializer(serializers.Serializer):
    variant = serializers.PrimaryKeyRelatedField(
        queryset=StepVariant.objects.all(), help_text="The step's variant every new send uses."
    )


class ResultsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        default=DEFAULT_DAYS,
        help_text="A deal moved on when it reached a later stage within this many days.",
    )
    metric = serializers.ChoiceField(
        choices=list(METRICS), default=DEFAULT_METRIC, help_text="What A/B tests are judged on."
    )


class OutcomeCountsSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    replied = serializers.IntegerField()
    bounced = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()
    flagged = serializers.IntegerField(
        help_text="Sends a machine opened or clicked (an image proxy, a link scanner): not "
        "counted as opened or clicked."
    )
    progressed = serializers.IntegerField(
        help_text="Sends whose deal reached a later stage within the days asked."
    )


class VariantResultSerializer(serializers.Serializer):
    variant = serializers.IntegerField(source="variant.pk")
    label = serializers.CharField(source="variant.label")
    weight = serializers.IntegerField(source="variant.weight")
    is_active = serializers.BooleanField(source="variant.is_active")
    counts = OutcomeCountsSerializer()


class StepResultSerializer(serializers.Serializer):
    step = serializers.IntegerField(source="step.pk")
    position = serializers.IntegerField(source="step.position")
    kind = serializers.CharField(source="step.kind")
    winner = serializers.IntegerField(source="step.winner_id", allow_null=True)
    counts = OutcomeCountsSerializer()
    variants = VariantResultSerializer(many=True)
    verdict = serializers.CharField(source="verdict.text", help_text="Empty without an A/B test.")
    leader = serializers.CharField(
        source="verdict.leader",
        allow_null=True,
        help_text="The variant that beats every other with 95 % confidence.",
    )


class DealProgressSerializer(serializers.Serializer):
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField()
    enrolled = serializers.IntegerField(help_text="Deals enrolled in the sequence.")
    enrolled_moved = serializers.IntegerField()
    comparable = serializers.IntegerField(
        help_text="Deals that stalled in a stage of the sequence's journey stage in the same "
        "period and were never enrolled in it."
    )
    comparable_moved = serializers.IntegerField()


class SequenceResultsSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    metric = serializers.CharField()
    steps = StepResultSerializer(many=True)
    deals = DealProgressSerializer()


class StepPreviewQuerySerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.active().select_related("account__owner"),
        help_text="The contact to preview the step for.",
    )


class StepPreviewSerializer(serializers.Serializer):
    contact = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()


class EnrollmentSerializer(serializers.ModelSerializer):
    sequence_name = serializers.CharField(source="sequence.name", read_only=True)
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "sequence",
            "sequence_name",
            "contact",
            "contact_name",
            "opportunity",
            "stall",
            "enrolled_by",
            "status",
            "next_step",
            "due_at",
            "holiday_move",
            "enrolled_at",
            "ended_at",
            "exit_reason",
            "failure",
        ]
        read_only_fields = [
            "stall",
            "enrolled_by",
            "status",
            "next_step",
            "due_at",
            "holiday_move",
            "enrolled_at",
            "ended_at",
            "exit_reason",
            "failure",
        ]
        # Manual enrolment: the partial unique constraint is checked by the service.
        validators: list = []


class TouchSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="enrollment.contact_id", read_only=True)

    class Meta:
        model = Touch
        fields = [
            "id",
            "enrollment",
            "contact",
            "step",
            "kind",
            "subject",
            "sent_at",
            "holiday_move",
            "assignee",
            "completed_at",
            # What came back after the email left (the provider's webhooks, our tracking).
            "delivered_at",
            "opened_at",
            "clicked_at",
            "replied_at",
            "bounced_at",
            "bounce_type",
            "complained_at",
            "unsubscribed_at",
        ]
        read_only_fields = fields


class MailEventInputSerializer(serializers.Serializer):
    """One event in the generic signed JSON webhook's `events`."""

    id = serializers.CharField(max_length=200, help_text="Your id for it: a repeat is ignored.")
    type = serializers.ChoiceField(choices=MailEvent.Kind.choices)
    bounce_type = serializers.ChoiceField(
        choices=BounceType.choices, required=False, help_text="For a bounce: hard or soft."
    )
    message_id = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="The Message-ID of the email it is about (for a reply: In-Reply-To or "
        "References), angle brackets optional.",
    )
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text="The recipient (for a reply: the sender): finds the email when the "
        "Message-ID does not.",
    )
    occurred_at = serializers.DateTimeField()

    def validate(self, attrs: dict) -> dict:
        errors: dict[str, list[str]] = {}
        if attrs["type"] == MailEvent.Kind.BOUNCED and not attrs.get("bounce_type"):
            errors["bounce_type"] = ["Required for a bounce: hard or soft."]
        if attrs["type"] != MailEvent.Kind.BOUNCED and attrs.get("bounce_type"):
            errors["bounce_type"] = ["Only a bounce has a bounce type."]
        if not (attrs.get("message_id") or attrs.get("email")):
            errors["message_id"] = ["Give the email's message_id, its address (email), or both."]
        if attrs["occurred_at"] > timezone.now() + FUTURE_TOLERANCE:
            errors["occurred_at"] = ["In the future: more than an hour ahead of the server clock."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def report(self) -> MailReport:
        data = self.validated_data
        return MailReport(
            provider=MailEvent.Provider.GENERIC,
            event_id=data["id"],
            kind=data["type"],
            occurred_at=data["occurred_at"],
            email=(data.get("email") or "").lower(),
            message_ids=data.get("message_id") or "",
            bounce_type=data.get("bounce_type") or "",
        )


class MailEventsInputSerializer(serializers.Serializer):
    """The generic signed JSON webhook's body (documents it; items are checked one by one)."""

    events = MailEventInputSerializer(many=True)


class MailEventResultSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="Its index in `events`, from 0.")
    outcome = serializers.ChoiceField(choices=[*MailEventOutcome.choices, ("rejected", "Rejected")])
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class MailEventReportSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    ignored = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = MailEventResultSerializer(many=True)
