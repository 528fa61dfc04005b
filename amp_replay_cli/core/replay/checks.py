"""Checking a recording's events the way an uploader must (spec/rrweb/FORMAT.md): the AR6xx
findings, and the verdict they give.

Each event is validated (`event_problem`) and serialised as the SDK sends it (`serialised`);
`RecordingChecks` then drops what must not be sent (`EventFilter`), places the rest in parts
(`PartSplitter`: one Amplitude session each when splitting), counts what the player ignores
(`EventStatistics`) and concludes with the findings.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import xxhash

from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.replay.problems import ItemProblem, ProblemTally, Rejected, json_kind
from amp_replay_cli.core.replay.track import (
    MAX_EVENT_BYTES,
    BatchPlanner,
    event_literal,
    literal_size,
)

SESSION_GAP_MS = 30 * 60 * 1000  # Amplitude's session timeout: a longer pause starts a session
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
# How a recorder starts on a page (spec/rrweb/FORMAT.md §5): DomContentLoaded and Load when it
# started early, then Meta and FullSnapshot.
OPENING_TYPES = frozenset({0, 1, META})
# Keys some capture harnesses add to every event; rrweb itself has no per-event session id.
EVENT_SESSION_KEYS = ("sessionId", "session_id")
# Epoch milliseconds of the rrweb era lie between these; seconds and microseconds fall outside.
MIN_EPOCH_MS, MAX_EPOCH_MS = 100_000_000_000, 100_000_000_000_000
MIN_EPOCH_SECONDS = 100_000_000
_TIMES = "\N{MULTIPLICATION SIGN}"


class Verdict(str, enum.Enum):
    ACCEPT = "accept"
    WARN = "warn"
    REJECT = "reject"


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    severities = {finding.severity for finding in findings}
    if Severity.ERROR in severities:
        return Verdict.REJECT
    if Severity.WARNING in severities:
        return Verdict.WARN
    return Verdict.ACCEPT


def event_problem(event: dict[str, Any]) -> ItemProblem | None:
    """What keeps the player from using an event (type, timestamp, data), if anything."""
    kind, timestamp = event.get("type"), event.get("timestamp")
    if (
        type(kind) is int
        and type(timestamp) is int
        and MIN_EPOCH_MS <= timestamp < MAX_EPOCH_MS
        and type(event.get("data")) is dict
    ):
        return None  # the usual case, decided in one test
    return _diagnosis(event)


def _diagnosis(event: dict[str, Any]) -> ItemProblem | None:
    kind = event.get("type")
    if kind is None:
        return ItemProblem("AR604", "no type")
    if type(kind) is not int:
        return ItemProblem("AR604", "type is {value}, not an integer", _article(kind))
    timestamp = event.get("timestamp")
    if timestamp is None:
        return ItemProblem(
            "AR605", "no timestamp", hint="do not guess one: re-export the recording"
        )
    if type(timestamp) not in (int, float):
        return ItemProblem("AR605", "timestamp is {value}, not a number", _article(timestamp))
    if not math.isfinite(timestamp):
        return ItemProblem("AR605", "timestamp is not a finite number")
    if not MIN_EPOCH_MS <= timestamp < MAX_EPOCH_MS:
        return _timestamp_unit(timestamp)
    if not isinstance(event.get("data"), dict):
        return ItemProblem("AR603", "no data object")
    return None  # a float timestamp in range: fine


def _timestamp_unit(timestamp: float) -> ItemProblem:
    """A timestamp outside the epoch-milliseconds range: what is known is only that it is too
    small or too large; the unit it is in is a guess the hint offers, not a finding."""
    if MIN_EPOCH_SECONDS <= timestamp < MIN_EPOCH_MS:
        # Epoch seconds, or milliseconds counted from another start (a page-load clock): a
        # value alone cannot tell which, so the message says neither.
        return ItemProblem(
            "AR606",
            "timestamp {value} is too small for epoch milliseconds (it would be before 1973)",
            repr(timestamp),
            hint=f"if these are epoch seconds ({_as_date(timestamp)}), multiply by 1000; if "
            "they are milliseconds from another start, add that start's epoch milliseconds",
        )
    if timestamp >= MAX_EPOCH_MS:
        return ItemProblem(
            "AR606",
            "timestamp {value} is too large for epoch milliseconds (it would be after the "
            "year 5000)",
            repr(timestamp),
            hint="if these are micro- or nanoseconds, divide by 1,000 or 1,000,000",
        )
    return ItemProblem("AR605", "timestamp {value} is not epoch milliseconds", repr(timestamp))


def _as_date(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def serialised(
    event: dict[str, Any], index: int, unusual_numbers: bool, where: Callable[[], int | None]
) -> tuple[bytes, int]:
    """The event as the body carries it (a JSON string literal in UTF-8), and its size in UTF-8
    bytes as the SDK measures it; `Rejected` when the SDK could never send it."""
    try:
        literal, size = event_literal(event, unusual_numbers)
    except RecursionError:
        raise Rejected(
            "AR610", f"event {index} is nested too deeply to serialise", where()
        ) from None
    too_large(event, index, size, where)
    return literal.encode("utf-8"), size  # well-formed: a lone surrogate is written as an escape


def too_large(
    event: dict[str, Any], index: int, size: int, where: Callable[[], int | None]
) -> None:
    """`Rejected` when the event's SDK string is larger than the SDK ever sends."""
    if size > MAX_EVENT_BYTES:
        raise Rejected(
            "AR609",
            f"event {index} ({_type_name(event['type'])}) is {size:,} bytes; the SDK drops "
            f"events over {MAX_EVENT_BYTES:,} bytes and Amplitude refuses them",
            where(),
            hint="record with smaller snapshots (blockSelector for huge elements, no inline "
            "images)",
        )


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
    planner: BatchPlanner = field(default_factory=BatchPlanner, repr=False, compare=False)
    # A hash of every event sent, in order: what tells two recordings apart, however alike
    # their openings (default device ids, the journal's record of a replay's content).
    content: Any = field(default_factory=xxhash.xxh3_128, repr=False, compare=False)

    @property
    def default_session_id(self) -> int:
        return math.floor(self.first_timestamp)

    @property
    def content_digest(self) -> str:
        return str(self.content.hexdigest())

    def add(self, event: dict[str, Any], literal: bytes) -> None:
        """Count an event that will be sent: its bytes, its batch, its content, and the page URL
        the replay takes from the first Meta."""
        added = literal_size(literal)
        # Literals are JSON string literals: joined, they cannot run into one another.
        self.content.update(literal)
        self.events += 1
        self.raw_bytes += added
        self.batches += self.planner.starts_batch(added)
        timestamp = event["timestamp"]
        self.last_timestamp = max(self.last_timestamp, timestamp)
        kind = event["type"]
        if kind == FULL_SNAPSHOT:
            self.full_snapshots += 1
            if self.first_full_snapshot is None:
                self.first_full_snapshot = timestamp
        elif kind == META:
            self.metas += 1
            href = event["data"].get("href")
            if not self.page_url and isinstance(href, str):
                self.page_url = href


