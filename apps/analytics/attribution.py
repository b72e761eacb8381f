"""Multi-touch attribution: the models, computed with numpy over extracted paths.

A *path* is what led to one conversion (an opportunity created, or one won) or to none (see
`apps/analytics/attribution_paths.py` for how paths are read from the database): its touches in
time order, each naming one *state* of the dimension attributed (a campaign, a channel or an
asset; code 0 is "none", e.g. a touch not linked to any campaign). Every model gives each touch
of a converting path a share of the path's value; the shares of one path add up to 1, so the
credits of one opportunity add up to its value (its amount, or 1 when counting opportunities).

- first touch, last touch, linear;
- U-shaped: 40 % first, 40 % last, 20 % spread over the touches between (one touch: all of it;
  two: half each);
- W-shaped: 30 % each to the first touch, the lead-creation touch (the last touch at or before
  the account's first MQL/MQA in the window) and the opportunity-creation touch (the last touch
  at or before the deal was opened), 10 % spread over the others. Where key touches coincide
  they add up; where one is missing (no MQL in the window) or no touch is left to spread over,
  the shares present are scaled to add up to 1;
- time decay: each touch weighs 2^(−age / half-life), its age counted back from the
  conversion; scaled to add up to 1;
- data-driven: a first-order Markov chain over all paths, converting and not (start → states →
  conversion or null), gives each state's *removal effect*: the share of conversions lost when
  the state is taken out of the chain (its transitions sent to null). Each converting path's
  value is then split over the states it visited in proportion to their removal effects (a
  state visited twice gets its share once, split over its two touches); a path whose states all
  have no effect is split linearly.

Everything here is vectorised over all touches at once: no Python loop per path or touch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

DAY_SECONDS = 86_400.0

FIRST_TOUCH = "first_touch"
LAST_TOUCH = "last_touch"
LINEAR = "linear"
U_SHAPED = "u_shaped"
W_SHAPED = "w_shaped"
TIME_DECAY = "time_decay"
DATA_DRIVEN = "data_driven"

MODELS = (FIRST_TOUCH, LAST_TOUCH, LINEAR, U_SHAPED, W_SHAPED, TIME_DECAY, DATA_DRIVEN)
MODEL_LABELS = {
    FIRST_TOUCH: "First touch",
    LAST_TOUCH: "Last touch",
    LINEAR: "Linear",
    U_SHAPED: "U-shaped",
    W_SHAPED: "W-shaped",
    TIME_DECAY: "Time decay",
    DATA_DRIVEN: "Data-driven (Markov)",
}


@dataclass(frozen=True)
class Paths:
    """Touches of many paths, sorted by (path, time). Per touch: `path` (0..paths−1), `at`
    (seconds since the epoch). Per path: `value`, `converted`, `converted_at`,
    `lead_at` (first MQL/MQA, NaN when none) and `opened_at` (the deal's creation)."""

    path: np.ndarray
    at: np.ndarray
    value: np.ndarray
    converted: np.ndarray
    converted_at: np.ndarray
    lead_at: np.ndarray
    opened_at: np.ndarray

    @classmethod
    def build(
        cls,
        *,
        path: np.ndarray,
        at: np.ndarray,
        value: np.ndarray,
        converted: np.ndarray,
        converted_at: np.ndarray,
        lead_at: np.ndarray | None = None,
        opened_at: np.ndarray | None = None,
    ) -> Paths:
        count = len(value)
        return cls(
            path=np.asarray(path, dtype=np.int64),
            at=np.asarray(at, dtype=np.float64),
            value=np.asarray(value, dtype=np.float64),
            converted=np.asarray(converted, dtype=bool),
            converted_at=np.asarray(converted_at, dtype=np.float64),
            lead_at=np.full(count, np.nan) if lead_at is None else np.asarray(lead_at, float),
            opened_at=(
                np.asarray(converted_at, float)
                if opened_at is None
                else np.asarray(opened_at, float)
            ),
        )

    @property
    def count(self) -> int:
        return len(self.value)


class _Shape:
    """Per-touch positions within their paths, shared by the position-based models."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        touches = len(paths.path)
        self.length = np.bincount(paths.path, minlength=paths.count)
        self.start = np.concatenate(([0], np.cumsum(self.length)[:-1])).astype(np.int64)
        self.n = self.length[paths.path]
        self.i = np.arange(touches, dtype=np.int64) - self.start[paths.path]
        self.first = self.i == 0
        self.last = self.i == self.n - 1

    def per_path_sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.paths.path, weights=weights, minlength=self.paths.count)

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Scale each path's weights to add up to 1 (a path of zeros is split linearly)."""
        total = self.per_path_sum(raw)[self.paths.path]
        return np.where(total > 0, raw / np.where(total > 0, total, 1), 1.0 / self.n)

    def last_index_by(self, moments: np.ndarray) -> np.ndarray:
        """Per path, the position of its last touch at or before `moments[path]` (−1: none)."""
        paths = self.paths
        before = paths.at <= moments[paths.path]
        index = np.full(paths.count, -1, dtype=np.int64)
        # Touches are sorted by time within a path: the greatest position that is `before`.
        np.maximum.at(index, paths.path[before], self.i[before])
        return index


def _first(shape: _Shape) -> np.ndarray:
    return shape.first.astype(np.float64)


def _last(shape: _Shape) -> np.ndarray:
    return shape.last.astype(np.float64)


def _linear(shape: _Shape) -> np.ndarray:
    return 1.0 / shape.n


def _u_shaped(shape: _Shape) -> np.ndarray:
    n = shape.n
    ends = shape.first | shape.last
    middle = np.where(n > 2, 0.2 / np.maximum(n - 2, 1), 0.0)
    weights = np.where(ends, np.where(n > 2, 0.4, 1.0 / n), middle)
    return weights


def _w_shaped(shape: _Shape) -> np.ndarray:
    paths = shape.paths
    lead = shape.last_index_by(np.nan_to_num(paths.lead_at, nan=-np.inf))[paths.path]
    opened = shape.last_index_by(paths.opened_at)[paths.path]
    key_lead = shape.i == lead
    key_opened = shape.i == opened
    raw = 0.3 * shape.first + 0.3 * key_lead + 0.3 * key_opened
    others = ~(shape.first | key_lead | key_opened)
    spread = shape.per_path_sum(others.astype(np.float64))[paths.path]
    raw = raw + np.where(others, 0.1 / np.maximum(spread, 1), 0.0)
    return shape.normalise(raw)


def _time_decay(shape: _Shape, *, half_life_days: float) -> np.ndarray:
    paths = shape.paths
    age = (paths.converted_at[paths.path] - paths.at) / DAY_SECONDS
    return shape.normalise(np.exp2(-np.maximum(age, 0.0) / half_life_days))


def removal_effects(
    paths: Paths, states: np.ndarray, *, state_count: int, shape: _Shape | None = None
) -> np.ndarray:
    """Each state's removal effect in a first-order Markov chain over every path.

    Chain nodes: 0 start, 1..state_count (state s is node s + 1), then conversion and null.
    With Q the transitions among start and states, N = (I − Q)⁻¹ and p the probability of
    converting from each node, removing state s (its inflow sent to null) leaves
    p_start − N[start, s] / N[s, s] · p[s]: the conversions that never pass through s. The
    effect is the share lost, N[start, s] · p[s] / (N[s, s] · p_start).
    """
    shape = shape or _Shape(paths)
    nodes = state_count + 1  # start + states; conversion and null follow
    conversion, null = nodes, nodes + 1
    state_node = states.astype(np.int64) + 1
    previous = np.where(shape.first, 0, np.roll(state_node, 1))
    ends = np.where(paths.converted, conversion, null)
    # Every touch is entered from its predecessor (or start); the last one leads to the end.
    # A path without touches goes from start straight to its end.
    untouched = np.flatnonzero(shape.length == 0)
    source = np.concatenate((previous, state_node[shape.last], np.zeros(len(untouched), int)))
    target = np.concatenate((state_node, ends[paths.path[shape.last]], ends[untouched]))
    size = nodes + 2
    counts = np.bincount(source * size + target, minlength=size * size).reshape(size, size)
    counts = counts[:nodes].astype(np.float64)
    out = counts.sum(axis=1, keepdims=True)
    probability = np.divide(counts, out, out=np.zeros_like(counts), where=out > 0)
    q = probability[:, :nodes]
    r = probability[:, conversion]
    # A few hundred states: one BLAS thread is fastest, and threads fighting over a busy
    # machine's cores made this ten times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        fundamental = np.linalg.inv(np.eye(nodes) - q)
    p = fundamental @ r
    if p[0] <= 0:
        return np.zeros(state_count + 1)
    node = np.arange(1, nodes)
    effect = fundamental[0, node] * p[node] / (np.diag(fundamental)[node] * p[0])
    # Index by state code (code 0 is a state too: "none").
    return np.clip(effect, 0.0, 1.0)


def _data_driven(shape: _Shape, states: np.ndarray, effects: np.ndarray) -> np.ndarray:
    paths = shape.paths
    # A state visited k times in a path gets its effect once, split over its k touches. The
    # touches come sorted by path: a stable sort of (path, state) only sorts within each path,
    # several times faster than `np.unique`'s.
    key = paths.path * (len(effects) + 1) + states
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.concatenate((starts, [len(key)])))
    visits = np.empty(len(key), dtype=np.int64)
    visits[order] = np.repeat(counts, counts)
    return shape.normalise(effects[states] / visits)


