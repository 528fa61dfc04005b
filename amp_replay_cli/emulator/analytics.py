"""HTTP V2 (`/2/httpapi`) and Batch (`/batch`) ingestion, with Amplitude's checks and replies.

Every check runs before anything is stored: a 400, 413 or 429 ingests nothing (spec/api/APIS.md
§1.3, §6.3). Identities resolve the way §4 of IDENTITY.md and APIS.md describe: an event with
both ids ties the device to the user, and a device's earlier anonymous activity joins the user.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amp_replay_cli.core.wire import is_blocked_id
from amp_replay_cli.emulator.store import Store

INSERT_ID_WINDOW_MS = 7 * 86_400_000
THROTTLE_WINDOW_MS = 30_000


@dataclass(frozen=True)
class Endpoint:
    name: str
    max_bytes: int
    max_events: int
    eps_limit: (
        int  # events per second per device or user, averaged over 30 s; 0 turns throttling off
    )


HTTP_API = Endpoint("httpapi", 1_000_000, 2000, 30)
BATCH = Endpoint("batch", 20_000_000, 2000, 1000)

Reply = tuple[int, dict[str, Any]]


class Throttle:
    """Sliding 30-second windows of accepted events per device and per user."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str, str], deque[int]] = {}
        self._lock = threading.Lock()

    def check(
        self, project: int, events: list[dict], endpoint: Endpoint, now_ms: int
    ) -> Reply | None:
        if endpoint.eps_limit <= 0:
            return None
        limit = endpoint.eps_limit * THROTTLE_WINDOW_MS // 1000
        incoming: dict[tuple[str, str, str], list[int]] = {}
        for index, event in enumerate(events):
            for kind in ("device_id", "user_id"):
                if event.get(kind):
                    incoming.setdefault((str(project), kind, str(event[kind])), []).append(index)
        over: dict[tuple[str, str, str], int] = {}
        with self._lock:
            for key, indices in incoming.items():
                window = self._windows.setdefault(key, deque())
                while window and window[0] <= now_ms - THROTTLE_WINDOW_MS:
                    window.popleft()
                if len(window) + len(indices) > limit:
                    over[key] = (len(window) + len(indices)) * 1000 // THROTTLE_WINDOW_MS
            if not over:
                for key, indices in incoming.items():
                    self._windows[key].extend([now_ms] * len(indices))
                return None
        throttled_events = sorted({index for key in over for index in incoming[key]})
        return 429, {
            "code": 429,
            "error": "Too many requests for some devices and users",
            "eps_threshold": endpoint.eps_limit,
            "throttled_devices": {
                key[2]: eps for key, eps in over.items() if key[1] == "device_id"
            },
            "throttled_users": {key[2]: eps for key, eps in over.items() if key[1] == "user_id"},
            "exceeded_daily_quota_users": {},
            "exceeded_daily_quota_devices": {},
            "throttled_events": throttled_events,
        }


