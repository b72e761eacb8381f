"""The attribution page's numbers: every model side by side for one goal, period and dimension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.conf import settings

from apps.analytics import attribution
from apps.analytics.attribution_paths import (
    ASSET,
    CAMPAIGN,
    CHANNEL,
    CHANNEL_LABELS,
    CHANNELS,
    DIMENSIONS,
    GOALS,
    Extracted,
    Window,
    asset_labels,
    campaign_labels,
    paths_extract,
    state_codes,
)

NONE_LABELS = {
    CAMPAIGN: "No campaign",
    CHANNEL: "No channel",
    ASSET: "No asset",
}


def money(value: float) -> float | int:
    """A credit as the chart, table and CSV show it: to the cent, whole numbers without ".0"."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def default_lookback_days() -> int:
    return int(getattr(settings, "ATTRIBUTION_LOOKBACK_DAYS", 90))


def default_half_life_days() -> float:
    return float(getattr(settings, "ATTRIBUTION_HALF_LIFE_DAYS", 7))


@dataclass(frozen=True)
class Row:
    key: int | str  # campaign or asset id, channel name; 0 / "" for none
    label: str
    credits: dict[str, float]  # model → credit


@dataclass(frozen=True)
class Report:
    goal: str
    dimension: str
    first_day: date
    last_day: date
    lookback_days: int
    half_life_days: float
    rows: list[Row]
    converting_count: int
    converting_value: float
    untouched_count: int
    untouched_value: float
    touches: int
    paths: int

    @property
    def goal_label(self) -> str:
        return GOALS[self.goal]

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS[self.dimension]

    @property
    def models(self) -> list[tuple[str, str]]:
        return [(m, attribution.MODEL_LABELS[m]) for m in attribution.MODELS]

    def total(self, model: str) -> float:
        return sum(row.credits[model] for row in self.rows)


def _states(extracted: Extracted, dimension: str) -> tuple[np.ndarray, list[int | str]]:
    if dimension == CHANNEL:
        return extracted.channel, ["", *CHANNELS]
    ids = extracted.campaign if dimension == CAMPAIGN else extracted.asset
    codes, by_code = state_codes(ids)
    return codes, [int(i) for i in by_code]


def _labels(dimension: str, keys: list[int | str]) -> dict:
    if dimension == CHANNEL:
        return {key: CHANNEL_LABELS.get(key, key) for key in keys}
    names = campaign_labels(keys) if dimension == CAMPAIGN else asset_labels(keys)
    return {key: names.get(key, f"#{key}") for key in keys}


def report_from_paths(
    extracted: Extracted,
    *,
    goal: str,
    dimension: str,
    first_day: date,
    last_day: date,
    lookback_days: int,
    half_life_days: float,
) -> Report:
    states, keys = _states(extracted, dimension)
    credits = attribution.attribute(
        extracted.paths,
        states,
        state_count=len(keys),
        half_life_days=half_life_days,
        shared=extracted.shared,
    )
    labels = _labels(dimension, keys)
    rows = []
    for code, key in enumerate(keys):
        values = {model: float(credit[code]) for model, credit in credits.items()}
        if not any(abs(v) > 1e-9 for v in values.values()):
            continue
        label = NONE_LABELS[dimension] if not key else labels[key]
        rows.append(Row(key=key, label=label, credits=values))
    rows.sort(key=lambda row: (not row.key, -row.credits[attribution.LINEAR], row.label))
    return Report(
        goal=goal,
        dimension=dimension,
        first_day=first_day,
        last_day=last_day,
        lookback_days=lookback_days,
        half_life_days=half_life_days,
        rows=rows,
        converting_count=extracted.converting_count,
        converting_value=extracted.converting_value,
        untouched_count=extracted.untouched_count,
        untouched_value=extracted.untouched_value,
        touches=len(states),
        paths=extracted.paths.count,
    )


def attribution_report(
    *,
    goal: str,
    dimension: str,
    first_day: date,
    last_day: date,
    lookback_days: int | None = None,
    half_life_days: float | None = None,
) -> Report:
    """Credit per campaign, channel or asset under every model, for the goal in the period."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}; use one of {sorted(DIMENSIONS)}.")
    lookback = default_lookback_days() if lookback_days is None else lookback_days
    half_life = default_half_life_days() if half_life_days is None else half_life_days
    extracted = paths_extract(
        goal=goal, window=Window.for_dates(first_day, last_day), lookback_days=lookback
    )
    return report_from_paths(
        extracted,
        goal=goal,
        dimension=dimension,
        first_day=first_day,
        last_day=last_day,
        lookback_days=lookback,
        half_life_days=half_life,
    )


def campaign_attribution(
    *, campaign_id: int, first_day: date, last_day: date
) -> dict[str, dict[str, float]]:
    """For one campaign over its dates: pipeline created and revenue won, each as `influenced`
    (the value of deals with any touch of the campaign in their window) and the credit every
    model gives it."""
    from apps.analytics.attribution_paths import PIPELINE, WON

    lookback = default_lookback_days()
    out = {}
    for goal in (PIPELINE, WON):
        extracted = paths_extract(
            goal=goal, window=Window.for_dates(first_day, last_day), lookback_days=lookback
        )
        paths = extracted.paths
        mine = extracted.campaign == campaign_id
        touched_paths = np.unique(paths.path[mine])
        influenced = paths.value[touched_paths][paths.converted[touched_paths]].sum()
        states = mine.astype(np.int64)  # 1: this campaign, 0: anything else
        credits = attribution.attribute(
            paths, states, state_count=2, half_life_days=default_half_life_days()
        )
        out[goal] = {
            "influenced": float(influenced),
            "deals": int(paths.converted[touched_paths].sum()),
            **{model: float(credit[1]) for model, credit in credits.items()},
        }
    return out
