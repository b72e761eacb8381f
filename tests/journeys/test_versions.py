"""Versions: publishing keeps every earlier version readable, with who changed what; campaigns
and content keep the stage they were planned on; a published version is never edited in place."""

import pytest
from django.db import IntegrityError

from apps.accounts.models import Account
from apps.core.exceptions import ApplicationError
from apps.engagement.models import RuleSet
from apps.journeys.kpis import Kpi
from apps.journeys.models import (
    Journey,
    JourneyChange,
    JourneyStage,
    PlaybookCell,
    StageKpi,
    StageTransition,
)
from apps.journeys.services import (
    journey_create,
    journey_new_version,
    journey_part_create,
    journey_part_delete,
    journey_part_update,
    journey_publish,
    journey_update,
    playbook_cell_save,
)
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    PipelineStageFactory,
    PlaybookCellFactory,
    SequenceFactory,
    SignalRuleFactory,
    StageKpiFactory,
)
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(small, marketer):
    """Version 1, published, with a cell, an account's cell and a KPI."""
    PlaybookCellFactory(stage=small.shortlist, persona=small.cfo, pain_points=["Slow close"])
    PlaybookCellFactory(
        stage=small.shortlist,
        persona=small.cfo,
        account=AccountFactory(tier=Account.Tier.TIER_1, is_target=True),
        pain_points=["Group IT approval"],
    )
    StageKpiFactory(stage=small.awareness, kpi=Kpi.REACH, target=5000)
    journey_publish(journey=small.journey, changed_by=marketer)
    small.journey.refresh_from_db()
    return small


def _parts(journey: Journey) -> dict:
    """What a version holds, by stage slug, so two versions compare by content."""
    return {
        "stages": sorted(
            (s.slug, s.name, s.parent.slug if s.parent else "", s.phase, s.position)
            for s in journey.stages.select_related("parent")
        ),
        "transitions": sorted(
            (t.from_stage.slug, t.to_stage.slug, t.trigger)
            for t in journey.transitions.select_related("from_stage", "to_stage")
        ),
        "cells": sorted(
            (
                c.stage.slug,
                c.persona_id,
                c.account_id or 0,
                tuple(c.pain_points),
                repr(c.objections),
            )
            for c in PlaybookCell.objects.filter(stage__journey=journey).select_related("stage")
        ),
        "kpis": sorted(
            (k.stage.slug, k.kpi, k.target)
            for k in StageKpi.objects.filter(stage__journey=journey).select_related("stage")
        ),
    }


def test_a_new_version_is_a_full_copy_as_a_draft_one_version_up(published, marketer):
    v1 = published.journey

    v2 = journey_new_version(journey=v1, changed_by=marketer)

    assert (v2.key, v2.version, v2.status, v2.based_on) == (v1.key, 2, "draft", v1)
    assert v2.last_reviewed_at == v1.last_reviewed_at
    assert _parts(v2) == _parts(v1)
    assert len(_parts(v2)["cells"]) == 2
    # Copies, not shared rows: every part of v2 hangs off v2's own stages.
    v1_stages = set(v1.stages.values_list("pk", flat=True))
    assert not v1_stages & set(v2.stages.values_list("pk", flat=True))
    assert set(
        JourneyStage.objects.filter(journey=v2, parent__isnull=False).values_list(
            "parent__journey", flat=True
        )
    ) == {v2.pk}
    assert not StageTransition.objects.filter(journey=v2, from_stage__in=v1_stages).exists()
    assert not PlaybookCell.objects.filter(stage__journey=v2, stage__in=v1_stages).exists()


def test_publishing_archives_the_old_version_which_stays_readable(published, marketer):
    v1 = published.journey
    before = _parts(v1)
    v2 = journey_new_version(journey=v1, changed_by=marketer)
    stage = v2.stages.get(slug="shortlist")
    journey_part_update(part=stage, data={"name": "Vendor shortlist"}, changed_by=marketer)
    playbook_cell_save(
        stage=stage,
        persona=published.cfo,
        data={"pain_points": ["Slow close", "Audit findings"]},
        changed_by=marketer,
    )

    journey_publish(journey=v2, changed_by=marketer)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("archived", "published")
    assert v2.published_at is not None
    assert _parts(v1) == before  # the old version reads exactly as it was published
    assert v1.stages.get(slug="shortlist").name == "Shortlist"
    assert v2.stages.get(slug="shortlist").name == "Vendor shortlist"


