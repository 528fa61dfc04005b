"""The delivery engine: planned uploads go to Amplitude as SDK 1.51.6 sends them, and replies
are handled as it handles them (spec/sdk/SPEC.md §4.5, §4.6).

Replays that share no replay id go in parallel (`concurrency`); a replay's batches go in order,
read and compressed in the background while earlier ones are on the wire, and each acknowledged
batch is written to the journal before the next, so a rerun after a crash or Ctrl-C resends only
what was in flight.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar

from amp_replay_cli.core.amplitude import Client, Reply, RetryBudget, auth_failure
from amp_replay_cli.core.errors import Interrupted
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.replay import recordings
from amp_replay_cli.core.replay.journal import Journal, batch_key, delivered_on, replay_key
from amp_replay_cli.core.replay.track import Batch, TrackRequest, batches, build_request
from amp_replay_cli.core.replay.uploads import Progress, Upload, UploadSettings, UploadStatus
from amp_replay_cli.core.wire import REPLAY_ID_PROPERTY, SKIP_HEADER, WAF_LIMIT_BYTES, WAF_REFUSAL

THROTTLE_PAUSE_SECONDS = 60.0  # the SDK's THROTTLED_FLUSH_PAUSE_MS
SKIP_REASONS = {
    "4004": "the session is outside the range Amplitude accepts (4004)",
    "4005": "capture is disabled for this project (4005)",
}
PREPARED_AHEAD = 2  # batches read and compressed while one is on the wire


class Delivery:
    """Sends the planned uploads, and marks those it could not finish."""

    def __init__(
        self,
        settings: UploadSettings,
        report: Report,
        transport: Any,
        progress: Progress | None,
        sleep: Callable[[float], None] | None,
        random: Callable[[], float] | None,
        notify: Callable[[str], None] | None = None,
    ):
        self.notify = notify
        self.settings = settings
        self.report = report
        self.transport = transport
        self.progress = progress
        self.client_options: dict[str, Any] = {
            key: value for key, value in (("sleep", sleep), ("random", random)) if value is not None
        }

    def run(self, uploads: list[Upload]) -> None:
        planned = [item for item in uploads if item.status is UploadStatus.PLANNED]
        total_batches = sum(item.planned_batches for item in planned)
        budget = RetryBudget(max(50, 4 * total_batches))
        journal = Journal(self.settings.journal_path, self.settings.wait_for_journal, self.notify)
        if journal.unreadable_lines:
            self.report.findings.append(_unreadable_journal(journal))
        if self.progress is not None:
            self.progress.start(sum(item.planned_raw_bytes for item in planned), total_batches)
        workers = max(1, self.settings.concurrency)
        with Client(
            self.settings.endpoints,
            budget,
            self.settings.policy,
            self.transport,
            connections=workers,
            **self.client_options,
        ) as client:
            shared = _Shared(self.settings, client, journal, self.report, self.progress)
            try:
                _run_groups(
                    _groups(planned),
                    workers,
                    shared.stop,
                    _GroupSender(shared).send,
                    _rerun_hint(journal.path is not None),
                )
            finally:
                journal.close()
                for item in planned:
                    if item.status in (UploadStatus.PLANNED, UploadStatus.SENDING):
                        sent_some = item.batches_sent > 0
                        item.status = (
                            UploadStatus.PARTLY_SENT if sent_some else UploadStatus.NOT_SENT
                        )


class _Shared:
    """What the workers of one run share: the client, the journal, the signal to stop, and the
    report and progress they write to, one at a time."""

    def __init__(
        self,
        settings: UploadSettings,
        client: Client,
        journal: Journal,
        report: Report,
        progress: Progress | None,
    ):
        self.settings = settings
        self.client = client
        self.journal = journal
        self.server = settings.endpoints.describe()
        self.stop = threading.Event()
        self._report = report
        self._progress = progress
        self._lock = threading.Lock()

    def note(self, finding: Finding) -> None:
        with self._lock:
            self._report.findings.append(finding)

    def advance(self, raw_bytes: int, batches: int) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.advance(raw_bytes, batches)


def _run_groups(
    groups: list[list[Upload]],
    workers: int,
    stop: threading.Event,
    send: Callable[[list[Upload]], None],
    interrupted_hint: str,
) -> None:
    """Each group on a worker; the first error (or Ctrl-C) stops them all, then is raised."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload")
    futures = [pool.submit(send, group) for group in groups]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        errors = (future.exception() for future in done)
        error = next((error for error in errors if error is not None), None)
        if error is not None:
            stop.set()
            wait(futures)
            raise error
    except KeyboardInterrupt:
        stop.set()
        wait(futures)
        raise Interrupted("interrupted", hint=interrupted_hint) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _rerun_hint(journal_kept: bool) -> str:
    if journal_kept:
        return (
            "run the same command again: acknowledged batches are in the journal and will not "
            "be sent twice"
        )
    return "with --no-journal nothing remembers what was delivered: a rerun sends everything again"


