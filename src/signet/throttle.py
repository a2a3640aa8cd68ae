"""Per-access-key request rate limits: a token bucket for each key.

Each server process keeps its own buckets, so with N workers or N nodes a key may make
up to N times the configured rate; the limit protects the service from one runaway
client, it is not an exact quota. Buckets of keys not seen for a while are dropped.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

MAX_TRACKED_KEYS = 100_000


class RateLimiter:
    """Allows ``rate`` requests a second per key, with bursts of up to ``burst``."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Take one token from the key's bucket; False when it is empty."""
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > MAX_TRACKED_KEYS:
            self._buckets.popitem(last=False)
        return allowed