@dataclass
class Session:
    """A session found in a recording: where it starts, why, and what a replay of it would hold."""

    first_index: int
    cause: str = ""  # why a session starts here (empty for the first)
    events: int = 0
    full_snapshots: int = 0

    @property
    def uploadable(self) -> bool:
        """What `_replay_needs` requires of a replay: a FullSnapshot and a second event."""
        return self.full_snapshots > 0 and self.events >= 2


_NO_SESSION = object()  # an event without a session id of its own


class PartSplitter:
    """Finds the sessions of a recording and places its events in parts.

    Another session starts after a pause longer than Amplitude's session timeout; where time
    jumps back by as much to an event a recorder opens with (two recordings joined); and where
    the events' own session id changes (some capture harnesses add one to every event). When
    splitting, each session is a part; when not, the file is one part, and several sessions
    reject it.
    """

    def __init__(self, split_sessions: bool, max_batch_bytes: int):
        self.parts: list[Part] = []
        self.sessions: list[Session] = []
        self.backwards = 0  # steps back in time, each from the event before
        self.first_backwards: int | None = None
        self._split_sessions = split_sessions
        self._max_batch_bytes = max_batch_bytes
        self._previous: float = 0.0  # the timestamp of the event before
        self._latest: float = 0.0  # the latest timestamp of the current session
        self._event_session: Any = _NO_SESSION

    def place(self, index: int, event: dict[str, Any]) -> Part:
        timestamp, kind = event["timestamp"], event["type"]
        cause = self._new_session(index, event, timestamp, kind)
        if not self.sessions or cause:
            self.sessions.append(Session(index, cause))
            self._latest = timestamp
            if self._split_sessions or not self.parts:
                self.parts.append(self._new_part(index, timestamp))
        elif timestamp < self._previous:
            self.backwards += 1
            if self.first_backwards is None:
                self.first_backwards = index
        session = self.sessions[-1]
        session.events += 1
        session.full_snapshots += kind == FULL_SNAPSHOT
        self._previous = timestamp
        self._latest = max(self._latest, timestamp)
        return self.parts[-1]

    def _new_session(self, index: int, event: dict[str, Any], timestamp: float, kind: int) -> str:
        """Why another session starts at this event; empty when it does not."""
        key = (
            next((key for key in EVENT_SESSION_KEYS if key in event), None)
            if (
                len(event) > 3  # type, timestamp, data: the usual event has no more keys to look at
            )
            else None
        )
        if key is not None:
            known, self._event_session = self._event_session, event[key]
            if known is not _NO_SESSION and event[key] != known:
                return (
                    f"the events' {key} changes from {_shown(known)} to {_shown(event[key])} "
                    f"at event {index}"
                )
        if not self.sessions:
            return ""
        back = self._previous - timestamp
        if back > SESSION_GAP_MS and kind in OPENING_TYPES:
            return (
                f"time goes back {_duration(back)} at event {index}, a {_type_name(kind)} as a "
                "recording starts with: two recordings joined"
            )
        pause = timestamp - self._latest
        if pause > SESSION_GAP_MS:
            return (
                f"{_duration(pause)} without events before event {index} (Amplitude starts a "
                "new session after 30 minutes)"
            )
        return ""

    def _new_part(self, index: int, timestamp: float) -> Part:
        planner = BatchPlanner(self._max_batch_bytes)
        return Part(len(self.parts), index, timestamp, timestamp, planner=planner)


