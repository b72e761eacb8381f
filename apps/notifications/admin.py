from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, WaymarkAdmin
from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("text", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("text", "recipient__username")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
