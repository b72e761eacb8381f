"""The one shape every API resource takes: a GenericViewSet whose writes go through services.

Each resource's viewset supplies `get_queryset` (with the joins its serializer reads, so a list
runs a constant number of queries) and the service calls for its writes. Serializers validate
input only; they never save. Who may do what comes from `RoleModelPermissions` (settings).
"""

from typing import Any

from django.db.models import Model
from rest_framework import mixins, serializers, viewsets

from apps.core.api.permissions import bound_to_own_records


class ApiViewSet(viewsets.GenericViewSet):
    # Read by RoleModelPermissions: the field holding a record's owner, and the permission a
    # custom action needs when its HTTP method does not say it (set per action).
    owner_field: str | None = None
    model_permission: str | None = None


class ReadOnlyApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
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
        serializer.instance = self.create_record(data=self.service_data(serializer))

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.update_record(
            instance=serializer.instance, data=self.service_data(serializer)
        )

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
