"""Resetting a journey or the signal rules to the starter template: the services, the pages with
their confirmation step, the API actions, and who may do it."""

from decimal import Decimal

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.core.exceptions import ApplicationError
from apps.engagement.models import SignalRule
from apps.engagement.services import SIGNAL_RULE_FIELDS
from apps.journeys.models import Journey, Phase
from apps.journeys.services import journey_new_version, journey_publish
from apps.starter import template
from apps.starter.selectors import template_journey
from apps.starter.services import (
    starter_journey_reset,
    starter_kit_install,
    starter_signal_rules_reset,
)
from tests.factories import (
    JourneyFactory,
    JourneyStageFactory,
    PlaybookCellFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.django_db

RULES_RESET = reverse("starter:signal_rules_reset")


def _rules() -> set[tuple]:
    """Every rule as the template writes one, its stage by slug."""
    fields = [name.replace("journey_stage", "journey_stage__slug") for name in SIGNAL_RULE_FIELDS]
    return set(SignalRule.objects.values_list(*fields))


def _template_rules() -> set[tuple]:
    return {
        # No template rule matches a property: both columns stay empty.
        (
            kind,
            url,
            "",
            "",
            slug,
            Decimal(weight),
            half_life,
            cap and Decimal(cap),
            repeat,
            window,
            True,
        )
        for kind, url, slug, weight, half_life, cap, repeat, window in template.SIGNAL_RULES
    }


@pytest.fixture
def own_journey(marketer):
    """A company's published journey of two stages, one of them with a playbook cell."""
    journey = JourneyFactory(key="our-journey", owner=marketer, status=Journey.Status.PUBLISHED)
    JourneyStageFactory(journey=journey, slug="awareness", name="Learn", position=1)
    research = JourneyStageFactory(
        journey=journey, slug="research", name="Research", phase=Phase.CONSIDERATION, position=2
    )
    PlaybookCellFactory(stage=research)
    return journey


@pytest.fixture
def edited_rules():
    """The kit's rules as a company left them: one weight raised, one switched off, one deleted
    and a rule of its own added."""
    starter_kit_install()
    SignalRule.objects.filter(kind="demo_request").update(weight=20)
    SignalRule.objects.filter(kind="meeting").update(is_active=False)
    SignalRule.objects.filter(kind="intent_surge").delete()
    SignalRuleFactory(
        kind="page_view",
        url_pattern="/careers",
        journey_stage=template_journey().stages.get(slug="awareness"),
    )


# -- journey -----------------------------------------------------------------------------------


def test_a_journey_reset_is_a_new_draft_with_the_template_stages(own_journey, marketer):
    draft = starter_journey_reset(journey=own_journey, changed_by=marketer)

    own_journey.refresh_from_db()
    assert own_journey.status == Journey.Status.PUBLISHED  # in force until the draft is published
    assert (draft.key, draft.version, draft.status) == ("our-journey", 2, Journey.Status.DRAFT)
    assert draft.based_on == own_journey and draft.owner == marketer
    slugs = {
        stage.slug: stage.parent.slug if stage.parent else None for stage in draft.stages.all()
    }
    assert slugs == {spec["slug"]: spec["parent"] for spec in template.STAGES}
    assert draft.transitions.count() == len(template.TRANSITIONS)
    assert not draft.stages.filter(playbook_cells__isnull=False).exists()
    assert "reset to the starter template" in draft.changes.last().summary

    published = journey_publish(journey=draft, changed_by=marketer)
    assert published.status == Journey.Status.PUBLISHED


def test_a_journey_with_a_draft_under_way_is_not_reset(own_journey, marketer):
    journey_new_version(journey=own_journey, changed_by=marketer)

    with pytest.raises(ApplicationError, match="already a draft"):
        starter_journey_reset(journey=own_journey, changed_by=marketer)
    assert Journey.objects.filter(key="our-journey").count() == 2


def test_the_journey_page_offers_the_reset_to_marketers_only(
    client, own_journey, marketer, sales_rep
):
    url = reverse("starter:journey_reset", args=[own_journey.pk])
    client.force_login(marketer)
    assert url in client.get(reverse("journeys:map", args=[own_journey.pk])).content.decode()
    client.force_login(sales_rep)
    assert url not in client.get(reverse("journeys:map", args=[own_journey.pk])).content.decode()


def test_the_journey_reset_page_says_what_will_change_then_starts_the_draft(
    client, own_journey, marketer
):
    client.force_login(marketer)
    url = reverse("starter:journey_reset", args=[own_journey.pk])

    page = client.get(url)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Version 2 will be a new <strong>draft</strong>" in text
    assert all(escape(spec["name"]) in text for spec in template.STAGES)
    assert "Research" in text  # a stage the template does not have
    assert "1 playbook cell of version 1" in text
    assert Journey.objects.count() == 1  # nothing written before the confirmation

    response = client.post(url)

    draft = Journey.objects.get(key="our-journey", version=2)
    assert response.status_code == 302 and response.url == reverse("journeys:map", args=[draft.pk])


def test_a_sales_rep_cannot_reset_a_journey(client, own_journey, sales_rep):
    client.force_login(sales_rep)
    url = reverse("starter:journey_reset", args=[own_journey.pk])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Journey.objects.count() == 1


def test_the_api_resets_a_journey_for_marketers_and_refuses_reps(
    api_client, own_journey, marketer, sales_rep
):
    url = f"/api/v1/journeys/{own_journey.pk}/reset-to-template/"

    assert api_client(sales_rep).post(url).status_code == 403
    response = api_client(marketer).post(url)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["status"]) == (2, "draft")
    assert api_client(marketer).post(url).status_code == 400  # the draft is under way


