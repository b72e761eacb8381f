"""The one shape every API resource takes: a GenericViewSet whose writes go through services.

Each resource's viewset supplies `get_queryset` (with the joins its serializer reads, so a list
runs a constant number of queries) and the service calls for its writes. Serializers validate
input only; they never save. Who may do what comes from `RoleModelPermissions` (settings).
Every list also answers as CSV (`CsvListModelMixin`).
"""

from typing import Any

from django.db.models import Model
from django.http import HttpResponseBase
from rest_framework import mixins, serializers, viewsets

from apps.core.api.permissions import bound_to_own_records
from apps.core.api.renderers import CSVRenderer, flat_row
from apps.core.csv_export import EXPORT_CHUNK_SIZE, csv_download


class ApiViewSet(viewsets.GenericViewSet):
    # Read by RoleModelPermissions: the field holding a record's owner, and the permission a
    # custom action needs when its HTTP method does not say it (set per action).
    owner_field: str | None = None
    model_permission: str | None = None


class CsvListModelMixin(mixins.ListModelMixin):
    """A list that also answers `?format=csv`: the same filters, every row, streamed.

    The columns are the serializer's readable fields; rows are read in chunks (prefetches
    included), serialized one by one and written as they go, so any number of rows fits.
    """

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action == "list":
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request, *args, **kwargs) -> HttpResponseBase:
        if request.accepted_renderer.format != CSVRenderer.format:
            return super().list(request, *args, **kwargs)
        records = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer()
        columns = [name for name, field in serializer.fields.items() if not field.write_only]
        rows = (
            flat_row(serializer.to_representation(record), columns)
            for record in records.iterator(chunk_size=EXPORT_CHUNK_SIZE)
        )
        # Named after the endpoint: /api/v1/stall-rules/ gives stall-rules.csv.
        name = request.path.rstrip("/").rsplit("/", 1)[-1]
        return csv_download(filename=name, header=columns, rows=rows)


class ReadOnlyApiViewSet(CsvListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pass


class ServiceModelViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyApiViewSet,
):
    """List, retrieve, create, update and delete, each write through the resource's service.

    A subclass calls its services from `create_record(*, data)`, `update_record(*, instance,
    data)` and `delete_record(*, instance)`; a resource that cannot be written leaves out the
    matching mixin instead.
    """

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.as_listed(self.create_record(data=self.service_data(serializer)))

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.as_listed(
            self.update_record(instance=serializer.instance, data=self.service_data(serializer))
        )

    def as_listed(self, instance: Model) -> Model:
        """The record as the queryset reads it, so a write answers with the same fields as a read
        (annotations such as a request's `overdue` included)."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def perform_destroy(self, instance: Model) -> None:
        self.delete_record(instance=instance)

    def service_data(self, serializer: serializers.BaseSerializer) -> dict[str, Any]:
        """The validated input, owned by the requester when the ownership rule says so.

        A new record without an owner gets the requester; a user bound to their own records
        (a sales rep) can neither create one for someone else nor hand theirs over.
        """
        data = dict(serializer.validated_data)
        if self.owner_field is None:
            return data
        unowned_new = serializer.instance is None and data.get(self.owner_field) is None
        if unowned_new or bound_to_own_records(user=self.request.user):
            data[self.owner_field] = self.request.user
        return data
