import re
from collections.abc import Callable
from functools import lru_cache

from apps.personas.models import Persona, TitleRule


def persona_ids_by_name() -> dict[str, int]:
    """Every persona's id under its lower-cased name (names are unique whatever the case)."""
    return {name.lower(): pk for pk, name in Persona.objects.values_list("pk", "name")}


def title_rule_matcher() -> Callable[[str], tuple[int | None, str]]:
    """A function from a job title to the (persona id, buying role) of the first title rule that
    matches it as whole words, case-insensitively; (None, "") when none does.

    The rules are read once; titles repeat, so answers are cached.
    """
    rules = [
        (re.compile(rf"\b(?:{rule.pattern})\b", re.IGNORECASE), rule.persona_id, rule.buying_role)
        for rule in TitleRule.objects.order_by("position", "pk")
    ]

    @lru_cache(maxsize=10_000)
    def match(title: str) -> tuple[int | None, str]:
        for pattern, persona_id, buying_role in rules:
            if pattern.search(title):
                return persona_id, buying_role
        return None, ""

    return match
