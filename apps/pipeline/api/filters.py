from django_filters import rest_framework as filters

from apps.pipeline.models import Opportunity, PipelineStage
from apps.pipeline.selectors import STALLED


class OpportunityFilter(filters.FilterSet):
    is_open = filters.BooleanFilter(method="filter_is_open", label="Open (true) or closed (false)")
    mine = filters.BooleanFilter(method="filter_mine", label="Only the requester's own deals")
    is_stalled = filters.BooleanFilter(
        method="filter_is_stalled", label="In an open stall, for any reason"
    )

    class Meta:
        model = Opportunity
        fields = ["stage", "owner", "account"]

    def filter_is_stalled(self, queryset, name, value):
        return queryset.filter(STALLED) if value else queryset.exclude(STALLED)

    def filter_is_open(self, queryset, name, value):
        open_stage = {"stage__outcome": PipelineStage.Outcome.OPEN}
        return queryset.filter(**open_stage) if value else queryset.exclude(**open_stage)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset
