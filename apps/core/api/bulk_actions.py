"""The API side of bulk actions (`apps.core.bulk_actions`): ids in, what was done and what was
refused with why out, the shape of the handoffs' `decide/`."""

from rest_framework import serializers
from rest_framework.response import Response

from apps.core.bulk_actions import MAX_BULK, BulkResult


class BulkIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_BULK
    )


class BulkRefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    detail = serializers.CharField()


def bulk_result_serializer(name: str, item: type[serializers.Serializer]):
    """`{"done": [<item>…], "refused": [{"id", "detail"}…]}` named for the schema."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "done": item(many=True),
            "refused": BulkRefusalSerializer(many=True, help_text="Left as they were, and why."),
        },
    )


def bulk_response(view, result: BulkResult) -> Response:
    """The done rows as the view lists them, and each refused id with why."""
    done = view.get_queryset().filter(pk__in=[row.pk for row in result.done]).order_by("pk")
    return Response(
        {
            "done": view.get_serializer(done, many=True).data,
            "refused": [{"id": pk, "detail": why} for pk, why in result.refused.items()],
        }
    )
