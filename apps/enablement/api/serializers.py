from rest_framework import serializers

from apps.accounts.models import Contact
from apps.content.models import Asset, AssetShare, AssetType, EnablementRequest
from apps.enablement.models import DealObjection
from apps.enablement.selectors import opportunities_visible_to
from apps.personas.models import BuyingRole, Persona
from apps.pipeline.models import Opportunity
from apps.users.models import User


class EnablementRequestSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = EnablementRequest
        fields = [
            "id",
            "requested_by",
            "opportunity",
            "journey_stage",
            "persona",
            "need",
            "asset_type",
            "priority",
            "due_date",
            "notes",
            "status",
            "assignee",
            "delivered_asset",
            "decline_reason",
            "overdue",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = [
            "requested_by",
            "status",
            "assignee",
            "delivered_asset",
            "decline_reason",
            "status_changed_at",
            "created_at",
        ]


class AssignInput(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class DeliverInput(serializers.Serializer):
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.active(), required=False)


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField()


class OpportunityChoice(serializers.PrimaryKeyRelatedField):
    """An open deal the requesting user can see; any other id is an unknown choice."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Opportunity.objects.all(), **kwargs)

    def get_queryset(self):
        return opportunities_visible_to(user=self.context["request"].user)


class DealObjectionSerializer(serializers.ModelSerializer):
    opportunity = OpportunityChoice()
    persona = serializers.PrimaryKeyRelatedField(
        queryset=Persona.objects.active(), required=False, allow_null=True
    )

    class Meta:
        model = DealObjection
        fields = ["id", "opportunity", "persona", "text", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_by", "recorded_at"]


class AssetShareSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetShare
        fields = ["id", "asset", "contact", "opportunity", "shared_by", "shared_at", "note"]


class AssetShareInput(serializers.Serializer):
    """One asset sent to one or more people on the deal's buying committee."""

    opportunity = OpportunityChoice()
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.active())
    contacts = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.active(), many=True, allow_empty=False
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class CommitteeMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    title = serializers.CharField()
    buying_role = serializers.ChoiceField(choices=BuyingRole.choices)
    persona = serializers.IntegerField(source="persona_id", allow_null=True)
    persona_name = serializers.CharField(source="persona.name", allow_null=True)
    stage = serializers.CharField(source="score_state.stage.name", allow_null=True)
    score = serializers.FloatField(source="score_state.score", allow_null=True)
    last_touch_at = serializers.DateTimeField(allow_null=True)


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class RoleCoverageSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=BuyingRole.choices)
    label = serializers.CharField()
    is_missing = serializers.BooleanField()
    engaged = PersonRefSerializer(many=True, help_text="Holders of the role touched lately.")
    present = PersonRefSerializer(many=True, help_text="Everyone holding the role.")
    action = serializers.CharField()
    summary = serializers.CharField()


class RecommendedAssetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    asset_type = serializers.ChoiceField(choices=AssetType.choices)
    url = serializers.URLField()


class RecommendationSerializer(serializers.Serializer):
    asset = RecommendedAssetSerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class WorkspaceDealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    account = serializers.IntegerField(source="account_id")
    account_name = serializers.CharField(source="account.name")
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    stage = serializers.CharField(source="stage.name")
    journey_stage = serializers.CharField(source="stage.journey_stage.name", allow_null=True)
    days_in_stage = serializers.IntegerField()
    stalled_since = serializers.DateTimeField(allow_null=True)


class WorkspaceSerializer(serializers.Serializer):
    """The rep's view of one deal: committee, coverage, recommendations with their reasons."""

    opportunity = WorkspaceDealSerializer()
    committee = CommitteeMemberSerializer(many=True)
    coverage = RoleCoverageSerializer(many=True)
    recommendations = RecommendationSerializer(many=True)
    objections = DealObjectionSerializer(many=True)
    shares = AssetShareSerializer(many=True)
