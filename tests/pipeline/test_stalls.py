"""Stall fields on deals: a stage move ends a stall; the API shows stalls and filters by them."""

import datetime

import pytest
from django.utils import timezone

from apps.pipeline.models import StallReason
from apps.pipeline.services import opportunity_move_stage
from tests.factories import (
    OpportunityFactory,
    OpportunityStallFactory,
    PipelineStageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _stalled_deal(**extra):
    since = timezone.now() - datetime.timedelta(days=3)
    deal = OpportunityFactory(stalled_since=since, stall_reason=StallReason.NO_ACTIVITY, **extra)
    stall = OpportunityStallFactory(opportunity=deal, started_at=since)
    return deal, stall


def test_moving_a_stalled_deal_ends_its_stall():
    deal, stall = _stalled_deal()
    at = timezone.now()

    moved = opportunity_move_stage(
        opportunity=deal, stage=PipelineStageFactory(), changed_by=None, at=at
    )

    stall.refresh_from_db()
    assert (moved.stalled_since, moved.stall_reason, stall.ended_at) == (None, "", at)


def test_the_api_shows_stalls_read_only_and_filters_stalled_deals(api_client):
    rep = UserFactory(role="sales")
    stalled, _ = _stalled_deal(owner=rep)
    OpportunityFactory(owner=rep)
    client = api_client(rep)

    listed = client.get("/api/v1/opportunities/", {"is_stalled": "true"}).json()["results"]
    assert [(d["id"], d["stall_reason"]) for d in listed] == [(stalled.pk, "no_activity")]
    assert len(client.get("/api/v1/opportunities/", {"is_stalled": "false"}).json()["results"]) == 1

    client.patch(f"/api/v1/opportunities/{stalled.pk}/", {"stall_reason": "", "name": "Renamed"})
    stalled.refresh_from_db()
    assert (stalled.name, stalled.stall_reason) == ("Renamed", StallReason.NO_ACTIVITY)
