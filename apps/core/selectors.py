"""Reads shared by every app: a record's audit trail as a marketer reads it."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone

from apps.core.audit import AuditPath

# Bookkeeping every write touches: listing it would only hide what changed.
_HIDDEN_FIELDS = {"id", "created_at", "updated_at"}
_LONGEST_VALUE = 120
_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: Any
    path: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)


def record_history(*, record: models.Model, limit: int = 20) -> list[HistoryEntry]:
    """The latest `limit` writes of `record`, newest first, each with the fields it changed
    (old → new, by their labels; linked records by name). Saves that changed no shown field
    are left out. Queries: one for the trail, one per kind of linked record it names."""
    history = record.history.model
    rows = list(
        record.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    fields = [f for f in history.tracked_fields if f.name not in _HIDDEN_FIELDS]
    names = _linked_names(rows, fields)
    entries = []
    for index, row in enumerate(rows[:limit]):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        if row.history_type == "~" and previous is not None:
            changes = [
                FieldChange(
                    str(f.verbose_name).capitalize(),
                    _shown(previous, f, names),
                    _shown(row, f, names),
                )
                for f in fields
                if getattr(previous, f.attname) != getattr(row, f.attname)
            ]
            if not changes:
                continue
        entries.append(
            HistoryEntry(
                at=row.history_date,
                user=row.history_user,
                path=AuditPath(row.path).label,
                action=_ACTIONS[row.history_type],
                changes=changes,
            )
        )
    return entries


def _linked_names(rows: list, fields: list) -> dict[tuple[type, Any], str]:
    """The names of the records the trail links to, one query per kind of record."""
    wanted: dict[type, set] = defaultdict(set)
    for f in fields:
        if f.is_relation:
            wanted[f.related_model].update(
                value for row in rows if (value := getattr(row, f.attname)) is not None
            )
    names = {}
    for model, ids in wanted.items():
        # A tree node's name includes its parent's (a sub-stage: "Consideration → Research").
        parents = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is model
        ]
        for linked in model._default_manager.select_related(*parents).filter(pk__in=ids):
            names[model, linked.pk] = str(linked)
    return names


def _shown(row: Any, f: models.Field, names: dict) -> str:
    value = getattr(row, f.attname)
    if value is None or value == "":
        return "—"
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value} (deleted)")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    text = str(value)
    return text if len(text) <= _LONGEST_VALUE else text[: _LONGEST_VALUE - 1] + "…"
