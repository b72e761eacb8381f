from django import forms

from apps.engagement.models import Backtest, Handoff, RuleSet, SignalRule
from apps.engagement.selectors import handoff_assignees
from apps.engagement.services import (
    BACKTEST_MAX_HORIZON_DAYS,
    CALIBRATION_MAX_CUTOFFS,
    CALIBRATION_MIN_CUTOFFS,
    SIGNAL_RULE_FIELDS,
)
from apps.journeys.models import JourneyStage
from apps.journeys.selectors import DRAFTS_LAST
from apps.users.models import User

SELECT = {"class": "form-select"}
INPUT = {"class": "form-control"}


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: JourneyStage) -> str:
        return f"{obj.journey}{' draft' if obj.journey.is_draft else ''}: {obj}"


class SignalRuleForm(forms.ModelForm):
    journey_stage = StageChoiceField(
        queryset=JourneyStage.objects.select_related("journey", "parent")
        .annotate(drafts_last=DRAFTS_LAST)
        .order_by(
            "journey__name",
            "drafts_last",
            "-journey__version",
            "phase",
            "parent__position",
            "position",
        ),
        widget=forms.Select(attrs=SELECT),
        label="Journey stage it indicates",
    )

    class Meta:
        model = SignalRule
        fields = SIGNAL_RULE_FIELDS
        widgets = {
            "kind": forms.Select(attrs=SELECT),
            "url_pattern": forms.TextInput(attrs={**INPUT, "placeholder": "/pricing"}),
            "property_name": forms.TextInput(attrs={**INPUT, "placeholder": "outcome"}),
            "property_value": forms.TextInput(attrs={**INPUT, "placeholder": "connected"}),
            "weight": forms.NumberInput(attrs={**INPUT, "step": "0.5", "min": "0"}),
            "half_life_days": forms.NumberInput(attrs={**INPUT, "min": "1"}),
            "cap": forms.NumberInput(attrs={**INPUT, "step": "1", "min": "0"}),
            "repeat_count": forms.NumberInput(attrs={**INPUT, "min": "1"}),
            "repeat_window_days": forms.NumberInput(attrs={**INPUT, "min": "1"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }
        labels = {
            "kind": "Signal",
            "url_pattern": "URL contains",
            "property_name": "Property",
            "property_value": "Property value",
            "cap": "Cap (points)",
        }


DECISIONS = [(Handoff.Status.ACCEPTED, "Accept"), (Handoff.Status.REJECTED, "Reject")]


class HandoffDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS)
    reason = forms.CharField(required=False, max_length=500)


class HandoffIdsField(forms.Field):
    """The ticked handoffs' ids (`handoff`, one value per checkbox)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError("Tick handoffs from the list.") from error

    def validate(self, value):
        if not value:
            raise forms.ValidationError("Tick at least one handoff.")


class HandoffBulkDecisionForm(forms.Form):
    handoff = HandoffIdsField()
    decision = forms.ChoiceField(
        choices=DECISIONS, error_messages={"required": "Choose an action."}
    )
    reason = forms.CharField(required=False, max_length=500)


class HandoffReassignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label="Reassign to",
        queryset=User.objects.none(),
        required=False,
        empty_label="Marketing-ops queue",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = handoff_assignees()


class RuleSetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RuleSet) -> str:
        return f"v{obj.version} ({obj.get_status_display().lower()}): {obj.summary}"


class BacktestForm(forms.Form):
    as_of = forms.DateField(
        label="Scores as of",
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}),
        help_text="The end of this day: the events that had occurred by then count.",
    )
    horizon_days = forms.IntegerField(
        label="Horizon (days)",
        min_value=1,
        max_value=BACKTEST_MAX_HORIZON_DAYS,
        initial=90,
        widget=forms.NumberInput(attrs=INPUT),
    )
    outcome = forms.ChoiceField(
        choices=Backtest.Outcome.choices,
        label="Outcome to foresee",
        widget=forms.Select(attrs=SELECT),
    )
    known_then = forms.BooleanField(
        required=False,
        label="Only events Waymark had received by then",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    compare_with = RuleSetChoiceField(
        # The active version is the current rules already; a declined one is of no more use.
        queryset=RuleSet.objects.filter(
            status__in=[RuleSet.Status.PROPOSED, RuleSet.Status.SUPERSEDED]
        ).defer("rules", "evidence"),
        required=False,
        label="Compare with rule set",
        empty_label="No other rule set",
        widget=forms.Select(attrs=SELECT),
        help_text="A proposal or an earlier version, scored beside the current rules.",
    )


class CalibrationForm(forms.Form):
    start = forms.DateField(
        label="History from",
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}),
        help_text="The first day buyers are scored at.",
    )
    end = forms.DateField(
        label="History to",
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}),
        help_text="The last day buyers are scored at; the later days are held out to check.",
    )
    horizon_days = forms.IntegerField(
        label="Horizon (days)",
        min_value=1,
        max_value=BACKTEST_MAX_HORIZON_DAYS,
        initial=90,
        widget=forms.NumberInput(attrs=INPUT),
        help_text="Days after each of those days in which the outcome counts.",
    )
    outcome = forms.ChoiceField(
        choices=Backtest.Outcome.choices,
        label="Outcome to foresee",
        widget=forms.Select(attrs=SELECT),
    )
    cutoffs = forms.IntegerField(
        label="Days scored",
        min_value=CALIBRATION_MIN_CUTOFFS,
        max_value=CALIBRATION_MAX_CUTOFFS,
        initial=6,
        widget=forms.NumberInput(attrs=INPUT),
        help_text="Spread evenly from the first day to the last.",
    )


class RuleSetDeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why decline it?",
        widget=forms.TextInput(attrs={**INPUT, "placeholder": "Too few deals to trust"}),
    )