def _credited(paths: Paths) -> tuple[np.ndarray, Paths]:
    """The touches of converting paths (the only ones credited: a non-converting path is
    worth nothing, and half the touches are on one for the Markov chain), as paths of their
    own: (which touches, those paths)."""
    touched = paths.converted[paths.path]
    renumbered = np.cumsum(paths.converted) - 1
    kept = paths.converted
    return touched, Paths(
        path=renumbered[paths.path[touched]],
        at=paths.at[touched],
        value=paths.value[kept],
        converted=paths.converted[kept],
        converted_at=paths.converted_at[kept],
        lead_at=paths.lead_at[kept],
        opened_at=paths.opened_at[kept],
    )


def attribute(
    paths: Paths,
    states: np.ndarray,
    *,
    state_count: int,
    half_life_days: float = 7.0,
    models: tuple[str, ...] = MODELS,
    shared: dict | None = None,
) -> dict[str, np.ndarray]:
    """Credit per state (index = state code, 0..state_count−1) for each model: the sum over
    converting paths of value × the touch's share. Paths without touches credit nobody.

    `shared`: a dict kept across calls on the same paths with other states (campaigns, then
    channels, then assets): what does not depend on the states (the paths' shapes, each
    position model's credit per touch) is computed once and kept in it."""
    states = np.asarray(states, dtype=np.int64)
    shared = {} if shared is None else shared
    if "shape" not in shared:
        touched, credited = _credited(paths)
        shared["shape"] = _Shape(paths)
        shared["touched"], shared["credited"] = touched, _Shape(credited)
        shared["touch_value"] = credited.value[credited.path]
    credited, touch_value = shared["credited"], shared["touch_value"]
    credited_states = states[shared["touched"]]
    result: dict[str, np.ndarray] = {}
    for model in models:
        if model == DATA_DRIVEN:
            effects = removal_effects(paths, states, state_count=state_count, shape=shared["shape"])
            credit = _data_driven(credited, credited_states, effects) * touch_value
        elif (model, half_life_days) in shared:
            credit = shared[model, half_life_days]
        else:
            share = _position_share(credited, model, half_life_days=half_life_days)
            credit = shared[model, half_life_days] = share * touch_value
        result[model] = np.bincount(credited_states, weights=credit, minlength=state_count)
    return result


def _position_share(shape: _Shape, model: str, *, half_life_days: float) -> np.ndarray:
    if model == TIME_DECAY:
        return _time_decay(shape, half_life_days=half_life_days)
    if model not in _BY_POSITION:
        raise ValueError(f"Unknown attribution model {model!r}; use one of {MODELS}.")
    return _BY_POSITION[model](shape)


_BY_POSITION = {
    FIRST_TOUCH: _first,
    LAST_TOUCH: _last,
    LINEAR: _linear,
    U_SHAPED: _u_shaped,
    W_SHAPED: _w_shaped,
}


def touch_shares(
    paths: Paths, states: np.ndarray, *, model: str, state_count: int, **kw
) -> np.ndarray:
    """Each touch's share of its path's value under one model (for tests and explanations)."""
    states = np.asarray(states, dtype=np.int64)
    shape = _Shape(paths)
    if model == DATA_DRIVEN:
        return _data_driven(shape, states, removal_effects(paths, states, state_count=state_count))
    return _position_share(shape, model, half_life_days=kw.get("half_life_days", 7.0))
