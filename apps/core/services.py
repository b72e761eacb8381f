from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: list[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set the given `fields` found in `data`, validate the whole record, save what changed.

    Many-to-many fields are set after saving. Returns the instance and whether anything changed.
    """
    m2m = {f.name for f in instance._meta.many_to_many}
    changed, m2m_values = [], {}
    for field in fields:
        if field not in data:
            continue
        if field in m2m:
            m2m_values[field] = data[field]
        elif getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        instance.full_clean()
        if "updated_at" in {f.name for f in instance._meta.concrete_fields}:
            changed.append("updated_at")
        instance.save(update_fields=changed)
    for field, value in m2m_values.items():
        getattr(instance, field).set(value)
    return instance, bool(changed or m2m_values)


def model_create(*, model: type[M], data: dict[str, Any]) -> M:
    """Validate and save a new record (constraints included); many-to-many set after saving."""
    m2m = {f.name for f in model._meta.many_to_many}
    instance = model(**{k: v for k, v in data.items() if k not in m2m})
    instance.full_clean()
    instance.save()
    for field in m2m & data.keys():
        getattr(instance, field).set(data[field])
    return instance
