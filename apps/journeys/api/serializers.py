from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.content.models import AssetType
from apps.journeys.models import (
    MAX_ENTRY_LENGTH,
    Journey,
    JourneyChange,
    JourneyReview,
    JourneyReviewTrigger,
    JourneyStage,
    PlaybookCell,
    StageKpi,
    StageTransition,
)
from apps.journeys.selectors import ReviewStatus, journey_review_status
from apps.personas.models import BuyingRole


class StageKpiSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageKpi
        fields = ["id", "stage", "kpi", "target", "note"]


class JourneyStageSerializer(serializers.ModelSerializer):
    pipeline_stages = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="Sales-funnel stages lined up with this stage (moved to the new version's "
        "stage of the same slug when it is published).",
    )

    class Meta:
        model = JourneyStage
        fields = [
            "id",
            "journey",
            "parent",
            "name",
            "slug",
            "phase",
            "position",
            "description",
            "entry_criteria",
            "exit_triggers",
            "pipeline_stages",
        ]


class StageTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageTransition
        fields = ["id", "journey", "from_stage", "to_stage", "trigger"]


class ObjectionSerializer(serializers.Serializer):
    objection = serializers.CharField(max_length=MAX_ENTRY_LENGTH)
    response = serializers.CharField(
        max_length=MAX_ENTRY_LENGTH, required=False, allow_blank=True, default=""
    )


def _entries(**kwargs) -> serializers.ListField:
    child = kwargs.pop("child", None) or serializers.CharField(max_length=MAX_ENTRY_LENGTH)
    return serializers.ListField(child=child, required=False, **kwargs)


class PlaybookCellSerializer(serializers.ModelSerializer):
    buyer_questions = _entries()
    pain_points = _entries()
    decision_criteria = _entries()
    objections = ObjectionSerializer(many=True, required=False)
    committee_roles = _entries(child=serializers.ChoiceField(choices=BuyingRole.choices))
    touchpoints = _entries(help_text="Touchpoints and channels.")
    content_types = _entries(
        child=serializers.ChoiceField(choices=AssetType.choices),
        help_text="Recommended content types.",
    )

    class Meta:
        model = PlaybookCell
        fields = [
            "id",
            "stage",
            "persona",
            "account",
            "replaces_persona_cell",
            *PlaybookCell.LIST_FIELDS,
            "created_at",
            "updated_at",
        ]
        validators = []  # the service validates the whole cell, constraints included


class JourneySerializer(serializers.ModelSerializer):
    class Meta:
        model = Journey
        fields = [
            "id",
            "key",
            "version",
            "name",
            "scope",
            "owner",
            "status",
            "based_on",
            "published_at",
            "review_cadence_months",
            "last_reviewed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "status", "based_on", "published_at", "last_reviewed_at"]
        extra_kwargs = {
            "owner": {"required": False, "help_text": "Defaults to the requester."},
            "key": {"help_text": "Shared by every version; fixed once the journey exists."},
        }
        validators = []  # one draft per key and (key, version) are the service's to check

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["key"].read_only = True
        return fields


class JourneyDetailSerializer(JourneySerializer):
    stages = JourneyStageSerializer(many=True, read_only=True)
    transitions = StageTransitionSerializer(many=True, read_only=True)
    next_review_due = serializers.SerializerMethodField()
    review_due = serializers.SerializerMethodField()

    class Meta(JourneySerializer.Meta):
        fields = [
            *JourneySerializer.Meta.fields,
            "next_review_due",
            "review_due",
            "stages",
            "transitions",
        ]

    def _review(self, journey: Journey) -> ReviewStatus:
        if getattr(self, "_review_status", None) is None:
            self._review_status = journey_review_status(journey=journey)
        return self._review_status

    @extend_schema_field(OpenApiTypes.DATE)
    def get_next_review_due(self, journey: Journey) -> date:
        """The cadence's date after the last review, or an earlier review trigger's."""
        return self._review(journey).due_on

    def get_review_due(self, journey: Journey) -> bool:
        """Published, and the review is due today or earlier."""
        due = self._review(journey).is_due(today=timezone.localdate())
        return journey.status == Journey.Status.PUBLISHED and due


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()
    where = serializers.CharField()


class JourneyChangeSerializer(serializers.ModelSerializer):
    changed_by_name = serializers.CharField(source="changed_by", read_only=True, allow_null=True)

    class Meta:
        model = JourneyChange
        fields = ["id", "changed_at", "changed_by", "changed_by_name", "summary"]


class JourneyReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = JourneyReview
        fields = ["id", "journey", "reviewed_by", "reviewed_at", "notes"]
        read_only_fields = ["journey", "reviewed_by", "reviewed_at"]


class JourneyReviewTriggerSerializer(serializers.ModelSerializer):
    class Meta:
        model = JourneyReviewTrigger
        fields = ["id", "journey", "kind", "note", "recorded_by", "recorded_at"]
        read_only_fields = ["journey", "recorded_by", "recorded_at"]
