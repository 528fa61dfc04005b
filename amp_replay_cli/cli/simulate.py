"""`amp-replay simulate`: which sessions the SDK records at a sample rate."""

import enum
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated

import typer

from amp_replay_cli.cli.shared import reporting_command
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Report

HELP = """Decide, exactly as the SDK does, which sessions are recorded at a sample rate.

Session ids come from --session-id, --sessions-file (a JSON array of ids as JavaScript would
pass them, or one id string per line), --segment (the Actions Amplitude session_id of each
Segment event) or --generate. `amp-replay simulate explain ID` tells one session's story.
"""


class HashLine(str, enum.Enum):
    modern = "modern"
    legacy = "legacy"


def parse_time(text: str, option: str) -> int:
    """Epoch milliseconds from `1767225600000` or an ISO 8601 date/time (UTC unless it says otherwise)."""
    if text.lstrip("-").isdigit():
        return int(text)
    from amp_replay_cli.core.times import epoch_ms, parse_instant

    moment = parse_instant(text)
    if moment is None:
        raise UsageError(
            f"{option} {text!r} is neither epoch milliseconds nor an ISO 8601 date/time",
            hint="e.g. 2026-11-01 or 2026-11-01T12:00:00Z",
        )
    return epoch_ms(moment)


@reporting_command("simulate")
def simulate(
    explain: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[explain ID]",
            help="`explain ID`: tell why one session is or is not recorded.",
            show_default=False,
        ),
    ] = None,
    session_id: Annotated[
        list[str] | None,
        typer.Option(
            "--session-id",
            help="A session id (repeatable). A JSON number or string is taken as such, "
            "other text as a string.",
            rich_help_panel="Sessions",
        ),
    ] = None,
    sessions_file: Annotated[
        Path | None,
        typer.Option(
            help="JSON array of ids, or one id per line; - for stdin; gzip is fine.",
            rich_help_panel="Sessions",
        ),
    ] = None,
    segment: Annotated[
        Path | None,
        typer.Option(
            help="Segment events (NDJSON, JSON array, gzip): one decision per distinct "
            'integrations["Actions Amplitude"].session_id.',
            rich_help_panel="Sessions",
        ),
    ] = None,
    generate: Annotated[
        int | None,
        typer.Option(
            min=1, help="Generate N millisecond-timestamp session ids.", rich_help_panel="Sessions"
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Earliest generated id: epoch ms or ISO date (default: 30 days ago).",
            rich_help_panel="Sessions",
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Latest generated id (default: now).", rich_help_panel="Sessions"),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(help="Seed of --generate, for repeatable runs.", rich_help_panel="Sessions"),
    ] = 1,
    sample_rate: Annotated[
        float | None,
        typer.Option(help="The sampleRate to simulate.", rich_help_panel="Sampling"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="Take sampleRate (and the SDK line) from this options file instead.",
            rich_help_panel="Sampling",
        ),
    ] = None,
    sdk: Annotated[
        HashLine | None,
        typer.Option(
            help="modern: xxHash32 (SDK 1.35.0+); legacy: Java hashCode (SDK <= 1.34.3, the Segment "
            "wrapper). Default: from --config, else modern.",
            rich_help_panel="Sampling",
        ),
    ] = None,
    remote_config: Annotated[
        Path | None,
        typer.Option(
            help="The project's remote configuration (the GET /config response): its capture_enabled "
            "and sample_rate win over local settings.",
            rich_help_panel="Sampling",
        ),
    ] = None,
) -> Report:
    from amp_replay_cli.core import simulate as core
    from amp_replay_cli.core.sampling import Algorithm

    if sample_rate is not None and config is not None:
        raise UsageError("give --sample-rate or --config, not both")
    local = None
    if config is not None:
        local = core.rate_from_config(Source.of_option(config))
    elif sample_rate is not None:
        local = core.LocalRate(sample_rate, "--sample-rate")
    remote = (
        core.read_remote_config(Source.of_option(remote_config))
        if remote_config is not None
        else None
    )
    sampling, findings = core.resolve_sampling(
        local,
        remote,
        Algorithm(sdk.value) if sdk else None,
        str(remote_config) if remote_config else "",
    )
    if explain:
        if len(explain) != 2 or explain[0] != "explain":
            raise UsageError(
                "positional arguments must be `explain ID`",
                hint="amp-replay simulate explain 1767225600123 --sample-rate 0.05",
            )
        report = core.explain(core.parse_session_id_argument(explain[1]), sampling)
        report.findings[:0] = findings
        return report
    generation = None
    if generate is not None:
        now = datetime.now(timezone.utc)
        end_ms = parse_time(end, "--end") if end else int(now.timestamp() * 1000)
        start_ms = (
            parse_time(start, "--start")
            if start
            else end_ms - int(timedelta(days=30).total_seconds() * 1000)
        )
        if start_ms >= end_ms:
            raise UsageError("--start must be before --end")
        generation = core.Generation(generate, start_ms, end_ms, seed)
    elif start or end:
        raise UsageError("--start and --end go with --generate")
    sources = core.SessionSources(
        session_ids=tuple(core.parse_session_id_argument(value) for value in session_id or ()),
        sessions_file=Source.of_option(sessions_file),
        segment=Source.of_option(segment),
        generate=generation,
    )
    return core.simulate(sources, sampling, findings)
