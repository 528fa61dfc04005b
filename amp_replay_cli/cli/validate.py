"""`amp-replay validate`: check sessionReplayOptions files."""

import enum
from typing import Annotated

import typer

from amp_replay_cli.cli.shared import option_name, project_settings, reporting_command
from amp_replay_cli.core.documents.limits import DEFAULT_LIMITS, Limits
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.wording import format_bytes, parse_size

# The backslash keeps the first line whole: it is the summary that `amp-replay --help` shows.
# Each paragraph is one line, so that rich can reflow it to the terminal's width; the first is
# the summary `amp-replay --help` shows.
HELP = """Check sessionReplayOptions files (YAML or JSON) against what the SDK really does \
with them.

A file holds the options object, a Segment wrapper call ({amplitudeApiKey, segmentInstance, \
sessionReplayOptions}), or Browser SDK plugin options; the SDK line comes from --sdk or the \
file's shape. Findings exit 1, unreadable inputs and scans that find no option file exit 2.

Files named are always checked. In a directory scan or a glob, a file is checked only when \
its shape says it holds Session Replay options (-v lists the files skipped), and directory \
scans leave out what .gitignore ignores.
"""
EXAMPLES = (
    "amp-replay validate src/replay-options.yaml",
    "amp-replay validate config/ --sdk segment-wrapper --strict",
    "amp-replay validate . --exclude 'fixtures/**' -f sarif -o replay.sarif",
)


class Sdk(str, enum.Enum):
    standalone = "standalone"
    plugin = "plugin"
    segment_wrapper = "segment-wrapper"


class Environment(str, enum.Enum):
    production = "production"
    development = "development"


@reporting_command("validate")
def validate(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATHS...",
            help="Files, directories (searched for .yaml/.yml/.json), globs, or - for stdin.",
            show_default=False,
        ),
    ],
    sdk: Annotated[
        Sdk | None,
        typer.Option(
            help="SDK line whose rules apply: standalone 1.51, plugin 1.35, segment-wrapper 0.4.0 "
            "(SDK 1.13.6). Default: inferred from each file's shape."
        ),
    ] = None,
    env: Annotated[
        Environment,
        typer.Option(
            help="production flags debug settings and 100 % sampling; development does not."
        ),
    ] = Environment.production,
    strict: Annotated[bool, typer.Option(help="Warnings fail the run too (exit 1).")] = False,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            metavar="GLOB",
            help="Leave out files a directory scan or glob finds (repeatable): matched against "
            "paths relative to the working directory and against each name, ** crosses folders.",
        ),
    ] = None,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Count the findings of each code.")
    ] = False,
    max_file_size: Annotated[
        str | None,
        typer.Option(
            metavar="SIZE",
            show_default=False,
            help="Refuse a file larger than this, e.g. 64MiB (default "
            f"{format_bytes(DEFAULT_LIMITS.max_bytes)}): memory use is about 15 times the "
            "file's size.",
        ),
    ] = None,
    max_values: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            min=1,
            show_default=False,
            help="Refuse a file holding more values than this once YAML aliases are expanded "
            f"(default {DEFAULT_LIMITS.max_values:,}; about 270 bytes of memory each).",
        ),
    ] = None,
) -> Report:
    from amp_replay_cli.core.options.catalog import SdkLine
    from amp_replay_cli.core.validate import ValidateSettings
    from amp_replay_cli.core.validate import validate as run_validate

    project = project_settings()
    settings = ValidateSettings(
        sdk=SdkLine(sdk.value) if sdk else None,
        production=env is Environment.production,
        strict=strict,
        exclude=tuple(exclude or ()),
        configured_exclude=project.exclude,
        configuration_folder=project.source.parent if project.source else None,
        limits=Limits(
            max_bytes=DEFAULT_LIMITS.max_bytes if max_file_size is None else _size(max_file_size),
            max_values=max_values or DEFAULT_LIMITS.max_values,
        ),
    )
    report = run_validate(paths, settings)
    report.statistics = statistics
    return report


def _size(text: str) -> int:
    size = parse_size(text)
    if not size:
        raise UsageError(
            f"{option_name('max_file_size')} {text!r} is not a size",
            hint="write bytes, or a number with KiB, MiB or GiB (e.g. 64MiB)",
        )
    return size
