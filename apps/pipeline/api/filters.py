from django_filters import rest_framework as filters

from apps.pipeline.models import Opportunity, PipelineStage


class OpportunityFilter(filters.FilterSet):
    is_open = filters.BooleanFilter(method="filter_is_open", label="Open (true) or closed (false)")
    mine = filters.BooleanFilter(method="filter_mine", label="Only the requester's own deals")
    is_stalled = filters.BooleanFilter(
        field_name="stalled_since", lookup_expr="isnull", exclude=True, label="Marked stalled"
    )

    class Meta:
        model = Opportunity
        fields = ["stage", "owner", "account"]

    def filter_is_open(self, queryset, name, value):
        open_stage = {"stage__outcome": PipelineStage.Outcome.OPEN}
        return queryset.filter(**open_stage) if value else queryset.exclude(**open_stage)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset
