"""rrweb recordings in every layout people keep them, checked the way an uploader must (spec/rrweb/FORMAT.md).

Layouts: a JSON array of events; `{"events": [...]}` with optional `device_id`/`session_id`;
NDJSON; the SDK's own track body `{"version": 1, "events": ["<JSON>", ...]}`; rrweb-packer
"v1" strings in any of these; all of them gzip-compressed too, in UTF-8 (BOM or not) or UTF-16/32
with a BOM.

A file is never held whole: `inspect` streams it once, checks it, gives a verdict and writes the
events to send (as the SDK's strings) to a spool file, which `sent_events` reads back.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import (
    ARRAY_START,
    STRICT_DECODER,
    NestingError,
    iter_lines,
    json_scanner,
    open_text,
    peek_text,
    reject_json_constant,
)
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.replay.rrweb import PackedEventError, unpack
from amp_replay_cli.core.replay.track import (
    DEFAULT_MAX_BATCH_BYTES,
    MAX_EVENT_BYTES,
    BatchPlanner,
    event_literal,
    literal_size,
)

RECORDING_SUFFIXES = (".json", ".ndjson", ".jsonl", ".gz", ".txt")
SESSION_GAP_MS = (
    30 * 60 * 1000
)  # Amplitude's session timeout: a longer pause starts another session
EVENT_TYPES = {
    0: "DomContentLoaded",
    1: "Load",
    2: "FullSnapshot",
    3: "IncrementalSnapshot",
    4: "Meta",
    5: "Custom",
    6: "Plugin",
    7: "Asset",
    8: "Annotation",
}
AMPLITUDE_EVENT_TYPES = range(7)  # @amplitude/rrweb's player knows 0-6 only
INCREMENTAL_SOURCES = range(17)
FULL_SNAPSHOT, INCREMENTAL, META = 2, 3, 4
# Epoch milliseconds of the rrweb era lie between these; seconds and microseconds fall outside.
MIN_EPOCH_MS, MAX_EPOCH_MS = 100_000_000_000, 100_000_000_000_000
MIN_EPOCH_SECONDS = 100_000_000
MAX_PROBLEM_KINDS = 20
DEVICE_NAMESPACE = uuid.UUID("6f1d5f0e-3b4c-5a8e-9a51-2f0a8c1d7e42")
_FIRST_KEY = re.compile(r'\s*\{\s*"((?:[^"\\]|\\.)*)"')
_EVENT_KEYS = frozenset({"type", "timestamp", "data", "delay"})
_DEVICE_KEYS = ("device_id", "deviceId")
_SESSION_KEYS = ("session_id", "sessionId")


class Verdict(str, enum.Enum):
    ACCEPT = "accept"
    WARN = "warn"
    REJECT = "reject"


class Layout(str, enum.Enum):
    ARRAY = "array"
    OBJECT = "object"
    TRACK_BODY = "track body"
    NDJSON = "ndjson"


@dataclass
class Part:
    """A part of a recording uploaded as one replay (one Amplitude session): the whole file
    unless sessions are split."""

    number: int
    first_index: int
    first_timestamp: float
    last_timestamp: float
    events: int = 0
    metas: int = 0
    full_snapshots: int = 0
    raw_bytes: int = 0
    batches: int = 0
    page_url: str = ""
    first_full_snapshot: float | None = None
    device_seed: str = (
        ""  # the first FullSnapshot's text: a stable default device id for this recording
    )
    planner: BatchPlanner = field(default_factory=BatchPlanner, repr=False, compare=False)

    @property
    def default_session_id(self) -> int:
        return math.floor(self.first_timestamp)


@dataclass
class _Problem:
    code: str
    message: str  # worded for the first event that has it
    index: int
    line: int | None
    hint: str | None
    count: int = 1


@dataclass
class Recording:
    """What `inspect` learned about one file."""

    source: Source
    layout: Layout | None = None
    compressed: bool = False
    encoding: str = "utf-8"
    items: int = 0
    packed: int = 0
    device_id: str | None = None
    session_id: int | None = None
    dropped_duplicates: int = 0
    dropped_leading: int = 0
    backwards: int = 0
    first_backwards: int | None = None
    unknown_types: Counter = field(default_factory=Counter)
    unknown_sources: Counter = field(default_factory=Counter)
    largest_event: tuple[int, int, int] = (0, 0, 0)  # index, type, UTF-8 bytes
    parts: list[Part] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    spool: Path | None = None  # the events to send, written by inspect

    @property
    def events(self) -> int:
        return sum(part.events for part in self.parts)

    @property
    def verdict(self) -> Verdict:
        if any(finding.severity is Severity.ERROR for finding in self.findings):
            return Verdict.REJECT
        if any(finding.severity is Severity.WARNING for finding in self.findings):
            return Verdict.WARN
        return Verdict.ACCEPT

    def default_device_id(self) -> str:
        """A UUID derived from the recording itself, so a rerun targets the same replay."""
        seed = self.parts[0].device_seed if self.parts else self.source.name
        return str(
            uuid.uuid5(
                DEVICE_NAMESPACE, hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()
            )
        )


class _Rejected(Exception):
    """The file cannot be read on: one finding says why."""

    def __init__(
        self,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ):
        super().__init__(message)
        self.finding_args = (code, message, line, column, hint)


class SentEvent(NamedTuple):
    part: int
    index: int
    literal: str  # the event's SDK string as a JSON string literal, ready for the body


def inspect(
    source: Source,
    split_sessions: bool = False,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    spool: Path | None = None,
) -> Recording:
    """Read and check a whole recording; its findings carry the verdict.

    With `spool`, the events to send are also written there, so that sending them needs no
    second parse; the spool is removed again when the file is rejected.
    """
    recording = Recording(source)
    walk = _Walk(recording, split_sessions, collect=True, max_batch_bytes=max_batch_bytes)
    try:
        with _Spool(spool) as writer:
            for event in walk.events():
                writer.write(event)
    except _Rejected as rejected:
        code, message, line, column, hint = rejected.finding_args
        walk.report_problems()
        recording.findings.append(
            Finding(code, Severity.ERROR, message, source.name, line, column, hint=hint)
        )
    else:
        walk.conclude()
    if spool is not None:
        if recording.verdict is Verdict.REJECT:
            spool.unlink(missing_ok=True)
        else:
            recording.spool = spool
    return recording


def sent_events(recording: Recording, split_sessions: bool = False) -> Iterator[SentEvent]:
    """The events to send, in order, as `inspect` counted them: from its spool, else by reading the file again."""
    if recording.spool is not None:
        return _Spool.read(recording.spool)
    return _Walk(Recording(recording.source), split_sessions, collect=False).events()


class _Spool:
    """Events to send, one per line: part, index and literal (which never holds a raw line break)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.file: Any = None

    def __enter__(self) -> _Spool:
        if self.path is not None:
            self.file = self.path.open("w", encoding="utf-8", buffering=1 << 20)
        return self

    def __exit__(self, *_: Any) -> None:
        if self.file is not None:
            self.file.close()

    def write(self, event: SentEvent) -> None:
        if self.file is not None:
            self.file.write(f"{event.part}\t{event.index}\t{event.literal}\n")

    @staticmethod
    def read(path: Path) -> Iterator[SentEvent]:
        with path.open("r", encoding="utf-8", buffering=1 << 20) as spooled:
            for line in spooled:
                part, index, literal = line.rstrip("\n").split("\t", 2)
                yield SentEvent(int(part), int(index), literal)


