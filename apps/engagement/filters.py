"""Filter bars of the signals pages (`apps.core.listing`)."""

import django_filters
from django import forms

from apps.core.listing import ListFilter, SearchFilter
from apps.engagement.models import EventKind, Handoff, SignalRule


class SignalRuleFilter(ListFilter):
    q = SearchFilter(
        fields=("url_pattern", "property_name", "property_value", "journey_stage__name"),
        placeholder="URL, property or stage",
    )
    kind = django_filters.ChoiceFilter(
        label="Signal", choices=EventKind.choices, empty_label="Any signal"
    )
    is_active = django_filters.BooleanFilter(
        label="Active",
        widget=forms.Select(choices=[("", "Active or not"), ("true", "Active"), ("false", "Off")]),
    )

    class Meta:
        model = SignalRule
        fields = ["q", "kind", "is_active"]


class HandoffFilter(ListFilter):
    q = SearchFilter(
        fields=("account__name", "contact__first_name", "contact__last_name", "contact__email"),
        placeholder="Account or person",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=Handoff.Kind.choices, empty_label="MQLs and MQAs"
    )

    class Meta:
        model = Handoff
        fields = ["q", "kind"]
