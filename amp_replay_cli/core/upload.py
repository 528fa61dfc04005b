"""`upload`: rrweb recordings into Amplitude Session Replay, sent exactly as SDK 1.51.6 sends them.

Every file is checked first (`recordings.inspect`); a rejected file sends nothing. Then each
replay's batches go out in order, sessions in parallel (`concurrency`), each acknowledged batch
written to the journal before the next, so a rerun after a crash or Ctrl-C resends only what
was in flight. Replies are handled as the SDK handles them (spec/sdk/SPEC.md §4.5, §4.6).
"""

from __future__ import annotations

import itertools
import json
import queue
import sys
import tempfile
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Protocol, TypeVar

from amp_replay_cli.core.amplitude import (
    Client,
    Endpoints,
    Reply,
    RetryBudget,
    RetryPolicy,
    auth_failure,
)
from amp_replay_cli.core.documents.sources import Source, expand_paths
from amp_replay_cli.core.errors import (
    AuthError,
    InputError,
    Interrupted,
    Location,
    NetworkError,
    UsageError,
)
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.paths import spool
from amp_replay_cli.core.replay import recordings
from amp_replay_cli.core.replay.journal import Journal, batch_key
from amp_replay_cli.core.replay.recordings import Recording, Part, Verdict
from amp_replay_cli.core.replay.track import (
    BODY_OVERHEAD,
    DEFAULT_MAX_BATCH_BYTES,
    Batch,
    TrackRequest,
    batches,
    build_request,
)
from amp_replay_cli.core.wire import (
    REPLAY_ID_PART,
    REPLAY_ID_PROPERTY,
    SKIP_HEADER,
    WAF_LIMIT_BYTES,
    WAF_REFUSAL,
)
from amp_replay_cli.core.wording import format_bytes

THROTTLE_PAUSE_SECONDS = 60.0  # the SDK's THROTTLED_FLUSH_PAUSE_MS
MAX_THROTTLED_RESENDS = 5
SKIP_REASONS = {
    "4004": "the session is outside the range Amplitude accepts (4004)",
    "4005": "capture is disabled for this project (4005)",
}


class Progress(Protocol):
    def checking(self, name: str) -> None: ...

    def start(self, total_bytes: int, total_batches: int) -> None: ...

    def advance(self, raw_bytes: int, batches: int) -> None: ...


@dataclass(frozen=True)
class UploadSettings:
    api_key: str | None
    endpoints: Endpoints
    device_id: str | None = None
    session_id: int | None = None
    split_sessions: bool = False
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES
    concurrency: int = 2
    dry_run: bool = False
    journal_path: Path | None = None  # None: remember acknowledged batches for this run only
    link_event: str | None = None
    user_id: str | None = None
    page_url: str | None = None
    strict: bool = False


@dataclass
class Upload:
    """One replay: a recording's session, where it goes, and what happened to it."""

    recording: Recording
    part: Part | None
    device_id: str | None
    session_id: int | None
    status: str = "planned"
    batches_sent: int = 0
    batches_journaled: int = 0
    events_sent: int = 0
    raw_bytes: int = 0
    wire_bytes: int = 0
    retries: int = 0
    throttled: int = 0
    linked: bool | None = None

    @property
    def replay_id(self) -> str | None:
        return None if self.device_id is None else f"{self.device_id}/{self.session_id}"

    @property
    def planned_batches(self) -> int:
        return self.part.batches if self.part else 0

    @property
    def planned_raw_bytes(self) -> int:
        if self.part is None:
            return 0
        return self.part.raw_bytes + self.part.batches * (BODY_OVERHEAD - 1)

    def row(self) -> dict[str, Any]:
        recording = self.recording
        return {
            "file": recording.source.name,
            "verdict": recording.verdict.value,
            "status": self.status,
            "layout": recording.layout.value if recording.layout else None,
            "compressed": recording.compressed,
            "packed": recording.packed > 0,
            "replay_id": self.replay_id,
            "device_id": self.device_id,
            "session_id": self.session_id,
            "events": self.part.events if self.part else 0,
            "largest_event_bytes": recording.largest_event.size,
            "first_timestamp": self.part.first_timestamp if self.part else None,
            "last_timestamp": self.part.last_timestamp if self.part else None,
            "batches": self.planned_batches,
            "batches_sent": self.batches_sent,
            "batches_already_sent": self.batches_journaled,
            "raw_bytes": self.raw_bytes if self.status != "planned" else self.planned_raw_bytes,
            "wire_bytes": self.wire_bytes,
            "retries": self.retries,
            "linked": self.linked,
        }


