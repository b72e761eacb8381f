"""Merge fields in step subjects and bodies: `Hello {{ contact.first_name }}`.

A deliberately small language, not Django templates: marketers write these, so a template can
reach only the values listed here (never an arbitrary attribute of a model), and rendering is a
string join, cheap enough for the dispatcher's hot loop.
"""

import re
from dataclasses import dataclass

MERGE_FIELDS: dict[str, str] = {
    "contact.first_name": "The contact's first name",
    "contact.last_name": "The contact's last name",
    "contact.title": "The contact's job title",
    "account.name": "The contact's company",
    "opportunity.name": "The deal the contact was enrolled for (may be empty)",
    "owner.first_name": "The deal owner's first name",
    "owner.full_name": "The deal owner's full name",
    "asset.title": "The step's content asset: its title",
    "asset.url": "The step's content asset: its link",
}
ASSET_FIELDS = {"asset.title", "asset.url"}

_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_STRAY = re.compile(r"\{\{|\}\}|\{%|%\}")


def merge_field_errors(text: str, *, has_asset: bool) -> list[str]:
    """What is wrong with the merge fields of `text`; empty when it can be rendered."""
    errors = []
    for name in dict.fromkeys(_FIELD.findall(text)):
        if name not in MERGE_FIELDS:
            known = ", ".join(f"{{{{ {field} }}}}" for field in MERGE_FIELDS)
            errors.append(f"Unknown merge field {{{{ {name} }}}}. Known fields: {known}.")
        elif name in ASSET_FIELDS and not has_asset:
            errors.append(f"{{{{ {name} }}}} needs a content asset on this step.")
    if _STRAY.search(_FIELD.sub("", text)):
        errors.append("Write merge fields as {{ contact.first_name }}; nothing else in braces.")
    return errors


@dataclass(frozen=True)
class MergeTemplate:
    """A checked template split once into literal text and field names, rendered many times."""

    parts: tuple[str, ...]  # literal, field, literal, field, …, literal

    @classmethod
    def compile(cls, text: str) -> "MergeTemplate":
        return cls(tuple(_FIELD.split(text)))

    def render(self, values: dict[str, str]) -> str:
        return "".join(
            part if i % 2 == 0 else values.get(part, "") for i, part in enumerate(self.parts)
        )
