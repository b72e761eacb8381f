import factory

from apps.imports.models import ImportChange, ImportRowError, ImportRun, RecordKind, SavedMapping
from tests.factories.users import UserFactory


class ImportRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRun

    kind = RecordKind.ACCOUNTS
    file_name = factory.Sequence(lambda n: f"companies-{n}.csv")
    created_by = factory.SubFactory(UserFactory)
    mapping = factory.LazyFunction(lambda: {"Company": "name", "Website": "domain"})
    status = ImportRun.Status.PREVIEWED


class ImportRowErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRowError

    run = factory.SubFactory(ImportRunFactory)
    row = factory.Sequence(lambda n: n + 2)
    column = "Website"
    value = "not a domain"
    message = "Not a web domain such as acme.com."


class SavedMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedMapping

    name = factory.Sequence(lambda n: f"HubSpot companies {n}")
    kind = RecordKind.ACCOUNTS
    mapping = factory.LazyFunction(lambda: {"Company name": "name"})
    source = "hubspot"


class ImportChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportChange

    run = factory.SubFactory(ImportRunFactory, status=ImportRun.Status.COMMITTED)
    record_kind = RecordKind.ACCOUNTS
    record_id = factory.Sequence(lambda n: n + 1)
    action = ImportChange.Action.UPDATED
    previous = factory.LazyFunction(lambda: {"industry": "Retail"})
