"""Bad input: sequences without steps stay inactive, unknown merge fields are refused by name."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.exceptions import ApplicationError
from apps.nurture.merge_fields import MergeTemplate, merge_field_errors
from apps.nurture.models import Enrollment, Step
from apps.nurture.services import (
    enrollment_create,
    sequence_create,
    sequence_update,
    step_create,
    step_delete,
)
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    JourneyStageFactory,
    OpportunityFactory,
    SequenceFactory,
    StepFactory,
    TouchFactory,
)

pytestmark = pytest.mark.django_db


def _email(sequence, **extra) -> dict:
    return {"sequence": sequence, "kind": Step.Kind.EMAIL, "subject": "Hi", "body": "Hello"} | extra


def test_a_sequence_with_no_steps_cannot_be_activated():
    stage = JourneyStageFactory()
    with pytest.raises(ApplicationError) as created:
        sequence_create(data={"name": "Nurture", "journey_stage": stage, "is_active": True})
    assert "is_active" in created.value.fields

    sequence = sequence_create(data={"name": "Nurture", "journey_stage": stage})
    with pytest.raises(ApplicationError) as updated:
        sequence_update(sequence=sequence, data={"is_active": True})
    assert "is_active" in updated.value.fields

    step_create(data=_email(sequence))
    assert sequence_update(sequence=sequence, data={"is_active": True}).is_active


@pytest.mark.parametrize("field", ["subject", "body"])
def test_an_unknown_merge_field_is_refused_at_save_naming_the_field(field):
    sequence = SequenceFactory()
    with pytest.raises(ValidationError) as error:
        step_create(data=_email(sequence, **{field: "Hi {{ contact.nickname }}"}))

    assert list(error.value.message_dict) == [field]
    assert "{{ contact.nickname }}" in error.value.message_dict[field][0]
    assert not Step.objects.exists()


@pytest.mark.parametrize(
    ("text", "has_asset", "problem"),
    [
        ("Hi {{ contact.first_name }} at {{account.name}}", False, None),
        ("Read {{ asset.url }}", True, None),
        ("Read {{ asset.url }}", False, "needs a content asset"),
        ("{% load static %}", False, "Write merge fields as"),
        ("Hi {{ contact.first_name }", False, "Write merge fields as"),
        ("{{ contact.account.owner.password }}", False, "Unknown merge field"),
    ],
)
def test_merge_field_checks(text, has_asset, problem):
    errors = merge_field_errors(text, has_asset=has_asset)
    if problem is None:
        assert errors == []
    else:
        assert len(errors) == 1 and problem in errors[0]


def test_rendering_fills_known_fields_and_leaves_text_alone():
    template = MergeTemplate.compile("Hi {{ contact.first_name }}, {{ account.name }}! 100% {x}")
    values = {"contact.first_name": "Ann", "account.name": "Acme"}

    assert template.render(values) == "Hi Ann, Acme! 100% {x}"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": Step.Kind.EMAIL, "subject": ""}, "subject"),
        ({"kind": Step.Kind.TASK, "subject": ""}, "subject"),
        ({"kind": Step.Kind.WAIT, "delay_days": 0, "delay_hours": 0}, "delay_days"),
        ({"kind": Step.Kind.EMAIL, "task_action": "call"}, "task_action"),
    ],
)
def test_a_step_missing_what_its_kind_needs_is_refused_naming_the_field(data, field):
    with pytest.raises(ValidationError) as error:
        step_create(data=_email(SequenceFactory()) | data)
    assert field in error.value.message_dict


def test_new_steps_go_last_and_removing_one_moves_waiting_contacts_on():
    sequence = SequenceFactory(is_active=True)
    first = step_create(data=_email(sequence))
    second = step_create(data=_email(sequence, asset=AssetFactory(), body="{{ asset.url }}"))
    assert (first.position, second.position) == (1, 2)
    waiting = Enrollment.objects.create(
        sequence=sequence, contact=ContactFactory(), next_step=first
    )

    step_delete(step=first)

    waiting.refresh_from_db()
    assert waiting.next_step == second


def test_a_step_that_already_ran_cannot_be_removed_and_an_active_sequence_keeps_one_step():
    touched = TouchFactory()
    with pytest.raises(ApplicationError):
        step_delete(step=touched.step)

    only = StepFactory(sequence=SequenceFactory(is_active=True), position=1)
    with pytest.raises(ApplicationError) as error:
        step_delete(step=only)
    assert "is_active" in error.value.fields


@pytest.mark.parametrize("problem", ["inactive", "opted out", "other account", "twice"])
def test_manual_enrolment_refuses_what_it_must(problem):
    sequence = SequenceFactory(is_active=problem != "inactive")
    StepFactory(sequence=sequence, position=1)
    contact = ContactFactory(consent="opted_out" if problem == "opted out" else "opted_in")
    account = contact.account if problem != "other account" else AccountFactory()
    deal = OpportunityFactory(account=account)
    if problem == "twice":
        enrollment_create(sequence=sequence, contact=contact, opportunity=deal, enrolled_by=None)

    with pytest.raises((ApplicationError, ValidationError)):
        enrollment_create(sequence=sequence, contact=contact, opportunity=deal, enrolled_by=None)
    assert Enrollment.objects.count() == (1 if problem == "twice" else 0)
