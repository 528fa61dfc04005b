"""Dashboard REST endpoints (Basic auth): usersearch, useractivity, events/segmentation.

Enough of each for what `check` and people ask (spec/api/APIS.md §2): find a user, page
through their events, count an event type for a user or a device, optionally grouped by an
event property. Days are UTC.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

from amp_replay_cli.emulator.store import Store

Reply = tuple[int, Any]
MAX_ACTIVITY_LIMIT = 1000


def _event_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _canonical(store: Store, amplitude_id: int) -> int | None:
    rows = store.query(
        "SELECT canonical_id FROM amplitude_ids WHERE amplitude_id = ?", (amplitude_id,)
    )
    return rows[0]["canonical_id"] if rows else None


def usersearch(store: Store, project: int, query: dict[str, str]) -> Reply:
    value = query.get("user")
    if not value:
        return 400, {"error": "Missing required parameter: user"}
    matches: dict[int, dict[str, Any]] = {}
    kind = "nomatch"
    if value.isdigit() and _canonical(store, int(value)) is not None:
        kind = "match_amplitude_id"
        _add_match(store, project, matches, _canonical(store, int(value)))
    else:
        rows = store.query(
            "SELECT amplitude_id FROM users WHERE project_id = ? AND user_id = ? UNION "
            "SELECT amplitude_id FROM devices WHERE project_id = ? AND device_id = ?",
            (project, value, project, value),
        )
        if rows:
            kind = "match_user_or_device_id"
        else:
            rows = store.query(
                "SELECT amplitude_id FROM users "
                "WHERE project_id = ? AND user_id LIKE ? ESCAPE '\\' "
                "ORDER BY user_id LIMIT 20",
                (project, _like_prefix(value)),
            )
            kind = "match_user_prefix" if rows else "nomatch"
        for row in rows:
            _add_match(store, project, matches, _canonical(store, row["amplitude_id"]))
    return 200, {"type": kind, "matches": list(matches.values())}


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _add_match(
    store: Store, project: int, matches: dict[int, dict[str, Any]], canonical: int | None
) -> None:
    if canonical is None or canonical in matches:
        return
    owner = store.query("SELECT user_id FROM amplitude_ids WHERE amplitude_id = ?", (canonical,))
    last = store.query(
        "SELECT e.device_id, e.time_ms "
        "FROM events e JOIN amplitude_ids a ON a.amplitude_id = e.amplitude_id "
        "WHERE e.project_id = ? AND a.canonical_id = ? ORDER BY e.time_ms DESC LIMIT 1",
        (project, canonical),
    )
    matches[canonical] = {
        "user_id": owner[0]["user_id"] if owner else None,
        "amplitude_id": canonical,
        "last_device_id": last[0]["device_id"] if last else None,
        "platform": "Web",
        "last_seen": _event_time(last[0]["time_ms"])[:10] if last else None,
    }


def useractivity(store: Store, project: int, query: dict[str, str]) -> Reply:
    value = query.get("user", "")
    if not value.isdigit():
        return 400, {"error": "user must be an Amplitude ID (use usersearch to find it)"}
    canonical = _canonical(store, int(value))
    if canonical is None:
        return 400, {"error": f"Unknown Amplitude ID {value}"}
    try:
        offset = int(query.get("offset", "0"))
        limit = min(int(query.get("limit", str(MAX_ACTIVITY_LIMIT))), MAX_ACTIVITY_LIMIT)
    except ValueError:
        return 400, {"error": "offset and limit must be integers"}
    direction = "ASC" if query.get("direction") == "earliest" else "DESC"
    rows = store.query(
        "SELECT e.* FROM events e JOIN amplitude_ids a ON a.amplitude_id = e.amplitude_id "
        "WHERE e.project_id = ? AND a.canonical_id = ? "
        f"ORDER BY e.time_ms {direction}, e.id {direction} "
        "LIMIT ? OFFSET ?",
        (project, canonical, limit, max(0, offset)),
    )
    totals = store.query(
        "SELECT COUNT(*) AS events, "
        "COUNT(DISTINCT CASE WHEN e.session_id > 0 THEN e.session_id END) AS sessions, "
        "MIN(e.time_ms) AS first, MAX(e.time_ms) AS last FROM events e JOIN amplitude_ids a "
        "ON a.amplitude_id = e.amplitude_id WHERE e.project_id = ? AND a.canonical_id = ?",
        (project, canonical),
    )[0]
    devices = [
        row["device_id"]
        for row in store.query(
            "SELECT DISTINCT d.device_id "
            "FROM devices d JOIN amplitude_ids a ON a.amplitude_id = d.amplitude_id "
            "WHERE d.project_id = ? AND a.canonical_id = ? ORDER BY d.device_id",
            (project, canonical),
        )
    ]
    merged = [
        row["amplitude_id"]
        for row in store.query(
            "SELECT amplitude_id FROM amplitude_ids WHERE canonical_id = ? AND amplitude_id != ?",
            (canonical, canonical),
        )
    ]
    owner = store.query("SELECT user_id FROM amplitude_ids WHERE amplitude_id = ?", (canonical,))[
        0
    ]["user_id"]
    user_data = {
        "user_id": owner,
        "canonical_amplitude_id": canonical,
        "merged_amplitude_ids": merged,
        "num_events": totals["events"],
        "num_sessions": totals["sessions"],
        "first_used": _event_time(totals["first"])[:10] if totals["first"] is not None else None,
        "last_used": _event_time(totals["last"])[:10] if totals["last"] is not None else None,
        "device_ids": devices,
        "platform": "Web",
    }
    return 200, {"userData": user_data, "events": [_activity_event(row) for row in rows]}


def _activity_event(row: sqlite3.Row) -> dict[str, Any]:
    document = json.loads(row["document"])
    return {
        "event_type": row["event_type"],
        "event_time": _event_time(row["time_ms"]),
        "client_event_time": _event_time(row["time_ms"]),
        "server_upload_time": _event_time(row["server_upload_ms"]),
        "user_id": row["user_id"],
        "device_id": row["device_id"],
        "session_id": row["session_id"],
        "amplitude_id": row["amplitude_id"],
        "uuid": row["uuid"],
        "$insert_id": row["insert_id"],
        "event_properties": json.loads(row["event_properties"]),
        "user_properties": document.get("user_properties") or {},
        "platform": document.get("platform"),
    }


# -- segmentation -----------------------------------------------------------------------------
_OPERATORS = {
    "is": lambda value, wanted: value in wanted,
    "is not": lambda value, wanted: value not in wanted,
    "contains": lambda value, wanted: any(item in value for item in wanted),
    "does not contain": lambda value, wanted: not any(item in value for item in wanted),
}


def segmentation(store: Store, project: int, query: dict[str, str]) -> Reply:
    try:
        event = json.loads(query.get("e", ""))
        segments = json.loads(query.get("s", "[]"))
    except json.JSONDecodeError:
        return 400, {"error": "e and s must be JSON"}
    if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
        return 400, {"error": "e needs an event_type"}
    try:
        start = datetime.strptime(query["start"], "%Y%m%d").replace(tzinfo=timezone.utc)
        end = datetime.strptime(query["end"], "%Y%m%d").replace(tzinfo=timezone.utc)
    except (KeyError, ValueError):
        return 400, {"error": "start and end are required, as YYYYMMDD"}
    if end < start:
        return 400, {"error": "end is before start"}
    # No event is dated after today: a far end (99991231) would list millions of empty days.
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = min(start, today), min(end, today)
    metric = query.get("m", "uniques")
    if metric not in ("totals", "uniques") or query.get("i", "1") != "1":
        return 400, {"error": "the emulator serves m=totals|uniques with daily intervals (i=1)"}
    days = [
        (start + timedelta(days=offset)).strftime("%Y-%m-%d")
        for offset in range((end - start).days + 1)
    ]
    low = int(start.timestamp() * 1000)
    high = int((end + timedelta(days=1)).timestamp() * 1000)
    sql = (
        "SELECT e.*, a.canonical_id "
        "FROM events e JOIN amplitude_ids a ON a.amplitude_id = e.amplitude_id "
        "WHERE e.project_id = ? AND e.time_ms >= ? AND e.time_ms < ?"
    )
    parameters: list[Any] = [project, low, high]
    if event["event_type"] not in ("_all", "_active"):
        sql += " AND e.event_type = ?"
        parameters.append(event["event_type"])
    group_by = (event.get("group_by") or [{}])[0].get("value") if event.get("group_by") else None
    # label -> day -> the user (canonical Amplitude id) of each matching event
    series: dict[str, dict[str, list[int]]] = {}
    for row in store.query(sql, tuple(parameters)):
        properties = json.loads(row["event_properties"])
        if not _passes(row, properties, event.get("filters") or [], segments):
            continue
        label = str(properties.get(group_by, "(none)")) if group_by else event["event_type"]
        day = _event_time(row["time_ms"])[:10]
        series.setdefault(label, {}).setdefault(day, []).append(row["canonical_id"])

    def measure(users: list[int]) -> int:
        return len(set(users)) if metric == "uniques" else len(users)

    labels = sorted(series)[: int(query.get("limit", "100"))]
    values = [[measure(series[label].get(day, [])) for day in days] for label in labels]
    # As Amplitude documents it: the collapsed value counts unique users, whatever the metric.
    collapsed = [
        [{"value": len({user for users in series[label].values() for user in users})}]
        for label in labels
    ]
    return 200, {
        "data": {
            "series": values,
            "seriesLabels": labels,
            "seriesCollapsed": collapsed,
            "xValues": days,
        }
    }


def _passes(row: sqlite3.Row, properties: dict, filters: list, segments: list) -> bool:
    for item in filters:
        if not isinstance(item, dict):
            continue
        operator = _OPERATORS.get(item.get("subprop_op", "is"))
        key = item.get("subprop_key")
        wanted = [str(value) for value in item.get("subprop_value", [])]
        value = _user_field(row, key) if item.get("subprop_type") == "user" else properties.get(key)
        if operator is None or value is None or not operator(str(value), wanted):
            return False
    for item in segments if isinstance(segments, list) else []:
        if not isinstance(item, dict) or "prop" not in item:
            continue
        operator = _OPERATORS.get(item.get("op", "is"))
        value = _user_field(row, item["prop"])
        wanted = [str(value) for value in item.get("values", [])]
        if operator is None or value is None or not operator(str(value), wanted):
            return False
    return True


def _user_field(row: sqlite3.Row, key: str | None) -> Any:
    fields = {
        "user_id": row["user_id"],
        "device_id": row["device_id"],
        "amplitude_id": row["canonical_id"],
        "platform": "Web",
    }
    return fields.get((key or "").removeprefix("gp:"))
