from django.contrib import admin, messages
from django.db import transaction

from apps.core.admin import ReadOnlyAdminMixin, WaymarkAdmin
from apps.core.exceptions import ApplicationError
from apps.engagement import services
from apps.engagement.models import (
    AccountScore,
    AccountScoreSnapshot,
    Backtest,
    Calibration,
    ContactScore,
    Event,
    Handoff,
    InferredStageChange,
    RecomputeRequest,
    RuleSet,
    ScoringSettings,
    SignalRule,
    WebhookDelivery,
    WebhookSource,
)


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Buyer signals are append-only: they arrive through the intake services, never by hand."""

    list_display = (
        "occurred_at",
        "kind",
        "direction",
        "source",
        "account",
        "contact",
        "asset",
        "url",
    )
    list_filter = ("kind", "direction", "source")
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
        "property_name",
        "property_value",
        "journey_stage",
        "weight",
        "half_life_days",
        "cap",
        "repeat_count",
        "repeat_window_days",
        "is_active",
    )
    list_filter = ("is_active", "kind", "journey_stage__phase")
    search_fields = ("url_pattern", "journey_stage__name")
    autocomplete_fields = ("journey_stage",)
    list_select_related = ("journey_stage__parent",)

    def save_model(self, request, obj, form, change) -> None:
        """Through the services, so every change stores a rule set version."""
        if change:
            # The form already copied its values onto `obj`: compare with the stored row.
            stored = SignalRule.objects.get(pk=obj.pk)
            saved = services.signal_rule_update(rule=stored, data=form.cleaned_data)
        else:
            saved = services.signal_rule_create(data=form.cleaned_data)
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request, obj) -> None:
        services.signal_rule_delete(rule=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        with services.rule_changes(
            origin=RuleSet.Origin.EDITED, summary=f"{queryset.count()} rules removed in the admin"
        ):
            for rule in queryset:
                services.signal_rule_delete(rule=rule)


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(WaymarkAdmin):
    """The one row of scoring settings: thresholds, multipliers and fit points."""

    list_display = ("__str__", "stage_threshold", "mql_threshold", "mqa_threshold", "updated_at")
    filter_horizontal = ("target_personas",)
    fieldsets = (
        ("Stages", {"fields": ("stage_threshold",)}),
        (
            "Later stages weigh more",
            {"fields": ("awareness_multiplier", "consideration_multiplier", "decision_multiplier")},
        ),
        (
            "Fit",
            {
                "fields": (
                    "firmographic_fit_points",
                    "persona_fit_points",
                    "target_personas",
                    "buying_role_points",
                )
            },
        ),
        (
            "Accounts",
            {
                "fields": (
                    "top_members",
                    "person_cap",
                    "role_breadth_points",
                    "committee_for_consideration",
                    "committee_for_decision",
                    "tier_1_multiplier",
                    "tier_2_multiplier",
                    "tier_3_multiplier",
                )
            },
        ),
        (
            "Handoffs to sales",
            {"fields": ("mql_threshold", "mqa_threshold", "rejected_handoff_cooldown_days")},
        ),
    )

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not ScoringSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, so a new stage threshold stores a rule set version."""
        obj.pk = ScoringSettings.SINGLETON_ID
        services.scoring_settings_update(data=form.cleaned_data)
        obj._state.adding = False