class Identities:
    """amplitude_id resolution and merging inside one store transaction."""

    def __init__(self, db: sqlite3.Connection, project: int):
        self.db = db
        self.project = project

    def _one(self, sql: str, parameters: tuple) -> Any:
        row = self.db.execute(sql, parameters).fetchone()
        return row[0] if row else None

    def _canonical(self, amplitude_id: int | None) -> int | None:
        if amplitude_id is None:
            return None
        return self._one(
            "SELECT canonical_id FROM amplitude_ids WHERE amplitude_id = ?", (amplitude_id,)
        )

    def _create(self, user_id: str | None) -> int:
        # Amplitude ids are long integers; start high so they are easy to tell from other numbers.
        amplitude_id = self._one(
            "SELECT COALESCE(MAX(amplitude_id), 100000000000) + 1 FROM amplitude_ids", ()
        )
        self.db.execute(
            "INSERT INTO amplitude_ids (amplitude_id, project_id, canonical_id, user_id) "
            "VALUES (?, ?, ?, ?)",
            (amplitude_id, self.project, amplitude_id, user_id),
        )
        return amplitude_id

    def _owner(self, amplitude_id: int) -> str | None:
        return self._one(
            "SELECT user_id FROM amplitude_ids WHERE amplitude_id = ?", (amplitude_id,)
        )

    def _map_device(self, device_id: str, amplitude_id: int) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO devices (project_id, device_id, amplitude_id) VALUES (?, ?, ?)",
            (self.project, device_id, amplitude_id),
        )

    def _map_user(self, user_id: str, amplitude_id: int) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO users (project_id, user_id, amplitude_id) VALUES (?, ?, ?)",
            (self.project, user_id, amplitude_id),
        )
        self.db.execute(
            "UPDATE amplitude_ids SET user_id = ? WHERE amplitude_id = ? AND user_id IS NULL",
            (user_id, amplitude_id),
        )

    def _merge(self, source: int, target: int) -> None:
        self.db.execute(
            "UPDATE amplitude_ids SET canonical_id = ? WHERE canonical_id = ? AND project_id = ?",
            (target, source, self.project),
        )

    def resolve(self, user_id: str | None, device_id: str | None) -> int:
        device = (
            self._canonical(
                self._one(
                    "SELECT amplitude_id FROM devices WHERE project_id = ? AND device_id = ?",
                    (self.project, device_id),
                )
            )
            if device_id
            else None
        )
        user = (
            self._canonical(
                self._one(
                    "SELECT amplitude_id FROM users WHERE project_id = ? AND user_id = ?",
                    (self.project, user_id),
                )
            )
            if user_id
            else None
        )
        if user_id is None:
            if device is None:
                device = self._create(None)
                self._map_device(device_id, device)  # type: ignore[arg-type]
            return device
        if user is None:
            if device is not None and self._owner(device) is None:
                user = device  # the anonymous device becomes this user
            else:
                user = self._create(user_id)
            self._map_user(user_id, user)
        if device_id is not None:
            if device is None:
                self._map_device(device_id, user)
            elif device != user and self._owner(device) is None:
                self._merge(device, user)  # earlier anonymous activity joins the user
        return user


def ingest(
    store: Store,
    throttle: Throttle,
    endpoint: Endpoint,
    body: bytes,
    now: Callable[[], float] = time.time,
) -> Reply:
    if not body:
        return 400, {"code": 400, "error": "Missing request body"}
    if len(body) > endpoint.max_bytes:
        return 413, {"code": 413, "error": "Payload too large"}
    try:
        request = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return 400, {"code": 400, "error": "Invalid JSON request body"}
    if not isinstance(request, dict):
        return 400, {"code": 400, "error": "Invalid JSON request body"}
    for field in ("api_key", "events"):
        if field not in request:
            return 400, {
                "code": 400,
                "error": "Request missing required field",
                "missing_field": field,
            }
    api_key = request["api_key"]
    project = store.project_by_key(api_key) if isinstance(api_key, str) else None
    if project is None:
        # Amplitude appends the key it was sent; a test double that prints keys back into logs
        # would teach the wrong habit, and clients only read the prefix.
        return 400, {"code": 400, "error": "Invalid API key"}
    events = request["events"]
    if not isinstance(events, list):
        return 400, {
            "code": 400,
            "error": "Invalid event JSON",
            "events_with_invalid_fields": {"events": [0]},
        }
    if len(events) > endpoint.max_events:
        return 413, {"code": 413, "error": "Payload too large"}
    options = request.get("options")
    if not isinstance(options, dict):
        options = {}
    min_id_length = options.get("min_id_length", 5)
    if not isinstance(min_id_length, int) or isinstance(min_id_length, bool) or min_id_length < 1:
        return 400, {
            "code": 400,
            "error": "Invalid field values on some events",
            "events_with_invalid_fields": {"options.min_id_length": [0]},
        }
    problem = _check_events(events, min_id_length)
    if problem is not None:
        return 400, problem
    now_ms = int(now() * 1000)
    throttled = throttle.check(project["id"], events, endpoint, now_ms)
    if throttled is not None:
        return throttled
    with store.transaction() as db:
        identities = Identities(db, project["id"])
        for event in events:
            store_event(db, identities, project["id"], event, now_ms)
    return 200, {
        "code": 200,
        "events_ingested": len(events),
        "payload_size_bytes": len(body),
        "server_upload_time": now_ms,
    }


