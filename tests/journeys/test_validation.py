"""Bad input is refused with errors that name the field, and nothing is half-saved."""

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import Account
from apps.core.exceptions import ApplicationError
from apps.journeys.kpis import Kpi
from apps.journeys.models import (
    MAX_ENTRIES,
    Journey,
    JourneyChange,
    JourneyStage,
    Phase,
    PlaybookCell,
    StageKpi,
    StageTransition,
)
from apps.journeys.selectors import journey_structure_problems
from apps.journeys.services import (
    journey_create,
    journey_part_create,
    journey_part_delete,
    journey_part_update,
    journey_publish,
    journey_update,
    playbook_cell_save,
)
from tests.factories import AccountFactory, CampaignFactory, StageKpiFactory
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.django_db


def _error_fields(write) -> dict:
    with pytest.raises(ValidationError) as caught:
        write()
    return caught.value.message_dict


# --- transitions -----------------------------------------------------------------------------


def test_a_transition_to_a_stage_of_another_journey_names_the_stage(small, marketer):
    other = build_journey(owner=marketer, key="other")
    changes = JourneyChange.objects.count()

    fields = _error_fields(
        lambda: journey_part_create(
            model=StageTransition,
            data={
                "journey": small.journey,
                "from_stage": small.decision,
                "to_stage": other.awareness,
            },
            changed_by=marketer,
        )
    )

    assert fields == {"to_stage": ["This stage belongs to another journey."]}
    assert not StageTransition.objects.filter(to_stage=other.awareness, journey=small.journey)
    assert JourneyChange.objects.count() == changes


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("decision", "decision", "A transition must lead to another stage."),
        ("awareness", "consideration", "Stage transition with this From stage and To stage"),
    ],
    ids=["to-itself", "twice"],
)
def test_a_transition_to_itself_or_twice_is_refused(small, marketer, source, target, message):
    count = StageTransition.objects.count()

    fields = _error_fields(
        lambda: journey_part_create(
            model=StageTransition,
            data={
                "journey": small.journey,
                "from_stage": getattr(small, source),
                "to_stage": getattr(small, target),
            },
            changed_by=marketer,
        )
    )

    assert message in fields["__all__"][0]
    assert StageTransition.objects.count() == count


def test_cycles_are_allowed_and_the_journey_publishes(small, marketer):
    s = small
    for source, target in [(s.business_case, s.shortlist), (s.decision, s.awareness)]:
        journey_part_create(
            model=StageTransition,
            data={"journey": s.journey, "from_stage": source, "to_stage": target},
            changed_by=marketer,
        )

    assert journey_structure_problems(journey=s.journey) == []
    assert journey_publish(journey=s.journey, changed_by=marketer).status == "published"


def test_unreachable_stages_and_dangling_sub_stages_are_reported(small, marketer):
    s = small
    journey_part_delete(
        part=StageTransition.objects.get(from_stage=s.shortlist), changed_by=marketer
    )
    journey_part_create(
        model=JourneyStage,
        data={
            "journey": s.journey,
            "name": "Retention",
            "slug": "retention",
            "phase": Phase.DECISION,
            "position": 9,
        },
        changed_by=marketer,
    )

    problems = journey_structure_problems(journey=s.journey)

    assert {(p.rule, p.where) for p in problems} == {
        ("dangling_substage", "Consideration → Business case"),
        ("unreachable_stage", "Retention"),
    }


# --- stages ----------------------------------------------------------------------------------


def test_a_sub_stage_under_a_stage_of_another_journey_names_the_parent(small, marketer):
    other = build_journey(owner=marketer, key="other")

    fields = _error_fields(
        lambda: journey_part_create(
            model=JourneyStage,
            data={
                "journey": small.journey,
                "parent": other.consideration,
                "name": "Pilot",
                "slug": "pilot",
                "phase": Phase.CONSIDERATION,
                "position": 3,
            },
            changed_by=marketer,
        )
    )

    assert fields == {"parent": ["The parent stage belongs to another journey."]}
    assert not JourneyStage.objects.filter(slug="pilot").exists()


@pytest.mark.parametrize(
    ("parent", "phase", "field"),
    [("shortlist", Phase.CONSIDERATION, "parent"), ("consideration", Phase.DECISION, "phase")],
    ids=["two-levels-deep", "other-phase"],
)
def test_sub_stages_go_one_level_deep_in_their_parents_phase(small, marketer, parent, phase, field):
    fields = _error_fields(
        lambda: journey_part_create(
            model=JourneyStage,
            data={
                "journey": small.journey,
                "parent": getattr(small, parent),
                "name": "Pilot",
                "slug": "pilot",
                "phase": phase,
                "position": 7,
            },
            changed_by=marketer,
        )
    )

    assert list(fields) == [field]


def test_a_stage_keeps_a_phase_its_sub_stages_and_kpis_fit(small, marketer):
    StageKpiFactory(stage=small.awareness, kpi=Kpi.REACH)

    parent = _error_fields(
        lambda: journey_part_update(
            part=small.consideration, data={"phase": Phase.DECISION}, changed_by=marketer
        )
    )
    measured = _error_fields(
        lambda: journey_part_update(
            part=small.awareness, data={"phase": Phase.DECISION}, changed_by=marketer
        )
    )

    assert parent == {"phase": ["Its sub-stages are in another phase: change theirs with it."]}
    assert measured == {
        "phase": ["Its KPIs (Reach (unique contacts touched)) do not measure a decision stage."]
    }
    assert JourneyStage.objects.get(pk=small.awareness.pk).phase == Phase.AWARENESS


