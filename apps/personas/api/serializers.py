from rest_framework import serializers

from apps.personas.models import Persona


class PersonaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Persona
        fields = [
            "id",
            "name",
            "buying_role",
            "summary",
            "priorities",
            "pain_points",
            "decision_criteria",
            "objections",
            "created_at",
            "updated_at",
        ]
