import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Count, QuerySet

from apps.personas.models import Persona, TitleRule


def persona_ids_by_name() -> dict[str, int]:
    """Every persona's id under its lower-cased name (names are unique whatever the case)."""
    return {name.lower(): pk for pk, name in Persona.objects.values_list("pk", "name")}


def title_rules_exist() -> bool:
    return TitleRule.objects.exists()


class TitleMatch(NamedTuple):
    persona_id: int | None
    buying_role: str
    seniority: str


def title_rule_matcher() -> Callable[[str], TitleMatch]:
    """A function from a job title to what the title rules give it, each matched as whole
    words, case-insensitively: the persona and buying role of the first rule that matches and
    sets either, the seniority of the first that matches and sets one; (None, "", "") when
    none does.

    The rules are read once; titles repeat, so answers are cached.
    """
    rules = [
        (
            re.compile(rf"\b(?:{rule.pattern})\b", re.IGNORECASE),
            rule.persona_id,
            rule.buying_role,
            rule.seniority,
        )
        for rule in TitleRule.objects.order_by("position", "pk")
    ]

    @lru_cache(maxsize=10_000)
    def match(title: str) -> TitleMatch:
        found = [rule for rule in rules if rule[0].search(title)]
        persona, role = next(((p, r) for _, p, r, _ in found if p or r), (None, ""))
        seniority = next((s for *_, s in found if s), "")
        return TitleMatch(persona, role, seniority)

    return match


def persona_list(*, archived: bool = False) -> QuerySet[Persona]:
    """Active personas (or the archived ones) with how many contacts and assets each has."""
    personas = Persona.objects.archived() if archived else Persona.objects.active()
    return personas.annotate(
        contact_count=Count("contacts", distinct=True),
        asset_count=Count("assets", distinct=True),
    ).order_by("name")


def persona_archive_impact(*, persona: Persona) -> dict[str, int]:
    """What keeps pointing at a persona about to be archived."""
    counts = {
        "contacts keep it as their persona": persona.contacts.count(),
        "assets keep it among the personas they serve": persona.assets.count(),
        "journey map cells keep their entries for it": persona.playbook_cells.count(),
    }
    return {name: count for name, count in counts.items() if count}
