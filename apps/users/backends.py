from django.contrib.auth.backends import ModelBackend

from apps.users.models import Role
from apps.users.selectors import user_role


class RoleBackend(ModelBackend):
    """Model permissions from role groups; an active admin holds every permission."""

    def has_perm(self, user_obj, perm, obj=None):
        if user_obj.is_active and user_role(user=user_obj) == Role.ADMIN:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if user_obj.is_active and user_role(user=user_obj) == Role.ADMIN:
            return True
        return super().has_module_perms(user_obj, app_label)
