"""Django admin for the journey models: edits go through the services and are logged, and a
published version is read-only. (tests/admin opens every page and counts changelist queries.)"""

import pytest

from apps.journeys.models import (
    Journey,
    JourneyChange,
    JourneyStage,
    PlaybookCell,
)
from apps.journeys.services import journey_publish
from tests.admin.helpers import admin_url, page_post_data
from tests.factories import PlaybookCellFactory

pytestmark = pytest.mark.django_db


def test_a_published_version_shows_read_only(staff_client, small, marketer):
    cell = PlaybookCellFactory(stage=small.shortlist, persona=small.cfo)
    journey_publish(journey=small.journey, changed_by=marketer)

    journey_page = staff_client.get(admin_url(Journey, "change", small.journey.pk))
    stage_page = staff_client.get(admin_url(JourneyStage, "change", small.shortlist.pk))
    cell_url = admin_url(PlaybookCell, "change", cell.pk)

    form = journey_page.context["adminform"].form
    assert {"name", "scope", "key"}.isdisjoint(form.fields)
    assert {"owner", "review_cadence_months"} <= set(form.fields)
    inlines = journey_page.context["inline_admin_formsets"]
    assert not any(inline.has_change_permission or inline.has_add_permission for inline in inlines)
    assert stage_page.context["has_change_permission"] is False
    assert staff_client.post(cell_url, {"pain_points": "Edited"}).status_code == 403


def test_admin_edits_of_a_draft_go_through_the_services_and_are_logged(
    staff_client, admin_member, small
):
    url = admin_url(PlaybookCell, "add")
    data = page_post_data(staff_client.get(url)) | {
        "stage": small.shortlist.pk,
        "persona": small.cfo.pk,
        "pain_points": "Slow close\nAudit findings",
        "objections": "Too dear | Payback in nine months",
        "content_types": ["demo"],
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    cell = PlaybookCell.objects.get()
    assert cell.pain_points == ["Slow close", "Audit findings"]
    assert cell.objections == [{"objection": "Too dear", "response": "Payback in nine months"}]
    change = JourneyChange.objects.get()
    assert (change.changed_by, change.summary) == (
        admin_member,
        "cell CFO × Consideration → Shortlist: added",
    )


def test_an_inline_stage_added_on_the_journey_page_is_logged(staff_client, admin_member, small):
    url = admin_url(Journey, "change", small.journey.pk)
    data = page_post_data(staff_client.get(url)) | {
        "stages-TOTAL_FORMS": "6",
        "stages-5-name": "Renewal",
        "stages-5-slug": "renewal",
        "stages-5-phase": "decision",
        "stages-5-position": "9",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert small.journey.stages.filter(slug="renewal").exists()
    assert small.journey.changes.get().summary == "stage Renewal: added"


def test_admin_actions_publish_start_a_version_and_mark_reviewed(staff_client, small):
    url = admin_url(Journey, "changelist")

    def act(action):
        return staff_client.post(
            url, {"action": action, "_selected_action": [small.journey.pk]}, follow=True
        )

    act("publish")
    act("start_new_version")
    reviewed = act("mark_reviewed")
    again = act("publish")

    small.journey.refresh_from_db()
    assert small.journey.status == "published"
    assert Journey.objects.get(key=small.journey.key, version=2).status == "draft"
    assert small.journey.reviews.count() == 2  # publishing counts as a review
    assert "marked reviewed." in reviewed.text
    assert "Version 1 is published: start a new version to change it." in again.text


def test_a_journey_added_in_the_admin_is_draft_version_1_with_its_stages(
    staff_client, admin_member
):
    url = admin_url(Journey, "add")
    data = page_post_data(staff_client.get(url)) | {
        "name": "IT buyers",
        "key": "it-buyers",
        "owner": admin_member.pk,
        "review_cadence_months": "9",
        "stages-TOTAL_FORMS": "1",
        "stages-0-name": "Awareness",
        "stages-0-slug": "awareness",
        "stages-0-phase": "awareness",
        "stages-0-position": "1",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    journey = Journey.objects.get(key="it-buyers")
    assert (journey.version, journey.status, journey.review_cadence_months) == (1, "draft", 9)
    assert list(journey.stages.values_list("slug", flat=True)) == ["awareness"]
    assert [c.summary for c in journey.changes.order_by("pk")] == [
        "Journey created: draft version 1",
        "stage Awareness: added",
    ]
