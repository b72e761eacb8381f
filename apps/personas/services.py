from django.db import transaction

from apps.core.deletion import record_archive, record_restore
from apps.core.services import model_create, model_update
from apps.personas.models import Persona, TitleRule

PERSONA_FIELDS = [
    "name",
    "buying_role",
    "summary",
    "priorities",
    "pain_points",
    "decision_criteria",
    "objections",
]


@transaction.atomic
def persona_create(*, data: dict) -> Persona:
    return model_create(model=Persona, data=data)


@transaction.atomic
def persona_update(*, persona: Persona, data: dict) -> Persona:
    return model_update(instance=persona, fields=PERSONA_FIELDS, data=data)[0]


@transaction.atomic
def persona_archive(*, persona: Persona, by) -> Persona:
    """Take a persona out of pickers and the journey map's rows; contacts, assets and playbook
    cells keep their link to it, and it comes back with them when restored."""
    return record_archive(instance=persona, by=by)


@transaction.atomic
def persona_restore(*, persona: Persona) -> Persona:
    return record_restore(instance=persona)


@transaction.atomic
def persona_delete(*, persona: Persona) -> None:
    """Remove a persona; its contacts keep their records without one."""
    persona.delete()


@transaction.atomic
def title_rule_create(*, data: dict) -> TitleRule:
    return model_create(model=TitleRule, data=data)


@transaction.atomic
def title_rule_update(*, rule: TitleRule, data: dict) -> TitleRule:
    return model_update(
        instance=rule,
        fields=["pattern", "persona", "buying_role", "seniority", "position"],
        data=data,
    )[0]
