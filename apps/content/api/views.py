from apps.content.api.filters import AssetFilter
from apps.content.api.serializers import AssetSerializer
from apps.content.models import Asset
from apps.content.services import asset_create, asset_delete, asset_update
from apps.core.api.archive import ArchivableModelViewSet


class AssetViewSet(ArchivableModelViewSet):
    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    search_fields = ["title", "summary"]
    ordering_fields = ["title", "asset_type", "status", "created_at"]

    def get_queryset(self):
        return Asset.objects.select_related("journey_stage", "owner").prefetch_related("personas")

    def create_record(self, *, data):
        return asset_create(data=data)

    def update_record(self, *, instance, data):
        return asset_update(asset=instance, data=data)

    def delete_record(self, *, instance):
        asset_delete(asset=instance)
