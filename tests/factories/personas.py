import factory

from apps.personas.models import BuyingRole, Persona


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Persona

    name = factory.Sequence(lambda n: f"Persona {n}")
    buying_role = BuyingRole.CHAMPION
    pain_points = "Manual work\nLate reports"
    decision_criteria = "Time to value"
    objections = "Too expensive"
