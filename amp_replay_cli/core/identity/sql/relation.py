"""The two relations every part of the SQL engine agrees on.

`events`: one row per delivered-once Segment event (duplicates by messageId already dropped),
one column per field of `identity.events.Event`, plus `seq` (reading order) and the derived
`order_ms` and `amplitude_event_type`. Values that may be any JSON value in the input are JSON
columns holding the value's JSON text (SQL NULL when the key is absent or null).

`findings`: one row per finding the rules produce, before Python words it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import duckdb

from amp_replay_cli.core.identity.events import Event
from amp_replay_cli.core.identity.inputs import key_text
from amp_replay_cli.core.jsvalues import json_ready

EVENT_COLUMNS: dict[str, str] = {
    "seq": "BIGINT",  # reading order over all inputs, 0-based: the tie-break of every ordering
    "file": "VARCHAR",
    "line": "BIGINT",
    "message_id": "VARCHAR",
    "type": "VARCHAR",
    "name": "JSON",
    "user_id": "JSON",
    "anonymous_id": "JSON",
    "context_device_id": "JSON",
    "has_context_device_id": "BOOLEAN",
    "session_raw": "JSON",
    "has_session": "BOOLEAN",
    "integrations_all_false": "BOOLEAN",
    "is_browser": "BOOLEAN",
    "library_version": "VARCHAR",
    "page_url": "VARCHAR",
    "client_ms": "BIGINT",
    "timestamp_ms": "BIGINT",
    "sent_ms": "BIGINT",
    "received_ms": "BIGINT",
    "network_key": "VARCHAR",
    "has_replay_property": "BOOLEAN",
    "replay_value": "JSON",
    "debug_value": "JSON",
    "dest_device": "JSON",
    "dest_user": "JSON",
    "dest_session": "BIGINT",
    "rp_device": "VARCHAR",
    "rp_session": "HUGEINT",
    "replay_problem": "VARCHAR",
    "replay_id": "VARCHAR",
    "products": "INTEGER",
    "undelivered_code": "VARCHAR",
    "undelivered_reason": "VARCHAR",
    "order_ms": "BIGINT",
    "amplitude_event_type": "VARCHAR",
}

FINDING_COLUMNS: dict[str, str] = {
    "code": "VARCHAR",  # a code of core/codes.py
    "severity": "VARCHAR",  # error | warning | info
    "variant": "VARCHAR",  # which wording of the code's message, when it has several
    "seq": "BIGINT",  # the event it points at (NULL: none); orders the findings
    "file": "VARCHAR",
    "line": "BIGINT",
    "message_id": "VARCHAR",
    "device_id": "JSON",  # the Amplitude session the finding counts towards (NULL: none)
    "session_id": "BIGINT",
    "details": "JSON",  # every value the message and the evidence need, as a JSON object
}


ROWS_PER_INSERT = 256


def create_events_table(connection: duckdb.DuckDBPyConnection, name: str = "events") -> None:
    columns = ", ".join(f"{column} {kind}" for column, kind in EVENT_COLUMNS.items())
    connection.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")


def load_python_events(
    connection: duckdb.DuckDBPyConnection, events: Iterable[Event], name: str = "events"
) -> None:
    """The `events` relation built from the Python model: what the SQL normalisation must
    reproduce, and the input the rules are tested on."""
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


def json_text(value: Any) -> str | None:
    """A JSON column's text: None for null or absent. A double beyond range (`1e400`) is
    written as json_ready writes it (the text "Infinity"): JSON has no such number."""
    if value is None:
        return None
    return json.dumps(json_ready(value), ensure_ascii=False, separators=(",", ":"))
