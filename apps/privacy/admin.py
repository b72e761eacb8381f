from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, WaymarkAdmin
from apps.privacy.models import Erasure


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """The record of each erasure; kept for good, as the proof that it was done."""

    list_display = ("contact_id", "erased_at", "erased_by")
    list_select_related = ("erased_by",)
    search_fields = ("=contact_id",)
    date_hierarchy = "erased_at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
