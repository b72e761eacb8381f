from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.core.deletion import records_archive, records_restore
from apps.core.services import model_create, model_update
from apps.users.models import User

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


@transaction.atomic
def account_archive(*, account: Account, by: User) -> Account:
    """Archive an account with its contacts and deals, at one moment so that restoring the
    account brings back exactly those; their sequences end."""
    from apps.nurture.models import ExitReason  # nurture's services import ours
    from apps.nurture.services import enrollments_end

    if account.is_archived:
        return account
    at = timezone.now()
    records_archive(records=Account.objects.filter(pk=account.pk), by=by, at=at)
    records_archive(records=account.contacts.all(), by=by, at=at)
    records_archive(records=account.opportunities.all(), by=by, at=at)
    enrollments_end(
        reason=ExitReason.ARCHIVED,
        contacts=account.contacts.all(),
        opportunities=account.opportunities.all(),
    )
    account.refresh_from_db(fields=["archived_at", "archived_by"])
    return account


@transaction.atomic
def account_restore(*, account: Account) -> Account:
    """Bring back an account with the contacts and deals archived along with it."""
    if account.is_archived:
        at = account.archived_at
        records_restore(records=account.contacts.all(), archived_at=at)
        records_restore(records=account.opportunities.all(), archived_at=at)
        records_restore(records=Account.objects.filter(pk=account.pk), archived_at=at)
        account.refresh_from_db(fields=["archived_at", "archived_by"])
    return account


@transaction.atomic
def contacts_buying_cycle_start(
    *,
    by_account: Mapping[int, datetime] | None = None,
    by_contact: Mapping[int, datetime] | None = None,
) -> int:
    """Start a new buying cycle at the given time for every person of these accounts (a deal
    closed) and for these people (sales recycled them): their earlier signals stop counting
    toward stage and score. A cycle never starts before the one it follows. Updates in
    batches; returns how many people moved on."""
    by_account, by_contact = by_account or {}, by_contact or {}
    people = Contact.objects.filter(Q(account_id__in=by_account) | Q(pk__in=by_contact)).only(
        "pk", "account_id", "buying_cycle_started_at"
    )
    moved = []
    for person in people:
        starts = (by_account.get(person.account_id), by_contact.get(person.pk))
        start = max(at for at in starts if at is not None)
        if person.buying_cycle_started_at is None or start > person.buying_cycle_started_at:
            person.buying_cycle_started_at = start
            moved.append(person)
    Contact.objects.bulk_update(moved, ["buying_cycle_started_at"], batch_size=1_000)
    return len(moved)


def erased_email(contact_id: int) -> str:
    """The placeholder address of an erased contact: unique, and never deliverable."""
    return f"erased-{contact_id}@erased.invalid"


@transaction.atomic
def contact_anonymise(*, contact: Contact) -> Contact:
    """Replace a contact's personal data with placeholders, for GDPR erasure.

    The row stays, with its account, persona and buying role, so the account's committee
    and scores still count the (now anonymous) person; opted out, so nothing emails it.
    """
    placeholders = {
        "first_name": "Erased",
        "last_name": f"contact #{contact.pk}",
        "email": erased_email(contact.pk),
        "title": "",
        "consent": Contact.Consent.OPTED_OUT,
        "time_zone": "UTC",
        "external_source": "",
        "external_id": "",
    }
    model_update(instance=contact, fields=[*CONTACT_FIELDS], data=placeholders)
    # Its audit trail keeps who changed it when, with the placeholders for what it said.
    contact.history.update(**placeholders)
    return contact
