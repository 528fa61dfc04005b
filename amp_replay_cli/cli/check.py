"""`amp-replay check`: is the replay in Amplitude?"""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from amp_replay_cli.cli.shared import (
    ApiKeyOption,
    ServerUrlOption,
    ServerZoneOption,
    option_name,
    progress_wanted,
    reporting_command,
)
from amp_replay_cli.core.findings import Report

# Each paragraph is one line, so that rich can reflow it to the terminal's width.
HELP = """Find the [Amplitude] Replay Captured events Amplitude creates when a replay arrives.

By user (usersearch, then the user's activity, which also tells whether the session's \
analytics events carry the replay id), or by device and optionally session (event \
segmentation). Exit 0 when a replay is found, 1 when not.

Keys: AMPLITUDE_API_KEY and AMPLITUDE_SECRET_KEY (or --secret-key-file); never a flag for the \
secret. Ingestion takes minutes: --wait polls.
"""
EXAMPLES = (
    "amp-replay check --user-id user-1234",
    "amp-replay check --device-id 3f6e5a4b --session-id 1767225600123 --since 1d",
    "amp-replay check --user-id user-1234 --wait 5m --server-zone EU",
)


@reporting_command("check")
def check(
    user_id: Annotated[
        str | None, typer.Option(help="The user's user_id.", show_default=False)
    ] = None,
    device_id: Annotated[
        str | None, typer.Option(help="The replay's device id.", show_default=False)
    ] = None,
    session_id: Annotated[
        int | None, typer.Option(min=1, help="Only this session (epoch ms).", show_default=False)
    ] = None,
    since: Annotated[
        str,
        typer.Option(
            help="How far back to look (ends now, or at --end).", rich_help_panel="Time window"
        ),
    ] = "7d",
    start: Annotated[
        str | None,
        typer.Option(
            help="Window start: 2026-11-29 or 2026-11-29T14:30 (UTC).",
            rich_help_panel="Time window",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            help="Window end (a date means its whole day).",
            rich_help_panel="Time window",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        str,
        typer.Option(
            help="Keep polling this long until a replay appears (e.g. 5m).",
            rich_help_panel="Polling",
        ),
    ] = "0s",
    interval: Annotated[
        str, typer.Option(help="Time between polls.", rich_help_panel="Polling")
    ] = "15s",
    api_key: ApiKeyOption = None,
    secret_key_file: Annotated[
        str | None,
        typer.Option(
            metavar="PATH|-",
            show_default=False,
            rich_help_panel="Amplitude",
            help="Read the secret key from a file (Docker secrets) or - for stdin; else "
            "AMPLITUDE_SECRET_KEY.",
        ),
    ] = None,
    server_zone: ServerZoneOption = "US",
    server_url: ServerUrlOption = None,
) -> Report:
    import datetime as dt

    from amp_replay_cli.core.amplitude import Endpoints
    from amp_replay_cli.core.check import CheckSettings, parse_moment
    from amp_replay_cli.core.check import check as run_check
    from amp_replay_cli.core.errors import UsageError
    from amp_replay_cli.core.times import parse_duration_ms

    if (user_id is None) == (device_id is None):
        raise UsageError("give --user-id or --device-id (one of them)")
    if session_id is not None and device_id is None:
        raise UsageError("--session-id goes with --device-id", hint="a replay id is DEVICE/SESSION")
    if not api_key:
        raise UsageError("no API key", hint="set AMPLITUDE_API_KEY (or --api-key)")
    secret = _secret_key(secret_key_file)
    settings = CheckSettings(
        api_key=api_key,
        secret_key=secret,
        endpoints=Endpoints.resolve(server_zone, server_url),
        user_id=user_id,
        device_id=device_id,
        session_id=session_id,
        start=parse_moment(start, option_name("start")) if start else None,
        end=parse_moment(end, option_name("end"), end_of_day=True) if end else None,
        since=dt.timedelta(milliseconds=parse_duration_ms(since, option_name("since"))),
        wait=parse_duration_ms(wait, option_name("wait")) / 1000,
        interval=max(0.1, parse_duration_ms(interval, option_name("interval")) / 1000),
    )
    if settings.start and settings.end and settings.end < settings.start:
        raise UsageError("--end is before --start")
    if not progress_wanted() or settings.wait <= 0:
        return run_check(settings)
    from rich.console import Console

    with Console(stderr=True).status("waiting for the replay…") as status:

        def show(attempt: int, remaining: float, interval: float) -> None:
            status.update(
                f"no replay yet (attempt {attempt}); polling again in {interval:.0f} s "
                f"(Amplitude allows 360 queries an hour), {remaining:.0f} s left…"
            )

        return run_check(settings, on_wait=show)


def _secret_key(path: str | None) -> str:
    from amp_replay_cli.core.errors import InputError, UsageError

    if path is None:
        secret = os.environ.get("AMPLITUDE_SECRET_KEY", "")
        if not secret:
            raise UsageError(
                "no secret key", hint="set AMPLITUDE_SECRET_KEY, or use --secret-key-file PATH|-"
            )
        return secret
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"cannot read the secret key file {path}: {error.strerror or error}"
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"the secret key file {path} is not UTF-8 text") from None
    secret = text.strip()
    if not secret:
        raise InputError(f"the secret key file {path} is empty")
    return secret