def test_a_stage_stays_in_its_journey(small, marketer):
    other = build_journey(owner=marketer, key="other")

    with pytest.raises(ApplicationError) as caught:
        journey_part_update(
            part=small.decision, data={"journey": other.journey}, changed_by=marketer
        )

    assert list(caught.value.fields) == ["journey"]
    small.decision.refresh_from_db()
    assert small.decision.journey == small.journey


def test_a_stage_a_campaign_plans_on_is_not_deleted(small, marketer):
    CampaignFactory(goal_stage=small.decision)

    with pytest.raises(ApplicationError) as caught:
        journey_part_delete(part=small.decision, changed_by=marketer)

    assert "still in use" in caught.value.message
    assert JourneyStage.objects.filter(pk=small.decision.pk).exists()
    assert StageTransition.objects.filter(to_stage=small.decision).exists()


# --- review cadence --------------------------------------------------------------------------


@pytest.mark.parametrize("months", [0, 25])
def test_a_review_cadence_outside_1_to_24_months_names_the_field(marketer, small, months):
    create = _error_fields(
        lambda: journey_create(
            data={"key": "new", "name": "New", "owner": marketer, "review_cadence_months": months},
            changed_by=marketer,
        )
    )
    update = _error_fields(
        lambda: journey_update(
            journey=small.journey, data={"review_cadence_months": months}, changed_by=marketer
        )
    )

    message = ["Review cadence must be between 1 and 24 months."]
    assert create == update == {"review_cadence_months": message}
    assert not Journey.objects.filter(key="new").exists()
    small.journey.refresh_from_db()
    assert small.journey.review_cadence_months == 6


@pytest.mark.parametrize("months", [1, 24])
def test_a_review_cadence_of_1_or_24_months_is_fine(small, marketer, months):
    journey_update(
        journey=small.journey, data={"review_cadence_months": months}, changed_by=marketer
    )

    small.journey.refresh_from_db()
    assert small.journey.review_cadence_months == months


# --- playbook cells and KPIs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"pain_points": "Slow close"}, "pain_points", "Give a list of text entries."),
        (
            {"buyer_questions": ["Why?"] * 1 + [f"Q{n}" for n in range(MAX_ENTRIES)]},
            "buyer_questions",
            f"At most {MAX_ENTRIES} entries.",
        ),
        ({"touchpoints": ["x" * 301]}, "touchpoints", "Keep each entry under 300 characters."),
        ({"content_types": ["podcast"]}, "content_types", "Unknown choice: podcast."),
        ({"committee_roles": ["king"]}, "committee_roles", "Unknown choice: king."),
        ({"objections": ["Too dear"]}, "objections", "Give a list of objections"),
        (
            {"objections": [{"objection": "", "response": "Payback"}]},
            "objections",
            "Each suggested response needs the objection it answers.",
        ),
    ],
    ids=["not-a-list", "too-many", "too-long", "content-type", "role", "shape", "no-objection"],
)
def test_bad_cell_entries_name_the_field_and_save_nothing(small, marketer, data, field, message):
    fields = _error_fields(
        lambda: playbook_cell_save(
            stage=small.shortlist,
            persona=small.cfo,
            data={"decision_criteria": ["Payback"], **data},
            changed_by=marketer,
        )
    )

    assert list(fields) == [field]
    assert fields[field][0].startswith(message)
    assert not PlaybookCell.objects.exists()


def test_cell_entries_are_trimmed_and_deduplicated(small, marketer):
    cell = playbook_cell_save(
        stage=small.shortlist,
        persona=small.cfo,
        data={
            "pain_points": [" Slow close ", "Slow close", ""],
            "objections": [{"objection": " Too dear ", "response": " Payback "}, {}],
        },
        changed_by=marketer,
    )

    cell.refresh_from_db()
    assert cell.pain_points == ["Slow close"]
    assert cell.objections == [{"objection": "Too dear", "response": "Payback"}]


@pytest.mark.parametrize(
    ("tier", "is_target"), [(Account.Tier.TIER_2, True), (Account.Tier.TIER_1, False)]
)
def test_account_playbooks_are_for_tier_1_target_accounts_only(small, marketer, tier, is_target):
    account = AccountFactory(name="Globex", tier=tier, is_target=is_target)

    fields = _error_fields(
        lambda: playbook_cell_save(
            stage=small.shortlist,
            persona=small.cfo,
            account=account,
            data={"pain_points": ["Group approval"]},
            changed_by=marketer,
        )
    )

    assert fields == {
        "account": [
            "Globex is not a tier-1 target account: account playbooks are for tier-1 "
            "target accounts only."
        ]
    }
    assert not PlaybookCell.objects.exists()


def test_only_an_accounts_cell_replaces_the_personas(small, marketer):
    fields = _error_fields(
        lambda: playbook_cell_save(
            stage=small.shortlist,
            persona=small.cfo,
            data={"replaces_persona_cell": True},
            changed_by=marketer,
        )
    )

    assert list(fields) == ["replaces_persona_cell"]


def test_a_stage_kpi_must_fit_the_stages_phase(small, marketer):
    fields = _error_fields(
        lambda: journey_part_create(
            model=StageKpi,
            data={"stage": small.awareness, "kpi": Kpi.DEAL_VELOCITY, "target": 60},
            changed_by=marketer,
        )
    )

    assert fields == {
        "kpi": [
            "Deal velocity (days to close) does not measure a awareness stage; use Reach "
            "(unique contacts touched), Engagement rate."
        ]
    }
    assert not StageKpi.objects.exists()


def test_a_stage_kpi_target_is_not_negative(small, marketer):
    fields = _error_fields(
        lambda: journey_part_create(
            model=StageKpi,
            data={"stage": small.awareness, "kpi": Kpi.REACH, "target": -1},
            changed_by=marketer,
        )
    )

    assert list(fields) == ["target"]
