"""The root `amp-replay` application."""

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from amp_replay_cli import __version__
from amp_replay_cli.cli import (
    check,
    demo,
    diagnose,
    emulator,
    rule,
    schema,
    simulate,
    upload,
    validate,
)
from amp_replay_cli.cli.configuration import configure
from amp_replay_cli.cli.usage import report_early_error, usage_errors_reported
from amp_replay_cli.core.errors import AmpReplayError

EXIT_CODES = (
    "Exit codes: 0 ok · 1 findings (warnings too with --strict) · 2 usage or input error · "
    "3 auth · 4 network · 5 internal bug · 130 interrupted."
)


def _epilog(examples: tuple[str, ...]) -> str:
    """Examples, then the exit codes. rich keeps single line breaks: one example a line."""
    return "\n".join(["Examples:", *(f"  {example}" for example in examples), "", EXIT_CODES])


class _Command(TyperCommand):
    """A command whose usage line shows required arguments bare (PATHS...), as the Arguments
    panel does, not in typer's braces ({PATHS...}), which read like a set."""

    def collect_usage_pieces(self, ctx: "ClickContext") -> list[str]:
        return [
            piece.replace("{", "").replace("}", "") for piece in super().collect_usage_pieces(ctx)
        ]


if TYPE_CHECKING:
    from typer._click import Context as ClickContext  # typer.Context's base, vendored click's

# The order --help lists the commands in: the order of a typical investigation.
COMMAND_ORDER = (
    "validate",
    "simulate",
    "upload",
    "check",
    "diagnose",
    "emulator",
    "schema",
    "rule",
    "demo",
)
_ARGV = "amp_replay.argv"  # the whole command line, in the context's meta for invoke()


class _RootGroup(TyperGroup):
    """Usage errors of the root and every command surface here: parsing the root's arguments
    (make_context), then resolving and parsing a command's (invoke)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: "ClickContext | None" = None,
        **extra: Any,
    ) -> "ClickContext":
        argv = list(args)  # parsing consumes args
        with usage_errors_reported(argv):
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[_ARGV] = argv
        return ctx

    def invoke(self, ctx: "ClickContext") -> Any:
        argv = ctx.meta[_ARGV]
        try:
            if not {"-h", "--help"} & set(argv):  # help works whatever the file holds
                configure(self, ctx, self._command_name(argv))
        except AmpReplayError as error:  # the configuration file: before the command parses
            raise typer.Exit(
                report_early_error(error, argv, self._command_context(ctx, argv))
            ) from None
        with usage_errors_reported(argv, lambda: self._command_context(ctx, argv)):
            return super().invoke(ctx)

    @staticmethod
    def _command_name(argv: list[str]) -> str | None:
        # The root has no options that take a value, so the first word is the command.
        return next((word for word in argv if not word.startswith("-")), None)

    def _command_context(self, ctx: "ClickContext", argv: list[str]) -> "ClickContext | None":
        """A context for the command argv names, its arguments left out."""
        name = self._command_name(argv)
        command = self.get_command(ctx, name) if name else None
        if command is None:
            return None
        return command.make_context(name, [], parent=ctx, resilient_parsing=True)

    def list_commands(self, ctx: "ClickContext") -> list[str]:
        # typer lists sub-apps (simulate, for its explain sub-command) after plain commands.
        return sorted(super().list_commands(ctx), key=COMMAND_ORDER.index)


app = typer.Typer(
    name="amp-replay",
    cls=_RootGroup,
    help="Validate, simulate, upload and diagnose Amplitude Session Replay set-ups "
    "that run through Segment.",
    epilog=_epilog(
        (
            "amp-replay demo",
            "amp-replay validate replay-options.yaml",
            "amp-replay upload rec.json.gz --server-zone EU",
        )
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _command(module: Any, name: str, function: Any, help: str, examples: tuple[str, ...]) -> None:
    """Register a command with its help, its examples and the exit codes."""
    module.command(name=name, cls=_Command, help=help, epilog=_epilog(examples))(function)


_command(app, "validate", validate.validate, validate.HELP, validate.EXAMPLES)
simulate_group = typer.Typer(cls=simulate.SimulateGroup)
simulate_group.callback(
    invoke_without_command=True,
    subcommand_metavar="[explain ID]",
    help=simulate.HELP,
    epilog=_epilog(simulate.EXAMPLES),
)(simulate.simulate)
_command(
    simulate_group, "explain", simulate.explain, simulate.EXPLAIN_HELP, simulate.EXPLAIN_EXAMPLES
)
app.add_typer(simulate_group, name="simulate")
_command(app, "upload", upload.upload, upload.HELP, upload.EXAMPLES)
_command(app, "check", check.check, check.HELP, check.EXAMPLES)
_command(app, "diagnose", diagnose.diagnose, diagnose.HELP, diagnose.EXAMPLES)
_command(app, "emulator", emulator.emulator, emulator.HELP, emulator.EXAMPLES)
_command(app, "schema", schema.schema, schema.HELP, schema.EXAMPLES)
_command(app, "rule", rule.rule, rule.HELP, rule.EXAMPLES)
_command(app, "demo", demo.demo, demo.HELP, demo.EXAMPLES)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"amp-replay {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Only --version: every other option belongs to a command."""
