"""The records of the SQL engine: a rule, and what the warehouse runs instead of a Python UDF."""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    """One SELECT over `events` (and the rule's input tables) yielding FINDING_COLUMNS."""

    name: str
    sql: str


class UdfFallback(NamedTuple):
    """What the warehouse runs instead of a Python UDF of the local engine: a DuckDB expression
    over the call's arguments {0}, {1}, …, covering the common forms (the others give NULL)."""

    name: str
    sql: str
    covers: str  # written in the query's comment, so whoever runs it knows what differs
