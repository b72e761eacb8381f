from collections.abc import Mapping
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.core.deletion import records_archive, records_restore
from apps.core.exceptions import ApplicationError
from apps.core.services import model_create, model_update
from apps.users.models import User

ACCOUNT_FIELDS = [
    "name",
    "domain",
    "industry",
    "region",
    "country",
    "subdivision",
    "employee_count",
    "annual_revenue",
    "tier",
    "is_target",
    "fit_score",
    "fit_source",
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
    "seniority",
    "consent",
    "declines_tracking",
    "time_zone",
    "country",
    "subdivision",
    "external_source",
    "external_id",
]


def _fit_source(data: dict, *, account: Account | None = None) -> dict:
    """A fit score given by hand overrides the learned fit; turning `fit_source` to learned
    clears the override, the score going back to the learned fit."""
    manual = Account.FitSource.MANUAL
    was_manual = account is None or account.fit_source == manual
    if data.get("fit_source") == Account.FitSource.LEARNED and was_manual:
        learned = account.fit_learned if account else None
        if account and learned is None:
            raise ApplicationError(
                "No learned fit yet: train a fit model first; the fit stays as set by hand.",
                fields={"fit_source": ["No learned fit to go back to yet."]},
            )
        return {**data, "fit_score": learned or 0}
    score = data.get("fit_score")
    if score is not None and (account is None or score != account.fit_score):
        return {**data, "fit_source": manual}
    return data


def _fits_apply(**ids) -> bool:
    """The active fit model's fits for these records; True when it wrote any."""
    from apps.fit.services import fits_apply  # the fit app reads accounts

    return fits_apply(**ids).written


@transaction.atomic
def account_create(*, data: dict) -> Account:
    account = model_create(model=Account, data=_fit_source(data))
    if _fits_apply(account_ids=[account.pk]):
        account.refresh_from_db(fields=["fit_score", "fit_learned"])
    return account


@transaction.atomic
def account_update(*, account: Account, data: dict) -> Account:
    account, changed = model_update(
        instance=account, fields=ACCOUNT_FIELDS, data=_fit_source(data, account=account)
    )
    if changed and _fits_apply(account_ids=[account.pk]):
        account.refresh_from_db(fields=["fit_score", "fit_learned"])
    return account


@transaction.atomic
def accounts_fit_use_learned(*, accounts: QuerySet[Account]) -> int:
    """Clear the hand-set fit of these accounts where a learned fit exists; returns how many."""
    cleared = Account.objects.filter(
        pk__in=list(accounts.values_list("pk", flat=True)),
        fit_source=Account.FitSource.MANUAL,
        fit_learned__isnull=False,
    ).update(
        fit_source=Account.FitSource.LEARNED, fit_score=F("fit_learned"), updated_at=timezone.now()
    )
    return cleared


def learned_fit_summary(count: int) -> str:
    """What `accounts_fit_use_learned` did, as the pages and admin say it."""
    return f"{count} account{'s' * (count != 1)} now follow{'s' * (count == 1)} the learned fit."


FIT_WRITE_CHUNK = 5_000


def _column_write(*, table: str, column: str, values: Mapping[int, int | None]) -> None:
    """`column` := value for each id, one `UPDATE … FROM (VALUES …)` per chunk of rows (system
    state: no audit trail, no `updated_at`)."""
    ids = sorted(values)
    for start in range(0, len(ids), FIT_WRITE_CHUNK):
        chunk = ids[start : start + FIT_WRITE_CHUNK]
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v (id, value) AS (VALUES {rows}) "
                f"UPDATE {table} SET {column} = CAST(v.value AS INTEGER) "
                f"FROM v WHERE {table}.id = v.id",
                [item for pk in chunk for item in (pk, values[pk])],
            )


def accounts_fit_learned_write(*, fits: Mapping[int, int]) -> set[int]:
    """Store the learned fit of these accounts (id → 0–100), and make it their fit score where
    it is not set by hand; returns the accounts whose fit score changed."""
    _column_write(table="accounts_account", column="fit_learned", values=fits)
    moved, ids = set(), sorted(fits)
    for start in range(0, len(ids), FIT_WRITE_CHUNK):
        followers = Account.objects.filter(
            pk__in=ids[start : start + FIT_WRITE_CHUNK], fit_source=Account.FitSource.LEARNED
        ).exclude(fit_score=F("fit_learned"))
        moved |= set(followers.values_list("pk", flat=True))
        followers.update(fit_score=F("fit_learned"))
    return moved


def contacts_person_fit_write(*, fits: Mapping[int, int | None]) -> None:
    """Store the learned person fit of these contacts (id → 0–100, or None)."""
    _column_write(table="accounts_contact", column="person_fit", values=fits)


@transaction.atomic
def contact_create(*, data: dict) -> Contact:
    contact = model_create(model=Contact, data=data)
    if _fits_apply(contact_ids=[contact.pk]):
        contact.refresh_from_db(fields=["person_fit"])
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict) -> Contact:
    contact, changed = model_update(instance=contact, fields=CONTACT_FIELDS, data=data)
    if changed and _fits_apply(contact_ids=[contact.pk]):
        contact.refresh_from_db(fields=["person_fit"])
    return contact


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
        "country": "",
        "subdivision": "",
        "external_source": "",
        "external_id": "",
    }
    model_update(instance=contact, fields=[*CONTACT_FIELDS], data=placeholders)
    # Its audit trail keeps who changed it when, with the placeholders for what it said.
    contact.history.update(**placeholders)
    return contact
