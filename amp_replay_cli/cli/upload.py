"""`amp-replay upload`: rrweb recordings into Amplitude Session Replay."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from amp_replay_cli.cli.shared import (
    ApiKeyOption,
    MaxItemOption,
    ServerUrlOption,
    ServerZoneOption,
    configured,
    progress_wanted,
    reporting_command,
)
from amp_replay_cli.core.findings import Report

# RetryPolicy's defaults, written out: importing core.amplitude here would slow every start-up
# and every TAB. tests/test_first_run.py keeps them equal.
DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 7

# Each paragraph is one line, so that rich can reflow it to the terminal's width; the first is
# the summary `amp-replay --help` shows.
HELP = """Upload rrweb recordings to Amplitude Session Replay, exactly as the browser SDK 1.51.6 \
sends them.

FILES are recordings in any layout: a JSON array of events, {"events": [...]} (with optional \
device_id / session_id), NDJSON, the SDK's own track body, rrweb-packer strings, gzip of any of \
them; directories and globs too; - for stdin. Every file is checked first and gets a verdict: \
accept, warn (uploaded, with a warning) or reject (nothing sent, exit 1).

The replay id is DEVICE/SESSION: --device-id, else the file's device_id, else an id derived \
from the recording; --session-id, else the file's session_id, else the first event's \
timestamp. Acknowledged batches are written to a journal, so running the same command again \
after a crash or Ctrl-C sends only what is missing.
"""
EXAMPLES = (
    "amp-replay upload rec.json.gz --server-zone EU",
    "amp-replay upload recordings/ --dry-run",
    "amp-replay upload rec.json --link-event 'Page Viewed' --user-id user-1234",
)


@reporting_command("upload")
def upload(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILES...",
            help="Recordings, directories or globs; - for stdin.",
            show_default=False,
        ),
    ],
    api_key: ApiKeyOption = None,
    server_zone: ServerZoneOption = "US",
    server_url: ServerUrlOption = None,
    device_id: Annotated[
        str | None,
        typer.Option(
            help="Device id of the replay (default: the file's, else derived from it).",
            rich_help_panel="Replay",
            show_default=False,
        ),
    ] = None,
    session_id: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Amplitude session id, epoch ms (default: the file's, else the "
            "first event's timestamp).",
            rich_help_panel="Replay",
            show_default=False,
        ),
    ] = None,
    split_sessions: Annotated[
        bool,
        typer.Option(
            "--split-sessions",
            help="Upload each part of a file separated by 30 minutes without events as its own "
            "session.",
            rich_help_panel="Replay",
        ),
    ] = False,
    link_event: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Also send this analytics event (HTTP V2 API) in each "
            "replay's session, carrying its replay id, so Amplitude links them.",
            rich_help_panel="Replay",
            show_default=False,
        ),
    ] = None,
    user_id: Annotated[
        str | None,
        typer.Option(
            help="User id for --link-event.", rich_help_panel="Replay", show_default=False
        ),
    ] = None,
    page_url: Annotated[
        str | None,
        typer.Option(
            help="X-Client-Url to send (default: the recording's first page URL).",
            rich_help_panel="Replay",
            show_default=False,
        ),
    ] = None,
    max_batch_bytes: Annotated[
        int,
        typer.Option(
            help="Raw bytes per request; clamped to 1,000-8,000,000 as the SDK does.",
            rich_help_panel="Delivery",
        ),
    ] = 6_000_000,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Replays sent at the same time (batches of one replay stay in order).",
            rich_help_panel="Delivery",
        ),
    ] = 2,
    journal: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            show_default=False,
            help="Journal of acknowledged batches (default: a file in the user cache directory).",
            rich_help_panel="Delivery",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            metavar="SECONDS",
            help="How long one request may take; a connection gets at most 5 s of it.",
            rich_help_panel="Delivery",
        ),
    ] = DEFAULT_TIMEOUT,
    retries: Annotated[
        int,
        typer.Option(
            min=0,
            max=20,
            metavar="N",
            help="Retries of a request that fails (5xx, 429, timeouts), with backoff; a server "
            "that refuses connections gets at most 2.",
            rich_help_panel="Delivery",
        ),
    ] = DEFAULT_RETRIES,
    no_journal: Annotated[
        bool,
        typer.Option(
            "--no-journal",
            help="Keep no journal: a rerun sends everything again.",
            rich_help_panel="Delivery",
        ),
    ] = False,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help="When another upload holds the journal, stop (exit 2) instead of waiting for it.",
            rich_help_panel="Delivery",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            help="Check the files and print the plan; send nothing.", rich_help_panel="Delivery"
        ),
    ] = False,
    strict: Annotated[bool, typer.Option(help="Warnings fail the run too (exit 1).")] = False,
    max_item_bytes: MaxItemOption = None,
) -> Report:
    from amp_replay_cli.core.amplitude import Endpoints, RetryPolicy
    from amp_replay_cli.core.documents.limits import RECORDING_ITEM
    from amp_replay_cli.core.errors import UsageError
    from amp_replay_cli.core.replay.journal import default_path
    from amp_replay_cli.core.upload import UploadSettings
    from amp_replay_cli.core.upload import upload as run_upload

    if user_id is not None and link_event is None:
        raise UsageError("--user-id goes with --link-event", hint="add --link-event NAME")
    if journal is not None and no_journal and configured("journal"):
        journal = None  # --no-journal on the command line wins over the configuration's journal
    if journal is not None and no_journal:
        raise UsageError("--journal and --no-journal exclude each other")
    if session_id is not None and split_sessions:
        raise UsageError(
            "--session-id and --split-sessions exclude each other",
            hint="split parts each take their own session id",
        )
    settings = UploadSettings(
        api_key=api_key or None,
        endpoints=Endpoints.resolve(server_zone, server_url),
        device_id=device_id,
        session_id=session_id,
        split_sessions=split_sessions,
        max_batch_bytes=max_batch_bytes,
        concurrency=concurrency,
        dry_run=dry_run,
        journal_path=None if no_journal else (journal or default_path(os.environ)),
        wait_for_journal=not no_wait,
        link_event=link_event,
        user_id=user_id,
        page_url=page_url,
        strict=strict,
        policy=RetryPolicy(
            max_attempts=retries + 1,
            timeout=timeout,
            connect_attempts=min(RetryPolicy.connect_attempts, retries + 1),
        ),
        item_limit=RECORDING_ITEM.with_max(max_item_bytes),
    )
    if not progress_wanted():
        return run_upload(files, settings, notify=_say)
    from amp_replay_cli.cli.progress import TransferProgress

    with TransferProgress() as progress:
        return run_upload(files, settings, progress=progress, notify=_say)


def _say(message: str) -> None:
    """What the run waits for, on stderr: stdout carries only the report."""
    print(f"amp-replay: {message}", file=sys.stderr, flush=True)
