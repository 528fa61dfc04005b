"""The record every rule module of the SQL engine exposes a list of."""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    """One SELECT over `events` (and the rule's input tables) yielding FINDING_COLUMNS."""

    name: str
    sql: str
