"""The journey health check: how a map fails the team, found from plain facts about it.

Maps fail in known ways: too generic (empty or copy-pasted cells), persona differences ignored
(personas without objections or criteria), too linear (no moves back, long stages without
sub-stages) and never activated (stages with no content, campaign or KPI). Each rule is one
function from `JourneyFacts` to findings; `apps.journeys.selectors.journey_health_facts` reads
the facts from the database, so the rules themselves run no queries.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

# A top-level stage that the pipeline lets last this long is a long cycle: it wants sub-stages.
LONG_STAGE_DAYS = 45


class Severity:
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    where: str


@dataclass(frozen=True)
class StageFacts:
    id: int
    name: str
    parent_id: int | None = None
    # Published assets and live campaigns mapped to this stage (in any version of the journey).
    asset_count: int = 0
    campaign_count: int = 0
    kpi_count: int = 0
    # The most days the pipeline stages lined up with this stage allow, added up; None: no limit.
    pipeline_days: int | None = None


@dataclass(frozen=True)
class CellFacts:
    """A persona's playbook cell at a stage: list field name → its entries."""

    entries: dict[str, list] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(self.entries.values())

    def has(self, name: str) -> bool:
        return bool(self.entries.get(name))

    @property
    def signature(self) -> tuple:
        """What two cells compare equal on when one was copied from the other."""
        return tuple(sorted((name, repr(value)) for name, value in self.entries.items() if value))


@dataclass(frozen=True)
class JourneyFacts:
    # Stages in map order: each top-level stage (by position) followed by its sub-stages.
    stages: list[StageFacts]
    transitions: list[tuple[int, int]]
    personas: dict[int, str]
    # (stage id, persona id) → the persona's cell at that stage; missing when none was written.
    cells: dict[tuple[int, int], CellFacts]

    def substages(self, stage: StageFacts) -> list[StageFacts]:
        return [s for s in self.stages if s.parent_id == stage.id]

    @property
    def by_id(self) -> dict[int, StageFacts]:
        return {stage.id: stage for stage in self.stages}


Rule = Callable[[JourneyFacts], list[Finding]]


def _dangling(facts: JourneyFacts) -> list[StageFacts]:
    touched = {stage_id for pair in facts.transitions for stage_id in pair}
    return [
        stage
        for stage in facts.stages
        if stage.parent_id is not None
        and stage.id not in touched
        and facts.substages(facts.by_id[stage.parent_id])[0] != stage
    ]


def dangling_substages(facts: JourneyFacts) -> list[Finding]:
    """A sub-stage other than its parent's first with no transition in or out: no path uses it.

    (Entering a stage enters its first sub-stage, so that one is on the path without transitions.)
    """
    return [
        Finding(
            rule="dangling_substage",
            severity=Severity.ERROR,
            message=f"No transition leads into or out of {stage.name}: connect it or remove it.",
            where=stage.name,
        )
        for stage in _dangling(facts)
    ]


def unreachable_stages(facts: JourneyFacts) -> list[Finding]:
    """Stages no path from the first stage reaches. Cycles are fine.

    Entering a stage enters its first sub-stage; a buyer in a sub-stage is in its parent too,
    so the parent's transitions lead on from there.
    """
    if not facts.stages:
        return []
    edges: dict[int, set[int]] = defaultdict(set)
    for source, target in facts.transitions:
        edges[source].add(target)
    for stage in facts.stages:
        if stage.parent_id is not None:
            edges[stage.id].add(stage.parent_id)
        elif subs := facts.substages(stage):
            edges[stage.id].add(subs[0].id)
    start = next(stage for stage in facts.stages if stage.parent_id is None)
    reached, frontier = {start.id}, [start.id]
    while frontier:
        for target in edges[frontier.pop()] - reached:
            reached.add(target)
            frontier.append(target)
    dangling = {stage.id for stage in _dangling(facts)}
    return [
        Finding(
            rule="unreachable_stage",
            severity=Severity.ERROR,
            message=f"No path from {start.name} reaches {stage.name}: add a transition into it.",
            where=stage.name,
        )
        for stage in facts.stages
        if stage.id not in reached and stage.id not in dangling
    ]


def empty_cells(facts: JourneyFacts) -> list[Finding]:
    """Too generic: personas with nothing written for them at a stage (for a stage with
    sub-stages, nothing in it nor in any of its sub-stages)."""
    findings = []
    for stage in facts.stages:
        family = [stage.id, *(sub.id for sub in facts.substages(stage))]
        missing = [
            name
            for persona_id, name in facts.personas.items()
            if all(
                (cell := facts.cells.get((member, persona_id))) is None or cell.is_empty
                for member in family
            )
        ]
        if missing:
            findings.append(
                Finding(
                    rule="empty_cells",
                    severity=Severity.WARNING,
                    message=f"Nothing written for {', '.join(missing)} at {stage.name}.",
                    where=stage.name,
                )
            )
    return findings


