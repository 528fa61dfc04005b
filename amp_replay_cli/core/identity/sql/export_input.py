"""The `export_rows` input table: the Amplitude export rows a Segment event can be matched to
(sql/event_rules.AGAINST_EXPORT), built from the export diagnose read
(identity/inputs.AmplitudeExport).

One row per export row that some key reaches: its (event type, time, user) key when it is the
first row of that key, its replay id when it is the first row of that replay id. The rule still
takes the first row (by line) of each key, so a table with every export row gives the same
matches.
"""

from __future__ import annotations

from typing import Any

import duckdb

from amp_replay_cli.core.identity.inputs import AmplitudeExport, ExportRow
from amp_replay_cli.core.identity.sql.relation import json_text

EXPORT_COLUMNS: dict[str, str] = {
    "file": "VARCHAR",
    "line": "BIGINT",
    "device_id": "JSON",
    "has_replay_property": "BOOLEAN",
    # The (event type, time, user) key, when the row has one that a Segment event can carry:
    # an event type that is text or absent, and a time.
    "keyed": "BOOLEAN",
    "event_type": "VARCHAR",
    "time_ms": "BIGINT",
    "user_id": "JSON",
    "replay_id": "VARCHAR",
}


def load_export(
    connection: duckdb.DuckDBPyConnection, export: AmplitudeExport, name: str = "export_rows"
) -> None:
    columns = ", ".join(f"{column} {kind}" for column, kind in EXPORT_COLUMNS.items())
    connection.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    rows: dict[int, dict[str, Any]] = {}
    for (event_type, time_ms, user_id), record in export.by_key.items():
        row = _row(rows, record)
        # An event's Amplitude event type is text (or absent); another value matches none.
        row["keyed"] = event_type is None or isinstance(event_type, str)
        row.update(event_type=event_type if row["keyed"] else None, time_ms=time_ms)
        row["user_id"] = json_text(user_id)
    for replay_id, record in export.by_replay_id.items():
        _row(rows, record)["replay_id"] = replay_id
    if rows:
        marks = ", ".join("?" for _ in EXPORT_COLUMNS)
        connection.executemany(
            f"INSERT INTO {name} VALUES ({marks})",
            [[row.get(column) for column in EXPORT_COLUMNS] for row in rows.values()],
        )


def _row(rows: dict[int, dict[str, Any]], record: ExportRow) -> dict[str, Any]:
    """The table row of an export row, made at its first key."""
    row = rows.get(id(record))
    if row is None:
        row = rows[id(record)] = {
            "file": record.file,
            "line": record.line,
            "device_id": json_text(record.device_id),
            "has_replay_property": record.has_replay_property,
            "keyed": False,
        }
    return row
