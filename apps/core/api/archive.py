"""Archive instead of delete for records others depend on (`ArchivableModel`).

`DELETE` archives (204); `?permanent=true` deletes for good, but only with `?confirm=<token>`
from a first answer (409) listing what the delete would remove. Lists show active records,
or with `?archived=true` the archived ones; `POST …/restore/` brings one back.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core.api.viewsets import ServiceModelViewSet
from apps.core.deletion import record_archive, record_delete_confirmed, record_restore


class DeletionImpactSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField()
    would_remove = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows removed with the record, per table."
    )
    would_unlink = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Rows that stay but lose their link to the record, per table.",
    )
    blocked_by = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Rows that forbid the delete until they are removed or reassigned.",
    )
    confirm = serializers.CharField(help_text="Send back as `?confirm=` to delete.")


ARCHIVED = OpenApiParameter(
    "archived",
    OpenApiTypes.BOOL,
    description="true: the archived records instead of the active ones.",
)
DELETE_PARAMETERS = [
    OpenApiParameter(
        "permanent",
        OpenApiTypes.BOOL,
        description="true: delete the record and what depends on it instead of archiving it.",
    ),
    OpenApiParameter(
        "confirm",
        OpenApiTypes.STR,
        description="With permanent=true: the `confirm` token of the 409 answer listing what "
        "the delete removes; a token from before those rows changed is refused again.",
    ),
]


def query_flag(request, name: str) -> bool:
    """A true/false query parameter (`1`, `true`, `yes`…); anything else is a 400 naming it."""
    value = request.query_params.get(name)
    if value is None:
        return False
    try:
        return serializers.BooleanField().to_internal_value(value)
    except ValidationError as exc:
        raise ValidationError({name: exc.detail}) from exc


class ArchivableModelViewSet(ServiceModelViewSet):
    """A resource whose records are archived rather than deleted (see the module).

    A subclass whose records take others along when archived (an account its contacts and
    deals) supplies `archive_record` / `restore_record` from its services.
    """

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        return queryset.archived() if query_flag(self.request, "archived") else queryset.active()

    @extend_schema(parameters=[ARCHIVED])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=DELETE_PARAMETERS,
        responses={
            204: OpenApiResponse(description="Archived, or with permanent=true deleted."),
            409: OpenApiResponse(
                DeletionImpactSerializer,
                description="permanent=true without the right confirm token: what the delete "
                "would remove and the token to confirm it; or rows that forbid it.",
            ),
        },
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance) -> None:
        if not query_flag(self.request, "permanent"):
            self.archive_record(instance=instance)
            return
        record_delete_confirmed(
            instance=instance,
            confirm=self.request.query_params.get("confirm", ""),
            delete=lambda: self.delete_record(instance=instance),
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], model_permission="delete")
    def restore(self, request, *args, **kwargs):
        """Bring an archived record back into lists and automation."""
        instance = self.restore_record(instance=self.get_object())
        return Response(self.get_serializer(instance).data)

    def archive_record(self, *, instance) -> None:
        record_archive(instance=instance, by=self.request.user)

    def restore_record(self, *, instance):
        return record_restore(instance=instance)
