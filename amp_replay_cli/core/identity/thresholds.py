"""The limits the identity rules apply; the defaults are those of spec/identity/IDENTITY.md §5."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    min_id_length: int = 5
    session_timeout_ms: int = 30 * 60 * 1000
    skew_threshold_ms: int = 60 * 1000
    session_start_tolerance_ms: int = 10 * 1000
    late_delivery_ms: int = 5 * 60 * 1000