def _groups(uploads: list[Upload]) -> list[list[Upload]]:
    """Uploads that share a replay id must go out one after the other; others may go in parallel."""
    groups: list[list[Upload]] = []
    group_of: dict[str, list[Upload]] = {}
    for _, of_one_file in itertools.groupby(uploads, key=lambda item: id(item.recording)):
        items = list(of_one_file)
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


class _SessionEnded(Exception):
    """This replay cannot go on; the others can."""

    def __init__(self, status: UploadStatus, finding: Finding):
        super().__init__(finding.message)
        self.status = status
        self.finding = finding


@dataclass(frozen=True)
class _Prepared:
    batch: Batch
    raw: bytes
    key: str
    request: TrackRequest | None  # None: an earlier run delivered it


class _GroupSender:
    """Sends a group's files one after the other, and each replay's batches in order."""

    def __init__(self, shared: _Shared):
        self.shared = shared
        self.batches = _BatchSender(shared)
        self.links = _LinkSender(shared)

    def send(self, group: list[Upload]) -> None:
        for _, of_one_file in itertools.groupby(group, key=lambda item: id(item.recording)):
            uploads = list(of_one_file)
            if self.shared.stop.is_set():
                return
            self._send_recording(uploads)

    def _send_recording(self, uploads: list[Upload]) -> None:
        """Each replay of the file, batch after batch; the batches are read and compressed in
        the background while earlier ones are on the wire."""
        shared = self.shared
        for item, prepared in _in_background(self._prepared(uploads), depth=PREPARED_AHEAD):
            if item.status is UploadStatus.PLANNED and not self._claimed(item):
                item.status = UploadStatus.REJECTED
            if item.status in (UploadStatus.SKIPPED, UploadStatus.FAILED, UploadStatus.REJECTED):
                continue  # Amplitude ended this replay, or it is another's: the rest is not sent
            if prepared is None:
                self._finish(item)
                continue
            if shared.stop.is_set():
                return
            item.status = UploadStatus.SENDING
            try:
                self.batches.send(item, prepared)
            except _SessionEnded as ended:
                item.status = ended.status
                shared.note(ended.finding)
            shared.advance(0, 1)

    def _claimed(self, item: Upload) -> bool:
        """Whether the replay id is this replay's: the journal records the content each replay
        id was first sent with, and another recording's content is not appended to it."""
        shared, replay_id = self.shared, item.replay_id or ""
        assert item.part is not None
        key = replay_key(shared.settings.api_key or "", shared.server, replay_id)
        if shared.journal.claim(key, replay_id, item.part.content_digest) is None:
            return True
        shared.note(
            Finding(
                "AR636",
                Severity.WARNING,
                f"{replay_id}: another recording was already uploaded under this replay id "
                "(journal); this one was not sent, so that the two are not mixed in one replay",
                item.recording.source.name,
                hint="upload it as its own replay with another --session-id (or --device-id); "
                "--no-journal sends it anyway, into the same replay",
            )
        )
        return False

    def _prepared(self, uploads: list[Upload]) -> Iterator[tuple[Upload, _Prepared | None]]:
        """(replay, batch ready to send) in order, and (replay, None) after a replay's last."""
        settings = self.shared.settings
        recording = uploads[0].recording
        by_part = {item.part.number: item for item in uploads if item.part is not None}
        events = recordings.sent_events(recording, settings.split_sessions)
        for number, part_events in itertools.groupby(events, key=lambda event: event.part):
            item = by_part[number]
            literals = ((event.index, event.literal) for event in part_events)
            for batch in batches(literals, settings.max_batch_bytes):
                if self.shared.stop.is_set():
                    return
                yield item, self.batches.prepare(item, batch)
            yield item, None

    def _finish(self, item: Upload) -> None:
        item.status = UploadStatus.UPLOADED if item.batches_sent else UploadStatus.ALREADY_UPLOADED
        file = item.recording.source.name
        if item.throttled:
            item.status = UploadStatus.PARTLY_SKIPPED
            self.shared.note(
                Finding(
                    "AR633",
                    Severity.WARNING,
                    f"{item.replay_id}: Amplitude skipped {item.events_skipped:,} "
                    f"event{'s' if item.events_skipped != 1 else ''} in {item.throttled} "
                    f"{_batches(item.throttled)} (X-Session-Replay-Event-Skipped: 429, "
                    "throttled); like the SDK, amp-replay does not send them again",
                    file,
                )
            )
        if item.batches_journaled:
            self.shared.note(_already_delivered(item, self.shared.journal.path is not None))
        if self.shared.settings.link_event:
            self.links.send(item)


