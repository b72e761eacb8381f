from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, ReadOnlyInline, WaymarkAdmin, related_count
from apps.nurture.models import Enrollment, Sequence, Step, Touch

# `Step.__str__` names its sequence, `Enrollment.__str__` its contact and sequence.
TOUCH_RELATED = ("step__sequence", "enrollment__contact", "enrollment__sequence")


class StepInline(admin.StackedInline):
    model = Step
    fields = (("position", "kind", "delay_days"), "subject", "body", "asset")
    autocomplete_fields = ("asset",)
    extra = 0


@admin.register(Sequence)
class SequenceAdmin(WaymarkAdmin):
    list_display = (
        "name",
        "journey_stage",
        "buying_role",
        "is_active",
        "step_count",
        "active_enrollment_count",
    )
    list_filter = ("is_active", "buying_role", "journey_stage__phase")
    search_fields = ("name", "journey_stage__name")
    autocomplete_fields = ("journey_stage",)
    list_select_related = ("journey_stage__parent",)
    inlines = (StepInline,)

    def get_queryset(self, request):
        active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
        return (
            super()
            .get_queryset(request)
            .annotate(
                step_count=related_count(Step.objects.all(), to="sequence"),
                active_enrollment_count=related_count(active, to="sequence"),
            )
        )

    @admin.display(description="steps", ordering="step_count")
    def step_count(self, sequence: Sequence) -> int:
        return sequence.step_count

    @admin.display(description="active enrollments", ordering="active_enrollment_count")
    def active_enrollment_count(self, sequence: Sequence) -> int:
        return sequence.active_enrollment_count


@admin.register(Step)
class StepAdmin(WaymarkAdmin):
    list_display = ("__str__", "sequence", "position", "kind", "delay_days", "subject", "asset")
    list_filter = ("kind",)
    search_fields = ("sequence__name", "subject")
    autocomplete_fields = ("sequence", "asset")
    list_select_related = ("sequence", "asset")


class TouchInline(ReadOnlyInline):
    """What was carried out for the enrollment, as the dispatcher recorded it."""

    model = Touch
    fields = ("step", "sent_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*TOUCH_RELATED)


@admin.register(Enrollment)
class EnrollmentAdmin(WaymarkAdmin):
    list_display = (
        "contact",
        "sequence",
        "opportunity",
        "status",
        "next_step",
        "due_at",
        "enrolled_at",
        "ended_at",
    )
    list_filter = ("status", "sequence__journey_stage__phase")
    search_fields = ("contact__email", "contact__last_name", "sequence__name", "opportunity__name")
    autocomplete_fields = ("sequence", "contact", "opportunity", "next_step")
    list_select_related = ("contact", "sequence", "opportunity", "next_step__sequence")
    date_hierarchy = "enrolled_at"
    inlines = (TouchInline,)


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Sends happen once, through the dispatcher; the admin only shows them."""

    list_display = ("__str__", "enrollment", "step", "sent_at")
    search_fields = ("enrollment__contact__email", "step__sequence__name", "step__subject")
    list_select_related = TOUCH_RELATED
    date_hierarchy = "sent_at"
