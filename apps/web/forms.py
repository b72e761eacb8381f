"""Filter forms of the list pages (they read the query string; invalid values are ignored) and
the forms a rep works a deal with on its page."""

from datetime import date, datetime, time

from django import forms
from django.http import QueryDict
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.core.forms import SELECT, search_field
from apps.pipeline.models import Opportunity, PipelineStage
from apps.pipeline.selectors import opportunity_owner_list, pipeline_stage_list
from apps.pipeline.services import ACTIVITY_OUTCOMES


class AccountFilterForm(forms.Form):
    q = search_field(placeholder="Name or domain")
    tier = forms.TypedChoiceField(
        choices=[("", "Any tier"), *Account.Tier.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    target = forms.NullBooleanField(
        label="Target",
        required=False,
        widget=forms.Select(
            choices=[("", "All accounts"), ("true", "Target accounts"), ("false", "Others")],
            attrs=SELECT,
        ),
    )
    archived = forms.BooleanField(
        label="Shown",
        required=False,
        widget=forms.Select(choices=[("", "Active"), ("1", "Archived")], attrs=SELECT),
    )


class OpportunityFilterForm(forms.Form):
    ANY_STATUS = "any"

    q = search_field(placeholder="Deal or account")
    stage = forms.ModelChoiceField(
        queryset=pipeline_stage_list(),
        required=False,
        empty_label="Any stage",
        widget=forms.Select(attrs=SELECT),
    )
    owner = forms.ModelChoiceField(
        queryset=opportunity_owner_list(),
        required=False,
        empty_label="Anyone",
        widget=forms.Select(attrs=SELECT),
    )
    status = forms.ChoiceField(
        choices=[*PipelineStage.Outcome.choices, (ANY_STATUS, "Any status")],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    mine = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @classmethod
    def from_query(cls, query: QueryDict) -> "OpportunityFilterForm":
        """Open deals unless the query asks for another status."""
        data = query.copy()
        data.setdefault("status", PipelineStage.Outcome.OPEN)
        return cls(data)

    @property
    def outcome(self) -> str | None:
        status = self.cleaned_data.get("status") or PipelineStage.Outcome.OPEN
        return None if status == self.ANY_STATUS else status


# -- a rep working their deal (the opportunity page) -------------------------------------------

INPUT = {"class": "form-control form-control-sm"}


def _not_in_future(day: date | None) -> date | None:
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError("Pick today or a day before.")
    return day


def moment_of(day: date | None) -> datetime:
    """When something dated `day` (in the user's time zone) happened: now for today, else
    midday of that day."""
    if day is None or day == timezone.localdate():
        return timezone.now()
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


class StageMoveForm(forms.Form):
    stage = forms.ModelChoiceField(
        label="Move to stage",
        queryset=pipeline_stage_list(),
        empty_label=None,
        widget=forms.Select(attrs=SELECT),
    )
    moved_on = forms.DateField(
        label="Moved on",
        required=False,
        help_text="Leave empty for now.",
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}),
    )
    note = forms.CharField(
        label="Why", required=False, max_length=300, widget=forms.TextInput(attrs=INPUT)
    )

    def clean_moved_on(self):
        return _not_in_future(self.cleaned_data.get("moved_on"))


class DealDetailsForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**INPUT, "step": "0.01"}),
    )
    expected_close_date = forms.DateField(
        label="Expected close",
        required=False,
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}),
    )


class ActivityForm(forms.Form):
    """A call, meeting or note a rep logs on the deal (stored as seller-initiated activity)."""

    kind = forms.ChoiceField(
        label="Activity",
        choices=[("call", "Call"), ("meeting", "Meeting"), ("note", "Note")],
        widget=forms.Select(attrs=SELECT),
    )
    occurred_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={**INPUT, "type": "date"}),
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=ACTIVITY_OUTCOMES.items(), widget=forms.Select(SELECT)
    )
    contact = forms.ModelChoiceField(
        label="With",
        queryset=Contact.objects.none(),
        required=False,
        empty_label="Nobody in particular",
        widget=forms.Select(attrs=SELECT),
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={**INPUT, "rows": 2}),
    )

    def __init__(self, *args, opportunity: Opportunity, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = opportunity.account.contacts.active().order_by(
            "last_name", "first_name"
        )

    def clean_occurred_on(self):
        return _not_in_future(self.cleaned_data.get("occurred_on"))
