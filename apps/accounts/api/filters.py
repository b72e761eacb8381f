from django_filters import rest_framework as filters

from apps.accounts.models import Account


class AccountFilter(filters.FilterSet):
    industry = filters.CharFilter(lookup_expr="iexact")
    region = filters.CharFilter(lookup_expr="iexact")
    fit_score_min = filters.NumberFilter(field_name="fit_score", lookup_expr="gte")
    fit_score_max = filters.NumberFilter(field_name="fit_score", lookup_expr="lte")

    class Meta:
        model = Account
        fields = ["tier", "is_target", "industry", "region", "owner"]
