from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.api.filters import AccountFilter, ContactFilter
from apps.accounts.api.serializers import AccountSerializer, ContactSerializer
from apps.accounts.models import Account, Contact
from apps.accounts.services import (
    account_archive,
    account_create,
    account_delete,
    account_restore,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from apps.core.api.archive import ArchivableModelViewSet
from apps.core.api.permissions import RoleModelPermissions, holds
from apps.imports.api.views import bulk_upsert_action
from apps.imports.models import RecordKind
from apps.nurture.services import record_archive_leaving_sequences
from apps.privacy.api.serializers import EraseInputSerializer, ErasureSerializer
from apps.privacy.exports import personal_data_download
from apps.privacy.services import contact_erase


class AccountViewSet(ArchivableModelViewSet):
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

    def archive_record(self, *, instance):
        account_archive(account=instance, by=self.request.user)

    def restore_record(self, *, instance):
        return account_restore(account=instance)


class ContactViewSet(ArchivableModelViewSet):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "title", "account__name"]
    ordering_fields = ["last_name", "first_name", "email", "created_at"]

    def get_queryset(self):
        contacts = Contact.objects.select_related("account", "persona")
        if self.action == "list":
            # A row shows its account's and persona's names only: their whole rows made a page
            # of 50 contacts read three times the columns (and build two model objects each).
            own = [field.attname for field in Contact._meta.concrete_fields]
            contacts = contacts.only(*own, "account__name", "persona__name")
        return contacts

    def create_record(self, *, data):
        return contact_create(data=data)

    def update_record(self, *, instance, data):
        return contact_update(contact=instance, data=data)

    def delete_record(self, *, instance):
        contact_delete(contact=instance)

    bulk = bulk_upsert_action(RecordKind.CONTACTS)

    def archive_record(self, *, instance):
        record_archive_leaving_sequences(record=instance, by=self.request.user)

    @extend_schema(
        request=EraseInputSerializer,
        responses={200: ErasureSerializer},
        description="GDPR erasure (admins): the contact's personal data removed or anonymised "
        "everywhere, in one transaction; confirm with the contact's email address. The contact "
        "stays, anonymised, so the account's numbers do not change.",
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[RoleModelPermissions, holds("privacy.erase_contact")],
    )
    def erase(self, request, *args, **kwargs):
        contact = self.get_object()
        EraseInputSerializer(data=request.data, context={"contact": contact}).is_valid(
            raise_exception=True
        )
        erasure = contact_erase(contact=contact, by=request.user)
        return Response(ErasureSerializer(erasure).data)

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Subject access export (admins): the contact's fields, events, "
                "enrolments, touches, handoffs, asset shares, scores and stage changes, as a "
                "JSON file.",
            )
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="personal-data",
        permission_classes=[RoleModelPermissions, holds("privacy.export_personal_data")],
    )
    def personal_data(self, request, *args, **kwargs):
        return personal_data_download(contact=self.get_object())
