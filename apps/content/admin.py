from django.contrib import admin

from apps.content.models import Asset, AssetShare, EnablementRequest
from apps.core.admin import ArchivableAdmin, WaymarkAdmin


@admin.register(Asset)
class AssetAdmin(ArchivableAdmin):
    list_display = (
        "title",
        "asset_type",
        "journey_stage",
        "persona_names",
        "status",
        "owner",
        "updated_at",
    )
    list_filter = ("status", "asset_type", "journey_stage__phase", "personas")
    search_fields = ("title", "summary", "url")
    autocomplete_fields = ("journey_stage", "personas", "owner")
    list_select_related = ("journey_stage__parent", "owner")
    fieldsets = (
        (None, {"fields": ("title", "asset_type", "status", "owner", "summary")}),
        ("Fit", {"fields": ("journey_stage", "personas")}),
        ("Where it lives", {"fields": ("url", "file")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("personas")

    @admin.display(description="personas")
    def persona_names(self, asset: Asset) -> str:
        return ", ".join(persona.name for persona in asset.personas.all())


@admin.register(AssetShare)
class AssetShareAdmin(WaymarkAdmin):
    list_display = ("asset", "contact", "opportunity", "shared_by", "shared_at")
    list_filter = ("asset__asset_type", ("shared_by", admin.RelatedOnlyFieldListFilter))
    search_fields = ("asset__title", "contact__email", "contact__last_name", "opportunity__name")
    autocomplete_fields = ("asset", "contact", "opportunity", "shared_by")
    list_select_related = ("asset", "contact", "opportunity", "shared_by")
    date_hierarchy = "shared_at"


@admin.register(EnablementRequest)
class EnablementRequestAdmin(WaymarkAdmin):
    list_display = (
        "need_summary",
        "status",
        "priority",
        "requested_by",
        "assignee",
        "opportunity",
        "journey_stage",
        "persona",
        "due_date",
        "created_at",
    )
    list_filter = (
        "status",
        "priority",
        "asset_type",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("need", "opportunity__name", "opportunity__account__name")
    autocomplete_fields = (
        "requested_by",
        "assignee",
        "opportunity",
        "journey_stage",
        "persona",
        "delivered_asset",
    )
    list_select_related = (
        "requested_by",
        "assignee",
        "opportunity",
        "journey_stage__parent",
        "persona",
    )
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("need", "asset_type", "priority", "due_date")}),
        ("Context", {"fields": ("requested_by", "opportunity", "journey_stage", "persona")}),
        (
            "Work",
            {"fields": ("status", "assignee", "delivered_asset", "decline_reason", "notes")},
        ),
        ("Outcome", {"fields": ("status_changed_at", "notified_at", "requester_seen_at")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="need", ordering="need")
    def need_summary(self, request: EnablementRequest) -> str:
        return str(request)