class EventFilter:
    """Drops what must not be sent: IncrementalSnapshots before the first FullSnapshot (the DOM
    they change is not in the file, so nothing can apply them) and exact duplicates."""

    def __init__(self) -> None:
        self.dropped_leading = 0
        self.dropped_duplicates = 0
        self._full_snapshot_kept = False
        self._kept: set[int] = set()  # hashes: 8 bytes of hash, ~60 of set, per event

    def keeps(self, kind: int, literal: bytes) -> bool:
        if kind == INCREMENTAL and not self._full_snapshot_kept:
            self.dropped_leading += 1
            return False
        fingerprint = hash(literal)
        if fingerprint in self._kept:
            self.dropped_duplicates += 1
            return False
        self._kept.add(fingerprint)
        if kind == FULL_SNAPSHOT:
            self._full_snapshot_kept = True
        return True


@dataclass(frozen=True)
class LargestEvent:
    index: int = 0
    kind: int = 0
    size: int = 0  # UTF-8 bytes of its SDK string


class EventStatistics:
    """The largest event, and what Amplitude's player ignores: unknown event types and
    IncrementalSnapshot sources."""

    def __init__(self) -> None:
        self.largest = LargestEvent()
        self.unknown_types: Counter[int] = Counter()
        self.unknown_sources: Counter[int | str] = Counter()

    def add(self, event: dict[str, Any], index: int, size: int) -> None:
        kind = event["type"]
        if size > self.largest.size:
            self.largest = LargestEvent(index, kind, size)
        if kind not in AMPLITUDE_EVENT_TYPES:
            self.unknown_types[kind] += 1
        elif kind == INCREMENTAL:
            source = event["data"].get("source")
            if type(source) is not int or source not in INCREMENTAL_SOURCES:
                self.unknown_sources[source if isinstance(source, int) else repr(source)] += 1


class RecordingChecks:
    """The checks of one pass over a recording, event after event, and the findings they
    conclude with."""

    def __init__(self, split_sessions: bool, max_batch_bytes: int, where: Callable[[], int | None]):
        self.problems = ProblemTally(where)
        self.filter = EventFilter()
        self.splitter = PartSplitter(split_sessions, max_batch_bytes)
        self.statistics = EventStatistics()

    def keep(self, event: dict[str, Any], index: int, literal: bytes, size: int) -> Part | None:
        """The part a valid event is sent in; None when it is dropped."""
        if not self.filter.keeps(event["type"], literal):
            return None
        part = self.splitter.place(index, event)
        part.add(event, literal)
        self.statistics.add(event, index, size)
        return part

    def findings(self, file: str, items: int) -> list[Finding]:
        """Items with problems reject the file; then what a replay needs, then the warnings."""
        if self.problems:
            return self.problems.findings(file)
        if items == 0:
            return [Finding("AR602", Severity.ERROR, "no events in file", file)]
        parts = self.splitter.parts
        if not parts:
            return [_no_full_snapshot("", file)]
        findings = []
        if len(self.splitter.sessions) > len(parts):
            findings.append(_several_sessions(self.splitter.sessions, items, file))
        for part in parts:
            where = f"session starting at event {part.first_index}: " if len(parts) > 1 else ""
            findings.extend(_replay_needs(part, where, file))
        findings.extend(self._dropped(file))
        findings.extend(_backwards(self.splitter, file))
        findings.extend(_ignored(self.statistics, file))
        return findings

    def _dropped(self, file: str) -> list[Finding]:
        dropped = []
        leading = self.filter.dropped_leading
        if leading and any(part.full_snapshots for part in self.splitter.parts):
            dropped.append(
                Finding(
                    "AR621",
                    Severity.WARNING,
                    f"{leading} IncrementalSnapshot events before the first FullSnapshot "
                    "dropped: the DOM they change is not in the file",
                    file,
                )
            )
        if self.filter.dropped_duplicates:
            dropped.append(
                Finding(
                    "AR623",
                    Severity.WARNING,
                    f"{self.filter.dropped_duplicates} exact duplicate events dropped (the "
                    "first of each kept)",
                    file,
                    hint="a retried flush may have written a batch twice",
                )
            )
        return dropped


