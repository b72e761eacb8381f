from apps.core.api.archive import ArchivableModelViewSet
from apps.personas.api.serializers import PersonaSerializer
from apps.personas.models import Persona
from apps.personas.services import persona_create, persona_delete, persona_update


class PersonaViewSet(ArchivableModelViewSet):
    serializer_class = PersonaSerializer
    filterset_fields = ["buying_role"]
    search_fields = ["name", "summary"]
    ordering_fields = ["name", "buying_role", "created_at"]

    def get_queryset(self):
        return Persona.objects.all()

    def create_record(self, *, data):
        return persona_create(data=data)

    def update_record(self, *, instance, data):
        return persona_update(persona=instance, data=data)

    def delete_record(self, *, instance):
        persona_delete(persona=instance)
