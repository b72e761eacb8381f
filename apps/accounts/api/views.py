from apps.accounts.api.filters import AccountFilter
from apps.accounts.api.serializers import AccountSerializer, ContactSerializer
from apps.accounts.models import Account, Contact
from apps.accounts.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from apps.core.api.viewsets import ServiceModelViewSet
from apps.imports.api.views import bulk_upsert_action
from apps.imports.models import RecordKind


class AccountViewSet(ServiceModelViewSet):
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "domain", "tier", "fit_score", "created_at"]

    def get_queryset(self):
        return Account.objects.select_related("owner")

    def create_record(self, *, data):
        return account_create(data=data)

    def update_record(self, *, instance, data):
        return account_update(account=instance, data=data)

    def delete_record(self, *, instance):
        account_delete(account=instance)

    bulk = bulk_upsert_action(RecordKind.ACCOUNTS)


class ContactViewSet(ServiceModelViewSet):
    serializer_class = ContactSerializer
    filterset_fields = ["account", "persona", "buying_role", "consent"]
    search_fields = ["first_name", "last_name", "email", "title", "account__name"]
    ordering_fields = ["last_name", "first_name", "email", "created_at"]

    def get_queryset(self):
        return Contact.objects.select_related("account", "persona")

    def create_record(self, *, data):
        return contact_create(data=data)

    def update_record(self, *, instance, data):
        return contact_update(contact=instance, data=data)

    def delete_record(self, *, instance):
        contact_delete(contact=instance)

    bulk = bulk_upsert_action(RecordKind.CONTACTS)
