"""Whether an A/B variant really does better than the others, said plainly.

A two-proportion z-test (pooled): the chance of seeing rates this far apart if the variants were
equally good. The leading variant must beat every other one at 95 % confidence, the threshold
split between the comparisons (Bonferroni), so a test with many variants does not crown a lucky
one. Below `MIN_SENDS` sends per variant no verdict is given: early rates swing too much.
"""

import math
from dataclasses import dataclass

MIN_SENDS = 100
CONFIDENCE = 0.95


def two_proportion_p_value(*, hits_a: int, sent_a: int, hits_b: int, sent_b: int) -> float:
    """Two-sided p-value of the difference between hits_a/sent_a and hits_b/sent_b."""
    pooled = (hits_a + hits_b) / (sent_a + sent_b)
    variance = pooled * (1 - pooled) * (1 / sent_a + 1 / sent_b)
    if variance == 0:  # nobody (or everybody) did it in either variant: no difference
        return 1.0
    z = (hits_a / sent_a - hits_b / sent_b) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class Arm:
    """One variant's numbers on the metric compared."""

    label: str
    sent: int
    hits: int

    @property
    def rate(self) -> float:
        return self.hits / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Verdict:
    text: str
    leader: str | None = None  # the variant that beats every other with confidence


def verdict(arms: list[Arm], *, metric: str) -> Verdict:
    """ "B beats A on clicks (95% confidence)", "No clear difference on clicks yet" or "Not
    enough data yet (…)"; `metric` names what the hits are (clicks, replies, …)."""
    if len(arms) < 2:
        return Verdict("")
    if any(arm.sent < MIN_SENDS for arm in arms):
        return Verdict(f"Not enough data yet (need ≥ {MIN_SENDS} sends each)")
    best = max(arms, key=lambda arm: arm.rate)
    others = [arm for arm in arms if arm is not best]
    threshold = (1 - CONFIDENCE) / len(others)
    beaten = [
        arm
        for arm in others
        if arm.rate < best.rate
        and two_proportion_p_value(
            hits_a=best.hits, sent_a=best.sent, hits_b=arm.hits, sent_b=arm.sent
        )
        < threshold
    ]
    if len(beaten) < len(others):
        return Verdict(f"No clear difference on {metric} yet")
    losers = " and ".join(arm.label for arm in others)
    return Verdict(
        f"{best.label} beats {losers} on {metric} ({CONFIDENCE:.0%} confidence)", best.label
    )