class _BatchSender:
    """One batch of a replay to Amplitude: split when the WAF finds it
    too large, journaled once acknowledged; `_SessionEnded` when Amplitude ends the replay."""

    def __init__(self, shared: _Shared):
        self.shared = shared

    def prepare(self, item: Upload, batch: Batch) -> _Prepared:
        """The batch's body, journal key and (unless already delivered) compressed request."""
        settings = self.shared.settings
        raw = batch.raw_body
        key = batch_key(settings.api_key or "", self.shared.server, item.replay_id or "", raw)
        if key in self.shared.journal:
            return _Prepared(batch, raw, key, None)
        part = item.part
        assert part is not None and settings.api_key is not None
        bodies = item.recording.bodies
        request = build_request(
            settings.endpoints.track,
            settings.api_key,
            item.device_id or "",
            item.session_id,
            raw,
            settings.page_url or part.page_url,
            body=bodies.body_for(part.number, batch.index, raw) if bodies is not None else None,
        )
        return _Prepared(batch, raw, key, request)

    def send(self, item: Upload, prepared: _Prepared) -> None:
        batch, raw, key, request = prepared.batch, prepared.raw, prepared.key, prepared.request
        shared = self.shared
        if request is None:
            item.batches_journaled += 1
            at = shared.journal.delivered_at(key)
            if at is not None and (item.journaled_at is None or at > item.journaled_at):
                item.journaled_at = at
            shared.advance(len(raw), 0)
            return
        client = shared.client
        if item.pause_before_next:
            # The SDK pauses its flushes after a throttled batch; the replay's next batch waits.
            client.sleep(THROTTLE_PAUSE_SECONDS)
            item.pause_before_next = False
        pending = shared.journal.begin(key, item.replay_id or "", _journal_entry(batch))
        reply = client.send("POST", request.url, request.headers, request.body, stop=shared.stop)
        item.retries += reply.retries
        refusals = 0  # WAF mistakes
        while self._refused_by_mistake(batch, request, reply, refusals):
            refusals += 1
            item.retries += 1
            client.sleep(client.backoff(refusals))
            reply = client.send(
                "POST", request.url, request.headers, request.body, stop=shared.stop
            )
            item.retries += reply.retries
        if not 200 <= reply.status < 300:
            self._refused(item, batch, reply)
            # Sent in parts: delivered too, so that an identical batch is not sent whole again.
            shared.journal.acknowledge(pending)
            return
        skipped = reply.headers.get(SKIP_HEADER.lower())  # httpx gives names in lower case
        if skipped in SKIP_REASONS:
            raise _SessionEnded(UploadStatus.SKIPPED, _skipped(item, skipped))
        # Done either way: a throttled batch ("429") is a deliberate drop the SDK never resends.
        shared.journal.acknowledge(pending)
        if skipped == "429":
            item.throttled += 1
            item.events_skipped += len(batch.literals)
            item.pause_before_next = True
        else:
            item.batches_sent += 1
            item.events_sent += len(batch.literals)
        item.raw_bytes += len(raw)
        item.wire_bytes += len(request.body)
        shared.advance(len(raw), 0)

    def _refused_by_mistake(
        self, batch: Batch, request: TrackRequest, reply: Reply, refusals: int
    ) -> bool:
        """A WAF 413 for one event whose body is far below the WAF's limit cannot be about its
        size: worth another try (within the policy and the budget), where the SDK would drop
        the event."""
        client = self.shared.client
        return (
            reply.status == 413
            and len(batch.literals) == 1
            and len(request.body) < WAF_LIMIT_BYTES
            and WAF_REFUSAL.search(reply.text()) is not None
            and refusals + 1 < client.policy.max_attempts
            and client.budget.take()
        )

    def _refused(self, item: Upload, batch: Batch, reply: Reply) -> None:
        if reply.status in (401, 403):
            raise auth_failure(
                reply, self.shared.settings.endpoints, "API key", "AMPLITUDE_API_KEY"
            )
        if reply.status == 413 and WAF_REFUSAL.search(reply.text()) and len(batch.literals) > 1:
            for half in batch.split():  # as the SDK does: halves until single events
                self.send(item, self.prepare(item, half))
            return
        last = batch.first_event + len(batch.literals) - 1
        raise _SessionEnded(
            UploadStatus.FAILED,
            Finding(
                "AR630",
                Severity.ERROR,
                f"{item.replay_id}: Amplitude refused batch {batch.index} (events "
                f"{batch.first_event}-{last}) with HTTP {reply.status}: "
                f"{reply.text() or '(no body)'}; the rest of this replay was not sent",
                item.recording.source.name,
            ),
        )


