"""The upload journal: which batches Amplitude has acknowledged, so a rerun sends only the rest.

A header line names the format; then one JSON line per request. Before a batch goes out its line
is written and fsynced as `in-flight`; when Amplitude acknowledges it, those nine bytes are
overwritten in place with `delivered`. Acknowledging therefore never needs new disk space: a full
disk stops the run *before* a batch is sent, never after, so a rerun cannot send a delivered batch
twice. An `in-flight` line left by a crash is sent again (at most the batches that were on the
wire). The journal is locked for the whole run, so two runs sharing it (a CI cache) take turns.
Keys are hashes of the project key, the server, the replay and the exact body: the journal holds
no secret, and a batch counts as sent only for the same project, server and bytes.

A replay's first request also records a hash of the replay's whole content (`claim`): another
recording under the same replay id is then told apart, instead of being appended to it. (Earlier
releases skip such a line: its state is neither in flight nor delivered.)
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.paths import cache_directory

JOURNAL_NAME = "upload-journal.jsonl"
FORMAT_NAME = "amp-replay upload journal"
FORMAT_VERSION = 2  # 1: the header-less journals of earlier releases, read as all delivered
IN_FLIGHT, DELIVERED = b"in-flight", b"delivered"  # the same length: one overwrites the other
RECORDED = b"recorded"  # a replay's content record, never overwritten
_STATE_FIELD = b'"state": "'
_HINT = "choose another place with --journal PATH, or --no-journal"


def default_path(environ: Mapping[str, str]) -> Path:
    return cache_directory(environ) / JOURNAL_NAME


def batch_key(api_key: str, server: str, replay_id: str, raw_body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (api_key.encode(), server.encode(), replay_id.encode("utf-8", "surrogatepass")):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(raw_body)
    return digest.hexdigest()


def replay_key(api_key: str, server: str, replay_id: str) -> str:
    """The key of a replay's content record: a batch key that no body (`{"version":…`) has."""
    return batch_key(api_key, server, replay_id, b"replay content")


class JournalError(InputError):
    """The journal cannot be read or written: the run stops, and says what was delivered."""


@dataclass(frozen=True)
class Pending:
    """A request written to the journal as in flight; `state_offset` is None in memory."""

    key: str
    state_offset: int | None
    at: str  # when it was sent


class Journal:
    """Acknowledged keys, remembered on disk; a `None` path keeps them for this run only.

    `on_busy` is told when another run holds the journal; with `wait` False that is an error
    instead of a wait.
    """

    def __init__(
        self,
        path: Path | None,
        wait: bool = True,
        on_busy: Callable[[str], None] | None = None,
    ):
        self.path = path
        self.unreadable_lines = 0
        self._keys: dict[str, str | None] = {}  # key: when it was delivered (ISO 8601, UTC)
        self._contents: dict[str, str] = {}  # replay key -> hash of the replay's content
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._end = 0
        if path is not None:
            self._open(path, wait, on_busy)

    # -- opening --------------------------------------------------------------------------------
    def _open(self, path: Path, wait: bool, on_busy: Callable[[str], None] | None) -> None:
        if path.exists() and not path.is_file():
            raise JournalError(f"the upload journal {path} is not a regular file", hint=_HINT)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            if not stat.S_ISREG(os.fstat(self._fd).st_mode):
                raise JournalError(f"the upload journal {path} is not a regular file", hint=_HINT)
            _lock(self._fd, path, wait, on_busy)
            self._read(path)
        except OSError as error:
            self.close()
            raise _write_error(path, error) from None
        except JournalError:
            self.close()
            raise

    def _read(self, path: Path) -> None:
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        content = os.pread(self._fd, size, 0) if size else b""
        complete = content[: content.rfind(b"\n") + 1]
        lines = complete.splitlines()
        if not lines and _header().startswith(content):  # new, or a header a crash cut short
            os.ftruncate(self._fd, 0)
            self._append(_header())
            return
        entries = _entries(path, lines or [content])
        if len(complete) < len(content):
            # A line a crash cut short: drop it, so that the next entry starts on a line of its own.
            os.ftruncate(self._fd, len(complete))
        self._end = len(complete)
        for line in entries:
            entry = _json_object(line)
            key = entry.get("key") if entry is not None else None
            if not isinstance(key, str):
                self.unreadable_lines += 1
            elif entry is not None and isinstance(entry.get("content"), str):
                self._contents.setdefault(key, entry["content"])
            elif entry is not None and entry.get("state", "delivered") == "delivered":
                at = entry.get("at")
                self._keys[key] = at if isinstance(at, str) else None

    # -- using ----------------------------------------------------------------------------------
    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def delivered_at(self, key: str) -> str | None:
        """When a delivered request was sent (ISO 8601, UTC); None if the journal does not say
        (journals of earlier releases)."""
        return self._keys.get(key)

    def begin(self, key: str, replay_id: str, what: str) -> Pending:
        """Write a request as in flight, before it is sent."""
        at = _now()
        if self._fd is None:
            return Pending(key, None, at)
        line = _line(key, IN_FLIGHT, replay_id, what, at=at)
        with self._lock:
            start = self._append(line)
        return Pending(key, start + line.index(_STATE_FIELD) + len(_STATE_FIELD), at)

    def claim(self, key: str, replay_id: str, content: str) -> str | None:
        """Record that the replay holds this content; when another content was recorded for it
        first, that content's hash (and nothing is written)."""
        with self._lock:
            known = self._contents.get(key)
            if known is not None:
                return None if known == content else known
            self._contents[key] = content
            if self._fd is not None:
                self._append(_line(key, RECORDED, replay_id, "replay content", content=content))
        return None

    def acknowledge(self, pending: Pending) -> None:
        """Amplitude acknowledged the request: mark it delivered, in place."""
        with self._lock:
            self._keys[pending.key] = pending.at
            if self._fd is not None and pending.state_offset is not None:
                self._write(DELIVERED, pending.state_offset)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None

    def _append(self, data: bytes) -> int:
        start = self._end
        self._write(data, start)
        self._end += len(data)
        return start

    def _write(self, data: bytes, offset: int) -> None:
        assert self._fd is not None and self.path is not None
        try:
            written = os.pwrite(self._fd, data, offset)
            if written != len(data):
                raise OSError(28, os.strerror(28))  # a short write: the disk is full
            os.fsync(self._fd)
        except OSError as error:
            raise _write_error(self.path, error) from None


