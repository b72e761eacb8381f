from datetime import timedelta

from django import forms
from django.utils import timezone

from apps.analytics.dashboards import DEFAULT_DAYS, MAX_DAYS, Filters
from apps.campaigns.selectors import default_journey, journey_choices

SMALL = {"class": "form-control form-control-sm"}


class DashboardFilterForm(forms.Form):
    """The date range and journey a dashboard shows (GET); empty fields take the defaults:
    the last 30 days and the journey pages open on."""

    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={**SMALL, "type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={**SMALL, "type": "date"})
    )
    journey = forms.ModelChoiceField(
        queryset=journey_choices(),
        required=False,
        empty_label="Default journey",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shown = Filters.default()
        self.fields["start"].initial, self.fields["end"].initial = shown.start, shown.end

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.now().date()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("start", f"The range starts after it ends ({end:%-d %b %Y}).")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("start", f"A dashboard shows at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters asked for when valid, else the defaults (the errors show on the form)."""
        if self.is_valid():
            data = self.cleaned_data
            return Filters(
                start=data["start"], end=data["end"], journey=data["journey"] or default_journey()
            )
        return Filters.default(journey=default_journey())
