"""What every reporting command shares: output options, and one place that turns errors into exit codes."""

import contextvars
import enum
import functools
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from amp_replay_cli.core.errors import AmpReplayError, ExitCode, Interrupted
from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings, error_lines, render, resolve_color, resolve_format

ISSUES_URL = "https://github.com/amp-replay/amp-replay/issues"


class OutputFormat(str, enum.Enum):
    auto = "auto"
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"


class ColorMode(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


_SHARED_PARAMETERS = [
    inspect.Parameter(
        "output_format",
        inspect.Parameter.KEYWORD_ONLY,
        default=OutputFormat.auto,
        annotation=Annotated[
            OutputFormat,
            typer.Option(
                "--output-format",
                "-f",
                envvar="AMP_REPLAY_OUTPUT_FORMAT",
                help="text, json, github (workflow annotations) or junit; auto means github under GitHub Actions, "
                "else text.",
                rich_help_panel="Output",
            ),
        ],
    ),
    inspect.Parameter(
        "output_file",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            Path | None,
            typer.Option(
                "--output-file",
                "-o",
                help="Write the report here instead of stdout.",
                dir_okay=False,
                rich_help_panel="Output",
            ),
        ],
    ),
    inspect.Parameter(
        "verbose",
        inspect.Parameter.KEYWORD_ONLY,
        default=0,
        annotation=Annotated[
            int,
            typer.Option("--verbose", "-v", count=True, help="Say more.", rich_help_panel="Output"),
        ],
    ),
    inspect.Parameter(
        "quiet",
        inspect.Parameter.KEYWORD_ONLY,
        default=0,
        annotation=Annotated[
            int,
            typer.Option(
                "--quiet",
                "-q",
                count=True,
                help="-q hides info findings, -qq warnings too; errors always show.",
                rich_help_panel="Output",
            ),
        ],
    ),
    inspect.Parameter(
        "color",
        inspect.Parameter.KEYWORD_ONLY,
        default=ColorMode.auto,
        annotation=Annotated[
            ColorMode,
            typer.Option(
                "--color",
                help="Colour output: auto honours NO_COLOR and FORCE_COLOR.",
                rich_help_panel="Output",
            ),
        ],
    ),
    inspect.Parameter(
        "no_progress",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option(
                "--no-progress", help="Never draw progress bars.", rich_help_panel="Output"
            ),
        ],
    ),
    inspect.Parameter(
        "debug",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option(
                "--debug", help="Show tracebacks of internal errors.", rich_help_panel="Output"
            ),
        ],
    ),
]
_SHARED_NAMES = [parameter.name for parameter in _SHARED_PARAMETERS]


def output_settings(
    output_format: OutputFormat,
    output_file: Path | None,
    verbose: int,
    quiet: int,
    color: ColorMode,
) -> OutputSettings:
    environ = dict(os.environ)
    return OutputSettings(
        format=resolve_format(output_format.value, environ),
        output_file=output_file,
        verbosity=1 + verbose - quiet,
        color=output_file is None and resolve_color(color.value, environ, sys.stdout.isatty()),
        stderr_color=resolve_color(color.value, environ, sys.stderr.isatty()),
        environ=environ,
    )


def reporting_command(name: str) -> Callable[[Callable[..., Report]], Callable[..., None]]:
    """Give a command the shared output options; its body returns a Report, the wrapper renders it and exits.

    Errors are mapped to exit codes here, in the command rather than in main(), so that tests
    invoking the app see the real codes.
    """

    def decorate(body: Callable[..., Report]) -> Callable[..., None]:
        signature = inspect.signature(body)

        @functools.wraps(body)
        def command(**kwargs) -> None:
            shared = {key: kwargs.pop(key) for key in _SHARED_NAMES}
            settings = output_settings(
                shared["output_format"],
                shared["output_file"],
                shared["verbose"],
                shared["quiet"],
                shared["color"],
            )
            wanted = (
                not shared["no_progress"]
                and settings.format == "text"
                and settings.verbosity >= 1
                and sys.stderr.isatty()
            )
            token = _PROGRESS_WANTED.set(wanted)
            try:
                report = run_body(name, lambda: body(**kwargs), debug=shared["debug"])
            finally:
                _PROGRESS_WANTED.reset(token)
            raise typer.Exit(emit(report, settings))

        command.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), *_SHARED_PARAMETERS], return_annotation=None
        )
        command.__annotations__ = {
            **{key: value for key, value in body.__annotations__.items() if key != "return"},
            **{parameter.name: parameter.annotation for parameter in _SHARED_PARAMETERS},
        }
        del command.__wrapped__  # typer must read the new signature, not the body's
        return command

    return decorate


# The options of every command that talks to Amplitude (environment variables as in spec/style §5).
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        envvar="AMPLITUDE_API_KEY",
        show_envvar=True,
        show_default=False,
        help="Project API key (the one in your browser snippet).",
        rich_help_panel="Amplitude",
    ),
]
ServerZoneOption = Annotated[
    str,
    typer.Option(
        envvar="AMPLITUDE_SERVER_ZONE",
        show_envvar=True,
        help="US or EU.",
        rich_help_panel="Amplitude",
    ),
]
ServerUrlOption = Annotated[
    str | None,
    typer.Option(
        envvar="AMPLITUDE_SERVER_URL",
        show_envvar=True,
        show_default=False,
        help="One base URL for every Amplitude API: a proxy, or `amp-replay emulator`.",
        rich_help_panel="Amplitude",
    ),
]

_PROGRESS_WANTED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "progress_wanted", default=False
)


def progress_wanted() -> bool:
    """Whether this run may draw a progress bar: text output to a terminal, no -q, no --no-progress."""
    return _PROGRESS_WANTED.get()


def run_body(name: str, body: Callable[[], Report], debug: bool) -> Report:
    try:
        report = body()
    except AmpReplayError as error:
        report = Report(command=name, fatal=error)
    except KeyboardInterrupt:
        report = Report(command=name, fatal=Interrupted("interrupted"))
    except Exception as error:  # the one place that turns a bug into exit 5
        if debug:
            traceback.print_exc()
        report = Report(
            command=name,
            fatal=AmpReplayError(
                f"internal error: {type(error).__name__}: {error}",
                hint=f"this is a bug in amp-replay: re-run with --debug and report the traceback at {ISSUES_URL}",
            ),
        )
    report.secrets.update(environment_secrets())
    return report


def emit(report: Report, settings: OutputSettings) -> int:
    try:
        return render(report, settings)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return report.exit_code
    except OSError as error:
        failed = Report(
            command=report.command,
            fatal=AmpReplayError(f"cannot write {settings.output_file}: {error.strerror or error}"),
        )
        sys.stderr.write("\n".join(error_lines(failed, settings.stderr_color)) + "\n")
        return ExitCode.USAGE


def fail(command: str, error: AmpReplayError) -> typer.Exit:
    """For commands that report no findings: print the error as every command does, give its exit code."""
    report = Report(command=command, fatal=error)
    report.secrets.update(environment_secrets())
    sys.stderr.write(
        "\n".join(error_lines(report, resolve_color("auto", dict(os.environ), sys.stderr.isatty())))
        + "\n"
    )
    return typer.Exit(report.exit_code)


def environment_secrets() -> set[str]:
    return {
        os.environ[name]
        for name in ("AMPLITUDE_API_KEY", "AMPLITUDE_SECRET_KEY")
        if os.environ.get(name)
    }
