from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, WaymarkAdmin
from apps.engagement.models import Event, SignalRule


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Buyer signals are append-only: they arrive through the intake services, never by hand."""

    list_display = ("occurred_at", "kind", "source", "account", "contact", "asset", "url")
    list_filter = ("kind", "source")
    search_fields = ("account__name", "account__domain", "contact__email", "external_id", "url")
    list_select_related = ("account", "contact", "asset")
    date_hierarchy = "occurred_at"
    # The biggest table: skip the unfiltered COUNT(*) on every filtered page.
    show_full_result_count = False


@admin.register(SignalRule)
class SignalRuleAdmin(WaymarkAdmin):
    list_display = (
        "kind",
        "url_pattern",
        "journey_stage",
        "weight",
        "half_life_days",
        "cap",
        "is_active",
    )
    list_filter = ("is_active", "kind", "journey_stage__phase")
    search_fields = ("url_pattern", "journey_stage__name")
    autocomplete_fields = ("journey_stage",)
    list_select_related = ("journey_stage__parent",)
