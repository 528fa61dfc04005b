"""Python's cyclic garbage collector, paused around work that makes many objects in no cycle."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block, then as it was. Each collection walks every
    object the process holds, and allocating triggers one every few hundred objects: making a
    million objects that hold no cycle (parsed events, findings) pays for walking them again and
    again. Paused, they are walked once, at the first collection after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
