"""rrweb recordings in every layout people keep them, checked the way an uploader must
(spec/rrweb/FORMAT.md).

A file is never held whole: `inspect` streams it once (reading it: `layouts`; checking it:
`checks`), gives a verdict and writes the events to send (as the SDK's strings) to a spool file,
which `sent_events` reads back.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TextIO

from amp_replay_cli.core.documents.limits import RECORDING_ITEM, ItemLimit
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import Location
from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.replay.checks import (
    LargestEvent,
    Part,
    RecordingChecks,
    Verdict,
    event_problem,
    serialised,
    verdict_of,
)
from amp_replay_cli.core.replay.layouts import EventUnwrapper, Layout, LayoutReader
from amp_replay_cli.core.replay.problems import ItemProblem, Rejected
from amp_replay_cli.core.replay.rrweb import PackedEventTooLarge
from amp_replay_cli.core.replay.track import DEFAULT_MAX_BATCH_BYTES

__all__ = [
    "RECORDING_SUFFIXES",
    "Layout",
    "Part",
    "Recording",
    "SentEvent",
    "Verdict",
    "inspect",
    "sent_events",
]

RECORDING_SUFFIXES = (".json", ".ndjson", ".jsonl", ".gz", ".txt")
DEVICE_NAMESPACE = uuid.UUID("6f1d5f0e-3b4c-5a8e-9a51-2f0a8c1d7e42")


@dataclass
class Recording:
    """What `inspect` learned about one file."""

    source: Source
    layout: Layout | None = None
    compressed: bool = False
    encoding: str = "utf-8"
    packed: int = 0
    device_id: str | None = None
    session_id: int | None = None
    largest_event: LargestEvent = field(default_factory=LargestEvent)
    parts: list[Part] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    spool: Path | None = None  # the events to send, written by inspect

    @property
    def events(self) -> int:
        return sum(part.events for part in self.parts)

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.findings)

    def default_device_id(self) -> str:
        """A UUID derived from every event the recording sends, so a rerun targets the same
        replay, and two recordings that differ anywhere (a longer re-export of the same
        opening) target different ones."""
        seed = "".join(part.content_digest for part in self.parts) or self.source.name
        digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()
        return str(uuid.uuid5(DEVICE_NAMESPACE, digest))


@dataclass(slots=True)
class SentEvent:
    part: int
    index: int
    literal: str  # the event's SDK string as a JSON string literal, ready for the body


def inspect(
    source: Source,
    split_sessions: bool = False,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    spool: Path | None = None,
    limit: ItemLimit = RECORDING_ITEM,
) -> Recording:
    """Read and check a whole recording file; its findings carry the verdict.

    With `spool`, the events to send are also written there, so that sending them needs no
    second parse; the spool is removed again when the file is rejected. An item longer than
    `limit` ends the reading with LimitExceeded.
    """
    walk = _Pass(source, split_sessions, max_batch_bytes, limit)
    try:
        with _SpoolWriter(spool) as writer:
            for event in walk.events():
                writer.write(event)
    except Rejected as rejected:
        findings = [*walk.checks.problems.findings(source.name), rejected.finding(source.name)]
    else:
        findings = walk.checks.findings(source.name, walk.items)
    recording = walk.recording(findings)
    if spool is not None:
        if recording.verdict is Verdict.REJECT:
            spool.unlink(missing_ok=True)
        else:
            recording.spool = spool
    return recording


def sent_events(recording: Recording, split_sessions: bool = False) -> Iterator[SentEvent]:
    """The events to send, in order, as `inspect` counted them: from its spool, else by reading
    the file again."""
    if recording.spool is not None:
        return _read_spool(recording.spool)
    return _Pass(recording.source, split_sessions, DEFAULT_MAX_BATCH_BYTES).events()


class _Pass:
    """One pass over a file: items → events → checks → SDK strings → filters → parts."""

    def __init__(
        self,
        source: Source,
        split_sessions: bool,
        max_batch_bytes: int,
        limit: ItemLimit = RECORDING_ITEM,
    ):
        self.reader = LayoutReader(source, limit)
        self.unwrapper = EventUnwrapper(limit)
        self.checks = RecordingChecks(split_sessions, max_batch_bytes, self.reader.line)
        self.items = 0

    def events(self) -> Iterator[SentEvent]:
        """The events to send; once an item has a problem, none (the rest is read to count)."""
        reader, checks = self.reader, self.checks
        for index, item in enumerate(reader.items()):
            self.items = index + 1
            unusual_numbers = reader.unusual_numbers()
            try:
                event = self.unwrapper.event_of(item)
            except PackedEventTooLarge:
                where = Location(reader.source.name, reader.line())
                raise reader.limit.exceeded(
                    f"item {index + 1} inflates to an event", where
                ) from None
            if isinstance(event, ItemProblem):
                checks.problems.note(event, index)
                continue
            problem = event_problem(event)
            if problem is not None:
                checks.problems.note(problem, index)
                continue
            # An event unwrapped from a string was parsed without counting its numbers.
            literal, size = serialised(
                event, index, unusual_numbers or item is not event, reader.line
            )
            part = checks.keep(event, index, literal, size)
            if part is not None and not checks.problems:
                yield SentEvent(part.number, index, literal)

    def recording(self, findings: list[Finding]) -> Recording:
        reader = self.reader
        return Recording(
            reader.source,
            layout=reader.layout,
            compressed=reader.compressed,
            encoding=reader.encoding,
            packed=self.unwrapper.packed,
            device_id=reader.device_id,
            session_id=reader.session_id,
            largest_event=self.checks.statistics.largest,
            parts=self.checks.splitter.parts,
            findings=findings,
        )


# A spool holds one event a line: part, index and literal (a literal never holds a raw line break).
_SPOOL_BUFFER = 1 << 20


class _SpoolWriter:
    """Writes the events to send to a spool file; with no path, writes nothing."""

    def __init__(self, path: Path | None):
        self._path = path
        self._file: TextIO | None = None

    def __enter__(self) -> _SpoolWriter:
        if self._path is not None:
            self._file = self._path.open("w", encoding="utf-8", buffering=_SPOOL_BUFFER)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()

    def write(self, event: SentEvent) -> None:
        if self._file is not None:
            self._file.write(f"{event.part}\t{event.index}\t{event.literal}\n")


def _read_spool(path: Path) -> Iterator[SentEvent]:
    with path.open("r", encoding="utf-8", buffering=_SPOOL_BUFFER) as spooled:
        for line in spooled:
            part, index, literal = line.rstrip("\n").split("\t", 2)
            yield SentEvent(int(part), int(index), literal)
