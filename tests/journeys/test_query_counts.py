"""The journey pages run as many queries for a map of 1 stage × 1 persona as for a big one."""

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Account
from apps.journeys.kpis import Kpi
from apps.journeys.models import Phase
from tests.downloads import body
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    JourneyChangeFactory,
    JourneyFactory,
    JourneyReviewFactory,
    JourneyStageFactory,
    PersonaFactory,
    PipelineStageFactory,
    PlaybookCellFactory,
    StageKpiFactory,
    StageTransitionFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        body(response)  # a streamed download runs its queries while it is read
    assert response.status_code == 200
    return len(captured)


def _grow(journey, account, *, stages: int, personas: int) -> None:
    """Top-level stages, each with a sub-stage, and personas: every cell written (the
    account's too), each stage with assets for every persona, a KPI, a pipeline stage, a
    campaign, transitions, and history."""
    made = []
    for _ in range(stages):
        top = JourneyStageFactory(journey=journey, phase=Phase.AWARENESS)
        made += [top, JourneyStageFactory(journey=journey, parent=top, phase=Phase.AWARENESS)]
        StageKpiFactory(stage=top, kpi=Kpi.REACH)
        PipelineStageFactory(journey_stage=top)
        CampaignFactory(goal_stage=top)
        JourneyChangeFactory(journey=journey)
        JourneyReviewFactory(journey=journey)
    for source, target in itertools.pairwise(made):
        StageTransitionFactory(journey=journey, from_stage=source, to_stage=target)
    for _ in range(personas):
        persona = PersonaFactory()
        for stage in made:
            PlaybookCellFactory(stage=stage, persona=persona, pain_points=[f"{stage.name} pain"])
            PlaybookCellFactory(stage=stage, persona=persona, account=account)
            for asset in AssetFactory.create_batch(2, journey_stage=stage):
                asset.personas.add(persona)


PAGES = ["map", "print", "export", "coverage", "history"]


@pytest.mark.parametrize("page", PAGES)
def test_journey_pages(client, marketer, page):
    client.force_login(marketer)
    journey = JourneyFactory(owner=marketer)
    account = AccountFactory(tier=Account.Tier.TIER_1, is_target=True)
    url = reverse(f"journeys:{page}", args=[journey.pk])
    params = {"account": account.pk} if page in ("map", "print", "export") else {}
    _grow(journey, account, stages=1, personas=1)
    _queries(client, url, params)  # warm per-process caches (content types, …)
    one = _queries(client, url, params)

    _grow(journey, account, stages=4, personas=3)
    many = _queries(client, url, params)

    assert journey.stages.count() == 10
    assert one == many


def test_a_cell(client, marketer):
    client.force_login(marketer)
    journey = JourneyFactory(owner=marketer)
    account = AccountFactory(tier=Account.Tier.TIER_1, is_target=True)
    _grow(journey, account, stages=1, personas=1)
    stage, persona = journey.stages.first(), PersonaFactory()
    url = reverse("journeys:cell_edit", args=[journey.pk, stage.pk, persona.pk])
    AssetFactory(journey_stage=stage).personas.add(persona)
    one = _queries(client, url, {})

    for asset in AssetFactory.create_batch(6, journey_stage=stage):
        asset.personas.add(persona, PersonaFactory())
    many = _queries(client, url, {})

    assert one == many


def test_journey_list(client, marketer):
    client.force_login(marketer)
    JourneyFactory(owner=marketer, status="published")
    one = _queries(client, reverse("journeys:list"), {})

    for _ in range(6):
        journey = JourneyFactory(status="published")
        JourneyStageFactory(journey=journey)
        JourneyReviewFactory(journey=journey)
    many = _queries(client, reverse("journeys:list"), {})

    assert one == many


def test_asset_list(client, marketer):
    client.force_login(marketer)
    stage = JourneyStageFactory()
    AssetFactory(journey_stage=stage).personas.add(PersonaFactory())
    params = {"stage": stage.pk, "status": "published"}
    one = _queries(client, reverse("content:asset_list"), params)

    for asset in AssetFactory.create_batch(12, journey_stage=stage):
        asset.personas.add(PersonaFactory(), PersonaFactory())
    many = _queries(client, reverse("content:asset_list"), params)

    assert one == many
