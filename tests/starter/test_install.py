"""The starter kit: what a fresh install gets, that it scores real signals, and that installing
again (or over a company's own set-up) writes nothing over what is there."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.demo.services import demo_world_seed
from apps.engagement.models import ContactScore, ScoringSettings, SignalRule
from apps.engagement.services import scores_recompute_pending
from apps.journeys.kpis import kpi_fits_phase
from apps.journeys.models import Journey, JourneyStage, Phase, StageKpi, StageTransition
from apps.journeys.selectors import journey_structure_problems
from apps.nurture.models import Sequence, Step
from apps.pipeline.models import PipelineStage
from apps.starter import template
from apps.starter.selectors import template_journey
from apps.starter.services import PARTS, starter_kit_install
from apps.users.models import User
from tests.factories import AccountFactory, ContactFactory, PipelineStageFactory
from tests.queries import writes

pytestmark = pytest.mark.django_db

KIT_MODELS = (
    Journey,
    JourneyStage,
    StageTransition,
    StageKpi,
    PipelineStage,
    SignalRule,
    ScoringSettings,
    Sequence,
    Step,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in KIT_MODELS}


def test_a_fresh_install_gets_a_published_journey_with_kpis_that_fit_each_stage():
    report = starter_kit_install()

    assert report.installed == PARTS and report.kept == ()
    journey = template_journey()
    assert journey.status == Journey.Status.PUBLISHED and journey.owner is None
    assert journey_structure_problems(journey=journey) == []
    stages = {stage.slug: stage for stage in journey.stages.select_related("parent")}
    assert {slug: s.parent.slug if s.parent else None for slug, s in stages.items()} == {
        spec["slug"]: spec["parent"] for spec in template.STAGES
    }
    assert {s.phase for s in stages.values() if s.parent is None} == set(Phase)
    assert all(s.exit_triggers for s in stages.values())
    assert journey.transitions.count() == len(template.TRANSITIONS)
    kpis = list(StageKpi.objects.select_related("stage"))
    assert len(kpis) == sum(len(k) for k in template.STAGE_KPIS.values())
    assert all(kpi_fits_phase(kpi=k.kpi, phase=k.stage.phase) for k in kpis)
    # No people: nobody to sign in, no accounts or contacts made up.
    assert not User.objects.exists() and not Account.objects.exists()
    assert not Contact.objects.exists()


def test_the_pipeline_lines_up_with_the_journey_and_open_stages_carry_stall_limits():
    starter_kit_install()

    stages = list(PipelineStage.objects.select_related("journey_stage__journey"))
    assert [s.name for s in stages] == [row[0] for row in template.PIPELINE_STAGES]
    for stage in stages:
        if stage.is_closed:
            assert stage.journey_stage is None and stage.max_days_in_stage is None
        else:
            assert stage.journey_stage.journey == template_journey()
            assert stage.max_days_in_stage > stage.max_days_without_activity > 0


def test_rules_cover_the_methods_signals_and_sequences_wait_switched_off_for_review():
    starter_kit_install()

    rules = list(SignalRule.objects.select_related("journey_stage"))
    assert {r.kind for r in rules} >= {
        "content_download",
        "demo_request",
        "product_page_view",
        "pricing_page_view",
        "webinar_attended",
        "intent_surge",
    }
    # What reps do is coverage, not evidence: the one rule on a kind reps usually start
    # (meetings) reads only the meetings buyers booked.
    assert not {r.kind for r in rules} & {"crm_activity", "email_sent", "call", "asset_shared"}
    assert {r.journey_stage.phase for r in rules} == set(Phase)
    assert any(r.is_repeat and r.kind == "product_page_view" for r in rules)
    assert all(r.weight > 0 and r.half_life_days >= 14 and r.is_active for r in rules)
    assert (
        ScoringSettings.objects.get().stage_threshold
        == template.SCORING_SETTINGS["stage_threshold"]
    )
    sequences = list(Sequence.objects.select_related("journey_stage").prefetch_related("steps"))
    assert [s.journey_stage.slug for s in sequences] == ["awareness", "consideration", "decision"]
    for sequence in sequences:
        assert not sequence.is_active
        steps = list(sequence.steps.all())
        assert [s.position for s in steps] == list(range(1, len(steps) + 1))
        for step in steps:
            step.full_clean()  # merge fields and texts a send would accept


def test_a_demo_request_on_the_starter_kit_alone_scores_and_moves_the_buyer_on(
    api_client, marketer
):
    starter_kit_install()
    account = AccountFactory(domain="acme.com", fit_score=0)
    contact = ContactFactory(account=account, email="ann@acme.com", persona=None, buying_role="")
    event = {
        "id": "form-1",
        "kind": "demo_request",
        "source": "web",
        "email": "ann@acme.com",
        "occurred_at": timezone.now().isoformat(),
        "url": "https://example.com/demo",
    }

    response = api_client(marketer).post(
        "/api/v1/events/bulk/", json.dumps([event]), content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert scores_recompute_pending() == 1

    score = ContactScore.objects.select_related("stage").get(contact=contact)
    assert score.engagement > 0 and score.score > 0
    assert score.stage.slug == "shortlist"
    assert score.stage.phase == Phase.CONSIDERATION  # past awareness, towards decision


def test_installing_again_writes_nothing_and_keeps_what_a_company_edited():
    starter_kit_install()
    rule = SignalRule.objects.get(kind="demo_request")
    rule.weight = 20
    rule.save()
    Sequence.objects.filter(journey_stage__slug="awareness").delete()
    before = _counts()

    with CaptureQueriesContext(connection) as queries:
        report = starter_kit_install()

    assert writes(queries) == []
    assert report.installed == () and report.kept == PARTS
    assert _counts() == before
    assert SignalRule.objects.get(kind="demo_request").weight == 20


def test_a_company_pipeline_is_kept_and_the_rest_of_the_kit_installed():
    PipelineStageFactory(name="Qualified", position=1)

    report = starter_kit_install()

    assert report.kept == ("pipeline stages",)
    assert list(PipelineStage.objects.values_list("name", flat=True)) == ["Qualified"]
    assert SignalRule.objects.count() == len(template.SIGNAL_RULES)


def test_the_command_says_what_it_installed_and_what_it_left():
    out = StringIO()
    call_command("install_starter_kit", stdout=out)
    call_command("install_starter_kit", stdout=out)

    first, second = out.getvalue().strip().splitlines()
    assert first == f"Installed: {', '.join(PARTS)}."
    assert second == f"Already in place, left as they are: {', '.join(PARTS)}."


def test_the_demo_builds_on_an_installed_kit_without_a_second_copy(smaller_demo_world):
    call_command("install_starter_kit", stdout=StringIO())
    journey = template_journey()

    report = demo_world_seed()

    assert report.created
    assert list(Journey.objects.all()) == [journey]
    journey.refresh_from_db()
    assert journey.owner.username == "marketer"
    assert PipelineStage.objects.count() == len(template.PIPELINE_STAGES)
    assert Sequence.objects.filter(buying_role="", persona=None).count() == len(template.SEQUENCES)