def _line(key: str, state: bytes, replay_id: str, what: str, **more: str) -> bytes:
    entry = {
        "key": key,
        "state": state.decode(),
        "replay_id": replay_id,
        "what": what,
        "at": _now(),
        **more,
    }
    return json.dumps(entry).encode("utf-8", "surrogatepass") + b"\n"


def _lock(fd: int, path: Path, wait: bool, on_busy: Callable[[str], None] | None) -> None:
    """An exclusive lock for the whole run: a second run waits (or, with `wait` False, stops)."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        mode = msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK  # type: ignore[attr-defined]
        msvcrt.locking(fd, mode, 1)  # type: ignore[attr-defined]
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        if not wait:
            raise JournalError(
                f"another amp-replay upload is using the journal {path}",
                hint="wait for it, leave out --no-wait to wait, or use another --journal",
            ) from None
    if on_busy is not None:
        on_busy(f"another amp-replay upload is using the journal {path}; waiting for it")
    fcntl.flock(fd, fcntl.LOCK_EX)


def _entries(path: Path, lines: list[bytes]) -> list[bytes]:
    """The entry lines, once the first line shows that the file is a journal of ours."""
    header = _json_object(lines[0])
    if header is not None and header.get("format") == FORMAT_NAME:
        version = header.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise JournalError(
                f"the upload journal {path} has format version {version!r}, newer than this "
                f"amp-replay reads ({FORMAT_VERSION})",
                hint="upgrade amp-replay, or " + _HINT,
            )
        return lines[1:]
    if header is not None and isinstance(header.get("key"), str):
        return lines  # a journal of an earlier release: every line is a delivered batch
    raise JournalError(
        f"{path} is not an amp-replay upload journal (it starts with {lines[0][:24]!r})",
        hint=_HINT,
    )


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def delivered_on(at: str) -> str:
    """`2026-12-03 13:02 UTC` from a journal's `at`."""
    return at[:16].replace("T", " ") + " UTC"


def _header() -> bytes:
    return json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION}).encode() + b"\n"


def _json_object(line: bytes) -> dict | None:
    try:
        value = json.loads(line.decode("utf-8"))
    except ValueError:  # undecodable bytes, or not JSON
        return None
    return value if isinstance(value, dict) else None


def _write_error(path: Path, error: OSError) -> JournalError:
    return JournalError(
        f"cannot use the upload journal {path}: {error.strerror or error}",
        hint=f"nothing more was sent; free space or {_HINT}, then run again",
    )
