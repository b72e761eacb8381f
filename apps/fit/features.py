"""The attributes a fit model learns from and how a learned model scores a record: plain Python
on column values (no scikit-learn), shared by training, applying and the explanations.

A model is a JSON document: `base`, the log-odds of winning for the typical example, and per
attribute the weight of each value, centred so that the training examples' average weight is 0.
A record's log-odds is `base` + the weights of its values; its fit is 100 × the logistic of
that. A value the model did not learn (new, or pooled as too rare) weighs what the pooled
"Other" level weighed, else 0: the typical example's.

Contributions split a fit's distance from the base fit (the typical example's) among the
attributes in proportion to their weights, along the logistic between the two log-odds, so
they add up to the fit exactly and keep each weight's sign.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.personas.models import BuyingRole, Seniority

UNKNOWN = "unknown"
OTHER = "other"

# (upper bound inclusive or None, label)
EMPLOYEE_BANDS: tuple[tuple[int | None, str], ...] = (
    (50, "1–50"),
    (200, "51–200"),
    (1_000, "201–1000"),
    (5_000, "1001–5000"),
    (None, "5001+"),
)
REVENUE_BANDS: tuple[tuple[int | None, str], ...] = (
    (1_000_000, "under $1M"),
    (10_000_000, "$1M–10M"),
    (50_000_000, "$10M–50M"),
    (250_000_000, "$50M–250M"),
    (1_000_000_000, "$250M–1B"),
    (None, "over $1B"),
)


def band(value: int | float | Decimal | None, bands: tuple[tuple[int | None, str], ...]) -> str:
    if value is None:
        return UNKNOWN
    for limit, label in bands:
        if limit is None or value <= limit:
            return label
    raise AssertionError("the last band is open-ended")


def _text(value: str | None) -> str:
    value = (value or "").strip()
    return value if value else UNKNOWN


@dataclass(frozen=True)
class Attribute:
    name: str
    label: str  # as a marketer reads it: "Industry: Software"
    value: Callable[[Mapping[str, Any]], str]
    shows_band: bool = False  # "Employees 201–1000", "Tier 1" read better without a colon


ACCOUNT_COLUMNS = ("id", "industry", "region", "tier", "employee_count", "annual_revenue")
PERSON_COLUMNS = ("id", "account_id", "persona_id", "buying_role", "seniority")

ACCOUNT_ATTRIBUTES = (
    Attribute("industry", "Industry", lambda r: _text(r["industry"])),
    Attribute("region", "Region", lambda r: _text(r["region"])),
    Attribute("tier", "Tier", lambda r: str(r["tier"]) if r["tier"] else UNKNOWN, shows_band=True),
    Attribute(
        "employees",
        "Employees",
        lambda r: band(r["employee_count"], EMPLOYEE_BANDS),
        shows_band=True,
    ),
    Attribute(
        "revenue",
        "Revenue",
        lambda r: band(r["annual_revenue"], REVENUE_BANDS),
        shows_band=True,
    ),
)
PERSON_ATTRIBUTES = (
    Attribute(
        "persona",
        "Persona",
        lambda r: str(r["persona_id"]) if r["persona_id"] else UNKNOWN,
    ),
    Attribute("buying_role", "Buying role", lambda r: r["buying_role"] or UNKNOWN),
    Attribute("seniority", "Seniority", lambda r: r["seniority"] or UNKNOWN),
)
CHOICE_LABELS = {
    "buying_role": dict(BuyingRole.choices),
    "seniority": dict(Seniority.choices),
}


def level_label(attribute: str, level: str, persona_names: Mapping[str, str]) -> str:
    """How a learned value reads on a page: "Software", "1" (tier), "VP", "not known"."""
    if level in (UNKNOWN, OTHER):
        return "not known" if level == UNKNOWN else "other values"
    if attribute == "persona":
        return persona_names.get(level, f"persona #{level}")
    return CHOICE_LABELS.get(attribute, {}).get(level, level)


def logistic(log_odds: float) -> float:
    if log_odds < -700:
        return 0.0
    return 1.0 / (1.0 + math.exp(-log_odds))


def weight_of(levels: Mapping[str, float], value: str) -> tuple[str, float]:
    """The level a value counts as and its weight."""
    if value in levels:
        return value, levels[value]
    if value != UNKNOWN and OTHER in levels:
        return OTHER, levels[OTHER]
    return value, 0.0


@dataclass(frozen=True)
class Contribution:
    attribute: str
    label: str  # "Industry: Software"
    level: str
    points: float


@dataclass(frozen=True)
class Explained:
    fit: float  # 0–100, not rounded
    base: float  # the typical example's fit
    contributions: list[Contribution]


def attributes_of(kind: str) -> tuple[Attribute, ...]:
    return ACCOUNT_ATTRIBUTES if kind == "account" else PERSON_ATTRIBUTES


def values_of(row: Mapping[str, Any], kind: str) -> dict[str, str]:
    return {a.name: a.value(row) for a in attributes_of(kind)}


def fit_of(model: Mapping[str, Any], values: Mapping[str, str]) -> float:
    """0–100, not rounded."""
    log_odds = model["base"] + sum(
        weight_of(model["weights"].get(name, {}), value)[1] for name, value in values.items()
    )
    return 100 * logistic(log_odds)


def explain(
    model: Mapping[str, Any], values: Mapping[str, str], kind: str, persona_names: Mapping
) -> Explained:
    base = model["base"]
    weights = []
    for attribute in attributes_of(kind):
        level, weight = weight_of(model["weights"].get(attribute.name, {}), values[attribute.name])
        shown = level_label(attribute.name, level, persona_names)
        label = (
            f"{attribute.label} {shown}" if attribute.shows_band else f"{attribute.label}: {shown}"
        )
        weights.append((attribute.name, label, level, weight))
    total = sum(w for *_, w in weights)
    fit, base_fit = 100 * logistic(base + total), 100 * logistic(base)
    # Points per unit of log-odds between the typical example and this one (the slope where
    # they coincide).
    p = logistic(base)
    slope = (fit - base_fit) / total if abs(total) > 1e-9 else 100 * p * (1 - p)
    return Explained(
        fit=fit,
        base=base_fit,
        contributions=[
            Contribution(attribute=name, label=label, level=level, points=slope * weight)
            for name, label, level, weight in weights
        ],
    )


def level_points(model: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Each learned value's points for a typical example (the model page's table)."""
    p = logistic(model["base"])
    slope = 100 * p * (1 - p)
    return {
        name: {level: slope * weight for level, weight in levels.items()}
        for name, levels in model["weights"].items()
    }
