"""Checking a recording's events the way an uploader must (spec/rrweb/FORMAT.md): the AR6xx
findings, and the verdict they give.

Each event is validated (`event_problem`) and serialised as the SDK sends it (`serialised`);
`RecordingChecks` then drops what must not be sent (`EventFilter`), places the rest in parts
(`PartSplitter`: one Amplitude session each when splitting), counts what the player ignores
(`EventStatistics`) and concludes with the findings.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
    """A timestamp outside the epoch-milliseconds range, and the unit it seems to be in."""
    if MIN_EPOCH_SECONDS <= timestamp < MIN_EPOCH_MS:
        template = "timestamps look like seconds ({value}); rrweb uses epoch milliseconds"
        return ItemProblem("AR606", template, repr(timestamp))
    if timestamp >= MAX_EPOCH_MS:
        template = (
            "timestamps look like micro- or nanoseconds ({value}); rrweb uses epoch milliseconds"
        )
        return ItemProblem("AR606", template, repr(timestamp))
    return ItemProblem("AR605", "timestamp {value} is not epoch milliseconds", repr(timestamp))


def serialised(
    event: dict[str, Any], index: int, unusual_numbers: bool, where: Callable[[], int | None]
) -> tuple[str, int]:
    """The event as the body carries it, and its size in UTF-8 bytes as the SDK measures it;
    `Rejected` when the SDK could never send it."""
    try:
        literal, size = event_literal(event, unusual_numbers)
    except RecursionError:
        raise Rejected(
            "AR610", f"event {index} is nested too deeply to serialise", where()
        ) from None
    if size > MAX_EVENT_BYTES:
        raise Rejected(
            "AR609",
            f"event {index} ({_type_name(event['type'])}) is {size:,} bytes; the SDK drops "
            f"events over {MAX_EVENT_BYTES:,} bytes and Amplitude refuses them",
            where(),
            hint="record with smaller snapshots (blockSelector for huge elements, no inline "
            "images)",
        )
    return literal, size


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
    # The first FullSnapshot's text: what a stable default device id is derived from.
    device_seed: str = ""
    planner: BatchPlanner = field(default_factory=BatchPlanner, repr=False, compare=False)

    @property
    def default_session_id(self) -> int:
        return math.floor(self.first_timestamp)

    def add(self, event: dict[str, Any], literal: str) -> None:
        """Count an event that will be sent: its bytes, its batch, and the page URL and device
        seed the replay takes from the first Meta and FullSnapshot."""
        added = literal_size(literal)
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
                self.device_seed = literal
        elif kind == META:
            self.metas += 1
            href = event["data"].get("href")
            if not self.page_url and isinstance(href, str):
                self.page_url = href


class Gap(NamedTuple):
    before_index: int
    milliseconds: float


class PartSplitter:
    """Places events in parts. A pause longer than Amplitude's session timeout opens another
    part when splitting; when not, the first such pause is remembered (it rejects the file)."""

    def __init__(self, split_sessions: bool, max_batch_bytes: int):
        self.parts: list[Part] = []
        self.backwards = 0
        self.first_backwards: int | None = None
        self.unsplit_gap: Gap | None = None
        self._split_sessions = split_sessions
        self._max_batch_bytes = max_batch_bytes
        self._last_timestamp: float | None = None

    def place(self, index: int, timestamp: float) -> Part:
        last = self._last_timestamp
        if last is not None and timestamp < last:
            self.backwards += 1
            if self.first_backwards is None:
                self.first_backwards = index
        elif last is not None and timestamp - last > SESSION_GAP_MS:
            if self._split_sessions:
                self.parts.append(self._new_part(index, timestamp))
            elif self.unsplit_gap is None:
                self.unsplit_gap = Gap(index, timestamp - last)
        if not self.parts:
            self.parts.append(self._new_part(index, timestamp))
        self._last_timestamp = timestamp if last is None else max(last, timestamp)
        return self.parts[-1]

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

    def keeps(self, kind: int, literal: str) -> bool:
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

    def keep(self, event: dict[str, Any], index: int, literal: str, size: int) -> Part | None:
        """The part a valid event is sent in; None when it is dropped."""
        if not self.filter.keeps(event["type"], literal):
            return None
        part = self.splitter.place(index, event["timestamp"])
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
        if self.splitter.unsplit_gap is not None:
            findings.append(_several_sessions(self.splitter.unsplit_gap, file))
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


def _several_sessions(gap: Gap, file: str) -> Finding:
    return Finding(
        "AR608",
        Severity.ERROR,
        f"several sessions in one file: {_duration(gap.milliseconds)} without events before "
        f"event {gap.before_index} (Amplitude starts a new session after 30 minutes)",
        file,
        hint="upload each part as its own session with --split-sessions",
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
            f"timestamps go backwards {splitter.backwards} times, first at event "
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
