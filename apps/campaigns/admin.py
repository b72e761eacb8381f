from django.contrib import admin

from apps.campaigns.models import Campaign
from apps.core.admin import WaymarkAdmin


@admin.register(Campaign)
class CampaignAdmin(WaymarkAdmin):
    list_display = (
        "name",
        "status",
        "goal_stage",
        "kpi",
        "kpi_target",
        "channel",
        "start_date",
        "end_date",
        "budget",
        "actual_spend",
        "owner",
    )
    list_filter = ("status", "channel", "kpi", "goal_stage__phase")
    search_fields = ("name", "objective")
    autocomplete_fields = ("owner", "goal_stage", "assets")
    list_select_related = ("owner", "goal_stage__parent")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("name", "owner", "status", "objective")}),
        ("Goal", {"fields": ("goal_stage", "kpi", "kpi_target", "kpi_baseline")}),
        ("Plan", {"fields": ("channel", "assets", "start_date", "end_date")}),
        ("Money", {"fields": ("budget", "actual_spend")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
