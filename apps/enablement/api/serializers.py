from rest_framework import serializers

from apps.content.models import Asset, EnablementRequest
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
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all(), required=False)


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField()
