from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, WaymarkAdmin
from apps.enablement.models import AssetRecommendation, DealObjection


@admin.register(DealObjection)
class DealObjectionAdmin(WaymarkAdmin):
    list_display = ("text", "opportunity", "persona", "recorded_by", "recorded_at")
    list_filter = ("persona",)
    search_fields = ("text", "opportunity__name")
    autocomplete_fields = ("opportunity", "persona", "recorded_by")
    list_select_related = ("opportunity", "persona", "recorded_by")
    date_hierarchy = "recorded_at"


@admin.register(AssetRecommendation)
class AssetRecommendationAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("asset", "opportunity", "first_recommended_at")
    search_fields = ("asset__title", "opportunity__name")
    list_select_related = ("asset", "opportunity")
    date_hierarchy = "first_recommended_at"
