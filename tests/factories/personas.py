import factory

from apps.personas.models import BuyingRole, Persona, TitleRule


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Persona

    name = factory.Sequence(lambda n: f"Persona {n}")
    buying_role = BuyingRole.CHAMPION
    pain_points = "Manual work\nLate reports"
    decision_criteria = "Time to value"
    objections = "Too expensive"


class TitleRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TitleRule

    pattern = factory.Sequence(lambda n: f"Head of Area {n}")
    persona = factory.SubFactory(PersonaFactory)
    buying_role = BuyingRole.CHAMPION
