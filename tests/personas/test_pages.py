"""Persona pages: marketers create, edit, archive and restore personas; reps read them."""

import pytest
from django.urls import reverse

from apps.personas.models import Persona
from apps.personas.services import persona_archive
from tests.factories import AssetFactory, ContactFactory, PersonaFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "CFO",
    "buying_role": "economic_buyer",
    "summary": "Signs off the spend.",
    "priorities": "Predictable costs\nBoard reporting",
    "pain_points": "Month-end crunch",
    "decision_criteria": "Payback under a year",
    "objections": "We built this in Excel",
}


def test_a_marketer_creates_a_persona_with_its_lists(client, marketer):
    client.force_login(marketer)

    response = client.post(reverse("personas:create"), FORM)

    assert response.status_code == 302
    persona = Persona.objects.get()
    assert persona.priority_list == ["Predictable costs", "Board reporting"]
    assert persona.objection_list == ["We built this in Excel"]
    listed = client.get(reverse("personas:list"))
    assert [p.name for p in listed.context["personas"]] == ["CFO"]


def test_a_name_taken_in_another_case_is_refused_on_the_name_field(client, marketer):
    PersonaFactory(name="CFO")
    client.force_login(marketer)

    response = client.post(reverse("personas:create"), FORM | {"name": "cfo"})

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert Persona.objects.count() == 1


def test_a_marketer_edits_a_persona(client, marketer):
    persona = PersonaFactory(name="CFO")
    client.force_login(marketer)

    response = client.post(
        reverse("personas:detail", args=[persona.pk]), FORM | {"pain_points": "Audits"}
    )

    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.pain_point_list == ["Audits"]


def test_archiving_asks_first_says_what_keeps_the_link_and_restores(client, marketer):
    persona = PersonaFactory(name="CFO")
    ContactFactory(persona=persona)
    AssetFactory().personas.add(persona)
    client.force_login(marketer)
    archive_url = reverse("personas:archive", args=[persona.pk])

    asked = client.get(archive_url)
    assert asked.context["still_using"] == {
        "contacts keep it as their persona": 1,
        "assets keep it among the personas they serve": 1,
    }
    persona.refresh_from_db()
    assert not persona.is_archived

    client.post(archive_url)
    persona.refresh_from_db()
    assert persona.is_archived
    assert list(client.get(reverse("personas:list")).context["personas"]) == []
    archived = client.get(reverse("personas:list") + "?archived=1").context["personas"]
    assert [p.name for p in archived] == ["CFO"]

    client.post(reverse("personas:restore", args=[persona.pk]))
    persona.refresh_from_db()
    assert not persona.is_archived


def test_reps_read_personas_but_get_403_on_create_edit_and_archive(client, sales_rep, marketer):
    persona = PersonaFactory(name="CFO")
    client.force_login(sales_rep)

    page = client.get(reverse("personas:detail", args=[persona.pk]))
    assert page.status_code == 200
    assert page.context["form"].fields["name"].disabled
    assert client.get(reverse("personas:create")).status_code == 403
    assert client.post(reverse("personas:create"), FORM).status_code == 403
    assert client.post(reverse("personas:detail", args=[persona.pk]), FORM).status_code == 403
    assert client.post(reverse("personas:archive", args=[persona.pk])).status_code == 403
    persona_archive(persona=persona, by=marketer)
    assert client.post(reverse("personas:restore", args=[persona.pk])).status_code == 403
    persona.refresh_from_db()
    assert persona.name == "CFO" and persona.is_archived


def test_the_list_runs_the_same_queries_for_one_persona_or_many(
    client, marketer, django_assert_max_num_queries
):
    client.force_login(marketer)
    PersonaFactory()
    client.get(reverse("personas:list"))  # warm the session and permission caches
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("personas:list"))
    for _ in range(5):
        ContactFactory(persona=PersonaFactory())
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("personas:list"))
