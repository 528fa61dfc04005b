"""`amp-replay simulate`: which sessions the SDK records at a sample rate; `explain ID`: why."""

import enum
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from amp_replay_cli.cli.shared import (
    MaxLineOption,
    configured,
    fail,
    option_name,
    reporting_command,
)
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Finding, Report

if TYPE_CHECKING:
    # typer.Context's base: typer vendors click and names it only under _click.
    from typer._click import Context as ClickContext

    from amp_replay_cli.core.simulate import Sampling

# Each paragraph is one line, so that rich can reflow it to the terminal's width.
HELP = """Decide, exactly as the SDK does, which sessions are recorded at a sample rate.

Session ids come from --session-id, --sessions-file (a JSON array of ids as JavaScript would \
pass them, or one id string per line), --segment (the Actions Amplitude session_id of each \
Segment event) or --generate. `amp-replay simulate explain ID` tells one session's story.
"""
EXAMPLES = (
    "amp-replay simulate --sample-rate 0.05 --generate 10000",
    "amp-replay simulate --config replay-options.yaml --segment events.ndjson",
    "amp-replay simulate --sessions-file ids.json --sample-rate 0.1 --sdk legacy",
)

EXPLAIN_HELP = """Tell why one session is or is not recorded, step by step.

The SDK's hash of the session id, its bucket, the comparison with the sample rate, the \
smallest sampleRate that would record it, and what the other hash would decide.
"""
EXPLAIN_EXAMPLES = (
    "amp-replay simulate explain 1767225600123 --sample-rate 0.05",
    "amp-replay simulate explain 1767225600123 --config replay-options.yaml",
)


class HashLine(str, enum.Enum):
    modern = "modern"
    legacy = "legacy"


# The sampling options of both `simulate` and `simulate explain`.
SampleRateOption = Annotated[
    float | None,
    typer.Option(help="The sampleRate to simulate.", rich_help_panel="Sampling"),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        help="Take sampleRate (and the SDK line) from this options file instead.",
        rich_help_panel="Sampling",
    ),
]
SdkOption = Annotated[
    HashLine | None,
    typer.Option(
        help="modern: xxHash32 (SDK 1.35.0+); legacy: Java hashCode (SDK <= 1.34.3, the Segment "
        "wrapper). Default: from --config, else modern.",
        rich_help_panel="Sampling",
    ),
]
RemoteConfigOption = Annotated[
    Path | None,
    typer.Option(
        help="The project's remote configuration (the GET /config response): its capture_enabled "
        "and sample_rate win over local settings.",
        rich_help_panel="Sampling",
    ),
]
EXPLAIN_USAGE = "amp-replay simulate explain 1767225600123 --sample-rate 0.05"


class SimulateGroup(TyperGroup):
    """`simulate [OPTIONS]` or `simulate explain ID [OPTIONS]`: explain is its only word."""

    def parse_args(self, ctx: "ClickContext", args: list[str]) -> list[str]:
        positionals = self._positionals(ctx, args)
        if positionals and positionals[0] in self.commands:
            # Options may come before `explain`, as they could when it was an argument of simulate:
            # `simulate --sample-rate 0.05 explain ID` is `simulate explain ID --sample-rate 0.05`.
            options = args[: len(args) - len(positionals)]
            args = [positionals[0], *options, *positionals[1:]]
        rest = super().parse_args(ctx, args)
        if positionals and positionals[0] not in self.commands and not ctx.resilient_parsing:
            # `simulate 1767225600123`: the only word simulate takes is `explain`.
            raise fail(
                "simulate",
                UsageError("positional arguments must be `explain ID`", hint=EXPLAIN_USAGE),
            )
        return rest

    def _positionals(self, ctx: "ClickContext", args: list[str]) -> list[str]:
        """What is left once the group's options are read; never fails (the real parse will)."""
        probe = typer.Context(
            self, parent=ctx.parent, info_name=ctx.info_name, resilient_parsing=True
        )
        _, positionals, _ = self.make_parser(probe).parse_args(args=list(args))
        return positionals


def parse_time(text: str, option: str) -> int:
    """Epoch milliseconds from `1767225600000` or an ISO 8601 date/time.

    A date/time without an offset is UTC.
    """
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


def sampling_from_options(
    sample_rate: float | None,
    config: Path | None,
    sdk: HashLine | None,
    remote_config: Path | None,
) -> "tuple[Sampling, list[Finding]]":
    """The SDK's sampling from --sample-rate or --config, --sdk, then --remote-config."""
    from amp_replay_cli.core import simulate as core
    from amp_replay_cli.core.sampling import Algorithm

    if sample_rate is not None and config is not None:
        # One from the configuration file, one from the command line: the command line wins.
        if configured("sample_rate") and not configured("config"):
            sample_rate = None
        elif configured("config") and not configured("sample_rate"):
            config = None
        else:
            raise UsageError(
                f"give {option_name('sample_rate')} or {option_name('config')}, not both"
            )
    return core.sampling_from(
        sample_rate,
        Source.of_option(config),
        Algorithm(sdk.value) if sdk else None,
        Source.of_option(remote_config),
        rate_name=option_name("sample_rate"),
    )


@reporting_command("simulate")
def simulate(
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
    sample_rate: SampleRateOption = None,
    config: ConfigOption = None,
    sdk: SdkOption = None,
    remote_config: RemoteConfigOption = None,
    max_line_bytes: MaxLineOption = None,
) -> Report:
    from amp_replay_cli.core import simulate as core
    from amp_replay_cli.core.documents.limits import LOG_LINE

    sampling, findings = sampling_from_options(sample_rate, config, sdk, remote_config)
    generation = None
    if generate is not None:
        now = datetime.now(timezone.utc)
        end_ms = parse_time(end, option_name("end")) if end else int(now.timestamp() * 1000)
        start_ms = (
            parse_time(start, option_name("start"))
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
        line_limit=LOG_LINE.with_max(max_line_bytes),
    )
    return core.simulate(sources, sampling, findings)


# Errors before the explanation is ready report as "simulate", as they did when explain was an
# argument of simulate; the explanation itself is the "simulate explain" report.
@reporting_command("simulate")
def explain(
    session_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The session id. A JSON number or string is taken as such, "
            "other text as a string.",
            show_default=False,
        ),
    ],
    sample_rate: SampleRateOption = None,
    config: ConfigOption = None,
    sdk: SdkOption = None,
    remote_config: RemoteConfigOption = None,
) -> Report:
    from amp_replay_cli.core import simulate as core

    sampling, findings = sampling_from_options(sample_rate, config, sdk, remote_config)
    report = core.explain(core.parse_session_id_argument(session_id), sampling)
    report.findings[:0] = findings
    return report
