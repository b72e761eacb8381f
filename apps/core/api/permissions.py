from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from apps.users.selectors import bound_to_own_records


class RoleModelPermissions(DjangoModelPermissions):
    """Role groups decide per model and action (reads need `view`); owners bound per record.

    A viewset names the field that holds a record's owner in `owner_field`; a user in an
    ownership-bound role may then write only records they own. A custom action whose HTTP
    method says little about what it does (a POST that edits a record) names the permission
    it needs in `model_permission`, e.g. "change".
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        action = getattr(view, "model_permission", None)
        if action is None:
            return super().has_permission(request, view)
        if not request.user or not request.user.is_authenticated:
            return False
        meta = self._queryset(view).model._meta
        return request.user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")

    def has_object_permission(self, request, view, obj):
        owner_field = getattr(view, "owner_field", None)
        if request.method in SAFE_METHODS or owner_field is None:
            return True
        if not bound_to_own_records(user=request.user):
            return True
        if getattr(obj, f"{owner_field}_id") == request.user.pk:
            return True
        # Read by DRF for the 403's detail: say whose record it is.
        self.message = (
            f"This {obj._meta.verbose_name} is {getattr(obj, owner_field)}'s: only its owner "
            "or a manager can change it."
        )
        return False


def holds(permission: str) -> type[BasePermission]:
    """A permission class for an action that needs one named permission (`privacy.erase_contact`)
    beyond the model's: e.g. only admins erase a contact, whoever else may edit it."""

    class Holds(BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.has_perm(permission))

    return Holds
