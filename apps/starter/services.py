"""Install the starter kit (`apps.starter.template`) and reset a journey or the signal rules to
it, writing only through the services of the apps that own the rows.

The install fills each part only while the database has none of it: a second run, or a run on
a database a company has already set up, writes nothing over what is there.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from apps.engagement.models import RuleSet
from apps.engagement.services import (
    SIGNAL_RULE_FIELDS,
    rule_changes,
    scoring_settings_update,
    signal_rule_create,
    signal_rule_delete,
    signal_rule_update,
)
from apps.journeys.models import Journey, JourneyStage, StageKpi, StageTransition
from apps.journeys.services import (
    journey_create,
    journey_new_version,
    journey_part_create,
    journey_publish,
)
from apps.nurture.services import sequence_create, step_create
from apps.personas.services import title_rule_create
from apps.pipeline.services import pipeline_stage_create
from apps.starter import selectors, template
from apps.starter.selectors import RESTORED_FIELDS, JourneyResetPlan, RulesResetPlan
from apps.users.models import User

PARTS = (
    "journey",
    "pipeline stages",
    "signal rules",
    "scoring settings",
    "nurture sequences",
    "title rules",
)


@dataclass(frozen=True)
class InstallReport:
    installed: tuple[str, ...]  # parts of `PARTS` written by this run
    kept: tuple[str, ...]  # parts the database had already, left as they were


@transaction.atomic
def starter_kit_install(*, at: datetime | None = None) -> InstallReport:
    """Install each part of the starter kit the database has nothing of yet; `at` is when the
    journey counts as published (now by default)."""
    in_place = selectors.kit_parts_in_place()
    journey = selectors.template_journey()
    if journey is None:
        journey = _install_journey(at=at)
    stages = selectors.template_stages(journey=journey)
    if not in_place["pipeline stages"]:
        _install_pipeline(stages=stages)
    # The kit's rules and threshold make one rule set version (version 1 on a new database).
    with rule_changes(origin=RuleSet.Origin.STARTER_KIT, summary="Starter kit installed"):
        if not in_place["signal rules"]:
            for rule in selectors.template_signal_rules(stages=stages):
                signal_rule_create(data={name: getattr(rule, name) for name in SIGNAL_RULE_FIELDS})
        if not in_place["scoring settings"]:
            scoring_settings_update(data=template.SCORING_SETTINGS)
    if not in_place["nurture sequences"]:
        _install_sequences(stages=stages)
    if not in_place["title rules"]:
        for position, (pattern, seniority) in enumerate(template.TITLE_RULES, start=1):
            title_rule_create(
                data={"pattern": pattern, "seniority": seniority, "position": position}
            )
    return InstallReport(
        installed=tuple(part for part in PARTS if not in_place[part]),
        kept=tuple(part for part in PARTS if in_place[part]),
    )


def _install_journey(*, at: datetime | None) -> Journey:
    journey = journey_create(data=dict(template.JOURNEY), changed_by=None)
    _add_template_parts(journey=journey, changed_by=None)
    return journey_publish(journey=journey, changed_by=None, at=at)


def _add_template_parts(*, journey: Journey, changed_by: User | None) -> None:
    """The template's stages, transitions and stage KPIs, into the draft `journey`."""
    stages: dict[str, JourneyStage] = {}
    for spec in template.STAGES:
        data = spec | {"journey": journey, "parent": stages.get(spec["parent"])}
        stages[spec["slug"]] = journey_part_create(
            model=JourneyStage, data=data, changed_by=changed_by
        )
    for source, target, trigger in template.TRANSITIONS:
        journey_part_create(
            model=StageTransition,
            data={
                "journey": journey,
                "from_stage": stages[source],
                "to_stage": stages[target],
                "trigger": trigger,
            },
            changed_by=changed_by,
        )
    for slug, kpis in template.STAGE_KPIS.items():
        for kpi, target, note in kpis:
            journey_part_create(
                model=StageKpi,
                data={"stage": stages[slug], "kpi": kpi, "target": Decimal(target), "note": note},
                changed_by=changed_by,
            )


def _install_pipeline(*, stages: dict[str, JourneyStage]) -> None:
    for position, row in enumerate(template.PIPELINE_STAGES, start=1):
        data = dict(zip(template.PIPELINE_COLUMNS, row, strict=True))
        pipeline_stage_create(
            data=data | {"position": position, "journey_stage": stages.get(data["journey_stage"])}
        )


def _install_sequences(*, stages: dict[str, JourneyStage]) -> None:
    for spec in template.SEQUENCES:
        if spec["journey_stage"] not in stages:
            continue
        sequence = sequence_create(
            data={"name": spec["name"], "journey_stage": stages[spec["journey_stage"]]}
        )
        for kind, delay_days, action, subject, body in spec["steps"]:
            step_create(
                data={
                    "sequence": sequence,
                    "kind": kind,
                    "delay_days": delay_days,
                    "task_action": action,
                    "subject": subject,
                    "body": body,
                }
            )


# -- resets -----------------------------------------------------------------------------------


@transaction.atomic
def starter_journey_reset(*, journey: Journey, changed_by: User | None) -> Journey:
    """Reset a published journey to the template: a new draft version with the template's
    stages, transitions and KPIs, which the marketer checks and publishes. The published
    version stays in force until then."""
    plan: JourneyResetPlan = selectors.journey_reset_plan(journey=journey)
    draft = journey_new_version(
        journey=plan.journey,
        changed_by=changed_by,
        with_parts=False,
        note="reset to the starter template",
    )
    _add_template_parts(journey=draft, changed_by=changed_by)
    return draft


@transaction.atomic
def starter_signal_rules_reset() -> RulesResetPlan:
    """Put the signal rules back to the template on the published starter journey: its rules
    added or restored, every other rule removed, as one new rule set version. Returns what
    it did."""
    plan = selectors.signal_rules_reset_plan()
    summary = (
        f"Reset to the starter template: {len(plan.added)} added, "
        f"{len(plan.restored)} restored, {len(plan.removed)} removed"
    )
    with rule_changes(origin=RuleSet.Origin.TEMPLATE_RESET, summary=summary):
        for rule in plan.removed:
            signal_rule_delete(rule=rule)
        for restore in plan.restored:
            data = {name: getattr(restore.template, name) for name in RESTORED_FIELDS}
            signal_rule_update(rule=restore.rule, data=data)
        for rule in plan.added:
            signal_rule_create(data={name: getattr(rule, name) for name in SIGNAL_RULE_FIELDS})
    return plan
