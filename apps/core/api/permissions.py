from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

from apps.users.models import Role
from apps.users.selectors import user_role

# Roles whose write permission on a model reaches only the records they own.
OWNERSHIP_BOUND_ROLES = {Role.SALES}


class RoleModelPermissions(DjangoModelPermissions):
    """Role groups decide per model and action (reads need `view`); owners bound per record.

    A viewset names the field that holds a record's owner in `owner_field`; a user in an
    ownership-bound role may then write only records they own.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_object_permission(self, request, view, obj):
        owner_field = getattr(view, "owner_field", None)
        if request.method in SAFE_METHODS or owner_field is None:
            return True
        if user_role(user=request.user) not in OWNERSHIP_BOUND_ROLES:
            return True
        return getattr(obj, f"{owner_field}_id") == request.user.pk
