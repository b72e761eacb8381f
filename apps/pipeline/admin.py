from django import forms
from django.contrib import admin
from django.utils import timezone

from apps.core.admin import ArchivableAdmin, ReadOnlyAdminMixin, ReadOnlyInline, WaymarkAdmin
from apps.core.exceptions import ApplicationError
from apps.nurture.services import record_archive_leaving_sequences
from apps.pipeline.models import Opportunity, OpportunityStall, PipelineStage, StageChange
from apps.pipeline.services import (
    opportunity_create,
    opportunity_stage_move_check,
    opportunity_update,
)


@admin.register(PipelineStage)
class PipelineStageAdmin(WaymarkAdmin):
    list_display = (
        "name",
        "position",
        "probability",
        "outcome",
        "journey_stage",
        "max_days_in_stage",
        "max_days_without_activity",
    )
    list_filter = ("outcome",)
    search_fields = ("name",)
    autocomplete_fields = ("journey_stage",)
    list_select_related = ("journey_stage__parent",)


class StageChangeInline(ReadOnlyInline):
    """The stage history, written only by `opportunity_move_stage`."""

    model = StageChange
    fields = ("stage", "from_stage", "entered_at", "exited_at", "changed_by", "note")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("opportunity", "stage", "from_stage", "changed_by")
        )


class OpportunityAdminForm(forms.ModelForm):
    """A stage move the pipeline services would refuse is a form error, not a failed save."""

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        # `instance` still holds the stored deal here: the form copies its values after clean.
        if self.instance.pk and stage is not None and stage.pk != self.instance.stage_id:
            try:
                opportunity_stage_move_check(opportunity=self.instance, at=timezone.now())
            except ApplicationError as error:
                raise forms.ValidationError(error.fields) from error
        return cleaned


@admin.register(Opportunity)
class OpportunityAdmin(ArchivableAdmin):
    form = OpportunityAdminForm
    list_display = (
        "name",
        "account",
        "owner",
        "stage",
        "amount",
        "currency",
        "expected_close_date",
        "days_in_stage",
        "over_stage_time_limit",
        "stalled_since",
    )
    list_filter = (
        "stage",
        "stage__outcome",
        "stall_reason",
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "account__name", "account__domain")
    autocomplete_fields = ("account", "owner")
    list_select_related = ("account", "owner", "stage")
    date_hierarchy = "expected_close_date"
    readonly_fields = ("days_in_stage", "over_stage_time_limit", "closed_at")
    inlines = (StageChangeInline,)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ("name", "account", "owner")}),
            ("Deal", {"fields": ("stage", "amount", "currency", "expected_close_date")}),
        ]
        if obj is not None:  # A deal being added has no time in a stage yet.
            fieldsets.append(
                (
                    "Time in stage",
                    {
                        "fields": (
                            "stage_entered_at",
                            "days_in_stage",
                            "over_stage_time_limit",
                            "stalled_since",
                            "stall_reason",
                            "closed_at",
                            "created_at",
                            "updated_at",
                        )
                    },
                )
            )
        return fieldsets

    @admin.display(description="days in stage", ordering="-stage_entered_at")
    def days_in_stage(self, opportunity: Opportunity) -> int:
        return opportunity.days_in_stage

    @admin.display(description="over stage time limit", boolean=True)
    def over_stage_time_limit(self, opportunity: Opportunity) -> bool:
        return opportunity.is_over_stage_time_limit

    def archive_record(self, request, record) -> None:
        record_archive_leaving_sequences(record=record, by=request.user)

    def save_model(self, request, obj, form, change):
        """Through the pipeline services, so the stage history records each move and who made it."""
        if change:
            # The form has already copied its values onto `obj`; the service must compare them
            # with the stored row to see a stage move.
            stored = Opportunity.objects.get(pk=obj.pk)
            saved = opportunity_update(
                opportunity=stored, data=form.cleaned_data, changed_by=request.user
            )
        else:
            saved = opportunity_create(data=form.cleaned_data, created_by=request.user)
        # The admin goes on with `obj` (change message, log entry, inlines, redirect).
        for field in Opportunity._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("opportunity", "stage", "from_stage", "entered_at", "exited_at", "changed_by")
    list_filter = ("stage",)
    search_fields = ("opportunity__name", "opportunity__account__name", "note")
    list_select_related = ("opportunity", "stage", "from_stage", "changed_by")
    date_hierarchy = "entered_at"


@admin.register(OpportunityStall)
class OpportunityStallAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Stalls found by the stall sweep (apps/nurture), one row per stall."""

    list_display = ("opportunity", "reason", "started_at", "ended_at", "owner_alerted_at")
    list_filter = ("reason",)
    search_fields = ("opportunity__name", "opportunity__account__name")
    list_select_related = ("opportunity",)
    date_hierarchy = "started_at"
