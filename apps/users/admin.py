from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import WaymarkAdmin
from apps.users.models import Role, User
from apps.users.services import api_tokens_revoke


@admin.register(User)
class WaymarkUserAdmin(SimpleHistoryAdmin, UserAdmin):
    """Django's user admin plus the time zone; the role is the user's group. "History" shows
    the member's audit trail (password changes are recorded, never the password)."""

    history_list_display = ["path"]
    path = WaymarkAdmin.path

    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "time_zone",
        "is_staff",
        "is_active",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email", "time_zone")}),
        (
            "Role and access",
            {
                "description": "The role is the group: marketer, sales rep, sales manager or "
                "admin. Admins also need staff status to open this site.",
                "fields": ("groups", "is_active", "is_staff", "is_superuser", "user_permissions"),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (
            "Profile and role",
            {
                "classes": ("wide",),
                "fields": ("first_name", "last_name", "email", "time_zone", "groups", "is_staff"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["revoke_api_tokens"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles(self, user: User) -> str:
        labels = dict(Role.choices)
        return ", ".join(labels.get(group.name, group.name) for group in user.groups.all())

    @admin.action(description="Revoke API tokens of the selected users")
    def revoke_api_tokens(self, request, queryset) -> None:
        count = api_tokens_revoke(users=queryset)
        self.message_user(request, f"{count} API token(s) revoked.", messages.SUCCESS)