class _SessionEnded(Exception):
    """This replay cannot go on; the others can."""

    def __init__(self, status: str, finding: Finding):
        super().__init__(finding.message)
        self.status = status
        self.finding = finding


def upload(
    paths: list[str],
    settings: UploadSettings,
    transport: Any = None,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] | None = None,
    random: Callable[[], float] | None = None,
) -> Report:
    report = Report(command="upload", strict=settings.strict)
    if not settings.dry_run and not settings.api_key:
        raise UsageError(
            "no API key", hint="set AMPLITUDE_API_KEY (or --api-key), or use --dry-run"
        )
    if settings.api_key:
        report.secrets.add(settings.api_key)
    with tempfile.TemporaryDirectory(prefix="amp-replay-") as scratch:
        checked = _inspect_all(paths, settings, report, stdin, Path(scratch), progress)
        uploads = _plan(checked, settings, report)
        report.result["uploads"] = [item.row() for item in uploads]
        if not settings.dry_run and any(item.status == "planned" for item in uploads):
            try:
                _Delivery(settings, report, transport, progress, sleep, random).run(uploads)
            except (AuthError, NetworkError, Interrupted) as error:
                report.fatal = error  # the run ends, and its report still says what was delivered
        report.result["uploads"] = [item.row() for item in uploads]
    report.subjects = [recording.source.name for recording in checked]
    report.summary.update(_summary(uploads, checked))
    report.headline = _headline(report.summary, settings.dry_run)
    return report


def _inspect_all(
    paths: list[str],
    settings: UploadSettings,
    report: Report,
    stdin: BinaryIO | None,
    scratch: Path,
    progress: Progress | None,
) -> list[Recording]:
    checked = []
    for item in expand_paths(paths, recordings.RECORDING_SUFFIXES):
        if isinstance(item, InputError):
            report.problems.append(item)
            continue
        if item.path is None:  # stdin is read twice: check, then send
            item = Source(item.name, spool(stdin or sys.stdin.buffer, scratch / "stdin"))
        elif not item.path.is_file():
            cause = "no such file" if not item.path.exists() else "not a regular file"
            report.problems.append(InputError(cause, location=Location(item.name)))
            continue
        if progress is not None:
            progress.checking(item.name)
        events_spool = None if settings.dry_run else scratch / f"events-{len(checked)}.spool"
        recording = recordings.inspect(
            item, settings.split_sessions, settings.max_batch_bytes, events_spool
        )
        report.findings.extend(recording.findings)
        checked.append(recording)
    return checked


def _plan(checked: list[Recording], settings: UploadSettings, report: Report) -> list[Upload]:
    uploads = []
    for recording in checked:
        if recording.verdict is Verdict.REJECT or not recording.parts:
            uploads.append(Upload(recording, None, None, None, status="rejected"))
            continue
        device_id = settings.device_id or recording.device_id or recording.default_device_id()
        for part in recording.parts:
            upload_ = Upload(
                recording, part, device_id, _session_id(settings, recording, part)
            )
            uploads.append(upload_)
        problem = _id_problem(device_id, recording.source.name)
        if problem is not None:
            recording.findings.append(problem)
            report.findings.append(problem)
            if problem.severity is Severity.ERROR:
                for upload_ in uploads:
                    if upload_.recording is recording:
                        upload_.status = "rejected"
    return uploads


