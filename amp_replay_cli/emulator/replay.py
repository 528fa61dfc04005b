"""`POST /sessions/v2/track`: Session Replay ingestion, as the SDK calls it (spec/sdk/SPEC.md §4).

Accepts what SDK 1.51.6 and 1.13.6 send: gzip or plain bodies `{"version": 1|2, "events": [...]}`,
the Bearer key or (page-exit beacons) `api_key` in the query, `type=replay` (strings) and
`type=interaction` (objects). An accepted replay batch creates the server-side
`[Amplitude] Replay Captured` event once per replay, as Amplitude does.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

import msgspec
from zlib_ng import zlib_ng

from amp_replay_cli.core.replay.rrweb import PackedEventError, unpack
from amp_replay_cli.core.wire import (
    REPLAY_CAPTURED,
    REPLAY_ID_PROPERTY,
    SKIP_HEADER,
    WAF_LIMIT_BYTES,
    parse_session_id,
)
from amp_replay_cli.emulator.analytics import Identities, store_event
from amp_replay_cli.emulator.store import Store

MAX_INFLATED_BYTES = 200 * 1024 * 1024  # beyond any real batch: a gzip bomb
MAX_EVENT_BYTES = 10_000_000  # a single event the ingest service refuses
WAF_BODY = "Payload exceeds the maximum allowed size of 10MB"

Reply = tuple[int, Any, dict[str, str]]
# A character is at most 4 bytes of UTF-8: a string this short is within MAX_EVENT_BYTES.
_SURELY_SMALL_CHARACTERS = MAX_EVENT_BYTES // 4
_decode_body = msgspec.json.Decoder().decode


class SkipDirectives:
    """Replays to answer with X-Session-Replay-Event-Skipped (set by tests and by people)."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str] | None, str] = {}
        self._lock = threading.Lock()

    def set(self, device_id: str | None, session_id: str | None, code: str | None) -> None:
        key = None if device_id is None else (device_id, str(session_id))
        with self._lock:
            if code is None:
                self._codes.pop(key, None)
            else:
                self._codes[key] = code

    def code_for(self, device_id: str, session_id: str) -> str | None:
        with self._lock:
            return self._codes.get((device_id, session_id), self._codes.get(None))


def inflate(body: bytes, encoding: str) -> bytes:
    """The body gunzipped by zlib-ng (three times as fast as zlib: the client waits for it);
    its errors are raised as zlib's, which callers handle."""
    if "gzip" not in encoding.lower() and body[:2] != b"\x1f\x8b":
        return body
    decompressor = zlib_ng.decompressobj(wbits=31)
    try:
        inflated = decompressor.decompress(body, MAX_INFLATED_BYTES)
    except zlib_ng.error as error:  # type: ignore[misc]  # the stub calls it an instance
        raise zlib.error(str(error)) from None
    if decompressor.unconsumed_tail:
        raise ValueError("inflates to more than 200 MiB")
    if not decompressor.eof:
        raise ValueError("truncated gzip body")
    return inflated


def _replay_payload(raw: bytes) -> Any:
    """A replay body as json.loads reads it. msgspec decodes its strings from the bytes in one
    pass, twice as fast (the client waits for it); for a batch of strings the two agree, and
    what msgspec refuses (NaN, a lone surrogate, bytes that are not UTF-8) json.loads reads or
    words as before."""
    try:
        return _decode_body(raw)
    except msgspec.DecodeError:
        return json.loads(raw)


def track(
    store: Store,
    skips: SkipDirectives,
    project: Any,
    query: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    now: Callable[[], float] = time.time,
) -> Reply:
    if len(body) > WAF_LIMIT_BYTES:
        return 413, WAF_BODY, {"Content-Type": "text/plain"}
    device_id, session_id, kind = (
        query.get("device_id", ""),
        query.get("session_id", ""),
        query.get("type", ""),
    )
    if not device_id or not session_id:
        return 400, {"error": "device_id and session_id are required"}, {}
    if session_id.strip().lstrip("-").isdigit() and parse_session_id(session_id) is None:
        return 400, {"error": "session_id must be an integer of at most 64 bits"}, {}
    if kind not in ("replay", "interaction"):
        return 400, {"error": "type must be replay or interaction"}, {}
    try:
        raw = inflate(body, headers.get("content-encoding", ""))
        payload = _replay_payload(raw) if kind == "replay" else json.loads(raw)
    except (ValueError, OSError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as error:
        return 400, {"error": f"invalid body: {error}"}, {}
    if (
        not isinstance(payload, dict)
        or payload.get("version") not in (1, 2)
        or not isinstance(payload.get("events"), list)
    ):
        return 400, {"error": 'body must be {"version": 1|2, "events": [...]}'}, {}
    elements = payload["events"]
    if kind == "replay" and not all(isinstance(element, str) for element in elements):
        return 400, {"error": "replay events must be JSON strings"}, {}
    if kind == "interaction" and not all(isinstance(element, (dict, str)) for element in elements):
        return 400, {"error": "interaction events must be objects"}, {}
    stored = [
        element if isinstance(element, str) else json.dumps(element, separators=(",", ":"))
        for element in elements
    ]
    if any(
        len(text) > _SURELY_SMALL_CHARACTERS and len(text.encode()) > MAX_EVENT_BYTES
        for text in stored
    ):
        return 413, {"error": "single event larger than 10 MB"}, {}
    skipped = skips.code_for(device_id, session_id) or (
        "4005" if not project["capture_enabled"] else None
    )
    if skipped is not None:
        return 200, {}, {SKIP_HEADER: skipped}
    now_ms = int(now() * 1000)
    timestamps = [_timestamp(text) for text in stored]
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO replay_batches (project_id, device_id, session_id, type, body_version, "
            "seq_number, received_ms, wire_bytes, raw_bytes, event_count, client_library) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                project["id"],
                device_id,
                session_id,
                kind,
                payload["version"],
                query.get("seq_number"),
                now_ms,
                len(body),
                len(raw),
                len(stored),
                headers.get("x-client-library"),
            ),
        )
        db.executemany(
            "INSERT INTO replay_events (batch_id, position, timestamp_ms, element) "
            "VALUES (?, ?, ?, ?)",
            [
                (cursor.lastrowid, index, stamp, text)
                for index, (stamp, text) in enumerate(zip(timestamps, stored, strict=True))
            ],
        )
        if kind == "replay" and stored:
            _replay_captured(
                db,
                project["id"],
                device_id,
                session_id,
                min(filter(None, timestamps), default=now_ms),
                now_ms,
            )
    return 200, {}, {}


