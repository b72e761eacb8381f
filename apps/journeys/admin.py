from django.contrib import admin, messages
from django.db import transaction

from apps.core.admin import ReadOnlyAdminMixin, ReadOnlyInline, WaymarkAdmin, related_count
from apps.core.exceptions import ApplicationError
from apps.journeys.forms import PlaybookCellForm
from apps.journeys.models import (
    Journey,
    JourneyChange,
    JourneyReview,
    JourneyReviewTrigger,
    JourneyStage,
    PlaybookCell,
    ReviewReminder,
    StageKpi,
    StageTransition,
)
from apps.journeys.services import (
    JOURNEY_CONTENT_FIELDS,
    journey_create,
    journey_mark_reviewed,
    journey_new_version,
    journey_part_delete,
    journey_part_save,
    journey_publish,
    journey_update,
)

# `JourneyStage.__str__` names the parent stage: every stage shown is selected with its parent.
# A published or archived version is history: its parts show read-only, and every write goes
# through the journey services, which log who changed what.


def _is_draft(journey: Journey | None) -> bool:
    return journey is None or journey.is_draft


class JourneyPartAdmin(WaymarkAdmin):
    """A stage, transition, playbook cell or stage KPI: editable while its version is a draft."""

    def journey_of(self, obj) -> Journey:
        return obj.journey

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.journey_of(obj).is_draft
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.journey_of(obj).is_draft
        )

    def save_model(self, request, obj, form, change):
        journey_part_save(part=obj, changed_by=request.user, changed_fields=form.changed_data)

    def delete_model(self, request, obj):
        journey_part_delete(part=obj, changed_by=request.user)

    def delete_queryset(self, request, queryset):
        """All or nothing: a part of a published version stops the whole deletion."""
        try:
            with transaction.atomic():
                for obj in queryset:
                    journey_part_delete(part=obj, changed_by=request.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)


class StagePartAdmin(JourneyPartAdmin):
    def journey_of(self, obj) -> Journey:
        return obj.stage.journey


