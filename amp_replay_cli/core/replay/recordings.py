"""rrweb recordings in every layout people keep them, checked the way an uploader must
(spec/rrweb/FORMAT.md).

A file is never held whole: `inspect` streams it once (reading it: `layouts`; checking it:
`checks`), gives a verdict and writes the events to send (as the SDK's strings) to a spool file,
which `sent_events` reads back.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from amp_replay_cli.core.collector import collector_paused
from amp_replay_cli.core.documents.limits import RECORDING_ITEM, ItemLimit
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import STRICT_DECODER
from amp_replay_cli.core.errors import Location
from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.replay.bodies import BodyCompressor, CompressedBodies
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
from amp_replay_cli.core.replay.track import DEFAULT_MAX_BATCH_BYTES, MAX_EVENT_BYTES, batches
from amp_replay_cli.core.replay.transcode import (
    FAST_ENCODING,
    REFUSED,
    FastReader,
    ItemDecoder,
    NeedsExactReader,
    fast_literal,
)

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
    bodies: CompressedBodies | None = None  # their batches compressed, written by inspect

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
    literal: bytes  # the event's SDK string as a JSON string literal in UTF-8, ready for the body


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
    with collector_paused():  # each event parsed into thousands of objects
        try:
            walk = _Pass(source, split_sessions, max_batch_bytes, limit, fast=True)
            findings = walk.run(spool)
        except NeedsExactReader:
            walk = _Pass(source, split_sessions, max_batch_bytes, limit)
            findings = walk.run(spool)
    recording = walk.recording(findings)
    if spool is not None:
        if recording.verdict is Verdict.REJECT:
            spool.unlink(missing_ok=True)
            spool.with_suffix(".bodies").unlink(missing_ok=True)
        else:
            recording.spool = spool
            recording.bodies = walk.bodies
    return recording


def sent_events(recording: Recording, split_sessions: bool = False) -> Iterator[SentEvent]:
    """The events to send, in order, as `inspect` counted them: from its spool, else by reading
    the file again."""
    if recording.spool is not None:
        return _read_spool(recording.spool)
    return _Pass(recording.source, split_sessions, DEFAULT_MAX_BATCH_BYTES).events()


class _Pass:
    """One pass over a file: items → events → checks → SDK strings → filters → parts.

    `fast`: read by the fast path (`transcode`), which ends with NeedsExactReader where it
    cannot go on as the exact reader would.
    """

    def __init__(
        self,
        source: Source,
        split_sessions: bool,
        max_batch_bytes: int,
        limit: ItemLimit = RECORDING_ITEM,
        fast: bool = False,
    ):
        self.reader = LayoutReader(source, limit)
        self.fast = FastReader(source, limit) if fast else None
        self.unwrapper = EventUnwrapper(limit)
        self.checks = RecordingChecks(split_sessions, max_batch_bytes, self.reader.line)
        self.max_batch_bytes = max_batch_bytes
        self.items = 0
        self.bodies: CompressedBodies | None = None

    def run(self, spool: Path | None) -> list[Finding]:
        """Every event checked, those to send written to `spool` and their batches compressed
        beside it (`bodies`); the findings."""
        name = self.reader.source.name
        try:
            if spool is None:
                for _ in self.events():
                    pass
            else:
                self._spool(spool)
        except Rejected as rejected:
            return [*self.checks.problems.findings(name), rejected.finding(name)]
        return self.checks.findings(name, self.items)

    def _spool(self, spool: Path) -> None:
        with (
            _SpoolWriter(spool) as writer,
            BodyCompressor(spool.with_suffix(".bodies")) as compressor,
        ):
            for number, of_part in itertools.groupby(self.events(), key=lambda event: event.part):
                literals = ((event.index, event.literal) for event in writer.written(of_part))
                for batch in batches(literals, self.max_batch_bytes):
                    compressor.add(number, batch.index, batch.raw_body)
        self.bodies = compressor.bodies

    def events(self) -> Iterator[SentEvent]:
        return self._exact_events() if self.fast is None else self._fast_events(self.fast)

    def _fast_events(self, fast: FastReader) -> Iterator[SentEvent]:
        """The events to send, transcoded in C; NeedsExactReader at the first item with a
        problem (the exact reader words its finding), so every item here is a good event."""
        checks, decoder = self.checks, ItemDecoder()
        for index, item in enumerate(fast.items()):
            self.items = index + 1
            value, floats = decoder.decoded(item)
            exact = value is REFUSED
            if exact:  # a lone surrogate, deep nesting: what Python's json reads, as before
                value = _exact_value(item)
            event = value if isinstance(value, dict) else self._unwrapped(value)
            if event_problem(event) is not None:
                raise NeedsExactReader
            literal_and_size = None if exact or event is not value else fast_literal(event, floats)
            if literal_and_size is None:
                # A number JavaScript writes otherwise, an unwrapped string, an item msgspec
                # refused: today's exact path, from the values Python's json reads.
                if event is value and not exact:
                    event = value = _exact_value(item)
                try:
                    literal_and_size = serialised(event, index, True, lambda: None)
                except (Rejected, RecursionError):
                    raise NeedsExactReader from None  # the exact reader says where
            literal, size = literal_and_size
            if size > MAX_EVENT_BYTES:
                raise NeedsExactReader
            part = checks.keep(event, index, literal, size)
            if part is not None:
                yield SentEvent(part.number, index, literal)

    def _unwrapped(self, value: Any) -> dict[str, Any]:
        try:
            event = self.unwrapper.event_of(value)
        except PackedEventTooLarge:
            raise NeedsExactReader from None
        if isinstance(event, ItemProblem):
            raise NeedsExactReader
        return event

    def _exact_events(self) -> Iterator[SentEvent]:
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
        reader, fast = self.reader, self.fast
        return Recording(
            reader.source,
            layout=reader.layout if fast is None else fast.layout,
            compressed=reader.compressed if fast is None else fast.compressed,
            encoding=reader.encoding if fast is None else FAST_ENCODING,
            packed=self.unwrapper.packed,
            device_id=reader.device_id,
            session_id=reader.session_id,
            largest_event=self.checks.statistics.largest,
            parts=self.checks.splitter.parts,
            findings=findings,
        )


def _exact_value(item: bytes) -> Any:
    """The item as Python's json reads it, as the exact reader does."""
    try:
        return STRICT_DECODER.decode(item.decode("utf-8"))
    except (ValueError, RecursionError):
        raise NeedsExactReader from None


# A spool holds one event a line: part, index and literal (a literal never holds a raw line break).
_SPOOL_BUFFER = 1 << 20


class _SpoolWriter:
    """Writes the events to send to a spool file."""

    def __init__(self, path: Path):
        self._path = path
        self._file: BinaryIO | None = None

    def __enter__(self) -> _SpoolWriter:
        self._file = self._path.open("wb", buffering=_SPOOL_BUFFER)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()

    def written(self, events: Iterable[SentEvent]) -> Iterator[SentEvent]:
        """Each event, once written."""
        assert self._file is not None
        write = self._file.write
        for event in events:
            write(b"%d\t%d\t" % (event.part, event.index))
            write(event.literal)  # not formatted into the line: a copy fewer
            write(b"\n")
            yield event


def _read_spool(path: Path) -> Iterator[SentEvent]:
    with path.open("rb", buffering=_SPOOL_BUFFER) as spooled:
        for line in spooled:
            part, index, literal = line[:-1].split(b"\t", 2)
            yield SentEvent(int(part), int(index), literal)
