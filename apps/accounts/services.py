from django.db import transaction

from apps.accounts.models import Account, Contact
from apps.core.services import model_create, model_update

ACCOUNT_FIELDS = [
    "name",
    "domain",
    "industry",
    "region",
    "employee_count",
    "annual_revenue",
    "tier",
    "is_target",
    "fit_score",
    "owner",
    "external_source",
    "external_id",
]
CONTACT_FIELDS = [
    "account",
    "first_name",
    "last_name",
    "email",
    "title",
    "persona",
    "buying_role",
    "consent",
    "time_zone",
    "external_source",
    "external_id",
]


@transaction.atomic
def account_create(*, data: dict) -> Account:
    return model_create(model=Account, data=data)


@transaction.atomic
def account_update(*, account: Account, data: dict) -> Account:
    return model_update(instance=account, fields=ACCOUNT_FIELDS, data=data)[0]


@transaction.atomic
def contact_create(*, data: dict) -> Contact:
    return model_create(model=Contact, data=data)


@transaction.atomic
def contact_update(*, contact: Contact, data: dict) -> Contact:
    return model_update(instance=contact, fields=CONTACT_FIELDS, data=data)[0]


@transaction.atomic
def account_delete(*, account: Account) -> None:
    """Remove an account with its contacts, opportunities and their signals."""
    account.delete()


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    contact.delete()
