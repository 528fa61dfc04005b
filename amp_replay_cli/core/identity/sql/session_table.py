"""`result.sessions` of diagnose (identity/session_rows.py) as one SELECT over `events`, the
`findings` relation (each session's codes and worst severity) and the replay list."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import NO_SESSION
from amp_replay_cli.core.identity.session_rows import CLEAN_RANK
from amp_replay_cli.core.identity.sql.expressions import (
    AMPLITUDE_EVENT,
    id_text,
    python_str,
    quoted,
)

_RANK = (
    "CASE severity " + " ".join(f"WHEN {quoted(s.value)} THEN {s.rank}" for s in Severity) + " END"
)
_WORST = (
    "CASE worst_rank "
    + " ".join(f"WHEN {s.rank} THEN {quoted(s.value)}" for s in Severity)
    + " END"
)

SESSION_ROWS = f"""
WITH amplitude AS (
    SELECT dest_device, dest_session, seq, file, line, replay_id,
        {id_text("user_id")} AS user_text,
        {python_str("dest_device")} || '/' || CAST(dest_session AS VARCHAR) AS own_replay_id
    FROM events
    WHERE {AMPLITUDE_EVENT}
),
sessions AS (
    SELECT dest_device, dest_session,
        list(DISTINCT user_text ORDER BY user_text) FILTER (WHERE user_text IS NOT NULL)
            AS user_ids,
        count(*) AS events,
        count(replay_id) AS with_property,
        list(DISTINCT replay_id ORDER BY replay_id) FILTER (WHERE replay_id IS NOT NULL)
            AS replay_ids,
        bool_or(replay_id = own_replay_id) AS carries_own,
        min(own_replay_id) AS own_replay_id,
        arg_min(file, seq) AS file,
        arg_min(line, seq) AS first_line
    FROM amplitude
    GROUP BY dest_device, dest_session
),
verdicts AS (
    SELECT f.device_id, f.session_id, min({_RANK}) AS worst_rank,
        list(DISTINCT f.code ORDER BY f.code) AS codes
    FROM findings AS f
    WHERE f.session_id IS NOT NULL
    GROUP BY f.device_id, f.session_id
)
SELECT s.dest_device AS device_id, s.dest_session AS session_id, s.user_ids, s.events,
    s.with_property AS events_with_replay_id, s.replay_ids,
    COALESCE(s.dest_session <> {NO_SESSION} AND s.carries_own
        AND (l.name IS NULL OR r.replay_id IS NOT NULL), FALSE) AS linked,
    {_WORST.replace("worst_rank", "v.worst_rank")} AS worst, v.codes, s.file, s.first_line
FROM sessions AS s
LEFT JOIN verdicts AS v ON v.device_id = s.dest_device AND v.session_id = s.dest_session
LEFT JOIN replay_list AS l ON TRUE
LEFT JOIN replays AS r ON r.replay_id = s.own_replay_id
ORDER BY COALESCE(v.worst_rank, {CLEAN_RANK}), s.file, s.first_line
"""

_LISTS = ("user_ids", "replay_ids", "codes")


def session_rows(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows session_rows.session_rows gives, worst session first."""
    result = connection.execute(SESSION_ROWS)
    columns = [column[0] for column in result.description]
    return [_row(dict(zip(columns, values, strict=True))) for values in result.fetchall()]


def _row(row: dict[str, Any]) -> dict[str, Any]:
    row["device_id"] = json.loads(row["device_id"])
    for name in _LISTS:
        row[name] = row[name] or []
    return row
