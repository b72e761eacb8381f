from django.contrib import admin

from apps.core.admin import ArchivableAdmin, WaymarkAdmin
from apps.personas.models import Persona, TitleRule


@admin.register(Persona)
class PersonaAdmin(ArchivableAdmin):
    list_display = ("name", "buying_role", "updated_at")
    list_filter = ("buying_role",)
    search_fields = ("name", "summary")
    fieldsets = (
        (None, {"fields": ("name", "buying_role", "summary")}),
        (
            "What they care about",
            {
                "description": "One entry per line.",
                "fields": ("priorities", "pain_points", "decision_criteria", "objections"),
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(TitleRule)
class TitleRuleAdmin(WaymarkAdmin):
    """Imports set a contact's persona and buying role from the first rule its title matches
    that sets either, and the seniority from the first that sets one."""

    list_display = ("position", "pattern", "persona", "buying_role", "seniority")
    list_display_links = ("pattern",)
    list_editable = ("position",)
    list_filter = ("buying_role", "seniority", "persona")
    search_fields = ("pattern",)
    list_select_related = ("persona",)