def _session_id(settings: UploadSettings, recording: Recording, part: Part) -> int:
    if settings.session_id is not None:
        return settings.session_id
    if part.number == 0 and recording.session_id is not None:
        return recording.session_id
    return part.default_session_id


def _id_problem(device_id: str, file: str) -> Finding | None:
    if "/" in device_id:
        return Finding(
            "AR611",
            Severity.ERROR,
            f"device id {device_id!r} contains '/', which separates the device from "
            "the session in a replay id",
            file,
            hint="choose another with --device-id",
        )
    if not REPLAY_ID_PART.fullmatch(device_id):
        return Finding(
            "AR611",
            Severity.WARNING,
            f"device id {device_id!r} has characters Amplitude does not allow in "
            "replay ids (only a-z A-Z 0-9 _ - . | @ : =)",
            file,
        )
    return None


class _Delivery:
    """Sends the planned uploads: a worker per group of files that share a replay, batches in order."""

    def __init__(
        self,
        settings: UploadSettings,
        report: Report,
        transport: Any,
        progress: Progress | None,
        sleep: Callable[[float], None] | None,
        random: Callable[[], float] | None,
    ):
        self.settings = settings
        self.report = report
        self.transport = transport
        self.progress = progress
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.options: dict[str, Any] = {
            key: value for key, value in (("sleep", sleep), ("random", random)) if value is not None
        }
        self.server = settings.endpoints.describe()

    def run(self, uploads: list[Upload]) -> None:
        planned = [item for item in uploads if item.status == "planned"]
        total_batches = sum(item.planned_batches for item in planned)
        budget = RetryBudget(max(50, 4 * total_batches))
        journal = Journal(self.settings.journal_path)
        if self.progress is not None:
            self.progress.start(sum(item.planned_raw_bytes for item in planned), total_batches)
        workers = max(1, self.settings.concurrency)
        with Client(
            self.settings.endpoints,
            budget,
            RetryPolicy(),
            self.transport,
            connections=workers,
            **self.options,
        ) as client:
            self.client, self.journal = client, journal
            try:
                self._run_groups(_groups(planned), workers)
            finally:
                journal.close()
                for item in planned:
                    if item.status in ("planned", "sending"):
                        item.status = "partly sent" if item.batches_sent else "not sent"

    def _run_groups(self, groups: list[list[Upload]], workers: int) -> None:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload")
        futures = [pool.submit(self._deliver_group, group) for group in groups]
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((future for future in done if future.exception() is not None), None)
            if failed is not None:
                self.stop.set()
                wait(futures)
                raise failed.exception()  # type: ignore[misc]
        except KeyboardInterrupt:
            self.stop.set()
            wait(futures)
            raise Interrupted(
                "interrupted",
                hint="run the same command again: acknowledged batches are in the "
                "journal and will not be sent twice",
            ) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _deliver_group(self, group: list[Upload]) -> None:
        for _, uploads in itertools.groupby(group, key=lambda item: id(item.recording)):
            uploads = list(uploads)
            if self.stop.is_set():
                return
            self._deliver_recording(uploads)

    def _deliver_recording(self, uploads: list[Upload]) -> None:
        """Each replay of the file goes out batch after batch, in order; the batches are read and
        compressed in the background while earlier ones are on the wire."""
        for item, prepared in _in_background(self._prepared_batches(uploads), depth=2):
            if item.status in ("skipped", "failed"):
                continue  # Amplitude ended this replay: the rest of it is not sent
            if prepared is None:
                self._finish(item)
                continue
            if self.stop.is_set():
                return
            item.status = "sending"
            try:
                self._deliver_batch(item, prepared)
            except _SessionEnded as ended:
                item.status = ended.status
                self._note(ended.finding)
            self._advance(0, 1)

    def _prepared_batches(self, uploads: list[Upload]) -> Iterator[tuple[Upload, _Prepared | None]]:
        """(replay, batch ready to send) in order, and (replay, None) when a replay's batches end."""
        recording = uploads[0].recording
        by_part = {item.part.number: item for item in uploads if item.part is not None}
        events = recordings.sent_events(recording, self.settings.split_sessions)
        for number, part_events in itertools.groupby(events, key=lambda event: event.part):
            item = by_part[number]
            for batch in batches(
                ((event.index, event.literal) for event in part_events),
                self.settings.max_batch_bytes,
            ):
                if self.stop.is_set():
                    return
                yield item, self._prepare(item, batch)
            yield item, None

    def _finish(self, item: Upload) -> None:
        item.status = "uploaded" if item.batches_sent else "already uploaded"
        file = item.recording.source.name
        if item.throttled:
            self._note(
                Finding(
                    "AR633",
                    Severity.INFO,
                    f"{item.replay_id}: Amplitude throttled {item.throttled} "
                    f"batch{'es' if item.throttled != 1 else ''}; sent again after a pause",
                    file,
                )
            )
        if item.batches_journaled:
            self._note(
                Finding(
                    "AR634",
                    Severity.INFO,
                    f"{item.replay_id}: {item.batches_journaled} "
                    f"batch{'es' if item.batches_journaled != 1 else ''} already delivered (journal: an "
                    "earlier run, or an identical file in this one); not sent again",
                    file,
                )
            )
        if self.settings.link_event:
            self._link(item)

    def _prepare(self, item: Upload, batch: Batch) -> _Prepared:
        """The batch's body, journal key and (unless already delivered) compressed request."""
        settings = self.settings
        raw = batch.raw_body
        key = batch_key(settings.api_key or "", self.server, item.replay_id or "", raw)
        if key in self.journal:
            return _Prepared(batch, raw, key, None)
        part = item.part
        assert part is not None and settings.api_key is not None
        request = build_request(
            settings.endpoints.track,
            settings.api_key,
            item.device_id or "",
            item.session_id,
            raw,
            settings.page_url or part.page_url,
        )
        return _Prepared(batch, raw, key, request)

    def _deliver_batch(self, item: Upload, prepared: _Prepared) -> None:
        batch, raw, key, request = prepared.batch, prepared.raw, prepared.key, prepared.request
        if request is None:
            item.batches_journaled += 1
            self._advance(len(raw), 0)
            return
        refusals = 0
        for _ in range(MAX_THROTTLED_RESENDS + 1):
            reply = self.client.send(
                "POST", request.url, request.headers, request.body, stop=self.stop
            )
            item.retries += reply.retries
            while self._refused_by_mistake(batch, request, reply, refusals):
                refusals += 1
                item.retries += 1
                self.client.sleep(self.client.backoff(refusals))
                reply = self.client.send(
                    "POST", request.url, request.headers, request.body, stop=self.stop
                )
                item.retries += reply.retries
            if 200 <= reply.status < 300:
                skipped = reply.headers.get(
                    SKIP_HEADER.lower()
                )  # httpx gives the names in lower case
                if skipped == "429":
                    item.throttled += 1
                    self.client.sleep(THROTTLE_PAUSE_SECONDS)
                    continue
                if skipped in SKIP_REASONS:
                    raise _SessionEnded(
                        "skipped",
                        Finding(
                            "AR631",
                            Severity.ERROR,
                            f"{item.replay_id}: Amplitude skipped the events: "
                            f"{SKIP_REASONS[skipped]}; the rest of this replay was not sent",
                            item.recording.source.name,
                        ),
                    )
                self.journal.record(
                    key,
                    item.replay_id or "",
                    f"batch {batch.index} events {batch.first_event}+{len(batch.literals)}",
                )
                item.batches_sent += 1
                item.events_sent += len(batch.literals)
                item.raw_bytes += len(raw)
                item.wire_bytes += len(request.body)
                self._advance(len(raw), 0)
                return
            self._refused(item, batch, reply)
            self.journal.record(
                key,
                item.replay_id or "",
                f"batch {batch.index} events {batch.first_event}+{len(batch.literals)}, in parts",
            )  # so an identical batch is not sent whole
            return
        raise NetworkError(
            f"Amplitude kept throttling replay {item.replay_id} "
            f"({MAX_THROTTLED_RESENDS + 1} times)",
            hint="run again later: delivered batches are in the journal and will not be sent twice",
        )

    def _refused_by_mistake(
        self, batch: Batch, request: TrackRequest, reply: Reply, refusals: int
    ) -> bool:
        """A WAF 413 for one event whose body is far below the WAF's limit cannot be about its size:
        worth another try (within the policy and the budget), where the SDK would drop the event."""
        return (
            reply.status == 413
            and len(batch.literals) == 1
            and len(request.body) < WAF_LIMIT_BYTES
            and WAF_REFUSAL.search(reply.text()) is not None
            and refusals + 1 < self.client.policy.max_attempts
            and self.client.budget.take()
        )

    def _refused(self, item: Upload, batch: Batch, reply: Reply) -> None:
        if reply.status in (401, 403):
            raise auth_failure(reply, self.settings.endpoints, "API key", "AMPLITUDE_API_KEY")
        if reply.status == 413 and WAF_REFUSAL.search(reply.text()) and len(batch.literals) > 1:
            for half in batch.split():  # as the SDK does: halves until single events
                self._deliver_batch(item, self._prepare(item, half))
            return
        last = batch.first_event + len(batch.literals) - 1
        raise _SessionEnded(
            "failed",
            Finding(
                "AR630",
                Severity.ERROR,
                f"{item.replay_id}: Amplitude refused batch {batch.index} (events "
                f"{batch.first_event}-{last}) with HTTP {reply.status}: {reply.text() or '(no body)'}; the rest of this "
                "replay was not sent",
                item.recording.source.name,
            ),
        )

    def _link(self, item: Upload) -> None:
        """One analytics event in the replay's session carrying its replay id, so Amplitude links the two."""
        settings = self.settings
        part = item.part
        assert (
            part is not None and settings.api_key is not None and settings.link_event is not None
        )
        replay_id = item.replay_id or ""
        insert_id = f"amp-replay-link:{replay_id}:{settings.link_event}"
        key = batch_key(settings.api_key, self.server, replay_id, insert_id.encode())
        if key in self.journal:
            item.linked = True
            return
        event: dict[str, Any] = {
            "event_type": settings.link_event,
            "device_id": item.device_id,
            "session_id": item.session_id,
            "time": int(part.first_full_snapshot or part.first_timestamp),
            "insert_id": insert_id,
            "platform": "Web",
            "event_properties": {REPLAY_ID_PROPERTY: replay_id},
        }
        if settings.user_id:
            event["user_id"] = settings.user_id
        body = json.dumps(
            {"api_key": settings.api_key, "events": [event]}, separators=(",", ":")
        ).encode()
        headers = [("Content-Type", "application/json"), ("Accept", "*/*")]
        reply = self.client.send("POST", settings.endpoints.httpapi, headers, body, stop=self.stop)
        item.retries += reply.retries
        if 200 <= reply.status < 300:
            self.journal.record(key, replay_id, f"link event {settings.link_event}")
            item.linked = True
            return
        item.linked = False
        if reply.status in (401, 403) or (
            reply.status == 400 and "Invalid API key" in reply.text()
        ):
            raise auth_failure(reply, settings.endpoints, "API key", "AMPLITUDE_API_KEY")
        self._note(
            Finding(
                "AR632",
                Severity.ERROR,
                f"{replay_id}: the link event {settings.link_event!r} was refused "
                f"with HTTP {reply.status}: {reply.text() or '(no body)'}",
                item.recording.source.name,
            )
        )

    def _note(self, finding: Finding) -> None:
        with self.lock:
            self.report.findings.append(finding)

    def _advance(self, raw_bytes: int, count: int) -> None:
        if self.progress is not None:
            with self.lock:
                self.progress.advance(raw_bytes, count)


