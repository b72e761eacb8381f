from django.contrib import admin, messages

from apps.core.admin import (
    ArchivableAdmin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    WaymarkAdmin,
    related_count,
)
from apps.core.exceptions import ApplicationError
from apps.nurture.models import (
    Enrollment,
    Holiday,
    MailEvent,
    Sequence,
    Step,
    StepVariant,
    SuppressedAddress,
    Touch,
    TrackingHit,
)
from apps.nurture.services import (
    enrollment_exit,
    record_archive_leaving_sequences,
    suppressions_lift,
)

# `Step.__str__` names its sequence, `Enrollment.__str__` its contact and sequence.
TOUCH_RELATED = ("step__sequence", "enrollment__contact", "enrollment__sequence")


class StepInline(admin.StackedInline):
    model = Step
    fields = (
        ("position", "kind", "delay_days", "delay_hours", "task_action"),
        "subject",
        "body",
        "asset",
    )
    autocomplete_fields = ("asset",)
    extra = 0


@admin.register(Sequence)
class SequenceAdmin(ArchivableAdmin):
    list_display = (
        "name",
        "journey_stage",
        "buying_role",
        "persona",
        "is_active",
        "step_count",
        "active_enrollment_count",
    )
    list_filter = ("is_active", "buying_role", "journey_stage__phase")
    search_fields = ("name", "journey_stage__name")
    autocomplete_fields = ("journey_stage", "persona", "campaign")
    list_select_related = ("journey_stage__parent", "persona")
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

    def archive_record(self, request, record) -> None:
        record_archive_leaving_sequences(record=record, by=request.user)

    @admin.display(description="steps", ordering="step_count")
    def step_count(self, sequence: Sequence) -> int:
        return sequence.step_count

    @admin.display(description="active enrollments", ordering="active_enrollment_count")
    def active_enrollment_count(self, sequence: Sequence) -> int:
        return sequence.active_enrollment_count


@admin.register(Step)
class StepAdmin(WaymarkAdmin):
    list_display = (
        "__str__",
        "sequence",
        "position",
        "kind",
        "delay_days",
        "delay_hours",
        "subject",
        "asset",
    )
    list_filter = ("kind",)
    search_fields = ("sequence__name", "subject")
    autocomplete_fields = ("sequence", "asset")
    list_select_related = ("sequence", "asset")


@admin.register(StepVariant)
class StepVariantAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """A/B variants are labelled and checked against their step on the sequence page (and the
    API); the admin only shows them."""

    list_display = ("__str__", "step", "label", "subject", "weight", "is_active")
    list_filter = ("is_active",)
    search_fields = ("step__sequence__name", "subject")
    list_select_related = ("step__sequence",)


class TouchInline(ReadOnlyInline):
    """What was carried out for the enrollment, as the dispatcher recorded it."""

    model = Touch
    fields = ("step", "kind", "subject", "sent_at", "holiday_move", "assignee", "completed_at")
    readonly_fields = ("holiday_move",)  # not editable: no form field would show it

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
        "exit_reason",
        "failure",
    )
    list_filter = ("status", "exit_reason", "sequence__journey_stage__phase")
    search_fields = ("contact__email", "contact__last_name", "sequence__name", "opportunity__name")
    autocomplete_fields = ("sequence", "contact", "opportunity", "next_step", "enrolled_by")
    raw_id_fields = ("stall",)
    list_select_related = ("contact", "sequence", "opportunity", "next_step__sequence")
    date_hierarchy = "enrolled_at"
    inlines = (TouchInline,)
    actions = ("end_enrollments",)

    @admin.action(description="End the selected enrolments (reason: ended by hand)")
    def end_enrollments(self, request, queryset):
        ended = 0
        for enrollment in queryset.filter(status=Enrollment.Status.ACTIVE):
            try:
                enrollment_exit(enrollment=enrollment)
            except ApplicationError:
                continue  # ended meanwhile by the dispatcher
            ended += 1
        self.message_user(request, f"{ended} enrolment(s) ended.", messages.SUCCESS)


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Sends happen once, through the dispatcher; the admin only shows them."""

    list_display = (
        "__str__",
        "enrollment",
        "step",
        "kind",
        "sent_at",
        "holiday_move",
        "assignee",
        "completed_at",
    )
    readonly_fields = ("holiday_move",)  # not editable: no form field would show it
    list_filter = ("kind",)
    search_fields = ("enrollment__contact__email", "step__sequence__name", "subject")
    list_select_related = (*TOUCH_RELATED, "assignee")
    date_hierarchy = "sent_at"


@admin.register(TrackingHit)
class TrackingHitAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Opens and clicks made by machines (proxies, scanners): kept to be seen, never signals."""

    list_display = ("touch", "kind", "link", "reason", "user_agent", "at")
    list_filter = ("reason", "kind")
    search_fields = ("touch__enrollment__contact__email", "user_agent")
    list_select_related = tuple(f"touch__{path}" for path in TOUCH_RELATED)
    date_hierarchy = "at"


@admin.register(Holiday)
class HolidayAdmin(WaymarkAdmin):
    """The company's days off on which no sequence sends anything: for every buyer, or for the
    buyers of one country (or subdivision). Public holidays come from each buyer's country."""

    list_display = ("date", "name", "country", "subdivision")
    list_filter = ("country",)
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(MailEvent)
class MailEventAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """What the mail provider reported, as received (once per provider and id)."""

    list_display = ("kind", "bounce_type", "email", "touch", "provider", "occurred_at")
    list_filter = ("provider", "kind", "bounce_type")
    search_fields = ("email", "message_id", "provider_event_id")
    raw_id_fields = ("touch",)
    list_select_related = tuple(f"touch__{related}" for related in TOUCH_RELATED)
    date_hierarchy = "occurred_at"


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Addresses no sequence emails (hard bounce, soft bounces in a row, spam complaint). Only
    lifting changes them; the History button shows who lifted which, when."""

    list_display = ("email", "reason", "suppressed_at", "touch")
    list_filter = ("reason",)
    search_fields = ("email",)
    raw_id_fields = ("touch",)
    list_select_related = tuple(f"touch__{related}" for related in TOUCH_RELATED)
    date_hierarchy = "suppressed_at"
    actions = ("lift",)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # lifting is the one way out
        return actions

    @admin.action(
        description="Lift the selected suppressions (sequences may email them again)",
        permissions=["delete"],
    )
    def lift(self, request, queryset):
        lifted = suppressions_lift(suppressions=queryset)
        self.message_user(request, f"{lifted} suppression(s) lifted.", messages.SUCCESS)
