"""What the machine running amp-replay has, for engines that size themselves to it."""

from __future__ import annotations

import os

FALLBACK_MEMORY_BYTES = 2 << 30  # when the machine does not say how much it has


def physical_memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX
        return FALLBACK_MEMORY_BYTES