def test_campaigns_and_content_keep_their_stage_and_the_pipeline_moves_on(published, marketer):
    v1 = published.journey
    campaign = CampaignFactory(goal_stage=published.awareness)
    asset = AssetFactory(journey_stage=published.shortlist)
    discovery = PipelineStageFactory(name="Discovery", journey_stage=published.consideration)
    legacy = PipelineStageFactory(name="Legacy", journey_stage=published.business_case)
    rule = SignalRuleFactory(journey_stage=published.shortlist)
    sequence = SequenceFactory(journey_stage=published.consideration)
    v2 = journey_new_version(journey=v1, changed_by=marketer)
    journey_part_delete(part=v2.stages.get(slug="business-case"), changed_by=marketer)

    journey_publish(journey=v2, changed_by=marketer)

    campaign.refresh_from_db()
    asset.refresh_from_db()
    for row in (discovery, legacy, rule, sequence):
        row.refresh_from_db()
    assert campaign.goal_stage == published.awareness  # planned on v1, stays on v1
    assert asset.journey_stage == published.shortlist
    # What infers, funnels and nurtures by stage follows the published version.
    assert discovery.journey_stage == v2.stages.get(slug="consideration")
    assert rule.journey_stage == v2.stages.get(slug="shortlist")
    assert sequence.journey_stage == v2.stages.get(slug="consideration")
    assert legacy.journey_stage == published.business_case  # v2 has no such stage
    summary = v2.changes.first().summary
    assert "pipeline stages lined up: 1; no stage of the same slug for pipeline stages Legacy" in (
        summary
    )
    assert "signal rules lined up: 1" in summary
    assert "nurture sequences lined up: 1" in summary
    # The rules moved: a rule set version records it, as for any change of the live rules.
    version = RuleSet.objects.get(status=RuleSet.Status.ACTIVE)
    assert version.rules[0]["journey_stage"] == rule.journey_stage_id
    assert version.summary.startswith(f"Rules moved to the stages of {v2.name} version 2")


def test_publishing_counts_as_a_review(small, marketer):
    journey = journey_publish(journey=small.journey, changed_by=marketer)

    review = journey.reviews.get()
    assert journey.last_reviewed_at == journey.published_at == review.reviewed_at
    assert review.reviewed_by == marketer


def test_the_change_log_says_who_changed_what(small, marketer, admin_member):
    s = small
    playbook_cell_save(
        stage=s.shortlist, persona=s.cfo, data={"pain_points": ["Slow"]}, changed_by=marketer
    )
    playbook_cell_save(
        stage=s.shortlist,
        persona=s.cfo,
        data={"objections": [{"objection": "Too dear", "response": "Payback"}]},
        changed_by=admin_member,
    )
    journey_part_update(part=s.decision, data={"exit_triggers": "Signed"}, changed_by=marketer)
    journey_publish(journey=s.journey, changed_by=admin_member)

    log = [(c.changed_by, c.summary) for c in JourneyChange.objects.order_by("pk")]
    assert log == [
        (marketer, "cell CFO × Consideration → Shortlist: added"),
        (admin_member, "cell CFO × Consideration → Shortlist: objections edited"),
        (marketer, "stage Decision: exit triggers edited"),
        (admin_member, "Published version 1"),
    ]


def _refused(write) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        write()
    assert "status" in caught.value.fields
    assert "start a new version" in caught.value.message
    return caught.value


