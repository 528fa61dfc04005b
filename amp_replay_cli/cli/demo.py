"""`amp-replay demo`: every command in turn, offline, on bundled examples."""

import enum
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from amp_replay_cli.cli.shared import ColorMode

if TYPE_CHECKING:
    from amp_replay_cli.core import demo as core
    from amp_replay_cli.output import OutputSettings

HELP = """Show the whole product in a few seconds, offline: validate, simulate, upload, check and \
diagnose, run on bundled examples against a local Amplitude.

The demo starts the emulator in this process on a free loopback port with an in-memory \
database, copies its example files to a temporary directory, and runs each command the way you \
would type it, printing the command and its real output. It reads no AMPLITUDE_* variable, \
talks to nothing but the emulator, and leaves no file behind. The recording is moved to the \
current time, so check finds it on any date.

Each step prints its own findings (validate and diagnose are meant to find some); the demo \
exits 0 when every step did what it shows.
"""
EXAMPLES = (
    "amp-replay demo",
    "amp-replay demo --keep",
    "amp-replay demo -f json",
)


class DemoFormat(str, enum.Enum):
    text = "text"
    json = "json"


def demo(
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="Keep the emulator and the example files until Ctrl-C, and print the export "
            "lines that point every command at them, to try the commands yourself.",
        ),
    ] = False,
    output_format: Annotated[
        DemoFormat,
        typer.Option(
            "--output-format",
            "-f",
            help="text: a heading, the command and its output for each step; json: the JSON "
            "envelope of each command, one after the other.",
        ),
    ] = DemoFormat.text,
    color: Annotated[
        ColorMode, typer.Option("--color", help="Colour output: auto honours NO_COLOR.")
    ] = ColorMode.auto,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="Never draw the upload's progress bar.")
    ] = False,
) -> None:
    from amp_replay_cli.core import demo as core
    from amp_replay_cli.core.errors import ExitCode
    from amp_replay_cli.output import OutputSettings, resolve_color

    environ = dict(os.environ)
    text = output_format is DemoFormat.text
    settings = OutputSettings(
        format=output_format.value,
        color=text and resolve_color(color.value, environ, sys.stdout.isatty()),
        stderr_color=resolve_color(color.value, environ, sys.stderr.isatty()),
    )
    failed: list[str] = []
    try:
        with core.workspace() as space:
            if text:
                _say(_introduction(space))
            for step in _steps(space, text and not no_progress and sys.stderr.isatty()):
                failed += _show(step, settings)
            if keep and not failed:
                _serve_until_interrupted(space, _say if text else _note)
    except KeyboardInterrupt:
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    if failed:
        _note(
            "amp-replay demo: a step did not end as it should (a bug in amp-replay): "
            + "; ".join(failed)
        )
        raise typer.Exit(ExitCode.INTERNAL)
    if text and not keep:
        _say(
            "\nThat was every command. To try them yourself: `amp-replay demo --keep` keeps the\n"
            "emulator running; `amp-replay COMMAND --help` shows examples of each."
        )


def _show(step: "core.Step", settings: "OutputSettings") -> list[str]:
    """Print a step (text: a heading, then each command and its output; json: the envelopes);
    the commands that did not end as they should."""
    from amp_replay_cli.core import demo as core
    from amp_replay_cli.core.errors import ExitCode
    from amp_replay_cli.output import render

    text = settings.format == "text"
    if text:
        _say(f"\n== {step.number}/{core.STEP_COUNT} {step.name}: {step.title} ==")
    failed = []
    for run in step.runs:
        if text:
            _say(f"$ {run.command}")
        # In text mode the one-line summary follows the output, in order, on stdout.
        render(run.report, settings, stderr=sys.stdout if text else None)
        if run.report.exit_code == ExitCode.INTERRUPTED:  # Ctrl-C during an upload
            raise KeyboardInterrupt
        if not run.as_expected:
            failed.append(f"{run.command} exited {run.report.exit_code}")
    return failed


def _steps(space: "core.Workspace", progress_bar: bool) -> "Iterator[core.Step]":
    from amp_replay_cli.core import demo as core

    if not progress_bar:
        return core.steps(space)
    from amp_replay_cli.cli.progress import TransferProgress

    return core.steps(space, progress=TransferProgress)


def _introduction(space: "core.Workspace") -> str:
    return "\n".join(
        [
            f"amp-replay demo: a local Amplitude at {space.base_url} (in-memory database),",
            f"example files in {space.directory}.",
            "Every command below runs as if these were set:",
            *(f"  {line}" for line in space.exports()),
        ]
    )


def _serve_until_interrupted(space: "core.Workspace", say: "Callable[[str], None]") -> None:
    """Keep the emulator; tell where it is (on stderr in json mode: stdout is the envelopes)."""
    from amp_replay_cli.cli.emulator import stop_on_sigterm

    # docker stop and CI runners send SIGTERM: stop as Ctrl-C does, removing the temporary
    # files. Set before the exports are printed, which tell a caller the demo is ready.
    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        say(
            "\nThe emulator keeps running, with the example files, until Ctrl-C. In another "
            "shell:\n"
            + "\n".join(f"  {line}" for line in space.exports())
            + "\nthen try any command above."
        )
        wait_forever()
    except KeyboardInterrupt:
        say("amp-replay demo: stopped; the emulator and the example files are gone")
    finally:
        signal.signal(signal.SIGTERM, previous)


def wait_forever() -> None:
    """Until Ctrl-C (tests replace it)."""
    threading.Event().wait()


def _say(line: str) -> None:
    print(line, flush=True)


def _note(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
