from django_filters import rest_framework as filters

from apps.campaigns.models import Campaign, Channel
from apps.campaigns.selectors import with_channel
from apps.journeys.models import Phase


class CampaignFilter(filters.FilterSet):
    phase = filters.ChoiceFilter(field_name="goal_stage__phase", choices=Phase.choices)
    journey = filters.NumberFilter(field_name="goal_stage__journey", label="Journey (version) id")
    channel = filters.ChoiceFilter(choices=Channel.choices, method="filter_channel")

    class Meta:
        model = Campaign
        fields = ["status", "kpi", "goal_stage", "owner"]

    def filter_channel(self, queryset, name, value):
        return queryset.filter(with_channel(value))