@pytest.mark.parametrize("status", ["published", "archived"])
def test_no_part_of_a_published_or_archived_version_is_edited_in_place(small, marketer, status):
    s = small
    cell = PlaybookCellFactory(stage=s.shortlist, persona=s.cfo)
    Journey.objects.filter(pk=s.journey.pk).update(status=status)
    s.journey.refresh_from_db()
    changes = JourneyChange.objects.count()
    writes = [
        lambda: journey_update(journey=s.journey, data={"name": "Renamed"}, changed_by=marketer),
        lambda: journey_part_update(part=s.shortlist, data={"name": "X"}, changed_by=marketer),
        lambda: journey_part_create(
            model=StageTransition,
            data={"journey": s.journey, "from_stage": s.awareness, "to_stage": s.decision},
            changed_by=marketer,
        ),
        lambda: journey_part_delete(part=s.business_case, changed_by=marketer),
        lambda: playbook_cell_save(
            stage=s.shortlist, persona=s.cfo, data={"pain_points": ["X"]}, changed_by=marketer
        ),
        lambda: journey_part_create(
            model=StageKpi,
            data={"stage": s.awareness, "kpi": Kpi.REACH, "target": 1},
            changed_by=marketer,
        ),
    ]

    for write in writes:
        _refused(write)

    s.journey.refresh_from_db()
    cell.refresh_from_db()
    assert s.journey.name == "Finance buyers"
    assert s.journey.stages.count() == 5
    assert cell.pain_points == []
    assert not StageKpi.objects.exists()
    assert JourneyChange.objects.count() == changes


def test_owner_and_review_cadence_change_on_a_published_version(small, marketer, admin_member):
    journey = journey_publish(journey=small.journey, changed_by=marketer)

    journey_update(
        journey=journey,
        data={"owner": admin_member, "review_cadence_months": 12},
        changed_by=marketer,
    )

    journey.refresh_from_db()
    assert (journey.owner, journey.review_cadence_months) == (admin_member, 12)


def test_one_draft_at_a_time_and_new_versions_start_from_the_published_one(small, marketer):
    with pytest.raises(ApplicationError) as not_published:
        journey_new_version(journey=small.journey, changed_by=marketer)
    v1 = journey_publish(journey=small.journey, changed_by=marketer)
    v2 = journey_new_version(journey=v1, changed_by=marketer)

    with pytest.raises(ApplicationError) as second_draft:
        journey_new_version(journey=v1, changed_by=marketer)

    assert "status" in not_published.value.fields
    assert second_draft.value.message == (
        "Version 2 is already a draft of this journey: edit that one."
    )
    assert Journey.objects.filter(key=v1.key).count() == 2
    assert v2.version == 2


def test_a_failed_copy_leaves_no_half_made_version(published, marketer, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(StageKpi.objects, "bulk_create", fail)

    with pytest.raises(IntegrityError):
        journey_new_version(journey=published.journey, changed_by=marketer)

    assert Journey.objects.filter(key=published.journey.key).count() == 1
    assert JourneyStage.objects.count() == 5
    assert PlaybookCell.objects.count() == 2


def test_publishing_refuses_a_map_with_unreachable_stages_and_changes_nothing(marketer):
    v1 = journey_publish(journey=build_journey(owner=marketer).journey, changed_by=marketer)
    v2 = journey_new_version(journey=v1, changed_by=marketer)
    back = v2.transitions.get(from_stage__slug="awareness")
    journey_part_delete(part=back, changed_by=marketer)

    with pytest.raises(ApplicationError) as caught:
        journey_publish(journey=v2, changed_by=marketer)

    assert "No path from Awareness reaches Consideration" in caught.value.fields["transitions"][0]
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("published", "draft")
    assert not v2.reviews.exists()


def test_a_journey_without_stages_is_not_published(marketer):
    journey = journey_create(
        data={"key": "empty", "name": "Empty", "owner": marketer}, changed_by=marketer
    )

    with pytest.raises(ApplicationError) as caught:
        journey_publish(journey=journey, changed_by=marketer)

    assert list(caught.value.fields) == ["stages"]


def test_a_new_journey_needs_its_own_key(small, marketer):
    with pytest.raises(ApplicationError) as caught:
        journey_create(
            data={"key": "finance", "name": "Copy", "owner": marketer}, changed_by=marketer
        )

    assert list(caught.value.fields) == ["key"]