class _Walk:
    """One pass over a file: items → events → checks → SDK strings → filters → sessions."""

    def __init__(
        self,
        recording: Recording,
        split_sessions: bool,
        collect: bool,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    ):
        self.recording = recording
        # Floats and long integers parsed so far: an event without any needs no check of how its numbers are written.
        self.unusual_numbers = 0
        self.decoder = json.JSONDecoder(
            parse_constant=reject_json_constant,
            parse_float=self._parse_float,
            parse_int=self._parse_int,
        )
        self.line: Callable[[], int | None] = lambda: (
            None
        )  # where the current item begins, asked only when needed
        self.max_batch_bytes = max_batch_bytes
        self.split_sessions = split_sessions
        self.collect = (
            collect  # the first pass collects problems and statistics; the second only filters
        )
        self.problems: dict[str, _Problem] = {}
        self.seen: set[int] = (
            set()
        )  # hashes of the events kept: 8 bytes of hash, ~60 of set, per event
        self.full_snapshot_seen = False
        self.last_timestamp: float | None = None
        self.gap: tuple[int, float] | None = None

    def _parse_float(self, text: str) -> float:
        self.unusual_numbers += 1
        return float(text)

    def _parse_int(self, text: str) -> int:
        if len(text) > 15:
            self.unusual_numbers += 1
        return int(text)

    def events(self) -> Iterator[SentEvent]:
        recording = self.recording
        unusual = 0
        for index, item in enumerate(self.items()):
            recording.items = index + 1
            event = self.event_of(item, index)
            if event is None or not self.valid(event, index):
                unusual = self.unusual_numbers
                continue
            kind, timestamp = event["type"], event["timestamp"]
            literal, size = self.literal(
                event, index, self.unusual_numbers != unusual or item is not event
            )
            unusual = self.unusual_numbers
            if kind == INCREMENTAL and not self.full_snapshot_seen:
                recording.dropped_leading += (
                    1  # their DOM is not in the file: nothing can apply them
                )
                continue
            fingerprint = hash(literal)
            if fingerprint in self.seen:
                recording.dropped_duplicates += 1
                continue
            self.seen.add(fingerprint)
            part = self.place(index, timestamp)
            self.count(part, event, index, literal, size)
            if not self.problems:
                yield SentEvent(part.number, index, literal)

    def items(self) -> Iterator[Any]:
        recording = self.recording
        name = recording.source.name
        try:
            with open_text(recording.source) as stream:
                recording.encoding = getattr(stream, "encoding", "utf-8")
                recording.compressed = _is_gzip(recording.source)
                text, stream = peek_text(stream, name)
                start = text.lstrip()[:1]
                byte_origin = self.byte_origin()
                if not start:
                    raise _Rejected("AR602", "no events in file: it is empty")
                if start == "[":
                    recording.layout = Layout.ARRAY
                    scanner = json_scanner(stream, name, byte_origin, self.decoder)
                    self.line = scanner.item_line
                    yield from scanner.top_level_array_values()
                elif start == '"' or (start == "{" and _first_key(text) in _EVENT_KEYS):
                    recording.layout = Layout.NDJSON
                    yield from self.ndjson_items(iter_lines(stream, name))
                elif start == "{":
                    scanner = json_scanner(stream, name, byte_origin, self.decoder)
                    yield from self.object_items(scanner.top_level_object(frozenset({"events"})))
                elif _is_json_scalar(text):
                    raise _Rejected("AR603", f"not rrweb events: the file holds {_opening(text)}")
                else:
                    raise _Rejected(
                        "AR601",
                        f"not JSON (starts with {_opening(text)})",
                        hint="is this an error page saved under a .json name?",
                    )
        except NestingError as error:
            location = error.location
            raise _Rejected(
                "AR610",
                f"nested too deeply to read ({error.message})",
                location.line if location else None,
                location.column if location else None,
            ) from None
        except InputError as error:
            location = error.location
            message = error.message.replace("JSON syntax error", "invalid JSON")
            raise _Rejected(
                "AR601",
                message,
                location.line if location else None,
                location.column if location else None,
                error.hint,
            ) from None

    def byte_origin(self) -> int | None:
        """Where the text starts in the file, for byte offsets in errors: plain UTF-8 files only."""
        if self.recording.compressed or not self.recording.encoding.startswith("utf-8"):
            return None
        with self.recording.source.path.open("rb") as raw:  # type: ignore[union-attr]
            return 3 if raw.read(3) == b"\xef\xbb\xbf" else 0

    def ndjson_items(self, lines: Iterator[tuple[int, str]]) -> Iterator[Any]:
        decode = self.decoder.decode
        for line, text in lines:
            if not text.strip():
                continue
            self.line = lambda line=line: line
            try:
                value = decode(text)
            except json.JSONDecodeError as error:
                raise _Rejected(
                    "AR601",
                    f"invalid JSON on this line: {json_error_reason(error.msg)}",
                    line,
                    error.colno,
                ) from None
            except ValueError as error:
                raise _Rejected("AR601", f"invalid JSON on this line: {error}", line) from None
            except RecursionError:
                raise _Rejected("AR610", "nested too deeply to read", line) from None
            yield value

    def object_items(self, members: Iterator[tuple[str, int, Any]]) -> Iterator[Any]:
        recording = self.recording
        recording.layout = Layout.OBJECT
        found = False
        for key, line, value in members:
            if key == "events":
                if value is ARRAY_START:
                    found = True
                    continue
                if not found:
                    raise _Rejected(
                        "AR603",
                        f'"events" is a JSON {_kind(value)}, not an array of rrweb events',
                        line,
                    )
                self.line = lambda line=line: line
                yield value
            elif key == "version":
                recording.layout = Layout.TRACK_BODY
            elif key in _DEVICE_KEYS:
                if not isinstance(value, str) or not value:
                    raise _Rejected("AR603", f'"{key}" must be a non-empty string', line)
                recording.device_id = value
            elif key in _SESSION_KEYS:
                session_id = _positive_integer(value)
                if session_id is None:
                    raise _Rejected(
                        "AR603",
                        f'"{key}" must be a positive integer (epoch milliseconds), not '
                        f"{json.dumps(value)[:40]}",
                        line,
                    )
                recording.session_id = session_id
        if not found:
            raise _Rejected(
                "AR603",
                'not rrweb events: a JSON object without an "events" array',
                hint='expected [...], {"events": [...]}, NDJSON or the SDK\'s track body',
            )

    def event_of(self, item: Any, index: int) -> dict | None:
        if isinstance(item, dict):
            return item
        if isinstance(item, str):
            return self.event_of_string(item, index)
        return self.problem(
            "AR603", "not rrweb events: a JSON {value}, not an event object", index, _kind(item)
        )

    def event_of_string(self, text: str, index: int, depth: int = 0) -> dict | None:
        """A JSON string (as the SDK sends events), a JSON string of a packed event (SDK 1.13.6), or a packed event."""
        start = text.lstrip()[:1]
        if start in ("{", '"') and depth == 0:
            try:
                value = _strict_loads(text)
            except ValueError:
                value = None
            if isinstance(value, dict):
                return value
            if isinstance(value, str):
                return self.event_of_string(value, index, depth + 1)
        try:
            event = unpack(text)
        except PackedEventError as error:
            return self.problem(
                "AR603",
                'a string that is neither an event\'s JSON nor an rrweb-packer "v1" event '
                "({value})",
                index,
                str(error),
            )
        self.recording.packed += 1
        return event

    def valid(self, event: dict, index: int) -> bool:
        """Type, timestamp and data as the player needs them; a problem is recorded for each failure."""
        kind, timestamp = event.get("type"), event.get("timestamp")
        if (
            type(kind) is int
            and type(timestamp) is int
            and MIN_EPOCH_MS <= timestamp < MAX_EPOCH_MS
            and type(event.get("data")) is dict
        ):
            return True  # the usual case, decided in one test
        return self.diagnose(event, index)

    def diagnose(self, event: dict, index: int) -> bool:
        """What is wrong with an event that failed the quick test, if anything."""
        kind = event.get("type")
        if kind is None:
            return self.problem("AR604", "no type", index)
        if type(kind) is not int:
            return self.problem("AR604", "type is {value}, not an integer", index, _article(kind))
        timestamp = event.get("timestamp")
        if timestamp is None:
            return self.problem(
                "AR605", "no timestamp", index, hint="do not guess one: re-export the recording"
            )
        if type(timestamp) not in (int, float):
            return self.problem(
                "AR605", "timestamp is {value}, not a number", index, _article(timestamp)
            )
        if not math.isfinite(timestamp):
            return self.problem("AR605", "timestamp is not a finite number", index)
        if not MIN_EPOCH_MS <= timestamp < MAX_EPOCH_MS:
            return self.problem(*_timestamp_unit(timestamp), index, repr(timestamp))
        if not isinstance(event.get("data"), dict):
            return self.problem("AR603", "no data object", index)
        return True

    def literal(self, event: dict, index: int, unusual_numbers: bool) -> tuple[str, int]:
        """The event as the body carries it, and its size in UTF-8 bytes as the SDK measures it."""
        try:
            literal, size = event_literal(event, unusual_numbers)
        except RecursionError:
            raise _Rejected(
                "AR610", f"event {index} is nested too deeply to serialise", self.line()
            ) from None
        if size > MAX_EVENT_BYTES:
            raise _Rejected(
                "AR609",
                f"event {index} ({_type_name(event['type'])}) is {size:,} bytes; the SDK drops "
                f"events over {MAX_EVENT_BYTES:,} bytes and Amplitude refuses them",
                self.line(),
                hint="record with smaller snapshots (blockSelector for huge elements, no inline images)",
            )
        return literal, size

    def place(self, index: int, timestamp: float) -> Part:
        """The session this event belongs to, opening another one after a long pause when splitting."""
        recording = self.recording
        last = self.last_timestamp
        if last is not None and timestamp < last:
            recording.backwards += 1
            if recording.first_backwards is None:
                recording.first_backwards = index
        elif last is not None and timestamp - last > SESSION_GAP_MS:
            if not self.split_sessions:
                if self.gap is None:
                    self.gap = (index, timestamp - last)
            else:
                recording.parts.append(self.part(index, timestamp))
        if not recording.parts:
            recording.parts.append(self.part(index, timestamp))
        self.last_timestamp = timestamp if last is None else max(last, timestamp)
        return recording.parts[-1]

    def part(self, index: int, timestamp: float) -> Part:
        number = len(self.recording.parts)
        return Part(
            number, index, timestamp, timestamp, planner=BatchPlanner(self.max_batch_bytes)
        )

    def count(self, part: Part, event: dict, index: int, literal: str, size: int) -> None:
        kind = event["type"]
        recording = self.recording
        added = literal_size(literal)
        part.events += 1
        part.raw_bytes += added
        part.batches += part.planner.starts_batch(added)
        part.last_timestamp = max(part.last_timestamp, event["timestamp"])
        if kind == FULL_SNAPSHOT:
            self.full_snapshot_seen = True
            part.full_snapshots += 1
            if part.first_full_snapshot is None:
                part.first_full_snapshot = event["timestamp"]
                part.device_seed = literal
        elif kind == META:
            part.metas += 1
            href = event["data"].get("href")
            if not part.page_url and isinstance(href, str):
                part.page_url = href
        if not self.collect:
            return
        if size > recording.largest_event[2]:
            recording.largest_event = (index, kind, size)
        if kind not in AMPLITUDE_EVENT_TYPES:
            recording.unknown_types[kind] += 1
        elif kind == INCREMENTAL:
            source = event["data"].get("source")
            if type(source) is not int or source not in INCREMENTAL_SOURCES:
                recording.unknown_sources[source if isinstance(source, int) else repr(source)] += 1

    def problem(
        self, code: str, template: str, index: int, value: str = "", hint: str | None = None
    ) -> Any:
        """Remember the first item with each kind of problem, and how many share it; returns a falsy value."""
        known = self.problems.get(code + template)
        if known is not None:
            known.count += 1
        elif len(self.problems) < MAX_PROBLEM_KINDS:
            self.problems[code + template] = _Problem(
                code, template.format(value=value), index, self.line(), hint
            )
        return None

    def report_problems(self) -> bool:
        """Findings for the items that failed their checks; whether there were any."""
        for problem in self.problems.values():
            more = f" ({problem.count:,} items in all)" if problem.count > 1 else ""
            self.recording.findings.append(
                Finding(
                    problem.code,
                    Severity.ERROR,
                    f"item {problem.index}: {problem.message}{more}",
                    self.recording.source.name,
                    problem.line,
                    hint=problem.hint,
                )
            )
        return bool(self.problems)

    def conclude(self) -> None:
        """Turn what the pass saw into findings."""
        recording = self.recording
        name = recording.source.name
        if self.report_problems():
            return
        if recording.items == 0:
            recording.findings.append(Finding("AR602", Severity.ERROR, "no events in file", name))
            return
        if not recording.parts:
            recording.findings.append(
                Finding(
                    "AR607",
                    Severity.ERROR,
                    "no FullSnapshot (type 2) event; nothing can be replayed",
                    name,
                )
            )
            return
        if self.gap is not None:
            index, gap = self.gap
            recording.findings.append(
                Finding(
                    "AR608",
                    Severity.ERROR,
                    f"several sessions in one file: {_duration(gap)} without events before event "
                    f"{index} (Amplitude starts a new session after 30 minutes)",
                    name,
                    hint="upload each part as its own session with --split-sessions",
                )
            )
        for part in recording.parts:
            self.conclude_part(part)
        self.warnings()

    def conclude_part(self, part: Part) -> None:
        recording = self.recording
        where = (
            f"session starting at event {part.first_index}: "
            if len(recording.parts) > 1
            else ""
        )
        if part.full_snapshots == 0:
            recording.findings.append(
                Finding(
                    "AR607",
                    Severity.ERROR,
                    f"{where}no FullSnapshot (type 2) event; nothing can be replayed",
                    recording.source.name,
                )
            )
            return
        if part.events < 2:
            recording.findings.append(
                Finding(
                    "AR602",
                    Severity.ERROR,
                    f"{where}{part.events} event; a replay needs at least 2",
                    recording.source.name,
                )
            )
        if part.metas == 0:
            recording.findings.append(
                Finding(
                    "AR620",
                    Severity.WARNING,
                    f"{where}no Meta (type 4) event: the replay has no viewport size or page URL",
                    recording.source.name,
                )
            )

    def warnings(self) -> None:
        recording = self.recording
        name = recording.source.name
        if recording.dropped_leading and any(
            part.full_snapshots for part in recording.parts
        ):
            recording.findings.append(
                Finding(
                    "AR621",
                    Severity.WARNING,
                    f"{recording.dropped_leading} IncrementalSnapshot events before the first "
                    "FullSnapshot dropped: the DOM they change is not in the file",
                    name,
                )
            )
        if recording.dropped_duplicates:
            recording.findings.append(
                Finding(
                    "AR623",
                    Severity.WARNING,
                    f"{recording.dropped_duplicates} exact duplicate events dropped (the first "
                    "of each kept)",
                    name,
                    hint="a retried flush may have written a batch twice",
                )
            )
        if recording.backwards:
            recording.findings.append(
                Finding(
                    "AR622",
                    Severity.WARNING,
                    f"timestamps go backwards {recording.backwards} times, first at event "
                    f"{recording.first_backwards}; the player sorts by time, so events may replay out of order",
                    name,
                )
            )
        if recording.unknown_types:
            listed = ", ".join(
                f"{_type_name(kind)} ×{count}"
                for kind, count in sorted(recording.unknown_types.items())
            )
            recording.findings.append(
                Finding(
                    "AR624",
                    Severity.WARNING,
                    f"event types Amplitude's player ignores: {listed}",
                    name,
                )
            )
        if recording.unknown_sources:
            listed = ", ".join(
                f"{source} ×{count}"
                for source, count in sorted(
                    recording.unknown_sources.items(), key=lambda item: str(item[0])
                )
            )
            recording.findings.append(
                Finding(
                    "AR624",
                    Severity.WARNING,
                    f"unknown IncrementalSnapshot sources: {listed}",
                    name,
                )
            )


