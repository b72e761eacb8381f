"""The structure editor: new journeys, and a draft's stages, sub-stages and allowed moves, with
each refusal named on its field. A published version is changed through a new draft."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.exceptions import ApplicationError
from apps.journeys.models import Journey, JourneyChange, JourneyStage, StageTransition
from apps.journeys.phases import Phase
from apps.journeys.services import (
    journey_create,
    journey_publish,
    journey_stage_add,
    journey_stage_move,
    journey_stage_update,
    journey_transition_add,
)
from tests.factories import AssetFactory, PlaybookCellFactory, StageKpiFactory
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(journey: Journey) -> list[str]:
    from apps.journeys.selectors import journey_stages

    return [str(stage) for stage in journey_stages(journey=journey)]


# --- services --------------------------------------------------------------------------------


def test_a_journey_without_a_key_gets_one_from_its_name(marketer):
    first = journey_create(data={"name": "Finance buyers"}, changed_by=marketer)
    second = journey_create(data={"name": "Finance Buyers"}, changed_by=marketer)

    assert (first.key, second.key) == ("finance-buyers", "finance-buyers-2")
    assert first.is_draft and first.version == 1


def test_stages_are_added_at_the_end_with_a_slug_and_sub_stages_take_the_parent_phase(
    small, marketer
):
    added = journey_stage_add(
        journey=small.journey,
        data={"name": "Renewal", "phase": Phase.DECISION},
        changed_by=marketer,
    )
    sub = journey_stage_add(
        journey=small.journey,
        data={"name": "Shortlist", "parent": small.consideration},
        changed_by=marketer,
    )

    assert (added.slug, added.position) == ("renewal", small.decision.position + 1)
    # "shortlist" is taken by the other sub-stage of that name: the slug stays unique.
    assert (sub.slug, sub.phase, sub.position) == ("shortlist-2", Phase.CONSIDERATION, 3)
    assert _names(small.journey)[-3:] == ["Consideration → Shortlist", "Decision", "Renewal"]
    assert JourneyChange.objects.filter(journey=small.journey, summary__contains="Renewal").exists()


def test_a_stage_needs_a_phase_unless_it_is_a_sub_stage(small, marketer):
    with pytest.raises(Exception) as refused:
        journey_stage_add(journey=small.journey, data={"name": "Loose"}, changed_by=marketer)

    assert "phase" in refused.value.message_dict


def test_renaming_keeps_the_slug(small, marketer):
    stage = journey_stage_update(
        stage=small.awareness, data={"name": "Problem aware"}, changed_by=marketer
    )

    stage.refresh_from_db()
    assert (stage.name, stage.slug) == ("Problem aware", "awareness")


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(small, marketer):
    journey_stage_move(stage=small.decision, up=True, changed_by=marketer)
    assert _names(small.journey) == [
        "Awareness",
        "Decision",
        "Consideration",
        "Consideration → Shortlist",
        "Consideration → Business case",
    ]
    journey_stage_move(stage=small.business_case, up=True, changed_by=marketer)
    journey_stage_move(stage=small.awareness, up=True, changed_by=marketer)  # first already

    assert _names(small.journey)[:1] + _names(small.journey)[3:] == [
        "Awareness",
        "Consideration → Business case",
        "Consideration → Shortlist",
    ]


@pytest.mark.parametrize(
    ("pair", "field", "message"),
    [
        (("decision", "decision"), "to_stage", "A move leads to another stage"),
        (("awareness", "consideration"), "to_stage", "is already allowed"),
        (("awareness", "elsewhere"), "to_stage", "belongs to another journey"),
        (("elsewhere", "awareness"), "from_stage", "belongs to another journey"),
    ],
)
def test_a_refused_move_names_its_field(small, marketer, pair, field, message):
    other = build_journey(owner=marketer, key="other")
    stages = {"elsewhere": other.awareness}

    def stage(name):
        return stages.get(name) or getattr(small, name)

    with pytest.raises(ApplicationError) as refused:
        journey_transition_add(
            journey=small.journey,
            from_stage=stage(pair[0]),
            to_stage=stage(pair[1]),
            changed_by=marketer,
        )

    assert message in refused.value.fields[field][0]


def test_a_published_version_is_not_edited_in_place(small, marketer):
    journey_publish(journey=small.journey, changed_by=marketer)

    with pytest.raises(ApplicationError, match="start a new version"):
        journey_stage_add(
            journey=small.journey, data={"name": "X", "phase": "awareness"}, changed_by=marketer
        )
    with pytest.raises(ApplicationError, match="start a new version"):
        journey_transition_add(
            journey=small.journey,
            from_stage=small.awareness,
            to_stage=small.decision,
            changed_by=marketer,
        )
    with pytest.raises(ApplicationError, match="start a new version"):
        journey_stage_move(stage=small.decision, up=True, changed_by=marketer)


# --- pages -----------------------------------------------------------------------------------


def test_a_marketer_creates_a_journey_and_lands_on_its_stages(marketer):
    client = _client(marketer)

    response = client.post(
        reverse("journeys:create"),
        {"name": "IT buyers", "scope": "Mid-market", "review_cadence_months": 6},
    )

    journey = Journey.objects.get()
    assert response["Location"] == reverse("journeys:structure", args=[journey.pk])
    assert (journey.owner, journey.status, journey.key) == (marketer, "draft", "it-buyers")


def test_a_marketer_adds_a_stage_and_a_move_on_the_draft(small, marketer):
    client = _client(marketer)
    journey = small.journey

    client.post(
        reverse("journeys:stage_add", args=[journey.pk]),
        {"stage-name": "Renewal", "stage-phase": "decision"},
    )
    renewal = journey.stages.get(name="Renewal")
    client.post(
        reverse("journeys:transition_add", args=[journey.pk]),
        {"move-from_stage": small.decision.pk, "move-to_stage": renewal.pk, "move-trigger": "Won"},
    )

    assert StageTransition.objects.filter(
        from_stage=small.decision, to_stage=renewal, trigger="Won"
    ).exists()
    page = client.get(reverse("journeys:structure", args=[journey.pk]))
    assert "Decision ⟶ Renewal" in " ".join(page.text.split())


def test_a_move_to_itself_is_refused_on_the_to_field(small, marketer):
    response = _client(marketer).post(
        reverse("journeys:transition_add", args=[small.journey.pk]),
        {"move-from_stage": small.decision.pk, "move-to_stage": small.decision.pk},
    )

    assert response.status_code == 400
    errors = response.context["transition_form"].errors
    assert errors["to_stage"] == ["A move leads to another stage: pick a different one."]


def test_removing_a_stage_asks_first_and_names_what_goes_with_it(small, marketer):
    PlaybookCellFactory(stage=small.shortlist, persona=small.cfo)
    StageKpiFactory(stage=small.consideration)
    client = _client(marketer)
    url = reverse("journeys:stage_remove", args=[small.journey.pk, small.consideration.pk])

    asked = client.get(url)

    impact = asked.context["impact"]
    assert impact.would_remove == {
        "journey stages": 2,
        "playbook cells": 1,
        "stage KPIs": 1,
        "stage transitions": 4,
    }
    assert JourneyStage.objects.filter(pk=small.consideration.pk).exists()

    client.post(url, {"confirm": impact.token})

    assert _names(small.journey) == ["Awareness", "Decision"]


def test_a_stage_content_is_mapped_to_cannot_be_removed(small, marketer):
    AssetFactory(journey_stage=small.decision, title="Pricing")
    client = _client(marketer)
    url = reverse("journeys:stage_remove", args=[small.journey.pk, small.decision.pk])

    asked = client.get(url)

    assert asked.context["impact"].blocked_by == {"assets": 1}
    assert b">Delete</button>" not in asked.content


def test_a_published_version_sends_the_marketer_to_a_new_draft(small, marketer):
    journey_publish(journey=small.journey, changed_by=marketer)
    client = _client(marketer)

    page = client.get(reverse("journeys:structure", args=[small.journey.pk]))

    assert 'data-testid="stage-add-form"' not in page.text
    assert "Start version 2 to make changes" in page.text
    response = client.post(
        reverse("journeys:stage_add", args=[small.journey.pk]),
        {"stage-name": "Late", "stage-phase": "decision"},
    )
    assert response.status_code == 400
    assert "start a new version" in response.text
    assert not small.journey.stages.filter(name="Late").exists()


def test_reps_read_the_structure_but_get_403_on_every_change(small, sales_rep):
    client = _client(sales_rep)
    journey = small.journey
    stage_args = [journey.pk, small.decision.pk]

    page = client.get(reverse("journeys:structure", args=[journey.pk]))
    assert page.status_code == 200
    assert "Remove…" not in page.text
    assert "New journey" not in client.get(reverse("journeys:list")).text
    for url in [
        reverse("journeys:create"),
        reverse("journeys:stage_add", args=[journey.pk]),
        reverse("journeys:stage_edit", args=stage_args),
        reverse("journeys:stage_move", args=stage_args),
        reverse("journeys:stage_remove", args=stage_args),
        reverse("journeys:transition_add", args=[journey.pk]),
        reverse("journeys:transition_remove", args=[journey.pk, journey.transitions.first().pk]),
    ]:
        assert client.post(url, {"name": "X", "stage-name": "X"}).status_code == 403, url
    assert journey.stages.count() == 5 and journey.transitions.count() == 4


def test_the_structure_page_runs_the_same_queries_for_few_or_many_stages(
    marketer, django_assert_max_num_queries
):
    client = _client(marketer)
    small = build_journey(owner=marketer)
    url = reverse("journeys:structure", args=[small.journey.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(6):
        stage = journey_stage_add(
            journey=small.journey, data={"name": f"Extra {n}", "phase": "decision"}, changed_by=None
        )
        journey_transition_add(
            journey=small.journey, from_stage=small.decision, to_stage=stage, changed_by=None
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_draft_is_renamed_and_a_published_version_changes_only_owner_and_cadence(
    small, marketer, admin_member
):
    client = _client(marketer)
    url = reverse("journeys:edit", args=[small.journey.pk])
    form = {"name": "AP buyers", "scope": "EU", "owner": marketer.pk, "review_cadence_months": 6}

    assert client.post(url, form).status_code == 302
    small.journey.refresh_from_db()
    assert (small.journey.name, small.journey.scope) == ("AP buyers", "EU")

    journey_publish(journey=small.journey, changed_by=marketer)
    page = client.get(url)
    assert page.context["form"].fields["name"].disabled
    client.post(url, form | {"name": "Renamed", "owner": admin_member.pk})
    small.journey.refresh_from_db()
    assert (small.journey.name, small.journey.owner) == ("AP buyers", admin_member)


def test_reps_cannot_edit_a_journeys_details(small, sales_rep):
    response = _client(sales_rep).post(
        reverse("journeys:edit", args=[small.journey.pk]), {"name": "Mine"}
    )

    assert response.status_code == 403
