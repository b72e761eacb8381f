"""Which A/B variant of an email step each enrolment gets.

The choice is a hash of the enrolment and the step, not a random draw: a step tried again after
a crash (or after the mail server was down) sends the same variant, so the email with its
per-enrolment Message-ID is the same email. Over many enrolments the hash spreads them across
the variants in proportion to their weights. Changing the weights mid-test changes the share of
the sends still to come, which is what the marketer asked for.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from itertools import accumulate

from apps.nurture.models import StepVariant


@dataclass(frozen=True)
class VariantDraw:
    """The active variants of one step (or its winner alone), ready to choose from."""

    variants: tuple[StepVariant, ...]
    bounds: tuple[int, ...]  # running total of the weights

    @classmethod
    def of(cls, variants: Iterable[StepVariant], *, winner_id: int | None) -> "VariantDraw":
        chosen = [v for v in variants if v.pk == winner_id] if winner_id else []
        chosen = chosen or sorted((v for v in variants if v.is_active), key=lambda v: v.label)
        return cls(tuple(chosen), tuple(accumulate(v.weight for v in chosen)))

    def pick(self, *, enrollment_id: int, step_id: int) -> StepVariant | None:
        """The variant this enrolment gets at this step; None when there is none to send."""
        if not self.variants:
            return None
        slot = _stable_hash(enrollment_id, step_id) % self.bounds[-1]
        return self.variants[bisect_right(self.bounds, slot)]


def _stable_hash(enrollment_id: int, step_id: int) -> int:
    """The same number for the same pair in every process (unlike `hash()`), well spread."""
    key = f"{enrollment_id}:{step_id}".encode()
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "big")