# -- signal rules ------------------------------------------------------------------------------


@pytest.mark.usefixtures("edited_rules")
def test_a_rules_reset_brings_back_exactly_the_template_rules():
    plan = starter_signal_rules_reset()

    assert _rules() == _template_rules()
    assert [str(rule) for rule in plan.removed] == ["Page view /careers → Awareness"]
    assert [rule.kind for rule in plan.added] == ["intent_surge"]
    assert sorted(str(r) for r in plan.restored) == [
        "Demo request → Consideration → Shortlist: weight 20.00 → 8.00",
        "Meeting → Consideration → Business case: active False → True",
    ]


@pytest.mark.usefixtures("edited_rules")
def test_the_rules_reset_page_lists_each_change_before_anything_is_written(client, marketer):
    client.force_login(marketer)
    assert "Reset to the template" in client.get(reverse("signals:rule_list")).content.decode()
    before = _rules()

    text = client.get(RULES_RESET).content.decode()

    assert "Intent-topic surge → Awareness" in text  # to be added
    assert "Demo request → Consideration → Shortlist: weight 20.00 → 8.00" in text
    assert "Meeting → Consideration → Business case: active False → True" in text
    assert "Page view /careers → Awareness" in text  # to be removed
    assert _rules() == before

    response = client.post(RULES_RESET)

    assert response.status_code == 302 and response.url == reverse("signals:rule_list")
    assert _rules() == _template_rules()
    assert "nothing to reset" in client.get(RULES_RESET).content.decode()


def test_the_rules_reset_needs_the_starter_journey(client, marketer):
    client.force_login(marketer)

    response = client.post(RULES_RESET, follow=True)

    assert "install_starter_kit" in response.content.decode()
    assert not SignalRule.objects.exists()


@pytest.mark.usefixtures("edited_rules")
def test_a_sales_rep_cannot_reset_the_rules(client, api_client, sales_rep):
    before = _rules()
    client.force_login(sales_rep)

    assert client.get(RULES_RESET).status_code == 403
    assert client.post(RULES_RESET).status_code == 403
    assert api_client(sales_rep).post("/api/v1/signal-rules/reset-to-template/").status_code == 403
    assert _rules() == before


@pytest.mark.usefixtures("edited_rules")
def test_the_api_resets_the_rules_and_says_what_changed(api_client, marketer):
    response = api_client(marketer).post("/api/v1/signal-rules/reset-to-template/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["added"] == ["Intent-topic surge → Awareness"]
    assert body["removed"] == ["Page view /careers → Awareness"]
    assert len(body["restored"]) == 2
    assert body["unchanged"] == len(template.SIGNAL_RULES) - 3
    assert body["missing_stages"] == []
    assert _rules() == _template_rules()


def test_the_reset_actions_are_in_the_api_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    journey = schema["paths"]["/api/v1/journeys/{id}/reset-to-template/"]["post"]
    rules = schema["paths"]["/api/v1/signal-rules/reset-to-template/"]["post"]
    assert "starter template" in journey["description"]
    assert "starter template" in rules["description"]
    assert rules["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SignalRulesReset"
    )


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_reset_pages_read_a_fixed_number_of_queries_whatever_the_rules_and_stages(
    client, marketer, own_journey
):
    starter_kit_install()
    client.force_login(marketer)
    awareness = template_journey().stages.get(slug="awareness")
    journey_url = reverse("starter:journey_reset", args=[own_journey.pk])
    SignalRuleFactory(kind="page_view", url_pattern="/a", journey_stage=awareness)
    JourneyStageFactory(journey=own_journey, slug="extra-0", position=10)
    few = (_page_queries(client, RULES_RESET), _page_queries(client, journey_url))

    for n in range(1, 8):
        SignalRuleFactory(kind="page_view", url_pattern=f"/a{n}", journey_stage=awareness)
        JourneyStageFactory(journey=own_journey, slug=f"extra-{n}", position=10 + n)

    assert (_page_queries(client, RULES_RESET), _page_queries(client, journey_url)) == few
