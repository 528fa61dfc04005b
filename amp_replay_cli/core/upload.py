"""`upload`: rrweb recordings into Amplitude Session Replay, sent exactly as SDK 1.51.6 sends them.

The command's course: every file is checked first (`recordings.inspect`), and a rejected file
sends nothing; the replays of the others are planned (device and session ids), handed to the
delivery engine (`replay.delivery`), and summed up in the report.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from amp_replay_cli.core.amplitude import check_key, secret_forms
from amp_replay_cli.core.documents.sources import expand_paths
from amp_replay_cli.core.documents.streams import readable_twice
from amp_replay_cli.core.errors import (
    AuthError,
    InputError,
    Interrupted,
    Location,
    NetworkError,
    UsageError,
)
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.replay import recordings
from amp_replay_cli.core.replay.delivery import Delivery
from amp_replay_cli.core.replay.journal import JournalError, delivered_on
from amp_replay_cli.core.replay.recordings import Part, Recording, Verdict
from amp_replay_cli.core.replay.uploads import (
    Progress,
    Upload,
    UploadSettings,
    UploadStatus,
    unhandled,
)
from amp_replay_cli.core.wire import MAX_SESSION_ID, REPLAY_ID_PART, REPLAY_RETENTION_DAYS
from amp_replay_cli.core.wording import format_bytes

# UploadSettings is defined beside the records the delivery engine shares; the command is
# where callers take it from.
__all__ = ["UploadSettings", "upload"]


def upload(
    paths: list[str],
    settings: UploadSettings,
    transport: Any = None,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] | None = None,
    random: Callable[[], float] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Report:
    """`notify` hears what the run is waiting for (another run holding the journal)."""
    report = Report(command="upload", strict=settings.strict)
    if not settings.dry_run and not settings.api_key:
        raise UsageError(
            "no API key", hint="set AMPLITUDE_API_KEY (or --api-key), or use --dry-run"
        )
    if settings.session_id is not None and not 0 < settings.session_id <= MAX_SESSION_ID:
        raise UsageError(
            f"--session-id {settings.session_id} is outside what Amplitude stores "
            f"(1 to {MAX_SESSION_ID:,}, 64 bits)",
            hint="session ids are epoch milliseconds, such as 1767225600000",
        )
    if settings.api_key:
        report.secrets.update(secret_forms(check_key(settings.api_key, "the API key")))
    with tempfile.TemporaryDirectory(prefix="amp-replay-") as scratch:
        checked = _inspect_all(paths, settings, report, stdin, Path(scratch), progress)
        uploads = _plan(checked, settings, report)
        report.result["uploads"] = [_row(item) for item in uploads]
        if not settings.dry_run and any(item.status is UploadStatus.PLANNED for item in uploads):
            try:
                delivery = Delivery(settings, report, transport, progress, sleep, random, notify)
                delivery.run(uploads)
            except (AuthError, NetworkError, Interrupted, JournalError) as error:
                report.fatal = error  # the run ends, and its report still says what was delivered
        report.result["uploads"] = [_row(item) for item in uploads]
    report.subjects = [recording.source.name for recording in checked]
    report.summary.update(_summary(uploads, checked))
    report.headline = _headline(
        report.summary, settings.dry_run, _already(uploads, settings.journal_path is not None)
    )
    return report


def _inspect_all(
    paths: list[str],
    settings: UploadSettings,
    report: Report,
    stdin: BinaryIO | None,
    scratch: Path,
    progress: Progress | None,
) -> list[Recording]:
    checked: list[Recording] = []
    for item in expand_paths(paths, recordings.RECORDING_SUFFIXES):
        if isinstance(item, InputError):
            report.problems.append(item)
            continue
        if item.path is not None and not item.path.exists():
            report.problems.append(InputError("no such file", location=Location(item.name)))
            continue
        if progress is not None:
            progress.checking(item.name)
        events_spool = None if settings.dry_run else scratch / f"events-{len(checked)}.spool"
        try:
            # stdin, pipes and devices are read twice (check, then send): copied first
            item = readable_twice(item, scratch, stdin)
            recording = recordings.inspect(
                item,
                settings.split_sessions,
                settings.max_batch_bytes,
                events_spool,
                settings.item_limit,
            )
        except InputError as error:
            report.problems.append(error)
            continue
        report.findings.extend(recording.findings)
        checked.append(recording)
    return checked


def _plan(checked: list[Recording], settings: UploadSettings, report: Report) -> list[Upload]:
    """One upload a part of each accepted recording, one rejected upload for each other file."""
    uploads: list[Upload] = []
    for recording in checked:
        if recording.verdict is Verdict.REJECT or not recording.parts:
            uploads.append(Upload(recording, None, None, None, status=UploadStatus.REJECTED))
            continue
        device_id = settings.device_id or recording.device_id or recording.default_device_id()
        planned = [
            Upload(recording, part, device_id, _session_id(settings, recording, part))
            for part in recording.parts
        ]
        uploads.extend(planned)
        for problem in (_id_problem(device_id, recording.source.name), _past_retention(recording)):
            if problem is None:
                continue
            recording.findings.append(problem)
            report.findings.append(problem)
            if problem.severity is Severity.ERROR:
                for item in planned:
                    item.status = UploadStatus.REJECTED
    return uploads


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _past_retention(recording: Recording) -> Finding | None:
    """A warning when even the recording's last event is older than Amplitude keeps replays."""
    last = max(part.last_timestamp for part in recording.parts)
    ended = dt.datetime.fromtimestamp(last / 1000, dt.timezone.utc)
    age = _now() - ended
    if age <= dt.timedelta(days=REPLAY_RETENTION_DAYS):
        return None
    return Finding(
        "AR625",
        Severity.WARNING,
        f"the recording ended {age.days} days ago ({ended:%Y-%m-%d}): older than the "
        f"{REPLAY_RETENTION_DAYS} days Amplitude keeps replays, so the replay may be gone as "
        "soon as it is uploaded",
        recording.source.name,
        hint="retention counts from when the session was recorded, whatever the upload's time; "
        "some plans keep replays for less",
    )


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


