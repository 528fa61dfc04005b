"""The two relations every part of the SQL engine agrees on.

`events`: one row per delivered-once Segment event (duplicates by messageId already dropped),
one column per field of the per-event model the SQL is tested against (tests/oracle/model.py's
Event), plus `seq` (reading order) and the derived `order_ms` and `amplitude_event_type`.
Values that may be any JSON value in the input are JSON columns holding the value's JSON text
(SQL NULL when the key is absent or null).

`findings`: one row per finding the rules produce, before Python words it.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

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


def create_events_table(connection: duckdb.DuckDBPyConnection, name: str = "events") -> None:
    columns = ", ".join(f"{column} {kind}" for column, kind in EVENT_COLUMNS.items())
    connection.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")


def json_text(value: Any) -> str | None:
    """A JSON column's text: None for null or absent. A double beyond range (`1e400`) is
    written as json_ready writes it (the text "Infinity"): JSON has no such number."""
    if value is None:
        return None
    return json.dumps(json_ready(value), ensure_ascii=False, separators=(",", ":"))
