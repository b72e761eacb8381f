from rest_framework import serializers

from apps.content.files import asset_file_path
from apps.content.models import Asset


class AssetFileField(serializers.FileField):
    """Uploads go to the model's checked file field; reads link to the download view, never to
    the stored file itself."""

    def to_representation(self, value):
        if not value:
            return None
        path = asset_file_path(value.instance)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AssetSerializer(serializers.ModelSerializer):
    file = AssetFileField(required=False, allow_null=True)
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
