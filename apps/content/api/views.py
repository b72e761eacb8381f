from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser

from apps.content.api.filters import AssetFilter
from apps.content.api.serializers import AssetSerializer
from apps.content.models import Asset
from apps.content.services import asset_create, asset_delete, asset_update, assets_archive
from apps.core.api.archive import ArchivableModelViewSet
from apps.core.api.bulk_actions import BulkIdsSerializer, bulk_response, bulk_result_serializer

AssetBulkResult = bulk_result_serializer("AssetBulkResult", AssetSerializer)


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

    @extend_schema(request=BulkIdsSerializer, responses=AssetBulkResult)
    @action(detail=False, methods=["post"], model_permission="delete", parser_classes=[JSONParser])
    def archive(self, request):
        """Archive many assets in one transaction: `{"ids": [...]}`; each one left alone
        (already archived, unknown) is listed with why."""
        data = BulkIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = assets_archive(asset_ids=data.validated_data["ids"], by=request.user)
        return bulk_response(self, result)