def _strict_loads(text: str) -> Any:
    """JSON without NaN and Infinity, which JSON.parse refuses."""
    return STRICT_DECODER.decode(text)


def _positive_integer(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if type(value) is int and value > 0 else None


def _is_gzip(source: Source) -> bool:
    with source.path.open("rb") as raw:  # type: ignore[union-attr]
        return raw.read(2) == b"\x1f\x8b"


def _is_json_scalar(text: str) -> bool:
    try:
        STRICT_DECODER.raw_decode(text.lstrip())
    except ValueError:
        return False
    return True


def _first_key(text: str) -> str | None:
    found = _FIRST_KEY.match(text)
    return found.group(1) if found else None


def _opening(text: str) -> str:
    first_line = text.lstrip().split("\n", 1)[0].strip()
    return first_line[:40] + ("…" if len(first_line) > 40 else "")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", int: "number", float: "number"}.get(
        type(value), "value"
    )


def _type_name(kind: Any) -> str:
    return EVENT_TYPES.get(kind, f"type {kind}")


def _article(value: Any) -> str:
    return "a string" if isinstance(value, str) else f"a JSON {_kind(value)}"


def _timestamp_unit(timestamp: float) -> tuple[str, str]:
    """The finding code and message template for a timestamp outside the epoch-milliseconds range."""
    if MIN_EPOCH_SECONDS <= timestamp < MIN_EPOCH_MS:
        return "AR606", "timestamps look like seconds ({value}); rrweb uses epoch milliseconds"
    if timestamp >= MAX_EPOCH_MS:
        return (
            "AR606",
            "timestamps look like micro- or nanoseconds ({value}); rrweb uses epoch milliseconds",
        )
    return "AR605", "timestamp {value} is not epoch milliseconds"


def _duration(milliseconds: float) -> str:
    minutes = milliseconds / 60000
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    hours = minutes / 60
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"
