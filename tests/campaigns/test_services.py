"""Writing campaigns: validation that names the field, nothing half-saved, the status flow and
duplicates."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.campaigns.models import CalendarFeed, Campaign, Channel
from apps.campaigns.services import (
    TRANSITIONS,
    calendar_feed_issue,
    campaign_change_status,
    campaign_create,
    campaign_duplicate,
    campaign_update,
)
from apps.core.exceptions import ApplicationError
from apps.journeys.kpis import Kpi
from tests.factories import AssetFactory, CampaignFactory, PersonaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def valid(stages, marketer):
    """A complete plan for an awareness goal, with one fitting asset."""
    return {
        "name": "Benchmark launch",
        "owner": marketer,
        "goal_stage": stages.problem,
        "kpi": Kpi.REACH,
        "kpi_target": Decimal("500"),
        "channels": [Channel.EMAIL, Channel.WEBINAR],
        "cadence": 2,
        "start_date": date(2026, 3, 1),
        "end_date": date(2026, 3, 31),
        "budget": Decimal("1000"),
        "assets": [AssetFactory(journey_stage=stages.awareness)],
        "segment_personas": [PersonaFactory()],
        "segment_tiers": [1],
    }


def test_create_saves_a_draft_with_its_content_and_segment(valid):
    campaign = campaign_create(data=valid)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.channels == ["email", "webinar"]
    assert list(campaign.assets.all()) == valid["assets"]
    assert list(campaign.segment_personas.all()) == valid["segment_personas"]


def test_create_needs_no_content_or_segment(valid):
    plain = {k: v for k, v in valid.items() if k not in ("assets", "segment_personas")}

    campaign = campaign_create(data=plain)

    assert not campaign.assets.exists() and campaign.segment_tiers == [1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": date(2026, 2, 1)}, "end_date"),
        ({"kpi": Kpi.CONVERSION_RATE}, "kpi"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"actual_spend": Decimal("-0.01")}, "actual_spend"),
        ({"channels": []}, "channels"),
        ({"channels": ["fax"]}, "channels"),
        ({"cadence": 0}, "cadence"),
        ({"segment_fit_score_min": 80, "segment_fit_score_max": 20}, "segment_fit_score_max"),
        ({"segment_tiers": [7]}, "segment_tiers"),
    ],
    ids=[
        "end-before-start",
        "kpi-not-fitting",
        "negative-budget",
        "negative-spend",
        "no-channel",
        "unknown-channel",
        "no-cadence",
        "fit-range-backwards",
        "unknown-tier",
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(valid, change, field):
    with pytest.raises(ValidationError) as error:
        campaign_create(data=valid | change)

    assert field in error.value.message_dict
    assert not Campaign.objects.exists()


def test_an_asset_from_another_journey_is_refused_with_every_other_error(valid, other_stages):
    stranger = AssetFactory(title="Partner guide", journey_stage=other_stages.awareness)

    with pytest.raises(ValidationError) as error:
        campaign_create(data=valid | {"assets": [stranger], "end_date": date(2026, 1, 1)})

    errors = error.value.message_dict
    assert set(errors) == {"assets", "end_date"}
    assert "“Partner guide”" in errors["assets"][0]
    assert not Campaign.objects.exists()


def test_changing_the_goal_to_another_journey_checks_the_content_kept(valid, other_stages):
    campaign = campaign_create(data=valid)

    with pytest.raises(ValidationError) as error:
        campaign_update(campaign=campaign, data={"goal_stage": other_stages.awareness})

    assert "assets" in error.value.message_dict
    campaign.refresh_from_db()
    assert campaign.goal_stage_id == valid["goal_stage"].pk


def test_update_refuses_bad_input_and_keeps_the_stored_row(valid):
    campaign = campaign_create(data=valid)

    with pytest.raises(ValidationError):
        campaign_update(campaign=campaign, data={"name": "Renamed", "budget": Decimal("-5")})

    campaign.refresh_from_db()
    assert (campaign.name, campaign.budget) == ("Benchmark launch", Decimal("1000"))


def test_the_status_flow_goes_forward_or_to_cancelled():
    campaign = CampaignFactory()
    for status in ("planned", "draft", "planned", "live", "completed"):
        campaign = campaign_change_status(campaign=campaign, status=status)
        assert Campaign.objects.get(pk=campaign.pk).status == status


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (current, wanted)
        for current in Campaign.Status
        for wanted in Campaign.Status
        if wanted != current and wanted not in TRANSITIONS[current]
    ],
)
def test_moves_off_the_flow_are_refused_naming_status(current, wanted):
    campaign = CampaignFactory(status=current)

    with pytest.raises(ApplicationError) as error:
        campaign_change_status(campaign=campaign, status=wanted)

    assert list(error.value.fields) == ["status"]
    assert Campaign.objects.get(pk=campaign.pk).status == current


def test_every_open_status_may_be_cancelled_and_the_end_states_are_final():
    assert all(Campaign.Status.CANCELLED in TRANSITIONS[s] for s in ("draft", "planned", "live"))
    assert TRANSITIONS["completed"] == TRANSITIONS["cancelled"] == ()


def test_duplicate_is_a_new_draft_with_the_same_plan(valid, marketer, stages):
    original = campaign_create(data=valid | {"segment_stages": [stages.shortlist]})
    original = campaign_change_status(campaign=original, status="planned")

    copy = campaign_duplicate(campaign=original, owner=marketer)

    assert copy.pk != original.pk
    assert (copy.name, copy.status, copy.owner) == ("Copy of Benchmark launch", "draft", marketer)
    for field in ("goal_stage", "kpi", "kpi_target", "channels", "start_date", "segment_tiers"):
        assert getattr(copy, field) == getattr(original, field)
    for related in ("assets", "segment_personas", "segment_stages"):
        assert set(getattr(copy, related).all()) == set(getattr(original, related).all())


def test_a_new_feed_secret_replaces_the_old_one(marketer):
    first = calendar_feed_issue(user=marketer).token
    second = calendar_feed_issue(user=marketer).token

    assert first != second
    assert len(second) >= 40
    assert CalendarFeed.objects.get(user=marketer).token == second
