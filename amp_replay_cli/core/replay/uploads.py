"""What an upload is made of, for the `upload` command (core/upload.py) and the delivery engine
(delivery.py) alike: the settings, one `Upload` a replay with its `UploadStatus`, and the
progress it reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, Protocol

from amp_replay_cli.core.amplitude import Endpoints, RetryPolicy
from amp_replay_cli.core.documents.limits import RECORDING_ITEM, ItemLimit
from amp_replay_cli.core.replay.recordings import Part, Recording
from amp_replay_cli.core.replay.track import BODY_OVERHEAD, DEFAULT_MAX_BATCH_BYTES


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
    wait_for_journal: bool = True  # another run holds the journal: wait (else stop)
    link_event: str | None = None
    user_id: str | None = None
    page_url: str | None = None
    strict: bool = False
    policy: RetryPolicy = field(default_factory=RetryPolicy)  # --timeout, --retries
    item_limit: ItemLimit = RECORDING_ITEM  # the longest event, line or JSON item read


class UploadStatus(str, enum.Enum):
    """What happened to a replay; the values are the report's words."""

    PLANNED = "planned"  # checked and ready; all a dry run does
    SENDING = "sending"
    UPLOADED = "uploaded"
    ALREADY_UPLOADED = "already uploaded"  # every batch was in the journal
    REJECTED = "rejected"  # the file or its replay id failed the checks: nothing sent
    FAILED = "failed"  # Amplitude refused a batch: the rest was not sent
    SKIPPED = "skipped"  # Amplitude skipped the events (4004, 4005): the rest was not sent
    PARTLY_SKIPPED = "partly skipped"  # sent, but Amplitude dropped throttled batches
    PARTLY_SENT = "partly sent"  # the run ended (error, Ctrl-C) part way through
    NOT_SENT = "not sent"  # the run ended before it


def unhandled(value: NoReturn) -> NoReturn:
    """The last case of a match over every member of an enum: mypy proves it is never reached
    (typing.assert_never is Python 3.11+)."""
    raise AssertionError(f"unhandled value: {value!r}")


@dataclass
class Upload:
    """One replay: a recording's part, where it goes, and what happened to it."""

    recording: Recording
    part: Part | None  # None when the file was rejected
    device_id: str | None
    session_id: int | None
    status: UploadStatus = UploadStatus.PLANNED
    batches_sent: int = 0
    batches_journaled: int = 0
    journaled_at: str | None = None  # when the last of those was delivered (journal, ISO 8601)
    events_sent: int = 0
    raw_bytes: int = 0
    wire_bytes: int = 0
    retries: int = 0
    throttled: int = 0  # batches Amplitude dropped as throttled (skip header 429)
    events_skipped: int = 0
    pause_before_next: bool = False
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
        # A part counts each event with a comma: a body has one comma fewer than events.
        return self.part.raw_bytes + self.part.batches * (BODY_OVERHEAD - 1)


class Progress(Protocol):
    def checking(self, name: str) -> None: ...

    def start(self, total_bytes: int, total_batches: int) -> None: ...

    def advance(self, raw_bytes: int, batches: int) -> None: ...
