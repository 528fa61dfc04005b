"""The upload journal: which batches Amplitude has acknowledged, so a rerun sends only the rest.

One JSON line per acknowledged request, written and fsynced before the next request of that
session goes out. A line cut short by a crash is ignored. Keys are hashes of the project key,
the server, the replay and the exact body, so the journal itself holds no secret and a batch
counts as sent only for the same project, server and bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.paths import cache_directory

JOURNAL_NAME = "upload-journal.jsonl"


def default_path(environ: Mapping[str, str]) -> Path:
    return cache_directory(environ) / JOURNAL_NAME


def batch_key(api_key: str, server: str, replay_id: str, raw_body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (api_key.encode(), server.encode(), replay_id.encode("utf-8", "surrogatepass")):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(raw_body)
    return digest.hexdigest()


class Journal:
    """Acknowledged keys, remembered on disk; `None` path keeps them in memory only."""

    def __init__(self, path: Path | None):
        self.path = path
        self._keys: set[str] = set()
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path is not None:
            self._open(path)

    def _open(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            torn = False
            if path.exists():
                with path.open("r", encoding="utf-8", errors="replace") as existing:
                    for line in existing:
                        key = _key_of(line)
                        if key:
                            self._keys.add(key)
                        torn = not line.endswith("\n")
            self._file = path.open("a", encoding="utf-8")
            if torn:
                # End the line a crash cut short, so that the next entry stands alone.
                self._file.write("\n")
        except OSError as error:
            raise InputError(
                f"cannot use the upload journal {path}: {error.strerror or error}",
                hint="choose another place with --journal PATH, or --no-journal",
            ) from None

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def record(self, key: str, replay_id: str, what: str) -> None:
        line = json.dumps(
            {
                "key": key,
                "replay_id": replay_id,
                "what": what,
                "at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            }
        )
        with self._lock:
            self._keys.add(key)
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()
                os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _key_of(line: str) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None  # a line torn by a crash
    key = entry.get("key") if isinstance(entry, dict) else None
    return key if isinstance(key, str) else None
