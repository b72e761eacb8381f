from django_filters import rest_framework as filters

from apps.journeys.models import PlaybookCell, StageKpi


class PlaybookCellFilter(filters.FilterSet):
    journey = filters.NumberFilter(field_name="stage__journey", label="Journey version id")
    account_playbook = filters.BooleanFilter(
        field_name="account", lookup_expr="isnull", exclude=True, label="Accounts' cells only"
    )

    class Meta:
        model = PlaybookCell
        fields = ["stage", "persona", "account"]


class StageKpiFilter(filters.FilterSet):
    journey = filters.NumberFilter(field_name="stage__journey", label="Journey version id")

    class Meta:
        model = StageKpi
        fields = ["stage", "kpi"]