def _row(item: Upload) -> dict[str, Any]:
    """The replay in the report's `result.uploads`."""
    recording, part = item.recording, item.part
    planned = item.status is UploadStatus.PLANNED
    return {
        "file": recording.source.name,
        "verdict": recording.verdict.value,
        "status": item.status.value,
        "layout": recording.layout.value if recording.layout else None,
        "compressed": recording.compressed,
        "packed": recording.packed > 0,
        "replay_id": item.replay_id,
        "device_id": item.device_id,
        "session_id": item.session_id,
        "events": part.events if part else 0,
        "largest_event_bytes": recording.largest_event.size,
        "first_timestamp": part.first_timestamp if part else None,
        "last_timestamp": part.last_timestamp if part else None,
        "batches": item.planned_batches,
        "batches_sent": item.batches_sent,
        "batches_already_sent": item.batches_journaled,
        "raw_bytes": item.planned_raw_bytes if planned else item.raw_bytes,
        "wire_bytes": item.wire_bytes,
        "retries": item.retries,
        "events_skipped": item.events_skipped,
        "linked": item.linked,
    }


def _summary(uploads: list[Upload], checked: Iterable[Recording]) -> dict[str, Any]:
    verdicts = [recording.verdict for recording in checked]
    outcomes = Counter(_outcome(item.status) for item in uploads)
    return {
        "files": len(verdicts),
        "accepted": sum(verdict is not Verdict.REJECT for verdict in verdicts),
        "rejected": sum(verdict is Verdict.REJECT for verdict in verdicts),
        "replays": sum(item.part is not None for item in uploads),
        "uploaded": outcomes["uploaded"],
        "already_uploaded": outcomes["already_uploaded"],
        "failed": outcomes["failed"],
        "events": sum(item.events_sent for item in uploads),
        "batches": sum(item.batches_sent for item in uploads),
        "batches_already_sent": sum(item.batches_journaled for item in uploads),
        "raw_bytes": sum(item.raw_bytes for item in uploads),
        "wire_bytes": sum(item.wire_bytes for item in uploads),
        "retries": sum(item.retries for item in uploads),
    }


def _outcome(status: UploadStatus) -> str | None:
    """The summary count a replay's status adds to, if any."""
    match status:
        case UploadStatus.UPLOADED | UploadStatus.PARTLY_SKIPPED:
            return "uploaded"  # a partly skipped replay exists in Amplitude; AR633 says the loss
        case UploadStatus.ALREADY_UPLOADED:
            return "already_uploaded"  # nothing sent: the journal says an earlier run did
        case (
            UploadStatus.FAILED
            | UploadStatus.SKIPPED
            | UploadStatus.PARTLY_SENT
            | UploadStatus.NOT_SENT
        ):
            return "failed"
        case UploadStatus.PLANNED | UploadStatus.SENDING | UploadStatus.REJECTED:
            return None  # a dry run's plan, or files the summary counts by their verdict
        case _:
            unhandled(status)


def _already(uploads: list[Upload], journal_kept: bool) -> str:
    """The replays nothing was sent for because they were delivered before, and when."""
    already = [item for item in uploads if item.status is UploadStatus.ALREADY_UPLOADED]
    if not already:
        return ""
    if not journal_kept:
        return f"{len(already)} identical to another replay of this run, sent once"
    dates = [item.journaled_at for item in already if item.journaled_at]
    when = f" on {delivered_on(max(dates))}" if dates else ""
    return f"{len(already)} already delivered{when} (journal); --no-journal to send again"


def _headline(summary: dict[str, Any], dry_run: bool, already: str = "") -> str:
    replays, files = summary["replays"], summary["files"]
    if dry_run:
        return (
            f"dry run: {replays} {_noun(replays, 'replay')} ready to upload from "
            f"{summary['accepted']} of {files} {_noun(files, 'file')}; nothing sent"
        )
    text = f"{summary['uploaded']} of {replays} {_noun(replays, 'replay')} uploaded"
    if summary["batches"] or not already:
        text += (
            f": {summary['events']:,} events in {summary['batches']} "
            f"{_noun(summary['batches'], 'batch', 'batches')}, "
            f"{format_bytes(summary['raw_bytes'])} raw, {format_bytes(summary['wire_bytes'])} sent"
        )
    if already:
        text += f"; {already}"
    if summary["rejected"]:
        text += f"; {summary['rejected']} {_noun(summary['rejected'], 'file')} rejected"
    return text


def _noun(count: int, singular: str, plural: str | None = None) -> str:
    return singular if count == 1 else plural or f"{singular}s"
