from django_filters import rest_framework as filters

from apps.content.models import Asset
from apps.journeys.models import Phase
from apps.personas.models import Persona


class AssetFilter(filters.FilterSet):
    phase = filters.ChoiceFilter(field_name="journey_stage__phase", choices=Phase.choices)
    persona = filters.ModelChoiceFilter(field_name="personas", queryset=Persona.objects.all())

    class Meta:
        model = Asset
        fields = ["asset_type", "journey_stage", "status"]
