"""`POST /api/v1/<accounts|contacts|opportunities>/bulk/`: a CRM sync pushes its changes."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from apps.core import bulk as bulk_body
from apps.core.api.bulk import JSONArrayParser, NDJSONParser
from apps.core.api.throttling import BulkIntakeThrottle
from apps.imports.api.serializers import (
    AccountRecordSerializer,
    BulkReportSerializer,
    ContactRecordSerializer,
    OpportunityRecordSerializer,
)
from apps.imports.models import RecordKind
from apps.imports.services import MAX_BULK_RECORDS, records_bulk_upsert

_RECORDS = {
    RecordKind.ACCOUNTS: AccountRecordSerializer,
    RecordKind.CONTACTS: ContactRecordSerializer,
    RecordKind.OPPORTUNITIES: OpportunityRecordSerializer,
}


class BulkQuerySerializer(serializers.Serializer):
    source = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


class CanImport(BasePermission):
    """Importing is a right of its own (marketers and admins), whoever may edit one record."""

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("imports.add_importrun")


def bulk_upsert_action(kind: str):
    """The `bulk` action of the viewset of `kind`."""
    item = _RECORDS[kind]

    @extend_schema(
        description=(
            f"Create or update up to {MAX_BULK_RECORDS:,} {kind} as a JSON array or as NDJSON "
            "(`application/x-ndjson`, one per line), in Waymark's export column names. Each "
            "item is checked on its own; the valid ones are written in one transaction (an "
            "import run, in the history and undoable). Answers the counts and each rejected "
            "item's errors by field, in the shape of the events bulk endpoint."
        ),
        request={"application/json": item(many=True), "application/x-ndjson": item},
        parameters=[
            OpenApiParameter(
                "source",
                OpenApiTypes.STR,
                description="Where the records' external ids come from (e.g. hubspot), for "
                "items that do not say it in external_source.",
            )
        ],
        responses={
            200: BulkReportSerializer,
            400: OpenApiResponse(
                description="The body is empty or not a JSON array, or `source` is not valid."
            ),
            413: OpenApiResponse(
                description=f"More than {MAX_BULK_RECORDS:,} records or "
                f"{bulk_body.MAX_BODY_BYTES // (1024 * 1024)} MB: nothing is written."
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONArrayParser, NDJSONParser],
        permission_classes=[IsAuthenticated, CanImport],
        throttle_classes=[BulkIntakeThrottle],
    )
    def bulk(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > bulk_body.MAX_BODY_BYTES:
            return _error(bulk_body.oversize_body(bulk_body.MAX_BODY_BYTES, "record"))
        query = BulkQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            report = records_bulk_upsert(
                kind=kind,
                items=request.data or [],
                user=request.user,
                source=query.validated_data["source"],
            )
        except bulk_body.OversizePayload as error:
            return _error(error)
        return Response(BulkReportSerializer(report).data)

    return bulk


def _error(error: bulk_body.OversizePayload) -> Response:
    return Response(
        {"detail": error.message, "errors": error.fields},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )
