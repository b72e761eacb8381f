from django_filters import rest_framework as filters

from apps.accounts.models import Account, Contact


class AccountFilter(filters.FilterSet):
    industry = filters.CharFilter(lookup_expr="iexact")
    region = filters.CharFilter(lookup_expr="iexact")
    fit_score_min = filters.NumberFilter(field_name="fit_score", lookup_expr="gte")
    fit_score_max = filters.NumberFilter(field_name="fit_score", lookup_expr="lte")

    class Meta:
        model = Account
        fields = ["tier", "is_target", "industry", "region", "owner"]


class ContactFilter(filters.FilterSet):
    # Declared once: with `filterset_fields` django-filter builds a new class on every request.
    class Meta:
        model = Contact
        fields = ["account", "persona", "buying_role", "consent"]
