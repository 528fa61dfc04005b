"""The emulator's SQLite store: projects, identities, analytics events, replay batches.

One connection guarded by a lock serves every request thread: SQLite serialises writers
anyway, and a single connection lets `:memory:` databases work for tests. File databases use
WAL and commit each request in one transaction, so an accepted request is on disk before it
is acknowledged and a faulted one leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    api_key TEXT UNIQUE NOT NULL,
    secret_key TEXT NOT NULL,
    sample_rate REAL NOT NULL DEFAULT 1,
    capture_enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS amplitude_ids (
    amplitude_id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    canonical_id INTEGER NOT NULL,
    user_id TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    project_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    amplitude_id INTEGER NOT NULL,
    PRIMARY KEY (project_id, device_id)
);
CREATE TABLE IF NOT EXISTS users (
    project_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    amplitude_id INTEGER NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (project_id, user_id)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    amplitude_id INTEGER NOT NULL,
    user_id TEXT,
    device_id TEXT,
    session_id INTEGER NOT NULL DEFAULT -1,
    event_type TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    insert_id TEXT,
    uuid TEXT NOT NULL,
    server_upload_ms INTEGER NOT NULL,
    event_properties TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_amplitude_id ON events (project_id, amplitude_id, time_ms);
CREATE INDEX IF NOT EXISTS events_by_type ON events (project_id, event_type, time_ms);
CREATE INDEX IF NOT EXISTS events_insert_id ON events (project_id, device_id, insert_id);
CREATE TABLE IF NOT EXISTS replay_batches (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body_version INTEGER NOT NULL,
    seq_number TEXT,
    received_ms INTEGER NOT NULL,
    wire_bytes INTEGER NOT NULL,
    raw_bytes INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    client_library TEXT
);
CREATE INDEX IF NOT EXISTS batches_by_replay
    ON replay_batches (project_id, device_id, session_id, type, id);
CREATE TABLE IF NOT EXISTS replay_events (
    batch_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    timestamp_ms INTEGER,
    element TEXT NOT NULL,
    PRIMARY KEY (batch_id, position)
);
"""


class Store:
    def __init__(self, path: str = ":memory:"):
        self.path = path
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            if path != ":memory:":
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside is applied together or not at all."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, parameters: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # -- projects ----------------------------------------------------------------------------
    def ensure_project(
        self, api_key: str, secret_key: str, sample_rate: float, capture_enabled: bool
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO projects (api_key, secret_key, sample_rate, capture_enabled) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT(api_key) DO UPDATE SET secret_key = excluded.secret_key, "
                "sample_rate = excluded.sample_rate, capture_enabled = excluded.capture_enabled",
                (api_key, secret_key, sample_rate, int(capture_enabled)),
            )

    def project_by_key(self, api_key: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM projects WHERE api_key = ?", (api_key,))
        return rows[0] if rows else None

    def set_remote_config(
        self, project_id: int, sample_rate: float | None, capture_enabled: bool | None
    ) -> None:
        with self.transaction() as db:
            if sample_rate is not None:
                db.execute(
                    "UPDATE projects SET sample_rate = ? WHERE id = ?", (sample_rate, project_id)
                )
            if capture_enabled is not None:
                db.execute(
                    "UPDATE projects SET capture_enabled = ? WHERE id = ?",
                    (int(capture_enabled), project_id),
                )

    def reset(self) -> None:
        """Forget every event, identity and replay; projects and their settings stay."""
        with self.transaction() as db:
            for table in (
                "replay_events",
                "replay_batches",
                "events",
                "users",
                "devices",
                "amplitude_ids",
            ):
                db.execute(f"DELETE FROM {table}")
