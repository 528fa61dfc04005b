"""What every reporting command shares: the output options, and errors mapped to exit codes."""

import contextvars
import dataclasses
import enum
import functools
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer
from typer._click.core import ParameterSource

from amp_replay_cli import PROJECT_URL
from amp_replay_cli.cli.choosing import ChoiceOptions
from amp_replay_cli.core.documents.limits import LOG_LINE, RECORDING_ITEM, ItemLimit
from amp_replay_cli.core.errors import AmpReplayError, ExitCode, Interrupted
from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.settings import ProjectSettings
from amp_replay_cli.output import (
    EXTRA_REPORT_FORMATS,
    ExtraReport,
    OutputSettings,
    error_lines,
    render,
    resolve_color,
    resolve_format,
)

ISSUES_URL = f"{PROJECT_URL}/issues"
# ctx.meta key of the run's ProjectSettings, read once before the command parses (configuration.py)
SETTINGS = "amp_replay.settings"


class OutputFormat(str, enum.Enum):
    auto = "auto"
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"
    sarif = "sarif"
    gitlab = "gitlab"


def parse_report(value: str) -> ExtraReport:
    """--report FORMAT=PATH."""
    name, equals, path = value.partition("=")
    if not equals or not path:
        raise typer.BadParameter(f"{value!r} is not FORMAT=PATH, e.g. junit=amp-replay.xml")
    if name not in EXTRA_REPORT_FORMATS:
        raise typer.BadParameter(
            f"{name!r} is not a report format: use {', '.join(EXTRA_REPORT_FORMATS)}"
        )
    return ExtraReport(name, Path(path))


class ColorMode(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


@dataclasses.dataclass(frozen=True)
class OutputOptions:
    """The output options of every reporting command, declared once (see reporting_command)."""

    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--output-format",
            "-f",
            envvar="AMP_REPLAY_OUTPUT_FORMAT",
            help="text, json, github (workflow annotations), junit, sarif or gitlab (Code "
            "Quality); auto means github under GitHub Actions, else text.",
            rich_help_panel="Output",
        ),
    ] = OutputFormat.auto
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            "-o",
            help="Write the report here instead of stdout.",
            dir_okay=False,
            rich_help_panel="Output",
        ),
    ] = None
    report: Annotated[
        list[ExtraReport] | None,
        typer.Option(
            "--report",
            metavar="FORMAT=PATH",
            parser=parse_report,
            help="Also write the report in FORMAT (text, json, junit, sarif, gitlab) to PATH; "
            "repeatable.",
            show_default=False,
            rich_help_panel="Output",
        ),
    ] = None
    # metavar "": a counting flag takes no value; typer would show <int> beside it.
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            metavar="",
            show_default=False,
            help="Say more; repeat to say still more (-vv).",
            rich_help_panel="Output",
        ),
    ] = 0
    quiet: Annotated[
        int,
        typer.Option(
            "--quiet",
            "-q",
            count=True,
            metavar="",
            show_default=False,
            help="-q hides info findings, -qq warnings too; errors always show.",
            rich_help_panel="Output",
        ),
    ] = 0
    color: Annotated[
        ColorMode,
        typer.Option(
            "--color",
            help="Colour output: auto honours NO_COLOR and FORCE_COLOR.",
            rich_help_panel="Output",
        ),
    ] = ColorMode.auto
    no_progress: Annotated[
        bool,
        typer.Option("--no-progress", help="Never draw progress bars.", rich_help_panel="Output"),
    ] = False
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show tracebacks of internal errors.", rich_help_panel="Output"
        ),
    ] = False

    def settings(self) -> OutputSettings:
        environ = dict(os.environ)
        return OutputSettings(
            format=resolve_format(self.output_format.value, environ),
            output_file=self.output_file,
            reports=tuple(self.report or ()),
            verbosity=1 + self.verbose - self.quiet,
            color=self.output_file is None
            and resolve_color(self.color.value, environ, sys.stdout.isatty()),
            stderr_color=resolve_color(self.color.value, environ, sys.stderr.isatty()),
            environ=environ,
        )

    def allow_progress(self, settings: OutputSettings) -> bool:
        return (
            not self.no_progress
            and settings.format == "text"
            and settings.verbosity >= 1
            and sys.stderr.isatty()
        )


def _parameters(options: type) -> list[inspect.Parameter]:
    hints = get_type_hints(options, include_extras=True)  # with each field's typer.Option
    return [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in dataclasses.fields(options)
    ]


_OUTPUT_PARAMETERS = _parameters(OutputOptions)
_CHOICE_PARAMETERS = _parameters(ChoiceOptions)
# typer passes the click context to the parameter annotated typer.Context.
_CONTEXT = inspect.Parameter(
    "typer_context", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
)


