"""The signal-rule form's stage picker: the published journey's stages first, drafts labelled."""

import pytest

from apps.engagement.forms import SignalRuleForm
from apps.journeys.models import Journey
from tests.factories import JourneyFactory, JourneyStageFactory

pytestmark = pytest.mark.django_db


def test_draft_stages_come_after_the_published_ones_and_say_draft():
    published = JourneyFactory(key="buying", name="Buying", status=Journey.Status.PUBLISHED)
    draft = JourneyFactory(key="buying", name="Buying", version=2, status=Journey.Status.DRAFT)
    JourneyStageFactory(journey=published, name="Decision", slug="decision")
    JourneyStageFactory(journey=draft, name="Decision", slug="decision")

    labels = [label for value, label in SignalRuleForm().fields["journey_stage"].choices if value]

    assert labels == ["Buying (v1): Decision", "Buying (v2) draft: Decision"]
