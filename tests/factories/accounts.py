import factory

from apps.accounts.models import Account, Contact
from apps.personas.models import BuyingRole


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "Manufacturing"
    region = "EMEA"
    tier = Account.Tier.TIER_2


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@buyer.example")
    buying_role = BuyingRole.CHAMPION
