from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, ReadOnlyInline, WaymarkAdmin
from apps.imports.models import ImportChange, ImportRowError, ImportRun, SavedMapping


class ImportRowErrorInline(ReadOnlyInline):
    model = ImportRowError
    fields = ("row", "column", "value", "message")
    show_change_link = False

    def get_queryset(self, request):
        # The first errors are what an admin reads here; the CSV download has them all.
        return super().get_queryset(request).order_by("row", "pk")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = (
        "created_at",
        "kind",
        "file_name",
        "created_by",
        "status",
        "creates",
        "updates",
        "unchanged",
        "errors",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name",)
    list_select_related = ("created_by",)
    inlines = [ImportRowErrorInline]


@admin.register(SavedMapping)
class SavedMappingAdmin(WaymarkAdmin):
    list_display = ("name", "kind", "source", "created_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(ImportRowError)
class ImportRowErrorAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("run", "row", "column", "value", "message")
    search_fields = ("message", "value")
    list_select_related = ("run",)


@admin.register(ImportChange)
class ImportChangeAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """What undo reads: each record a run created or changed, with the values it replaced."""

    list_display = ("run", "record_kind", "record_id", "action")
    list_filter = ("record_kind", "action")
    list_select_related = ("run",)
