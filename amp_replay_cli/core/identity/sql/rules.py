"""A rule of the SQL engine: one SELECT over `events` (and its input tables) yielding
FINDING_COLUMNS in order."""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    name: str
    sql: str