class DraftOnlyInline(admin.TabularInline):
    """Rows of a version, edited on its page while it is a draft (`obj` is the parent)."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and _is_draft(self.parent_journey(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _is_draft(self.parent_journey(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _is_draft(self.parent_journey(obj))

    def parent_journey(self, obj) -> Journey | None:
        return obj


def _save_parts(request, formset) -> None:
    """Each added, changed and deleted row of an inline, through the journey services."""
    formset.save(commit=False)
    for obj in formset.deleted_objects:
        journey_part_delete(part=obj, changed_by=request.user)
    for obj in formset.new_objects:
        journey_part_save(part=obj, changed_by=request.user)
    for obj, changed in formset.changed_objects:
        journey_part_save(part=obj, changed_by=request.user, changed_fields=changed)


class JourneyStageInline(DraftOnlyInline):
    model = JourneyStage
    fields = ("name", "slug", "phase", "parent", "position")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class StageTransitionInline(DraftOnlyInline):
    model = StageTransition
    fields = ("from_stage", "to_stage", "trigger")
    autocomplete_fields = ("from_stage", "to_stage")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("from_stage__parent", "to_stage__parent")
        )


class JourneyChangeInline(ReadOnlyInline):
    model = JourneyChange
    fields = ("changed_at", "changed_by", "summary")
    show_change_link = False
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


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
    inlines = (JourneyStageInline, StageTransitionInline, JourneyChangeInline)
    actions = ("publish", "start_new_version", "mark_reviewed")
    fieldsets = (
        (None, {"fields": ("name", "key", "scope", "owner")}),
        ("Version", {"fields": ("version", "status", "based_on", "published_at")}),
        ("Review", {"fields": ("review_cadence_months", "last_reviewed_at")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        stages = related_count(JourneyStage.objects.all(), to="journey")
        return super().get_queryset(request).annotate(stage_count=stages)

    def get_readonly_fields(self, request, obj=None):
        # Versions and status move through publishing; reviews through the review actions.
        fixed = ("version", "status", "based_on", "published_at", "last_reviewed_at")
        if obj is not None:
            fixed += ("key",) if obj.is_draft else ("key", *JOURNEY_CONTENT_FIELDS)
        return (*super().get_readonly_fields(request, obj), *fixed)

    @admin.display(description="stages", ordering="stage_count")
    def stage_count(self, journey: Journey) -> int:
        return journey.stage_count

    def save_model(self, request, obj, form, change):
        if change:
            stored = Journey.objects.get(pk=obj.pk)
            saved = journey_update(journey=stored, data=form.cleaned_data, changed_by=request.user)
        else:
            saved = journey_create(data=form.cleaned_data, changed_by=request.user)
        # The admin goes on with `obj` (change message, log entry, inlines, redirect).
        for field in Journey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        _save_parts(request, formset)

    def _each(self, request, queryset, act, done: str) -> None:
        for journey in queryset:
            try:
                act(journey)
            except ApplicationError as error:
                self.message_user(request, f"{journey}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{journey}: {done}", messages.SUCCESS)

    @admin.action(description="Publish the selected drafts", permissions=["change"])
    def publish(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda journey: journey_publish(journey=journey, changed_by=request.user),
            "published.",
        )

    @admin.action(description="Start a new draft version of the selected", permissions=["add"])
    def start_new_version(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda journey: journey_new_version(journey=journey, changed_by=request.user),
            "new draft version started.",
        )

    @admin.action(description="Mark the selected reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda journey: journey_mark_reviewed(journey=journey, reviewed_by=request.user),
            "marked reviewed.",
        )


class StageKpiInline(DraftOnlyInline):
    model = StageKpi
    fields = ("kpi", "target", "note")

    def parent_journey(self, obj) -> Journey | None:
        return obj.journey if obj is not None else None


@admin.register(JourneyStage)
class JourneyStageAdmin(JourneyPartAdmin):
    list_display = ("__str__", "journey", "phase", "position", "slug")
    list_filter = ("phase", "journey__status")
    search_fields = ("name", "slug", "parent__name", "journey__name")
    autocomplete_fields = ("journey", "parent")
    list_select_related = ("journey", "parent")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StageKpiInline,)

    def save_formset(self, request, form, formset, change):
        _save_parts(request, formset)


@admin.register(StageTransition)
class StageTransitionAdmin(JourneyPartAdmin):
    list_display = ("__str__", "journey", "trigger")
    list_filter = ("journey__status",)
    search_fields = ("from_stage__name", "to_stage__name", "journey__name", "trigger")
    autocomplete_fields = ("journey", "from_stage", "to_stage")
    list_select_related = ("journey", "from_stage__parent", "to_stage__parent")


@admin.register(PlaybookCell)
class PlaybookCellAdmin(StagePartAdmin):
    form = PlaybookCellForm
    list_display = ("persona", "stage", "journey", "account", "replaces_persona_cell", "updated_at")
    list_filter = ("stage__journey__status", "persona", ("account", admin.EmptyFieldListFilter))
    search_fields = ("persona__name", "stage__name", "stage__journey__name", "account__name")
    autocomplete_fields = ("stage", "persona", "account")
    list_select_related = ("stage__journey", "stage__parent", "persona", "account")
    fieldsets = (
        (None, {"fields": ("stage", "persona")}),
        ("Account playbook", {"fields": ("account", "replaces_persona_cell")}),
        (
            "What the buyer asks, feels and needs",
            {"fields": ("buyer_questions", "pain_points", "decision_criteria", "objections")},
        ),
        (
            "How we meet them",
            {"fields": ("committee_roles", "touchpoints", "content_types")},
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="journey", ordering="stage__journey")
    def journey(self, cell: PlaybookCell) -> Journey:
        return cell.stage.journey


@admin.register(StageKpi)
class StageKpiAdmin(StagePartAdmin):
    list_display = ("stage", "kpi", "target", "journey", "note")
    list_filter = ("kpi", "stage__journey__status")
    search_fields = ("stage__name", "stage__journey__name", "note")
    autocomplete_fields = ("stage",)
    list_select_related = ("stage__journey", "stage__parent")

    @admin.display(description="journey", ordering="stage__journey")
    def journey(self, kpi: StageKpi) -> Journey:
        return kpi.stage.journey


@admin.register(JourneyChange)
class JourneyChangeAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("changed_at", "journey", "changed_by", "summary")
    search_fields = ("summary", "journey__name")
    list_filter = ("journey__status",)
    list_select_related = ("journey", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(JourneyReview)
class JourneyReviewAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Reviews are recorded on the journey page, through the API or the journey list's action."""

    list_display = ("journey", "reviewed_at", "reviewed_by", "notes")
    search_fields = ("journey__name", "notes")
    list_select_related = ("journey", "reviewed_by")
    date_hierarchy = "reviewed_at"


@admin.register(JourneyReviewTrigger)
class JourneyReviewTriggerAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("journey", "kind", "recorded_at", "recorded_by", "note")
    list_filter = ("kind",)
    search_fields = ("journey__name", "note")
    list_select_related = ("journey", "recorded_by")
    date_hierarchy = "recorded_at"


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("journey", "due_on", "sent_to", "sent_at")
    search_fields = ("journey__name", "sent_to")
    list_select_related = ("journey",)
    date_hierarchy = "due_on"