@dataclass(frozen=True)
class _Prepared:
    batch: Batch
    raw: bytes
    key: str
    request: TrackRequest | None  # None: an earlier run delivered it


Value = TypeVar("Value")


def _in_background(values: Iterator[Value], depth: int) -> Iterator[Value]:
    """The values of an iterator run in another thread, at most `depth` ahead of the caller
    (reading and compressing overlap with waiting for Amplitude; zlib and hashing release the GIL)."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    finished = object()
    stopped = threading.Event()

    def hand_over(value: Any) -> bool:
        while not stopped.is_set():
            try:
                ready.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for value in values:
                if not hand_over(value):
                    return
            hand_over(finished)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, which raises it
            hand_over(_Failure(error))

    producer = threading.Thread(target=produce, name="prepare", daemon=True)
    producer.start()
    try:
        while True:
            value = ready.get()
            if value is finished:
                return
            if isinstance(value, _Failure):
                raise value.error
            yield value
    finally:
        stopped.set()
        producer.join()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def _groups(uploads: list[Upload]) -> list[list[Upload]]:
    """Uploads that share a replay id must go out one after the other; others may go in parallel."""
    groups: list[list[Upload]] = []
    group_of: dict[str, list[Upload]] = {}
    for _, items in itertools.groupby(uploads, key=lambda item: id(item.recording)):
        items = list(items)
        joined = next(
            (group_of[item.replay_id] for item in items if item.replay_id in group_of), None
        )
        if joined is None:
            joined = []
            groups.append(joined)
        joined.extend(items)
        for item in items:
            group_of[item.replay_id or ""] = joined
    return groups


def _summary(uploads: list[Upload], checked: Iterable[Recording]) -> dict[str, Any]:
    verdicts = [recording.verdict for recording in checked]
    return {
        "files": len(verdicts),
        "accepted": sum(verdict is not Verdict.REJECT for verdict in verdicts),
        "rejected": sum(verdict is Verdict.REJECT for verdict in verdicts),
        "replays": sum(item.part is not None for item in uploads),
        "uploaded": sum(item.status in ("uploaded", "already uploaded") for item in uploads),
        "failed": sum(
            item.status in ("failed", "skipped", "partly sent", "not sent") for item in uploads
        ),
        "events": sum(item.events_sent for item in uploads),
        "batches": sum(item.batches_sent for item in uploads),
        "batches_already_sent": sum(item.batches_journaled for item in uploads),
        "raw_bytes": sum(item.raw_bytes for item in uploads),
        "wire_bytes": sum(item.wire_bytes for item in uploads),
        "retries": sum(item.retries for item in uploads),
    }


def _headline(summary: dict[str, Any], dry_run: bool) -> str:
    if dry_run:
        return (
            f"dry run: {summary['replays']} replay{'s' if summary['replays'] != 1 else ''} ready to upload from "
            f"{summary['accepted']} of {summary['files']} file{'s' if summary['files'] != 1 else ''}; nothing sent"
        )
    text = (
        f"{summary['uploaded']} of {summary['replays']} replay{'s' if summary['replays'] != 1 else ''} uploaded: "
        f"{summary['events']:,} events in {summary['batches']} batch{'es' if summary['batches'] != 1 else ''}, "
        f"{format_bytes(summary['raw_bytes'])} raw, {format_bytes(summary['wire_bytes'])} sent"
    )
    if summary["rejected"]:
        text += f"; {summary['rejected']} file{'s' if summary['rejected'] != 1 else ''} rejected"
    return text
