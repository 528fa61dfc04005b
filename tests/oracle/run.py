"""The oracle fed as diagnose read its inputs, and the same events as the `events` relation the
SQL rules run on: what the differential tests (tests/test_sql_*.py, tests/sql_differential.py)
compare."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

from amp_replay_cli.core.identity.inputs import key_text
from amp_replay_cli.core.identity.sql.relation import EVENT_COLUMNS, create_events_table, json_text
from tests.oracle.analysis import Analysis
from tests.oracle.model import Event

ROWS_PER_INSERT = 256


def analyse(analysis: Analysis, events: Sequence[Event]) -> Analysis:
    """Feed every event, then every event again if the analysis asks for a second pass (lines
    too far out of order), then finish."""
    for event in events:
        analysis.add(event)
    recheck = analysis.second_pass()
    if recheck is not None:
        for event in events:
            recheck.add(event)
    analysis.finish()
    return analysis


def delivered_once(events: Iterable[Event]) -> list[Event]:
    """The events of the `events` relation: duplicates by messageId dropped, as Analysis drops
    them."""
    seen: set[str] = set()
    kept = []
    for event in events:
        if event.message_id is not None:
            if event.message_id in seen:
                continue
            seen.add(event.message_id)
        kept.append(event)
    return kept


def load_python_events(
    connection: duckdb.DuckDBPyConnection, events: Iterable[Event], name: str = "events"
) -> None:
    """The `events` relation built from the model: what the SQL normalisation must reproduce,
    and the input the rules are tested on."""
    create_events_table(connection, name)
    rows = [_row(seq, event) for seq, event in enumerate(events)]
    row_marks = "(" + ", ".join("?" for _ in EVENT_COLUMNS) + ")"
    # Many rows per statement: DuckDB runs executemany one statement per row, 100 times slower.
    for start in range(0, len(rows), ROWS_PER_INSERT):
        batch = rows[start : start + ROWS_PER_INSERT]
        marks = ", ".join(row_marks for _ in batch)
        connection.execute(
            f"INSERT INTO {name} VALUES {marks}", [value for row in batch for value in row]
        )


def _row(seq: int, event: Event) -> list[Any]:
    values: dict[str, Any] = {"seq": seq}
    for column, kind in EVENT_COLUMNS.items():
        if column == "seq":
            continue
        if column in ("undelivered_code", "undelivered_reason"):
            undelivered = event.undelivered
            field = column.removeprefix("undelivered_")
            values[column] = getattr(undelivered, field) if undelivered else None
            continue
        value = getattr(event, column)
        if kind == "JSON":
            value = json_text(value)
        elif kind == "VARCHAR" and isinstance(value, (list, dict)):
            value = key_text(value)  # a track named by an object: keyed as the export is
        values[column] = value
    return [values[column] for column in EVENT_COLUMNS]
