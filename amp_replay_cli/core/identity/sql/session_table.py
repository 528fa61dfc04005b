"""`result.sessions` of diagnose (identity/session_rows.py) as one SELECT over `events`, the
`findings` relation (each session's codes and worst severity) and the replay list."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from amp_replay_cli.core.findings import CLEAN_RANK, Severity
from amp_replay_cli.core.identity.events import NO_SESSION
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

# Ids are turned into text once per session and distinct value, not once per event.
SESSION_ROWS = f"""
WITH amplitude AS (
    SELECT dest_device, dest_session, seq, file, line, replay_id, user_id
    FROM events
    WHERE {AMPLITUDE_EVENT}
),
sessions AS (
    SELECT dest_device, dest_session, count(*) AS events,
        count(replay_id) AS with_property,
        arg_min(file, seq) AS file,
        arg_min(line, seq) AS first_line,
        {python_str("dest_device")} || '/' || CAST(dest_session AS VARCHAR) AS own_replay_id
    FROM amplitude
    GROUP BY dest_device, dest_session
),
session_users AS (
    SELECT dest_device, dest_session, list(DISTINCT user_text ORDER BY user_text) AS user_ids
    FROM (
        SELECT dest_device, dest_session, {id_text("user_id")} AS user_text
        FROM amplitude
        WHERE user_id IS NOT NULL
        GROUP BY dest_device, dest_session, user_id
    ) AS users
    GROUP BY dest_device, dest_session
),
session_replays AS (
    SELECT dest_device, dest_session, replay_id
    FROM amplitude
    WHERE replay_id IS NOT NULL
    GROUP BY dest_device, dest_session, replay_id
),
replay_lists AS (
    SELECT dest_device, dest_session, list(replay_id ORDER BY replay_id) AS replay_ids
    FROM session_replays
    GROUP BY dest_device, dest_session
),
verdicts AS (
    SELECT f.device_id, f.session_id, min({_RANK}) AS worst_rank,
        list(DISTINCT f.code ORDER BY f.code) AS codes
    FROM findings AS f
    WHERE f.session_id IS NOT NULL
    GROUP BY f.device_id, f.session_id
)
SELECT s.dest_device AS device_id, s.dest_session AS session_id, u.user_ids, s.events,
    s.with_property AS events_with_replay_id, rl.replay_ids,
    COALESCE(s.dest_session <> {NO_SESSION} AND own.replay_id IS NOT NULL
        AND (l.name IS NULL OR r.replay_id IS NOT NULL), FALSE) AS linked,
    {_WORST.replace("worst_rank", "v.worst_rank")} AS worst, v.codes, s.file, s.first_line
FROM sessions AS s
LEFT JOIN session_users AS u ON u.dest_device = s.dest_device AND u.dest_session = s.dest_session
LEFT JOIN replay_lists AS rl
    ON rl.dest_device = s.dest_device AND rl.dest_session = s.dest_session
LEFT JOIN session_replays AS own
    ON own.dest_device = s.dest_device AND own.dest_session = s.dest_session
    AND own.replay_id = s.own_replay_id
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
    rows = [dict(zip(columns, values, strict=True)) for values in result.fetchall()]
    # Every device id read by one call, as the members of one array: the values json.loads
    # gives each, without a call per session.
    devices = json.loads("[" + ",".join(row["device_id"] for row in rows) + "]")
    for row, device in zip(rows, devices, strict=True):
        row["device_id"] = device
        for name in _LISTS:
            row[name] = row[name] or []
    return rows
