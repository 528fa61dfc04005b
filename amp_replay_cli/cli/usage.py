"""Usage errors (an unknown option, a bad choice, a missing argument) reported as every error is.

click reports them before any command runs, with a box on stderr and no output file, so a CI job
that asked for `-f json -o report.json` or `--report junit=…` would lose its report. Here they
become a Report with a fatal usage error, rendered with the output options that can be read from
the command line: the envelope with status "error" in json, one line and a hint in text, exit 2.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption
from typer._click.exceptions import UsageError as ClickUsageError

from amp_replay_cli.cli.shared import OutputFormat, OutputOptions, emit, environment_secrets
from amp_replay_cli.cli.shared import parse_report as parse_extra_report
from amp_replay_cli.core.errors import AmpReplayError, UsageError
from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import ExtraReport

if TYPE_CHECKING:
    from typer._click import Context as ClickContext

_NAMES = {
    "-f": "format",
    "--output-format": "format",
    "-o": "file",
    "--output-file": "file",
    "--report": "report",
}


@dataclass
class OutputArguments:
    """The output options as written on a command line that click could not parse."""

    format: str | None = None
    file: str | None = None
    reports: list[str] = field(default_factory=list)

    def add(self, name: str, value: str) -> None:
        if name == "report":
            self.reports.append(value)
        else:
            setattr(self, name, value)  # the last one wins, as in click

    def options(self) -> OutputOptions:
        # A bad -f may be the error itself: then the environment's format, as click would.
        known = {member.value for member in OutputFormat}
        requested = [self.format, os.environ.get("AMP_REPLAY_OUTPUT_FORMAT"), "auto"]
        return OutputOptions(
            output_format=OutputFormat(next(name for name in requested if name in known)),
            output_file=Path(self.file) if self.file else None,
            report=[report for report in map(_extra_report, self.reports) if report is not None],
        )


def _extra_report(value: str) -> ExtraReport | None:
    try:
        return parse_extra_report(value)
    except typer.BadParameter:  # that may be the usage error itself: the others are written
        return None


def output_arguments(argv: list[str]) -> OutputArguments:
    """-f/-o/--report in their forms `-f json`, `-fjson`, `--output-format json` and `=json`."""
    found = OutputArguments()
    index = 0
    while index < len(argv) and argv[index] != "--":
        argument = argv[index]
        name, equals, value = argument.partition("=")
        if argument.startswith("--") and equals and name in _NAMES:
            found.add(_NAMES[name], value)
        elif argument in _NAMES and index + 1 < len(argv):
            found.add(_NAMES[argument], argv[index + 1])
            index += 1
        elif argument[:2] in ("-f", "-o") and len(argument) > 2:
            found.add(_NAMES[argument[:2]], argument[2:])
        index += 1
    return found


def _reports_findings(ctx: ClickContext | None) -> bool:
    return ctx is not None and any(param.name == "output_format" for param in ctx.command.params)


def _command_name(ctx: ClickContext | None) -> str:
    words = ctx.command_path.split() if ctx is not None else []
    return words[1] if len(words) > 1 else "amp-replay"


def _did_you_mean(error: NoSuchOption, ctx: ClickContext) -> str | None:
    """The one option the typo is closest to, compared without dashes, also by its last word
    (`--fomat` is `--output-format`); None when nothing is close (`--bogus`)."""
    import difflib  # imported on use: only a mistyped option pays for it

    aliases: dict[str, str] = {}
    for param in ctx.command.get_params(ctx):
        for name in (*param.opts, *param.secondary_opts):
            bare = name.lstrip("-")
            aliases.setdefault(bare, name)
            aliases.setdefault(bare.rsplit("-", 1)[-1], name)
    matches = difflib.get_close_matches(error.option_name.lstrip("-"), aliases, n=1)
    return aliases[matches[0]] if matches else None


def as_error(error: ClickUsageError, ctx: ClickContext | None) -> UsageError:
    """click's message and one hint: a did-you-mean, else where the help is."""
    message = error.message if isinstance(error, NoSuchOption) else error.format_message()
    message = message.rstrip(".")  # one line ending in a hint, as our other errors
    suggestion = (
        _did_you_mean(error, ctx) if isinstance(error, NoSuchOption) and ctx is not None else None
    )
    if suggestion:
        return UsageError(message, hint=f"did you mean {suggestion}?")
    command = ctx.command_path if ctx is not None else "amp-replay"
    return UsageError(message, hint=f"try '{command} --help'")


def report_usage_error(error: ClickUsageError, argv: list[str], ctx: ClickContext | None) -> int:
    """Render the usage error as the command would have rendered its report; the exit code."""
    return report_early_error(as_error(error, ctx), argv, ctx)


def report_early_error(error: AmpReplayError, argv: list[str], ctx: ClickContext | None) -> int:
    """An error before the command runs, rendered as the command would render its report."""
    reporting = _reports_findings(ctx)
    # Commands that do not report (emulator, schema) use -o for other things: text only.
    options = output_arguments(argv).options() if reporting else OutputOptions(OutputFormat.text)
    report = Report(command=_command_name(ctx), fatal=error)
    report.secrets.update(environment_secrets())
    return emit(report, options.settings())


@contextmanager
def usage_errors_reported(
    argv: list[str], command_context: Callable[[], ClickContext | None] = lambda: None
) -> Iterator[None]:
    """Usage errors inside become the report of the command they are about; exit 2.

    `command_context` finds that command for the errors click raises without a context
    (an option without its value).
    """
    try:
        yield
    except NoArgsIsHelpError:  # `amp-replay` alone: the help, as click shows it
        raise
    except ClickUsageError as error:
        ctx = error.ctx or command_context()
        raise typer.Exit(report_usage_error(error, argv, ctx)) from None
