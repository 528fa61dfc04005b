"""`amp-replay rule`: explain a finding code."""

from typing import Annotated

import typer

from amp_replay_cli.cli.shared import reporting_command
from amp_replay_cli.core.findings import Report

HELP = """Explain a finding code: its name, severity, what it means and how to fix it."""
EXAMPLES = (
    "amp-replay rule AR182",
    "amp-replay rule RPL_DEVICE_IS_USERID",
    "amp-replay rule --all",
)


@reporting_command("rule")
def rule(
    code: Annotated[
        str | None, typer.Argument(help="A code, e.g. AR182 or RPL_ORPHANED.", show_default=False)
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="List every code, one a line.")] = False,
) -> Report:
    from amp_replay_cli.core.rule import rule as explain

    return explain(code, every)
