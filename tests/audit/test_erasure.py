"""A GDPR erasure reaches the audit trail: the person's entries stay (who changed what when)
with the placeholders, and only their own; text naming them elsewhere is rewritten."""

import pytest

from apps.accounts.services import erased_email
from apps.core.audit import audit_path
from apps.privacy.services import contact_erase
from tests.factories import AccountFactory, ContactFactory, DealObjectionFactory

pytestmark = pytest.mark.django_db


def test_erasure_keeps_the_contacts_trail_but_not_their_data(admin_member):
    account = AccountFactory()
    person = ContactFactory(account=account, first_name="Zebulon", email="zeb@northwind.example")
    namesake = ContactFactory(account=account, first_name="Zebulon")
    objection = DealObjectionFactory(text="Zebulon worries about the price")
    with audit_path("web", user=admin_member):
        person.title = "Chief Zymurgist"
        person.save()
    entries = person.history.count()

    contact_erase(contact=person, by=admin_member)

    trail = person.history.all()
    assert trail.count() == entries + 1  # the erasure itself is an entry
    assert set(trail.values_list("first_name", "email", "title")) == {
        ("Erased", erased_email(person.pk), "")
    }
    assert set(namesake.history.values_list("first_name", flat=True)) == {"Zebulon"}
    assert set(objection.history.values_list("text", flat=True)) == {
        "[erased] worries about the price"
    }
