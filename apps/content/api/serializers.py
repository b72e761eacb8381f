from rest_framework import serializers

from apps.content.models import Asset


class AssetSerializer(serializers.ModelSerializer):
    journey_stage_name = serializers.CharField(source="journey_stage.name", read_only=True)
    phase = serializers.CharField(source="journey_stage.phase", read_only=True)
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "title",
            "asset_type",
            "journey_stage",
            "journey_stage_name",
            "phase",
            "personas",
            "summary",
            "url",
            "file",
            "status",
            "owner",
            "owner_name",
            "created_at",
            "updated_at",
        ]
