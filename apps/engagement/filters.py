"""Filter bars of the signals pages (`apps.core.listing`)."""

import django_filters
from django import forms

from apps.core.listing import ListFilter, SearchFilter
from apps.engagement.models import AccountScore, EventKind, Handoff, RuleSet, SignalRule


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


class HotAccountFilter(ListFilter):
    q = SearchFilter(fields=("account__name", "account__domain"), placeholder="Account or domain")

    class Meta:
        model = AccountScore
        fields = ["q"]


class RuleSetFilter(ListFilter):
    q = SearchFilter(fields=("summary",), placeholder="What changed")
    status = django_filters.ChoiceFilter(choices=RuleSet.Status.choices, empty_label="Any status")
    origin = django_filters.ChoiceFilter(choices=RuleSet.Origin.choices, empty_label="Any origin")

    class Meta:
        model = RuleSet
        fields = ["q", "status", "origin"]
