"""A rule of the SQL engine: one SELECT over `events` (and the small input tables it names)
yielding FINDING_COLUMNS."""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    name: str
    sql: str