def reporting_command(name: str) -> Callable[[Callable[..., Report]], Callable[..., None]]:
    """Give a command the output options; its body returns a Report, which the wrapper renders.

    typer builds a command's options from the parameters of its function, so the wrapper's
    signature is the body's parameters plus the fields of OutputOptions. This declares the output
    options once for every command; the wrapper takes them back out into an OutputOptions and
    calls the body with the rest. The signature also asks typer for the context: as a group's
    callback (simulate), the command runs before the group's sub-command (explain) too, and then
    leaves the report to it.

    Errors are mapped to exit codes here, in the command rather than in main(), so that tests
    invoking the app see the real codes.
    """

    def decorate(body: Callable[..., Report]) -> Callable[..., None]:
        signature = inspect.signature(body)

        @functools.wraps(body)
        def command(**kwargs: Any) -> None:
            ctx = kwargs.pop(_CONTEXT.name)
            if ctx.invoked_subcommand is not None:
                return
            project: ProjectSettings = ctx.meta.get(SETTINGS, ProjectSettings())
            names = _option_names(ctx, project)
            options = OutputOptions(**{p.name: kwargs.pop(p.name) for p in _OUTPUT_PARAMETERS})
            choice = ChoiceOptions(**{p.name: kwargs.pop(p.name) for p in _CHOICE_PARAMETERS})
            settings = options.settings()

            def run() -> Report:
                selection = choice.selection(project)  # a bad code fails before any work
                report = choice.apply(body(**kwargs), selection)
                if report.configuration and names:  # -v says what the file decided
                    keys = ", ".join(name.replace("_", "-") for name in names)
                    report.configuration += f" (sets {keys})"
                return report

            token = _PROGRESS_WANTED.set(options.allow_progress(settings))
            project_token = _PROJECT.set(project)
            names_token = _OPTION_NAMES.set(names)
            try:
                report = run_body(name, run, debug=options.debug)
            finally:
                _OPTION_NAMES.reset(names_token)
                _PROJECT.reset(project_token)
                _PROGRESS_WANTED.reset(token)
            raise typer.Exit(emit(report, settings))

        parameters = [
            *signature.parameters.values(),
            *_OUTPUT_PARAMETERS,
            *_CHOICE_PARAMETERS,
            _CONTEXT,
        ]
        # A function object takes any attribute; mypy knows only the ones functions always have.
        command.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=parameters, return_annotation=None
        )
        command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
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


def complete_zone(incomplete: str) -> list[str]:
    # Endpoints.resolve reads the zone in any case; the shell offers the spelling Amplitude uses.
    # Imported here: amplitude.py costs start-up time that only a TAB on this option needs.
    from amp_replay_cli.core.amplitude import ZONES

    return [zone for zone in ZONES if zone.startswith(incomplete.upper())]


ServerZoneOption = Annotated[
    str,
    typer.Option(
        envvar="AMPLITUDE_SERVER_ZONE",
        show_envvar=True,
        metavar="US|EU",
        autocompletion=complete_zone,
        help="The data centre of the project.",
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


def _limit_option(limit: ItemLimit, held: str) -> Any:
    """The option that raises one of the readers' limits (its name is the limit's own)."""
    return typer.Option(
        limit.option,
        min=1,
        metavar="BYTES",
        show_default=False,
        help=f"The longest {held} held in memory (default {limit.max_chars:,}); a longer one is "
        "refused with exit 2.",
        rich_help_panel="Limits",
    )


MaxLineOption = Annotated[int | None, _limit_option(LOG_LINE, "line or JSON item of an input")]
MaxItemOption = Annotated[
    int | None,
    _limit_option(
        RECORDING_ITEM,
        "event, line or JSON item of a recording (the SDK sends events up to 9,000,000 bytes)",
    ),
]

_PROGRESS_WANTED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "progress_wanted", default=False
)


_PROJECT: contextvars.ContextVar[ProjectSettings | None] = contextvars.ContextVar(
    "project", default=None
)


_OPTION_NAMES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "option_names", default=None
)


def _option_names(ctx: typer.Context, project: ProjectSettings) -> dict[str, str]:
    """Each option whose value the configuration gave, named as the file names it."""
    return {
        parameter.name: f"{project.source}: {parameter.name.replace('_', '-')}"
        for parameter in ctx.command.params
        if parameter.name
        and ctx.get_parameter_source(parameter.name) is ParameterSource.DEFAULT_MAP
    }


def configured(parameter: str) -> bool:
    """Whether the option's value came from the configuration file, not the command line."""
    return parameter in (_OPTION_NAMES.get() or {})


def option_name(parameter: str) -> str:
    """How messages name an option: its flag, or the configuration key its value came from."""
    return (_OPTION_NAMES.get() or {}).get(parameter, "--" + parameter.replace("_", "-"))


def project_settings() -> ProjectSettings:
    """The project configuration of this run (empty when there is none)."""
    return _PROJECT.get() or ProjectSettings()


def progress_wanted() -> bool:
    """Whether this run may draw a progress bar: text to a terminal, no -q, no --no-progress."""
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
                hint="this is a bug in amp-replay: re-run with --debug and report the traceback "
                f"at {ISSUES_URL}",
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
    except OSError as error:  # report files are render's; this is stdout or the step summary
        failed = Report(
            command=report.command,
            fatal=AmpReplayError(
                f"cannot write {error.filename or 'stdout'}: {error.strerror or error}"
            ),
        )
        sys.stderr.write("\n".join(error_lines(failed, settings.stderr_color)) + "\n")
        return ExitCode.USAGE


def fail(command: str, error: AmpReplayError) -> typer.Exit:
    """For commands without a Report: print the error as every command does; give its exit code."""
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
