"""Waiting on workers by their progress: a slow machine is fine, a stuck one fails."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# How long nothing may move before a wait gives up.
STALL_SECONDS = 90


def wait_for_progress(
    progress: Callable[[], T],
    done: Callable[[T], bool],
    *,
    every: Callable[[], None] | None = None,
    stall_seconds: float = STALL_SECONDS,
) -> T:
    """Poll `progress()` until `done(value)`; fail only when the value stays the same for
    `stall_seconds`. `every` runs each few seconds meanwhile (a beat, say)."""
    value = progress()
    moved = beat = time.monotonic()
    while not done(value):
        time.sleep(0.2)
        now = time.monotonic()
        if every is not None and now - beat > 4:
            every()
            beat = now
        latest = progress()
        if latest != value:
            value, moved = latest, now
        elif now - moved > stall_seconds:
            raise AssertionError(f"no progress for {stall_seconds:.0f} s (stuck at {value!r})")
    return value
