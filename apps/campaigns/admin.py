from django import forms
from django.contrib import admin, messages

from apps.campaigns.models import CalendarFeed, Campaign, CampaignTemplate, Channel
from apps.campaigns.selectors import with_channel
from apps.campaigns.services import (
    CAMPAIGN_FIELDS,
    calendar_feed_issue,
    campaign_asset_errors,
    campaign_change_status,
)
from apps.core.admin import ArchivableAdmin, WaymarkAdmin
from apps.core.exceptions import ApplicationError


class ChannelFilter(admin.SimpleListFilter):
    title = "channel"
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return Channel.choices

    def queryset(self, request, queryset):
        return queryset.filter(with_channel(self.value())) if self.value() else queryset


class CampaignAdminForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS

    def clean(self):
        cleaned = super().clean()
        goal_stage, assets = cleaned.get("goal_stage"), cleaned.get("assets")
        if goal_stage and assets:
            for message in campaign_asset_errors(goal_stage=goal_stage, assets=assets):
                self.add_error("assets", message)
        return cleaned


def _status_action(status: str):
    label = Campaign.Status(status).label

    @admin.action(description=f"Mark selected campaigns {label.lower()}")
    def change(modeladmin, request, queryset):
        moved = 0
        for campaign in queryset:
            try:
                campaign_change_status(campaign=campaign, status=status)
                moved += 1
            except ApplicationError as error:
                modeladmin.message_user(request, f"{campaign}: {error.message}", messages.ERROR)
        modeladmin.message_user(request, f"{moved} campaign(s) now {label.lower()}.")

    change.__name__ = f"mark_{status}"
    return change


@admin.register(Campaign)
class CampaignAdmin(ArchivableAdmin):
    form = CampaignAdminForm
    list_display = (
        "name",
        "status",
        "goal_stage",
        "kpi",
        "kpi_target",
        "channel_list",
        "start_date",
        "end_date",
        "budget",
        "actual_spend",
        "owner",
    )
    list_filter = ("status", ChannelFilter, "kpi", "goal_stage__phase")
    search_fields = ("name", "objective")
    autocomplete_fields = ("owner", "goal_stage", "assets", "segment_stages", "segment_personas")
    list_select_related = ("owner", "goal_stage__parent")
    date_hierarchy = "start_date"
    # Status moves along its flow only, through the actions.
    readonly_fields = ("status",)
    actions = [*ArchivableAdmin.actions, *(_status_action(status) for status in Campaign.Status)]
    fieldsets = (
        (None, {"fields": ("name", "owner", "status", "objective")}),
        ("Goal", {"fields": ("goal_stage", "kpi", "kpi_target", "kpi_baseline")}),
        ("Plan", {"fields": ("channels", "cadence", "assets", "start_date", "end_date")}),
        (
            "Segment",
            {
                "fields": (
                    "segment_tiers",
                    "segment_industries",
                    "segment_regions",
                    "segment_stages",
                    ("segment_fit_score_min", "segment_fit_score_max"),
                    "segment_personas",
                    "segment_buying_roles",
                )
            },
        ),
        ("Money and tracking", {"fields": ("budget", "actual_spend", "utm_code")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="channels")
    def channel_list(self, campaign: Campaign) -> str:
        return ", ".join(campaign.channel_labels)


@admin.register(CampaignTemplate)
class CampaignTemplateAdmin(WaymarkAdmin):
    list_display = ("name", "phase", "kpi", "kpi_target", "cadence", "duration_days")
    list_filter = ("phase", "kpi")
    search_fields = ("name", "description", "objective")
    fieldsets = (
        (None, {"fields": ("name", "phase", "description")}),
        ("Plan", {"fields": ("objective", "kpi", "kpi_target", "channels", "cadence")}),
        ("Timing and content", {"fields": ("duration_days", "asset_types")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(CalendarFeed)
class CalendarFeedAdmin(WaymarkAdmin):
    """Whose feeds exist; the secret itself is never shown, only replaced."""

    list_display = ("user", "created_at", "updated_at")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    fields = ("user", "created_at", "updated_at")
    actions = ["issue_new_secret"]

    @admin.action(description="Replace the secret of the selected feeds (old addresses stop)")
    def issue_new_secret(self, request, queryset):
        for feed in queryset.select_related("user"):
            calendar_feed_issue(user=feed.user)
        self.message_user(request, "New secrets issued; the owners need their new address.")