def _check_events(events: list, min_id_length: int) -> dict[str, Any] | None:
    missing: dict[str, list[int]] = {}
    invalid: dict[str, list[int]] = {}
    short: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            invalid.setdefault("event", []).append(index)
            continue
        if not isinstance(event.get("event_type"), str) or not event["event_type"]:
            missing.setdefault("event_type", []).append(index)
        if not event.get("user_id") and not event.get("device_id"):
            missing.setdefault("device_id", []).append(index)
        for field in ("time", "session_id", "event_id"):
            value = event.get(field)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                invalid.setdefault(field, []).append(index)
        for field in ("event_properties", "user_properties", "groups", "group_properties"):
            if field in event and not isinstance(event[field], dict):
                invalid.setdefault(field, []).append(index)
        for field in ("user_id", "device_id"):
            value = event.get(field)
            if value is None:
                continue
            if not isinstance(value, str) or is_blocked_id(value):
                invalid.setdefault(field, []).append(index)
            elif len(value) < min_id_length:
                short.setdefault(field, []).append(index)
    if missing:
        return {
            "code": 400,
            "error": "Request missing required field",
            "events_with_missing_fields": missing,
        }
    if invalid:
        return {
            "code": 400,
            "error": "Invalid field values on some events",
            "events_with_invalid_fields": invalid,
        }
    if short:
        return {
            "code": 400,
            "error": "Invalid id length for user_id or device_id",
            "events_with_invalid_id_lengths": short,
        }
    return None


def store_event(
    db: sqlite3.Connection, identities: Identities, project: int, event: dict, now_ms: int
) -> bool:
    """Store one valid event; False when its insert_id was sent in the last 7 days by the same
    device, or by the same user when the event has no device_id (as the docs put it)."""
    user_id, device_id = event.get("user_id"), event.get("device_id")
    stored_device = device_id
    if stored_device is None:
        stored_device = f"hashed-{user_id}"  # Amplitude sets the device to a hash of the user id
    insert_id = event.get("insert_id")
    if insert_id is not None:
        seen = db.execute(
            "SELECT 1 FROM events WHERE project_id = ? AND device_id IS ? AND insert_id = ? "
            "AND server_upload_ms > ?",
            (project, stored_device, str(insert_id), now_ms - INSERT_ID_WINDOW_MS),
        ).fetchone()
        if seen:
            return False
    amplitude_id = identities.resolve(user_id, device_id)
    device_id = stored_device
    properties = (
        event.get("event_properties") if isinstance(event.get("event_properties"), dict) else {}
    )
    if (
        event.get("event_type") == "$identify"
        and user_id
        and isinstance(event.get("user_properties"), dict)
    ):
        _apply_user_properties(db, project, user_id, event["user_properties"])
    document = {**event, "device_id": device_id, "amplitude_id": amplitude_id}
    db.execute(
        "INSERT INTO events (project_id, amplitude_id, user_id, device_id, session_id, event_type, "
        "time_ms, insert_id, uuid, server_upload_ms, event_properties, document) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            project,
            amplitude_id,
            user_id,
            device_id,
            event.get("session_id", -1) or -1,
            event["event_type"],
            event.get("time", now_ms),
            None if insert_id is None else str(insert_id),
            str(uuid.uuid4()),
            now_ms,
            json.dumps(properties),
            json.dumps(document),
        ),
    )
    return True


def _apply_user_properties(
    db: sqlite3.Connection, project: int, user_id: str, operations: dict
) -> None:
    row = db.execute(
        "SELECT properties FROM users WHERE project_id = ? AND user_id = ?", (project, user_id)
    ).fetchone()
    properties = json.loads(row[0]) if row else {}
    for operation, values in operations.items():
        if not isinstance(values, dict):
            continue
        if operation in ("$set",):
            properties.update(values)
        elif operation == "$setOnce":
            for key, value in values.items():
                properties.setdefault(key, value)
        elif operation == "$unset":
            for key in values:
                properties.pop(key, None)
        elif operation == "$add":
            for key, value in values.items():
                if isinstance(value, (int, float)):
                    properties[key] = properties.get(key, 0) + value
    db.execute(
        "UPDATE users SET properties = ? WHERE project_id = ? AND user_id = ?",
        (json.dumps(properties), project, user_id),
    )