def _already_delivered(item: Upload, kept: bool) -> Finding:
    """AR634: what the journal kept from being sent again, and when it was delivered."""
    which = (
        "already delivered"
        if item.status is UploadStatus.ALREADY_UPLOADED
        else f"{item.batches_journaled} {_batches(item.batches_journaled)} already delivered"
    )
    if not kept:  # the run's own memory: an identical file earlier in this run
        return Finding(
            "AR634",
            Severity.INFO,
            f"{item.replay_id}: {which} by this run (an identical file); not sent again",
            item.recording.source.name,
        )
    when = f" on {delivered_on(item.journaled_at)}" if item.journaled_at else ""
    return Finding(
        "AR634",
        Severity.INFO,
        f"{item.replay_id}: {which}{when} (journal); not sent again",
        item.recording.source.name,
        hint="--no-journal to send again (an emulator restarted without its database has "
        "forgotten it)",
    )


def _unreadable_journal(journal: Journal) -> Finding:
    count = journal.unreadable_lines
    return Finding(
        "AR635",
        Severity.WARNING,
        f"the upload journal {journal.path} has {count} unreadable "
        f"line{'s' if count != 1 else ''}: batches they recorded may be sent again",
        str(journal.path),
    )


def _journal_entry(batch: Batch) -> str:
    return f"batch {batch.index} events {batch.first_event}+{len(batch.literals)}"


def _skipped(item: Upload, reason: str) -> Finding:
    return Finding(
        "AR631",
        Severity.ERROR,
        f"{item.replay_id}: Amplitude skipped the events: {SKIP_REASONS[reason]}; the rest of "
        "this replay was not sent",
        item.recording.source.name,
    )


class _LinkSender:
    """One analytics event in a replay's session carrying its replay id, so Amplitude links the
    two (HTTP V2 API); sent once, as the journal remembers."""

    def __init__(self, shared: _Shared):
        self.shared = shared

    def send(self, item: Upload) -> None:
        shared, settings = self.shared, self.shared.settings
        assert settings.api_key is not None and settings.link_event is not None
        replay_id = item.replay_id or ""
        insert_id = f"amp-replay-link:{replay_id}:{settings.link_event}"
        key = batch_key(settings.api_key, shared.server, replay_id, insert_id.encode())
        if key in shared.journal:
            item.linked = True
            return
        headers = [("Content-Type", "application/json"), ("Accept", "*/*")]
        body = self._body(item, insert_id)
        pending = shared.journal.begin(key, replay_id, f"link event {settings.link_event}")
        reply = shared.client.send(
            "POST", settings.endpoints.httpapi, headers, body, stop=shared.stop
        )
        item.retries += reply.retries
        if 200 <= reply.status < 300:
            shared.journal.acknowledge(pending)
            item.linked = True
            return
        item.linked = False
        if reply.status in (401, 403) or (
            reply.status == 400 and "Invalid API key" in reply.text()
        ):
            raise auth_failure(reply, settings.endpoints, "API key", "AMPLITUDE_API_KEY")
        shared.note(
            Finding(
                "AR632",
                Severity.ERROR,
                f"{replay_id}: the link event {settings.link_event!r} was refused "
                f"with HTTP {reply.status}: {reply.text() or '(no body)'}",
                item.recording.source.name,
            )
        )

    def _body(self, item: Upload, insert_id: str) -> bytes:
        settings = self.shared.settings
        part = item.part
        assert part is not None
        event: dict[str, Any] = {
            "event_type": settings.link_event,
            "device_id": item.device_id,
            "session_id": item.session_id,
            "time": int(part.first_full_snapshot or part.first_timestamp),
            "insert_id": insert_id,
            "platform": "Web",
            "event_properties": {REPLAY_ID_PROPERTY: item.replay_id or ""},
        }
        if settings.user_id:
            event["user_id"] = settings.user_id
        payload = {"api_key": settings.api_key, "events": [event]}
        return json.dumps(payload, separators=(",", ":")).encode()


def _batches(count: int) -> str:
    return "batch" if count == 1 else "batches"


Value = TypeVar("Value")


@dataclass(frozen=True)
class _Failure:
    error: BaseException


class _End:
    """The producer has handed over every value."""


def _in_background(values: Iterator[Value], depth: int) -> Iterator[Value]:
    """The values of an iterator run in another thread, at most `depth` ahead of the caller
    (reading and compressing overlap with waiting for Amplitude; zlib and hashing release the
    GIL)."""
    ready: queue.Queue[Value | _Failure | _End] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def hand_over(value: Value | _Failure | _End) -> bool:
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
            hand_over(_End())
        except BaseException as error:  # handed to the caller's thread, which raises it
            hand_over(_Failure(error))

    producer = threading.Thread(target=produce, name="prepare", daemon=True)
    producer.start()
    try:
        while True:
            value = ready.get()
            if isinstance(value, _End):
                return
            if isinstance(value, _Failure):
                raise value.error
            yield value
    finally:
        stopped.set()
        producer.join()
