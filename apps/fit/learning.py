"""Fitting a fit model with scikit-learn: imported by the training service only (a worker or
the command), never on a page.

Each attribute's values become one-hot columns (not known is a value of its own; values seen
on fewer than `MIN_LEVEL_EXAMPLES` examples are pooled as "other"), and an L2-regularised
logistic regression learns won (1) against lost (0). The weights are then centred per
attribute on the training examples' average, with the intercept taking up the difference, so
that a weight reads as "this value against the typical example" (apps/fit/features.py).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from apps.fit.features import OTHER, UNKNOWN

MIN_LEVEL_EXAMPLES = 3
# Inverse strength of the L2 penalty: with a few dozen closed accounts, weights stay modest.
REGULARISATION_C = 1.0
FOLDS = 5


@dataclass(frozen=True)
class Learned:
    model: dict  # {"base": …, "weights": {attribute: {level: weight}}, "counts": …}
    auc: float | None
    validation: str


def _levels(values: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    """The levels kept, and every value's count; rare known values pool into "other"."""
    counts = Counter(values)
    kept = sorted(v for v, n in counts.items() if n >= MIN_LEVEL_EXAMPLES or v == UNKNOWN)
    if any(v not in kept for v in counts):
        kept.append(OTHER)
    return kept, counts


def learn(
    examples: Sequence[dict[str, str]], won: Sequence[int], attributes: Sequence[str]
) -> Learned:
    """Examples are {attribute: value}; `won` 1 or 0 for each."""
    columns: list[tuple[str, str]] = []
    counts: dict[str, dict[str, int]] = {}
    for name in attributes:
        kept, seen = _levels([e[name] for e in examples])
        columns += [(name, level) for level in kept]
        pooled = Counter()
        for value, n in seen.items():
            pooled[value if value in kept else OTHER] += n
        counts[name] = dict(pooled)
    index = {column: i for i, column in enumerate(columns)}
    x = np.zeros((len(examples), len(columns)))
    for row, example in enumerate(examples):
        for name in attributes:
            value = example[name]
            x[row, index.get((name, value), index.get((name, OTHER)))] = 1.0
    y = np.asarray(won)
    regression = LogisticRegression(C=REGULARISATION_C, max_iter=1_000)
    regression.fit(x, y)
    weights: dict[str, dict[str, float]] = {name: {} for name in attributes}
    for (name, level), coefficient in zip(columns, regression.coef_[0], strict=True):
        weights[name][level] = float(coefficient)
    base = float(regression.intercept_[0])
    total = len(examples)
    for name, levels in weights.items():
        mean = sum(w * counts[name].get(level, 0) for level, w in levels.items()) / total
        weights[name] = {level: w - mean for level, w in levels.items()}
        base += mean
    auc, validation = _validate(x, y)
    return Learned(
        model={"base": base, "weights": weights, "counts": counts}, auc=auc, validation=validation
    )


def _validate(x: np.ndarray, y: np.ndarray) -> tuple[float | None, str]:
    """ROC AUC of predictions each made by a model that did not see the example."""
    folds = min(FOLDS, int(y.sum()), int(len(y) - y.sum()))
    if folds < 2:
        return None, ""
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    predicted = cross_val_predict(
        LogisticRegression(C=REGULARISATION_C, max_iter=1_000),
        x,
        y,
        cv=split,
        method="predict_proba",
    )[:, 1]
    return float(roc_auc_score(y, predicted)), f"{folds}-fold cross-validation"
