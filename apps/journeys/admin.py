from django.contrib import admin

from apps.core.admin import WaymarkAdmin, related_count
from apps.journeys.models import Journey, JourneyStage, StageTransition

# `JourneyStage.__str__` names the parent stage: every stage shown is selected with its parent.


class JourneyStageInline(admin.TabularInline):
    model = JourneyStage
    fields = ("name", "slug", "phase", "parent", "position")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class StageTransitionInline(admin.TabularInline):
    model = StageTransition
    fields = ("from_stage", "to_stage", "trigger")
    autocomplete_fields = ("from_stage", "to_stage")
    extra = 0

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("from_stage__parent", "to_stage__parent")
        )


@admin.register(Journey)
class JourneyAdmin(WaymarkAdmin):
    list_display = (
        "name",
        "version",
        "key",
        "status",
        "owner",
        "stage_count",
        "review_cadence_months",
        "last_reviewed_at",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("name", "key", "scope")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
    inlines = (JourneyStageInline, StageTransitionInline)

    def get_queryset(self, request):
        stages = related_count(JourneyStage.objects.all(), to="journey")
        return super().get_queryset(request).annotate(stage_count=stages)

    @admin.display(description="stages", ordering="stage_count")
    def stage_count(self, journey: Journey) -> int:
        return journey.stage_count


@admin.register(JourneyStage)
class JourneyStageAdmin(WaymarkAdmin):
    list_display = ("__str__", "journey", "phase", "position", "slug")
    list_filter = ("phase", "journey__status")
    search_fields = ("name", "slug", "parent__name", "journey__name")
    autocomplete_fields = ("journey", "parent")
    list_select_related = ("journey", "parent")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(StageTransition)
class StageTransitionAdmin(WaymarkAdmin):
    list_display = ("__str__", "journey", "trigger")
    list_filter = ("journey__status",)
    search_fields = ("from_stage__name", "to_stage__name", "journey__name", "trigger")
    autocomplete_fields = ("journey", "from_stage", "to_stage")
    list_select_related = ("journey", "from_stage__parent", "to_stage__parent")
