"""Signal rules as marketers enter them: the stage picker puts the published journey's stages
first and labels drafts; a negative cap is refused on the form and in the API, by field."""

import pytest

from apps.engagement.forms import SignalRuleForm
from apps.engagement.models import SignalRule
from apps.journeys.models import Journey
from tests.factories import JourneyFactory, JourneyStageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision():
    published = JourneyFactory(key="buying", name="Buying", status=Journey.Status.PUBLISHED)
    draft = JourneyFactory(key="buying", name="Buying", version=2, status=Journey.Status.DRAFT)
    JourneyStageFactory(journey=draft, name="Decision", slug="decision")
    return JourneyStageFactory(journey=published, name="Decision", slug="decision")


def test_draft_stages_come_after_the_published_ones_and_say_draft(decision):
    labels = [label for value, label in SignalRuleForm().fields["journey_stage"].choices if value]

    assert labels == ["Buying (v1): Decision", "Buying (v2) draft: Decision"]


def _rule(stage, **fields) -> dict:
    return {
        "kind": "demo_request",
        "journey_stage": stage.pk,
        "weight": "4.00",
        "half_life_days": 14,
        **fields,
    }


def test_a_negative_cap_is_refused_on_the_form(decision):
    form = SignalRuleForm(data=_rule(decision, cap="-5", repeat_count=1))

    assert not form.is_valid()
    assert form.errors["cap"] == ["A rule's cap cannot be negative."]


def test_a_negative_cap_is_refused_by_the_api_naming_the_field(api_client, marketer, decision):
    response = api_client(marketer).post("/api/v1/signal-rules/", _rule(decision, cap="-5"))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cap"]
    assert not SignalRule.objects.exists()
