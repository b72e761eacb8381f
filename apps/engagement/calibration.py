"""Calibration: signal weights, half-lives and the stage threshold learned from what buyers
went on to do, proposed as a new rule set for a marketer to review.

This module holds what a calibration gives back; `calibrate` (the fitting itself) lands with
the learning code.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class History:
    """What a calibration learns from: buyers scored at `cutoffs` moments spread evenly from
    `start` to `end`, each labelled by whether the `outcome` (a `Backtest.Outcome` value)
    followed within `horizon_days`. The later cutoffs are held out to validate."""

    start: datetime
    end: datetime
    horizon_days: int
    outcome: str
    cutoffs: int = 6


@dataclass(frozen=True)
class RuleProposal:
    """One signal rule, as it is and as the calibration proposes it, with the why."""

    rule_id: int
    label: str
    old_weight: float
    new_weight: float
    old_half_life_days: float
    new_half_life_days: float
    old_cap: float | None
    new_cap: float | None
    # How much more likely the outcome is per typical event of this rule (an odds ratio)
    # with its 90 % interval; None when too few events to tell.
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    events: int
    reason: str


@dataclass(frozen=True)
class CalibrationResult:
    """The proposal: every active rule's new numbers, the stage threshold, and the figures
    that back them (examples, positives, validation AUCs per scorer, stage agreement)."""

    rules: tuple[RuleProposal, ...]
    old_threshold: float
    new_threshold: float
    threshold_reason: str
    metrics: dict = field(default_factory=dict)
