"""Filter forms of the list pages: they read the query string; invalid values are ignored."""

from django import forms
from django.http import QueryDict

from apps.accounts.models import Account
from apps.core.forms import SELECT, search_field
from apps.pipeline.models import PipelineStage
from apps.pipeline.selectors import opportunity_owner_list, pipeline_stage_list


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
