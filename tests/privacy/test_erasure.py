"""GDPR erasure leaves nothing of the person in any table, and the account's numbers as they
were."""

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from apps.accounts.models import Contact
from apps.core.exceptions import ApplicationError
from apps.engagement.models import AccountScore, ContactScore, Event
from apps.nurture.models import Enrollment, ExitReason
from apps.nurture.services import enrollment_create
from apps.privacy.models import Erasure
from apps.privacy.services import contact_erase
from tests.factories import SequenceFactory, StepFactory, UserFactory
from tests.privacy.conftest import EMAIL, FIRST, NEEDLES, NOW

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def tables_mentioning(needle: str) -> set[str]:
    """Every table (of every installed model, history tables and join tables included) with a
    text or JSON column that contains `needle`, any case."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            rows = model._base_manager.all()
            if isinstance(field, models.JSONField):
                rows = rows.annotate(_as_text=Cast(field.name, models.TextField()))
                rows = rows.filter(_as_text__icontains=needle)
            else:
                rows = rows.filter(**{f"{field.name}__icontains": needle})
            if rows.exists():
                found.add(f"{model._meta.db_table}.{field.column}")
    return found


def test_the_scan_sees_the_person_everywhere_before_erasure(footprint):
    """The check below could not fail if the scan were blind: it sees every kind of trace."""
    everywhere = set().union(*map(tables_mentioning, NEEDLES))

    assert {
        "accounts_contact.email",
        "accounts_contact.first_name",
        "accounts_contact.title",
        "engagement_event.url",
        "engagement_event.properties",
        "engagement_handoff.reason",
        "nurture_touch.subject",
        "nurture_enrollment.failure",
        "notifications_notification.text",
        "content_assetshare.note",
        "content_enablementrequest.need",
        "enablement_dealobjection.text",
        "imports_importchange.previous",
        "imports_importrowerror.value",
        "django_admin_log.object_repr",
    } <= everywhere


def test_erasure_leaves_no_personal_data_of_the_contact_in_any_table(footprint):
    contact_erase(contact=footprint.person, by=UserFactory())

    assert {needle: tables_mentioning(needle) for needle in NEEDLES} == {
        needle: set() for needle in NEEDLES
    }


def test_erasure_keeps_the_colleague_and_the_event_facts(footprint):
    events_before = list(
        Event.objects.filter(contact=footprint.person).values_list("kind", "occurred_at", "account")
    )

    contact_erase(contact=footprint.person, by=UserFactory())

    person = Contact.objects.get(pk=footprint.person.pk)
    assert (person.email, person.first_name, person.title) == (
        f"erased-{person.pk}@erased.invalid",
        "Erased",
        "",
    )
    assert person.consent == Contact.Consent.OPTED_OUT
    assert (person.account, person.buying_role) == (footprint.account, "champion")
    events = Event.objects.filter(contact=person)
    assert list(events.values_list("kind", "occurred_at", "account")) == events_before
    assert set(events.values_list("url", flat=True)) == {"https://northwind.example/pricing"}
    assert [event.properties for event in events] == [{"plan": "enterprise"}] * 2
    colleague = Contact.objects.get(pk=footprint.colleague.pk)
    assert colleague.first_name == "Olga"
    assert Event.objects.filter(contact=colleague).get().properties["note"] == "colleague's"


def test_erasure_ends_the_persons_sequences_and_no_new_one_starts(footprint):
    contact_erase(contact=footprint.person, by=UserFactory())

    footprint.enrollment.refresh_from_db()
    assert footprint.enrollment.status == Enrollment.Status.EXITED
    assert footprint.enrollment.exit_reason == ExitReason.ERASED
    sequence = SequenceFactory(is_active=True)
    StepFactory(sequence=sequence)
    with pytest.raises(ApplicationError, match="opted out"):
        enrollment_create(
            sequence=sequence, contact=Contact.objects.get(pk=footprint.person.pk), enrolled_by=None
        )


def test_the_erasure_record_names_who_when_and_counts_without_personal_data(footprint):
    admin = UserFactory()

    erasure = contact_erase(contact=footprint.person, by=admin, now=NOW)

    assert Erasure.objects.get() == erasure
    assert (erasure.contact_id, erasure.erased_by, erasure.erased_at) == (
        footprint.person.pk,
        admin,
        NOW,
    )
    assert erasure.counts["contacts"] == 1
    assert erasure.counts["events"] == 3  # two of theirs and the anonymous visit naming them
    assert erasure.counts["touches"] == 1
    assert erasure.counts["asset shares"] == 1
    assert EMAIL not in str(erasure.counts) and FIRST not in str(erasure.counts)


def test_account_scores_and_committee_numbers_are_the_same_after_erasure(footprint, recompute):
    def numbers():
        recompute()
        account = AccountScore.objects.get(account=footprint.account)
        person = ContactScore.objects.get(contact=footprint.person)
        return (
            account.score,
            account.engagement,
            account.stage_id,
            account.engaged_contacts,
            account.engaged_roles,
            account.committee_coverage,
            person.score,
            person.stage_id,
        )

    before = numbers()
    assert before[3] >= 1 and before[6] > 0  # the person counts for the account

    contact_erase(contact=footprint.person, by=UserFactory())

    assert numbers() == before


def test_erasing_twice_is_refused_and_changes_nothing(footprint):
    contact_erase(contact=footprint.person, by=UserFactory())

    with pytest.raises(ApplicationError, match="already been erased"):
        contact_erase(contact=footprint.person, by=UserFactory())
    assert Erasure.objects.count() == 1


def test_a_failure_part_way_leaves_everything_as_it_was(footprint, monkeypatch):
    """One transaction: when the last step fails, the blanked events come back too."""

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("apps.privacy.services.contact_anonymise", broken)

    with pytest.raises(RuntimeError):
        contact_erase(contact=footprint.person, by=UserFactory())

    assert (
        Event.objects.filter(contact=footprint.person, properties__note__isnull=False).count() == 2
    )
    assert not Erasure.objects.exists()