def copy_pasted_cells(facts: JourneyFacts) -> list[Finding]:
    """Too generic: two or more personas with the very same playbook at a stage."""
    findings = []
    for stage in facts.stages:
        alike: dict[tuple, list[str]] = defaultdict(list)
        for persona_id, name in facts.personas.items():
            cell = facts.cells.get((stage.id, persona_id))
            if cell is not None and not cell.is_empty:
                alike[cell.signature].append(name)
        findings += [
            Finding(
                rule="copy_pasted_cells",
                severity=Severity.WARNING,
                message=f"{' and '.join(names)} have the same playbook at {stage.name}: "
                "write what differs for each.",
                where=stage.name,
            )
            for names in alike.values()
            if len(names) > 1
        ]
    return findings


def personas_without_objections_or_criteria(facts: JourneyFacts) -> list[Finding]:
    """Persona differences ignored: a persona with no objections or no decision criteria."""
    findings = []
    for persona_id, name in facts.personas.items():
        cells = [facts.cells.get((stage.id, persona_id)) for stage in facts.stages]
        missing = [
            label
            for entry, label in (("objections", "objections"), ("decision_criteria", "criteria"))
            if not any(cell is not None and cell.has(entry) for cell in cells)
        ]
        if missing:
            findings.append(
                Finding(
                    rule="persona_without_objections_or_criteria",
                    severity=Severity.WARNING,
                    message=f"{name} has no {' and no '.join(missing)} at any stage.",
                    where=name,
                )
            )
    return findings


def no_back_transitions(facts: JourneyFacts) -> list[Finding]:
    """Too linear: no transition moves a buyer back (a new stakeholder reopens the decision)."""
    if len([stage for stage in facts.stages if stage.parent_id is None]) < 2:
        return []
    order = {stage.id: index for index, stage in enumerate(facts.stages)}
    if any(order[target] < order[source] for source, target in facts.transitions):
        return []
    return [
        Finding(
            rule="no_back_transitions",
            severity=Severity.WARNING,
            message="No transition moves a buyer back to an earlier stage; real buyers loop "
            "back when a new stakeholder joins.",
            where="transitions",
        )
    ]


def long_stages_without_substages(facts: JourneyFacts) -> list[Finding]:
    """Too linear: a top-level stage the pipeline lets last long, with no sub-stages."""
    return [
        Finding(
            rule="long_stage_without_substages",
            severity=Severity.WARNING,
            message=f"{stage.name} can last {stage.pipeline_days} days in the pipeline but has "
            "no sub-stages to show progress within it.",
            where=stage.name,
        )
        for stage in facts.stages
        if stage.parent_id is None
        and (stage.pipeline_days or 0) >= LONG_STAGE_DAYS
        and not facts.substages(stage)
    ]


def _not_activated(
    facts: JourneyFacts, *, rule: str, count: str, what: str, parent_counts: bool = False
) -> list[Finding]:
    """Stages where neither they nor their sub-stages (nor, with `parent_counts`, their
    parent) have any of `count`."""
    by_id = facts.by_id
    findings = []
    for stage in facts.stages:
        family = [stage, *facts.substages(stage)]
        if parent_counts and stage.parent_id is not None:
            family.append(by_id[stage.parent_id])
        if not any(getattr(member, count) for member in family):
            findings.append(
                Finding(
                    rule=rule,
                    severity=Severity.WARNING,
                    message=f"{stage.name} has no {what}.",
                    where=stage.name,
                )
            )
    return findings


def stages_without_content(facts: JourneyFacts) -> list[Finding]:
    """Not activated: no published asset serves the stage."""
    return _not_activated(
        facts, rule="stage_without_content", count="asset_count", what="published content"
    )


def stages_without_campaign(facts: JourneyFacts) -> list[Finding]:
    """Not activated: no campaign (other than cancelled ones) has the stage as its goal."""
    return _not_activated(
        facts, rule="stage_without_campaign", count="campaign_count", what="campaign"
    )


def stages_without_kpi(facts: JourneyFacts) -> list[Finding]:
    """Not activated: nothing measures the stage (a parent's KPI covers its sub-stages)."""
    return _not_activated(
        facts, rule="stage_without_kpi", count="kpi_count", what="KPI", parent_counts=True
    )


STRUCTURE_RULES: tuple[Rule, ...] = (unreachable_stages, dangling_substages)
RULES: tuple[Rule, ...] = (
    *STRUCTURE_RULES,
    empty_cells,
    copy_pasted_cells,
    personas_without_objections_or_criteria,
    no_back_transitions,
    long_stages_without_substages,
    stages_without_content,
    stages_without_campaign,
    stages_without_kpi,
)


def run_rules(facts: JourneyFacts, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every finding of `rules`, errors first, in map order within a rule."""
    findings = [finding for rule in rules for finding in rule(facts)]
    return sorted(findings, key=lambda finding: finding.severity != Severity.ERROR)
