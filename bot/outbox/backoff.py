"""How long to wait before trying again: exponential, jittered, and polite to Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

#: Doubling stops here: beyond it every attempt waits `cap` anyway.
MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Backoff:
    """Attempt n waits a random time between half and all of `base`·2^(n-1), at most `cap`.

    The jitter keeps many replicas (or many queued messages) from retrying in step after
    an outage. A server's Retry-After is a floor, itself capped by `longest_retry_after`
    so that a mistaken header cannot park a message for days."""

    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)
    longest_retry_after: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> timedelta:
        ceiling = min(self.cap, self.base * 2 ** min(max(attempt, 1) - 1, MAX_DOUBLINGS))
        wait = ceiling * rng.uniform(0.5, 1.0)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(timedelta(seconds=retry_after), self.longest_retry_after))
        return wait
