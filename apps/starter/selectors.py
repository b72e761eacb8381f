"""What the starter kit would change: the template's rows as unsaved model instances, and the
plans the reset pages show before anything is written."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from apps.core.exceptions import ApplicationError
from apps.engagement.models import SignalRule
from apps.engagement.selectors import scoring_settings_saved, signal_rule_list
from apps.journeys.models import Journey, JourneyStage
from apps.journeys.selectors import journey_published, journey_stages, journey_versions
from apps.nurture.selectors import sequence_list
from apps.personas.selectors import title_rules_exist
from apps.pipeline.selectors import pipeline_stage_list
from apps.starter import template

# What a template rule restores on a rule that has the same kind, URL, stage and repeat count,
# with the words the confirmation page uses for each.
RESTORED_FIELDS = {
    "weight": "weight",
    "half_life_days": "half-life in days",
    "cap": "cap",
    "repeat_window_days": "repeat window in days",
    "is_active": "active",
}


def template_journey() -> Journey | None:
    """The published version of the starter journey, if it is installed."""
    return journey_published(key=template.JOURNEY["key"])


def template_stages(*, journey: Journey | None) -> dict[str, JourneyStage]:
    """The stages of `journey` by slug (none without a journey)."""
    return {stage.slug: stage for stage in journey_stages(journey=journey)} if journey else {}


def template_signal_rules(*, stages: dict[str, JourneyStage]) -> list[SignalRule]:
    """The template's rules on `stages`, unsaved; rules whose stage is missing are left out."""
    rules = []
    for kind, url, slug, weight, half_life, cap, repeat, window in template.SIGNAL_RULES:
        if slug in stages:
            rules.append(
                SignalRule(
                    kind=kind,
                    url_pattern=url,
                    journey_stage=stages[slug],
                    weight=Decimal(weight),
                    half_life_days=half_life,
                    cap=Decimal(cap) if cap is not None else None,
                    repeat_count=repeat,
                    repeat_window_days=window,
                )
            )
    return rules


def _missing_rule_stages(*, stages: dict[str, JourneyStage]) -> list[str]:
    """Stage slugs the template's rules need that `stages` does not have."""
    return sorted({rule[2] for rule in template.SIGNAL_RULES} - stages.keys())


def kit_parts_in_place() -> dict[str, bool]:
    """Which parts of the kit the database already has something of (the kit's or its own)."""
    return {
        "journey": template_journey() is not None,
        "pipeline stages": pipeline_stage_list().exists(),
        "signal rules": signal_rule_list().exists(),
        "scoring settings": scoring_settings_saved(),
        "nurture sequences": sequence_list().exists(),
        "title rules": title_rules_exist(),
    }


# -- resetting the signal rules ---------------------------------------------------------------


def _rule_key(rule: SignalRule) -> tuple:
    return (rule.kind, rule.url_pattern, rule.journey_stage_id, rule.repeat_count)


@dataclass(frozen=True)
class RuleRestore:
    rule: SignalRule  # as saved now
    template: SignalRule
    changes: list[str]  # "weight 4.00 → 3.00"

    def __str__(self) -> str:
        return f"{self.rule}: {'; '.join(self.changes)}"


@dataclass(frozen=True)
class RulesResetPlan:
    journey: Journey
    added: list[SignalRule]  # unsaved template rules
    restored: list[RuleRestore]
    removed: list[SignalRule]
    unchanged: list[SignalRule]
    missing_stages: list[str]

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.restored or self.removed)

    @property
    def unchanged_count(self) -> int:
        return len(self.unchanged)


def _shown(value) -> str:
    return "—" if value is None else str(value)


def signal_rules_reset_plan() -> RulesResetPlan:
    """What resetting the signal rules to the template would do: the template's rules on the
    published starter journey are added or restored (weight, half-life, cap, window, active),
    and every other rule is removed."""
    journey = template_journey()
    if journey is None:
        message = (
            "The starter journey is not installed: run `manage.py install_starter_kit` first, "
            "then reset the rules."
        )
        raise ApplicationError(message, fields={"journey": [message]})
    stages = template_stages(journey=journey)
    wanted = {_rule_key(rule): rule for rule in template_signal_rules(stages=stages)}
    restored, removed, unchanged = [], [], []
    for rule in signal_rule_list():
        model = wanted.pop(_rule_key(rule), None)
        if model is None:
            removed.append(rule)
            continue
        changes = [
            f"{label} {_shown(getattr(rule, name))} → {_shown(getattr(model, name))}"
            for name, label in RESTORED_FIELDS.items()
            if getattr(rule, name) != getattr(model, name)
        ]
        if changes:
            restored.append(RuleRestore(rule=rule, template=model, changes=changes))
        else:
            unchanged.append(rule)
    return RulesResetPlan(
        journey=journey,
        added=list(wanted.values()),
        restored=restored,
        removed=removed,
        unchanged=unchanged,
        missing_stages=_missing_rule_stages(stages=stages),
    )


# -- resetting a journey ----------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyResetPlan:
    journey: Journey  # the published version the draft starts from
    next_version: int
    stages: list[dict]  # the template's stages, parents first
    transitions: int
    kpis: int
    dropped_stages: list[JourneyStage]  # of the published version, no template stage by slug
    playbook_cells: int  # of the published version, not carried into the draft


def journey_reset_plan(*, journey: Journey) -> JourneyResetPlan:
    """What resetting `journey` to the template would do; refused unless it is the published
    version and no draft of it is under way (the reset starts that draft)."""
    versions = journey_versions(journey=journey)  # newest first
    if journey.status != Journey.Status.PUBLISHED:
        message = "Reset the published version: the reset starts a new draft from it."
        raise ApplicationError(message, fields={"status": [message]})
    if draft := next((v for v in versions if v.is_draft), None):
        message = (
            f"Version {draft.version} is already a draft of this journey: publish or delete it "
            "before resetting to the template."
        )
        raise ApplicationError(message, fields={"status": [message]})
    slugs = {spec["slug"] for spec in template.STAGES}
    current = journey_stages(journey=journey)
    return JourneyResetPlan(
        journey=journey,
        next_version=versions[0].version + 1,
        stages=list(template.STAGES),
        transitions=len(template.TRANSITIONS),
        kpis=sum(len(kpis) for kpis in template.STAGE_KPIS.values()),
        dropped_stages=[stage for stage in current if stage.slug not in slugs],
        playbook_cells=journey.stages.aggregate(cells=Count("playbook_cells"))["cells"],
    )
