from rest_framework import serializers

from apps.accounts.models import Contact
from apps.nurture.models import Enrollment, Sequence, Step, Touch
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
        ]
        extra_kwargs = {
            "position": {"required": False, "help_text": "Defaults to after the last step."}
        }
        # The service validates the whole step, unique position included.
        validators: list = []


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
            "assignee",
            "completed_at",
        ]
        read_only_fields = fields