class _ScoreAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Scores are written by the recompute only."""

    list_filter = ("stage__phase",)
    show_full_result_count = False


@admin.register(ContactScore)
class ContactScoreAdmin(_ScoreAdmin):
    list_display = ("contact", "account", "score", "fit", "engagement", "stage", "computed_at")
    list_select_related = ("contact", "account", "stage__parent")
    search_fields = ("contact__email", "contact__last_name", "account__name")


@admin.register(AccountScore)
class AccountScoreAdmin(_ScoreAdmin):
    list_display = (
        "account",
        "score",
        "engagement",
        "engaged_roles",
        "committee_coverage",
        "stage",
        "computed_at",
    )
    list_select_related = ("account", "stage__parent")
    search_fields = ("account__name", "account__domain")


@admin.register(AccountScoreSnapshot)
class AccountScoreSnapshotAdmin(_ScoreAdmin):
    list_display = ("account", "day", "score", "stage")
    list_select_related = ("account", "stage__parent")
    search_fields = ("account__name",)
    date_hierarchy = "day"


@admin.register(InferredStageChange)
class InferredStageChangeAdmin(_ScoreAdmin):
    list_display = ("changed_at", "account", "contact", "from_stage", "to_stage", "is_forward")
    list_filter = ("is_forward", "to_stage__phase")
    list_select_related = ("account", "contact", "from_stage__parent", "to_stage__parent")
    search_fields = ("account__name", "contact__email")
    date_hierarchy = "changed_at"


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Raised by the scoring; accepted or rejected by sales (here, in the app or the API)."""

    list_display = ("raised_at", "kind", "account", "contact", "score", "status", "decided_by")
    list_filter = ("status", "kind")
    list_select_related = ("account", "contact", "decided_by")
    search_fields = ("account__name", "contact__email")
    actions = ("accept_selected",)

    @admin.action(description="Accept the selected pending handoffs", permissions=["view"])
    def accept_selected(self, request, queryset) -> None:
        accepted = 0
        for handoff in queryset.filter(status=Handoff.Status.PENDING):
            try:
                services.handoff_decide(handoff=handoff, user=request.user, accept=True)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.WARNING)
            else:
                accepted += 1
        self.message_user(request, f"Accepted {accepted} handoffs.")


@admin.register(Backtest)
class BacktestAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Backtests of the scores, run from the backtest page, the API or `scores_backtest`."""

    list_display = ("created_at", "as_of", "horizon_days", "outcome", "status", "requested_by")
    list_filter = ("status", "outcome")
    list_select_related = ("requested_by",)


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Rule set versions: stored by the rule services, approved or declined on their page."""

    list_display = ("version", "status", "origin", "summary", "decided_by", "activated_at")
    list_filter = ("status", "origin")
    list_select_related = ("decided_by",)


@admin.register(Calibration)
class CalibrationAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("created_at", "start", "end", "horizon_days", "outcome", "status", "proposal")
    list_filter = ("status", "outcome")
    list_select_related = ("requested_by", "proposal")


@admin.register(RecomputeRequest)
class RecomputeRequestAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("account", "requested_at")
    list_select_related = ("account",)
    search_fields = ("account__name",)


@admin.register(WebhookSource)
class WebhookSourceAdmin(WaymarkAdmin):
    """Senders of signed webhooks; the secret is generated here and shared with the sender."""

    list_display = ("name", "source", "tolerance_seconds", "is_active")
    list_filter = ("source", "is_active")
    search_fields = ("name",)
    readonly_fields = ("secret",)
    actions = ("rotate_secret",)

    def save_model(self, request, obj, form, change) -> None:
        """Through the services, so a new source gets its generated secret."""
        if change:
            # The form already copied its values onto `obj`: compare with the stored row.
            stored = WebhookSource.objects.get(pk=obj.pk)
            saved = services.webhook_source_update(source=stored, data=form.cleaned_data)
        else:
            saved = services.webhook_source_create(data=form.cleaned_data)
        # The admin goes on with `obj` (change message, log entry, redirect).
        for field in WebhookSource._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    @admin.action(description="Give the selected sources a new secret", permissions=["change"])
    def rotate_secret(self, request, queryset) -> None:
        for source in queryset:
            services.webhook_source_rotate_secret(source=source)
        self.message_user(request, "New secrets made: share them with the senders.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    list_display = ("received_at", "webhook_source", "signed_at")
    list_filter = ("webhook_source",)
    list_select_related = ("webhook_source",)
    search_fields = ("signature",)
    date_hierarchy = "received_at"
