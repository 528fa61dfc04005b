"""A set of 64-bit fingerprints at 8 bytes each: millions of messageIds without millions of
objects."""

from __future__ import annotations

import bisect
from array import array


class Fingerprints:
    """Remembers hashes; `add` says whether one was already there.

    New hashes go to a small Python set; when it fills up it is merged into a sorted array,
    which is searched by bisection. A Python set costs about 60 bytes an entry, this 8.
    """

    __slots__ = ("_limit", "_recent", "_sorted")

    def __init__(self, recent_limit: int = 1 << 16):
        self._recent: set[int] = set()
        self._sorted = array("q")
        self._limit = recent_limit

    def add(self, fingerprint: int) -> bool:
        """Record `fingerprint`; True when it had been recorded before."""
        if fingerprint in self._recent:
            return True
        stored = self._sorted
        index = bisect.bisect_left(stored, fingerprint)
        if index < len(stored) and stored[index] == fingerprint:
            return True
        self._recent.add(fingerprint)
        if len(self._recent) >= self._limit:
            self._sorted = array("q", sorted([*stored, *self._recent]))
            self._recent.clear()
            # Merge less often as the array grows, so merging stays O(n log n) overall.
            self._limit = max(self._limit, len(self._sorted) // 4)
        return False

    def __len__(self) -> int:
        return len(self._recent) + len(self._sorted)