def _replay_captured(
    db: sqlite3.Connection, project: int, device_id: str, session_id: str, time_ms: int, now_ms: int
) -> None:
    """Once per replay: the server-side event that links a replay to analytics."""
    replay_id = f"{device_id}/{session_id}"
    if db.execute(
        "SELECT 1 FROM events WHERE project_id = ? AND event_type = ? AND insert_id = ?",
        (project, REPLAY_CAPTURED, replay_id),
    ).fetchone():
        return
    numeric = session_id.lstrip("-").isdigit()
    event = {
        "event_type": REPLAY_CAPTURED,
        "device_id": device_id,
        "session_id": int(session_id) if numeric else -1,
        "time": time_ms,
        "insert_id": replay_id,
        "event_properties": {REPLAY_ID_PROPERTY: replay_id},
        "platform": "Web",
    }
    store_event(db, Identities(db, project), project, event, now_ms)


_SDK_PREFIX = re.compile(r'\{"type":[0-9]+,"timestamp":([0-9]+)[,}]')


def _timestamp(element: str) -> int | None:
    sdk_shaped = _SDK_PREFIX.match(element)  # what the SDK sends: no need to parse the whole event
    if sdk_shaped:
        return int(sdk_shaped.group(1))
    try:
        event = json.loads(element)
    except json.JSONDecodeError:
        return None
    if isinstance(event, str):
        try:
            event = unpack(event)
        except PackedEventError:
            return None
    value = event.get("timestamp") if isinstance(event, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_back(
    store: Store, device_id: str, session_id: str, kind: str, unpacked: bool
) -> list[Any]:
    """The stored events of one replay in the order received, each parsed back from its string."""
    rows = store.query(
        "SELECT e.element FROM replay_events e JOIN replay_batches b ON b.id = e.batch_id "
        "WHERE b.device_id = ? AND b.session_id = ? AND b.type = ? ORDER BY b.id, e.position",
        (device_id, session_id, kind),
    )
    events = []
    for row in rows:
        event = json.loads(row["element"])
        if unpacked and isinstance(event, str):
            with contextlib.suppress(PackedEventError):  # not packed after all: keep it as is
                event = unpack(event)
        events.append(event)
    return events


def replay_rows(store: Store) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT b.device_id, b.session_id, "
        "SUM(CASE WHEN b.type = 'replay' THEN b.event_count ELSE 0 END) AS events, "
        "SUM(CASE WHEN b.type = 'interaction' THEN b.event_count ELSE 0 END) "
        "AS interaction_events, "
        "COUNT(*) AS batches, SUM(b.wire_bytes) AS wire_bytes, SUM(b.raw_bytes) AS raw_bytes, "
        "MIN(b.received_ms) AS first_received_ms, MAX(b.received_ms) AS last_received_ms "
        "FROM replay_batches b GROUP BY b.device_id, b.session_id ORDER BY MIN(b.id)"
    )
    stamps = {
        (row["device_id"], row["session_id"]): (row["first"], row["last"])
        for row in store.query(
            "SELECT b.device_id, b.session_id, "
            "MIN(e.timestamp_ms) AS first, MAX(e.timestamp_ms) AS last "
            "FROM replay_events e JOIN replay_batches b ON b.id = e.batch_id "
            "GROUP BY b.device_id, b.session_id"
        )
    }
    return [
        {
            "replay_id": f"{row['device_id']}/{row['session_id']}",
            "device_id": row["device_id"],
            "session_id": row["session_id"],
            "events": row["events"],
            "interaction_events": row["interaction_events"],
            "batches": row["batches"],
            "wire_bytes": row["wire_bytes"],
            "raw_bytes": row["raw_bytes"],
            "first_timestamp": stamps.get((row["device_id"], row["session_id"]), (None, None))[0],
            "last_timestamp": stamps.get((row["device_id"], row["session_id"]), (None, None))[1],
            "first_received_ms": row["first_received_ms"],
            "last_received_ms": row["last_received_ms"],
        }
        for row in rows
    ]
