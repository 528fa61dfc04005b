"""`amp-replay validate`: check sessionReplayOptions files."""

import enum
from pathlib import Path
from typing import Annotated

import typer

from amp_replay_cli.cli.shared import reporting_command
from amp_replay_cli.core.findings import Report

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
) -> Report:
    from amp_replay_cli.core.options.catalog import SdkLine
    from amp_replay_cli.core.settings import load_settings
    from amp_replay_cli.core.validate import ValidateSettings
    from amp_replay_cli.core.validate import validate as run_validate

    project = load_settings(Path.cwd())
    settings = ValidateSettings(
        sdk=SdkLine(sdk.value) if sdk else None,
        production=env is Environment.production,
        strict=strict,
        exclude=tuple(exclude or ()),
        configured_exclude=project.exclude,
        configuration_folder=project.source.parent if project.source else None,
    )
    report = run_validate(paths, settings)
    report.statistics = statistics
    return report