def _no_full_snapshot(where: str, file: str) -> Finding:
    return Finding(
        "AR607",
        Severity.ERROR,
        f"{where}no FullSnapshot (type 2) event; nothing can be replayed",
        file,
    )


def _several_sessions(sessions: list[Session], items: int, file: str) -> Finding:
    """The sessions of an unsplit file, named by their events; the hint offers splitting only
    when each session would make a replay."""
    ends = [session.first_index - 1 for session in sessions[1:]] + [items - 1]
    ranges = [f"{session.first_index}-{end}" for session, end in zip(sessions, ends, strict=True)]
    listed = ", ".join(ranges[:-1]) + f" and {ranges[-1]}"
    unfit = next((session for session in sessions if not session.uploadable), None)
    if unfit is None:
        hint = "upload each part as its own session with --split-sessions"
    else:
        lacks = "has no FullSnapshot" if not unfit.full_snapshots else "holds only 1 event"
        hint = (
            f"the session starting at event {unfit.first_index} {lacks}, so --split-sessions "
            "would not make it a replay: export each session on its own, from its start"
        )
    return Finding(
        "AR608",
        Severity.ERROR,
        f"{len(sessions)} sessions in one file (events {listed}): {sessions[1].cause}",
        file,
        hint=hint,
    )


def _replay_needs(part: Part, where: str, file: str) -> list[Finding]:
    """A FullSnapshot and a second event (or nothing can be replayed), and a Meta event."""
    if part.full_snapshots == 0:
        return [_no_full_snapshot(where, file)]
    needs = []
    if part.events < 2:
        needs.append(
            Finding(
                "AR602",
                Severity.ERROR,
                f"{where}{part.events} event; a replay needs at least 2",
                file,
            )
        )
    if part.metas == 0:
        needs.append(
            Finding(
                "AR620",
                Severity.WARNING,
                f"{where}no Meta (type 4) event: the replay has no viewport size or page URL",
                file,
            )
        )
    return needs


def _backwards(splitter: PartSplitter, file: str) -> list[Finding]:
    if not splitter.backwards:
        return []
    return [
        Finding(
            "AR622",
            Severity.WARNING,
            f"timestamps go backwards {splitter.backwards} "
            f"time{'s' if splitter.backwards != 1 else ''}, first at event "
            f"{splitter.first_backwards}; the player sorts by time, so events may replay out "
            "of order",
            file,
        )
    ]


def _ignored(statistics: EventStatistics, file: str) -> list[Finding]:
    ignored = []
    if statistics.unknown_types:
        listed = ", ".join(
            f"{_type_name(kind)} {_TIMES}{count}"
            for kind, count in sorted(statistics.unknown_types.items())
        )
        ignored.append(
            Finding(
                "AR624", Severity.WARNING, f"event types Amplitude's player ignores: {listed}", file
            )
        )
    if statistics.unknown_sources:
        listed = ", ".join(
            f"{source} {_TIMES}{count}"
            for source, count in sorted(
                statistics.unknown_sources.items(), key=lambda item: str(item[0])
            )
        )
        ignored.append(
            Finding(
                "AR624", Severity.WARNING, f"unknown IncrementalSnapshot sources: {listed}", file
            )
        )
    return ignored


def _shown(value: Any) -> str:
    """An input value in a message: as JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "\N{HORIZONTAL ELLIPSIS}"


def _type_name(kind: Any) -> str:
    return EVENT_TYPES.get(kind, f"type {kind}")


def _article(value: Any) -> str:
    return "a string" if isinstance(value, str) else f"a JSON {json_kind(value)}"


def _duration(milliseconds: float) -> str:
    minutes = milliseconds / 60000
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    hours = minutes / 60
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"
