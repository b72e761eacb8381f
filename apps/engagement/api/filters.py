from django_filters import rest_framework as filters

from apps.accounts.models import Account
from apps.engagement.models import AccountScore, ContactScore, Event, InferredStageChange


class EventFilter(filters.FilterSet):
    occurred_after = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["account", "contact", "kind", "source", "asset", "external_id"]


class ContactScoreFilter(filters.FilterSet):
    score_min = filters.NumberFilter(field_name="score", lookup_expr="gte")
    # Through the contact: its account index serves the lookup.
    account = filters.ModelChoiceFilter(field_name="contact__account", queryset=Account.objects)

    class Meta:
        model = ContactScore
        fields = ["account", "stage"]


class AccountScoreFilter(filters.FilterSet):
    score_min = filters.NumberFilter(field_name="score", lookup_expr="gte")
    tier = filters.NumberFilter(field_name="account__tier")

    class Meta:
        model = AccountScore
        fields = ["stage"]


class StageChangeFilter(filters.FilterSet):
    buyer = filters.ChoiceFilter(
        choices=[("account", "Account stages"), ("contact", "Contact stages")],
        method="filter_buyer",
        label="Whose stage",
    )
    changed_after = filters.IsoDateTimeFilter(field_name="changed_at", lookup_expr="gte")

    class Meta:
        model = InferredStageChange
        fields = ["account", "contact", "to_stage", "is_forward"]

    def filter_buyer(self, queryset, name, value):
        return queryset.filter(contact__isnull=value == "account")
