from rest_framework import serializers

from apps.accounts.models import Contact
from apps.engagement.models import Event
from apps.pipeline.models import Opportunity, PipelineStage, StageChange
from apps.pipeline.services import ACTIVITY_KINDS


class PipelineStageSerializer(serializers.ModelSerializer):
    is_closed = serializers.BooleanField(read_only=True)

    class Meta:
        model = PipelineStage
        fields = [
            "id",
            "name",
            "position",
            "probability",
            "outcome",
            "is_closed",
            "journey_stage",
            "max_days_in_stage",
            "max_days_without_activity",
        ]


class OpportunitySerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner_name = serializers.CharField(source="owner", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    is_closed = serializers.BooleanField(source="stage.is_closed", read_only=True)
    days_in_stage = serializers.IntegerField(read_only=True)
    is_over_stage_time_limit = serializers.BooleanField(read_only=True)
    is_stalled = serializers.BooleanField(
        read_only=True, help_text="In an open stall the sweep found, for any reason."
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "owner",
            "owner_name",
            "stage",
            "stage_name",
            "is_closed",
            "amount",
            "currency",
            "expected_close_date",
            "stage_entered_at",
            "days_in_stage",
            "is_over_stage_time_limit",
            "is_stalled",
            "stalled_since",
            "stall_reason",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        # The stage history sets when a deal closed; the stall sweep marks it stalled.
        read_only_fields = ["closed_at", "stalled_since", "stall_reason"]
        extra_kwargs = {
            "owner": {
                "required": False,
                "help_text": "Defaults to the requester; a sales rep always owns what they write.",
            },
        }


class MoveStageSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=PipelineStage.objects.all())
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class StageChangeSerializer(serializers.ModelSerializer):
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    from_stage_name = serializers.CharField(
        source="from_stage.name", read_only=True, allow_null=True
    )
    changed_by_name = serializers.CharField(source="changed_by", read_only=True, allow_null=True)

    class Meta:
        model = StageChange
        fields = [
            "id",
            "stage",
            "stage_name",
            "from_stage",
            "from_stage_name",
            "entered_at",
            "exited_at",
            "changed_by",
            "changed_by_name",
            "note",
        ]


class ActivityInput(serializers.Serializer):
    """A call, meeting or note a rep logs on their deal."""

    kind = serializers.ChoiceField(choices=list(ACTIVITY_KINDS))
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When it happened; defaults to now. Not in the future."
    )
    outcome = serializers.CharField(max_length=100, help_text="How it went, e.g. connected.")
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Someone at the deal's account.",
    )


class ActivitySerializer(serializers.ModelSerializer):
    """A seller-initiated event at the deal's account: coverage, never buying intent."""

    contact_name = serializers.CharField(
        source="contact.full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "direction",
            "source",
            "occurred_at",
            "contact",
            "contact_name",
            "properties",
        ]
