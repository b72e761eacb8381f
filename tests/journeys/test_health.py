"""Each health-check rule, once on a map that fails it and once on one that passes.

The rules are pure functions of `JourneyFacts`, so most fixtures are built in memory; the last
tests check that the facts are read right from the database, in a fixed number of queries.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.journeys import health
from apps.journeys.health import CellFacts, JourneyFacts, StageFacts
from apps.journeys.kpis import Kpi
from apps.journeys.models import StageTransition
from apps.journeys.selectors import journey_health, journey_health_facts
from apps.journeys.services import journey_part_create
from tests.factories import (
    AssetFactory,
    CampaignFactory,
    PersonaFactory,
    PipelineStageFactory,
    PlaybookCellFactory,
    StageKpiFactory,
)

# Awareness (1) → Consideration (2, with Shortlist 3 and Business case 4) → Decision (5).
AWARE, CONSIDER, SHORTLIST, CASE, DECIDE = 1, 2, 3, 4, 5
ACTIVE = {"asset_count": 1, "campaign_count": 1, "kpi_count": 1}
FULL_CELL = CellFacts(
    {
        "buyer_questions": ["What does it cost?"],
        "decision_criteria": ["Payback"],
        "objections": [{"objection": "Too dear", "response": "Payback in 9 months"}],
    }
)


def _stages(**overrides: dict) -> list[StageFacts]:
    """The five stages, active unless `overrides` (by stage name) says otherwise."""
    specs = [
        (AWARE, "Awareness", None),
        (CONSIDER, "Consideration", None),
        (SHORTLIST, "Shortlist", CONSIDER),
        (CASE, "Business case", CONSIDER),
        (DECIDE, "Decision", None),
    ]
    return [
        StageFacts(id=id_, name=name, parent_id=parent, **(ACTIVE | overrides.get(name, {})))
        for id_, name, parent in specs
    ]


def facts(
    *,
    stages: list[StageFacts] | None = None,
    transitions: list[tuple[int, int]] | None = None,
    cells: dict | None = None,
    personas: dict | None = None,
) -> JourneyFacts:
    """A healthy map unless told otherwise: every stage reachable and activated, a move back,
    and two personas with a different full cell at every stage."""
    stages = _stages() if stages is None else stages
    personas = {1: "CFO", 2: "IT Director"} if personas is None else personas
    if cells is None:
        cells = {
            (stage.id, persona_id): CellFacts(
                FULL_CELL.entries | {"pain_points": [f"{name} pain at {stage.name}"]}
            )
            for stage in stages
            for persona_id, name in personas.items()
        }
    if transitions is None:
        transitions = [
            (AWARE, CONSIDER),
            (SHORTLIST, CASE),
            (CONSIDER, DECIDE),
            (DECIDE, CONSIDER),
        ]
    return JourneyFacts(stages=stages, transitions=transitions, personas=personas, cells=cells)


def rules_found(found: list[health.Finding]) -> set[tuple[str, str]]:
    return {(finding.rule, finding.where) for finding in found}


def test_the_healthy_fixture_passes_every_rule():
    assert health.run_rules(facts()) == []


# --- structure -------------------------------------------------------------------------------


def test_unreachable_stage_fails_when_nothing_leads_into_it():
    found = health.unreachable_stages(facts(transitions=[(SHORTLIST, CASE), (DECIDE, CONSIDER)]))

    assert rules_found(found) == {
        ("unreachable_stage", "Consideration"),
        ("unreachable_stage", "Shortlist"),
        ("unreachable_stage", "Business case"),
        ("unreachable_stage", "Decision"),
    }
    assert all(finding.severity == "error" for finding in found)
    assert "No path from Awareness reaches Decision" in found[-1].message


def test_unreachable_stage_passes_through_cycles_skips_and_sub_stages():
    # A skip from Awareness to Decision and a loop back are enough to reach everything:
    # entering Consideration enters Shortlist, which leads on to Business case.
    loop = [(AWARE, DECIDE), (DECIDE, CONSIDER), (CONSIDER, DECIDE), (SHORTLIST, CASE)]

    assert health.unreachable_stages(facts(transitions=loop)) == []


def test_a_transition_into_a_sub_stage_also_reaches_its_parent():
    found = health.unreachable_stages(
        facts(transitions=[(AWARE, CASE), (CASE, DECIDE), (SHORTLIST, CASE)])
    )

    assert found == []


def test_dangling_substage_fails_when_no_transition_touches_it():
    found = health.run_rules(
        facts(transitions=[(AWARE, CONSIDER), (CONSIDER, DECIDE), (DECIDE, CONSIDER)]),
        health.STRUCTURE_RULES,
    )

    # Business case is reported once, as dangling; Shortlist is entered with Consideration.
    assert rules_found(found) == {("dangling_substage", "Business case")}
    assert found[0].severity == "error"


def test_dangling_substage_passes_when_the_sub_stage_has_a_way_in():
    assert health.dangling_substages(facts()) == []


# --- too generic -----------------------------------------------------------------------------


def test_empty_cells_fails_for_missing_and_empty_cells():
    cells = facts().cells
    del cells[(SHORTLIST, 1)]
    cells[(SHORTLIST, 2)] = CellFacts({"objections": [], "pain_points": []})

    found = health.empty_cells(facts(cells=cells))

    assert rules_found(found) == {("empty_cells", "Shortlist")}
    assert found[0].message == "Nothing written for CFO, IT Director at Shortlist."


def test_empty_cells_passes_when_every_persona_has_entries():
    assert health.empty_cells(facts()) == []


def test_empty_cells_passes_for_a_stage_whose_sub_stages_hold_the_entries():
    cells = facts().cells
    del cells[(CONSIDER, 1)], cells[(CONSIDER, 2)], cells[(CASE, 1)]

    assert rules_found(health.empty_cells(facts(cells=cells))) == {("empty_cells", "Business case")}


def test_copy_pasted_cells_fails_when_two_personas_have_the_same_playbook():
    cells = facts().cells
    cells[(DECIDE, 2)] = cells[(DECIDE, 1)]

    found = health.copy_pasted_cells(facts(cells=cells))

    assert rules_found(found) == {("copy_pasted_cells", "Decision")}
    assert "CFO and IT Director have the same playbook" in found[0].message


def test_copy_pasted_cells_passes_when_cells_differ_or_are_empty():
    cells = facts().cells
    cells[(DECIDE, 1)] = cells[(DECIDE, 2)] = CellFacts({})  # empty is the other rule's

    assert health.copy_pasted_cells(facts(cells=cells)) == []


# --- persona differences ignored ---------------------------------------------------------------


def test_persona_without_objections_or_criteria_fails():
    cells = {
        key: (CellFacts({"pain_points": ["Manual work"]}) if key[1] == 2 else cell)
        for key, cell in facts().cells.items()
    }

    found = health.personas_without_objections_or_criteria(facts(cells=cells))

    assert rules_found(found) == {("persona_without_objections_or_criteria", "IT Director")}
    assert found[0].message == "IT Director has no objections and no criteria at any stage."


def test_persona_without_objections_or_criteria_passes_with_one_cell_holding_each():
    cells = {key: CellFacts({"pain_points": ["Manual work"]}) for key in facts().cells}
    for persona in (1, 2):
        cells[(DECIDE, persona)] = FULL_CELL

    assert health.personas_without_objections_or_criteria(facts(cells=cells)) == []


# --- too linear ------------------------------------------------------------------------------


def test_no_back_transitions_fails_on_a_straight_line():
    found = health.no_back_transitions(
        facts(transitions=[(AWARE, CONSIDER), (SHORTLIST, CASE), (CONSIDER, DECIDE)])
    )

    assert rules_found(found) == {("no_back_transitions", "transitions")}


def test_no_back_transitions_passes_with_one_move_back():
    assert health.no_back_transitions(facts()) == []


def test_long_stage_without_substages_fails_when_the_pipeline_allows_long_stays():
    stages = _stages(Decision={"pipeline_days": 60})

    found = health.long_stages_without_substages(facts(stages=stages))

    assert rules_found(found) == {("long_stage_without_substages", "Decision")}
    assert "Decision can last 60 days" in found[0].message


def test_long_stage_without_substages_passes_for_short_stages_or_ones_split_up():
    stages = _stages(Consideration={"pipeline_days": 90}, Decision={"pipeline_days": 20})

    assert health.long_stages_without_substages(facts(stages=stages)) == []


# --- not activated ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "count"),
    [
        (health.stages_without_content, "asset_count"),
        (health.stages_without_campaign, "campaign_count"),
        (health.stages_without_kpi, "kpi_count"),
    ],
)
def test_stage_not_activated_fails_for_a_stage_without_it(rule, count):
    stages = _stages(Awareness={count: 0})

    found = rule(facts(stages=stages))

    assert {finding.where for finding in found} == {"Awareness"}


@pytest.mark.parametrize(
    ("rule", "count"),
    [
        (health.stages_without_content, "asset_count"),
        (health.stages_without_campaign, "campaign_count"),
        (health.stages_without_kpi, "kpi_count"),
    ],
)
def test_stage_not_activated_passes_when_a_sub_stage_has_it(rule, count):
    # Consideration has none of its own, but its Shortlist has.
    stages = _stages(Consideration={count: 0}, **{"Business case": {count: 0}})
    stages = [s for s in stages if s.name != "Business case"]
    transitions = [(AWARE, CONSIDER), (CONSIDER, DECIDE), (DECIDE, CONSIDER)]

    assert rule(facts(stages=stages, transitions=transitions)) == []


def test_a_parents_kpi_measures_its_sub_stages_but_its_content_does_not_cover_them():
    stages = _stages(Shortlist={"kpi_count": 0, "asset_count": 0})

    assert health.stages_without_kpi(facts(stages=stages)) == []
    assert rules_found(health.stages_without_content(facts(stages=stages))) == {
        ("stage_without_content", "Shortlist")
    }


# --- facts from the database -----------------------------------------------------------------


def test_facts_are_read_from_the_journey_and_its_activation(small, marketer):
    s = small
    AssetFactory(journey_stage=s.shortlist)
    AssetFactory(journey_stage=s.shortlist, status="draft", url="")
    CampaignFactory(goal_stage=s.awareness)
    CampaignFactory(goal_stage=s.awareness, status="cancelled")
    StageKpiFactory(stage=s.awareness, kpi=Kpi.ENGAGEMENT_RATE)
    PipelineStageFactory(journey_stage=s.decision, max_days_in_stage=30)
    PipelineStageFactory(journey_stage=s.decision, max_days_in_stage=25)
    PlaybookCellFactory(stage=s.decision, persona=s.cfo, decision_criteria=["Payback"])

    found = journey_health_facts(journey=s.journey)

    by_name = {stage.name: stage for stage in found.stages}
    assert [stage.name for stage in found.stages] == [
        "Awareness",
        "Consideration",
        "Consideration → Shortlist",
        "Consideration → Business case",
        "Decision",
    ]
    assert by_name["Consideration → Shortlist"].asset_count == 1
    assert by_name["Awareness"].campaign_count == 1
    assert by_name["Awareness"].kpi_count == 1
    assert by_name["Decision"].pipeline_days == 55
    assert found.personas == {s.cfo.pk: "CFO", s.it_director.pk: "IT Director"}
    assert found.cells[(s.decision.pk, s.cfo.pk)].has("decision_criteria")
    assert set(found.transitions) == set(
        StageTransition.objects.filter(journey=s.journey).values_list("from_stage", "to_stage")
    )
    rules = {finding.rule for finding in journey_health(journey=s.journey)}
    assert "long_stage_without_substages" in rules
    assert "unreachable_stage" not in rules


def test_health_runs_a_fixed_number_of_queries(small, marketer):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            journey_health(journey=small.journey)
        return len(captured)

    one = queries()
    for n in range(4):
        stage = journey_part_create(
            model=small.journey.stages.model,
            data={
                "journey": small.journey,
                "name": f"Extra {n}",
                "slug": f"extra-{n}",
                "phase": "decision",
                "position": 10 + n,
            },
            changed_by=marketer,
        )
        persona = PersonaFactory()
        PlaybookCellFactory(stage=stage, persona=persona)
        AssetFactory(journey_stage=stage).personas.add(persona)
        StageKpiFactory(stage=stage, kpi=Kpi.CONVERSION_RATE)

    assert queries() == one
