"""How much input a configuration may hold before it is refused as not a configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024
    max_depth: int = 64
    # Counted after YAML aliases are expanded, so an alias bomb is refused before it is walked.
    max_values: int = 100_000


DEFAULT_LIMITS = Limits()
