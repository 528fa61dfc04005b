"""Fault injection: a seeded share of requests fail, before anything is applied.

Kinds: 429 (with Retry-After), 500, 502, 503, 504, reset (the connection is dropped without a
response), slow (the reply comes after the client's timeout, then as a 504) and 413 (the WAF's
"Payload exceeds" body). The same seed and the same order of requests give the same faults.
These faulted requests never change the store. The real service differs there: Amplitude
documents that a 500, 502 or 504 (and a slow request) may have been applied anyway; only its 503
and 429 are known to have ingested nothing. That costly case is `ack-lost`, chosen only when
named in `kinds`: the request is applied, then the connection drops before the answer, so the
client cannot know and sends it again (at-least-once delivery).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("429", "500", "502", "503", "504", "reset", "slow", "413")  # the default mix
ACK_LOST = "ack-lost"  # applied, then no answer: only when asked for by name


class ResetConnection(Exception):
    """Raised by the app to make the server drop the connection without a response."""


@dataclass
class FaultPlan:
    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    slow_seconds: float = 15.0
    retry_after_seconds: int = 1
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        known = (*KINDS, ACK_LOST)
        unknown = set(self.kinds) - set(known)
        if unknown:
            raise ValueError(
                f"unknown fault kinds: {', '.join(sorted(unknown))} (known: {', '.join(known)})"
            )
        self._random = random.Random(self.seed)

    def pick(self) -> str | None:
        """The fault for the next request, or None."""
        if self.rate <= 0 or not self.kinds:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            return self._random.choice(self.kinds)
