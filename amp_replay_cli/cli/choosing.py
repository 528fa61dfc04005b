"""The options that choose which findings a run reports and whether they fail it."""

import dataclasses
from typing import Annotated

import typer

from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.selection import Selection, choose, parse_codes

_PANEL = "Findings"


@dataclasses.dataclass(frozen=True)
class ChoiceOptions:
    """--select, --ignore and --exit-zero, declared once for every reporting command."""

    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            help="Report only these codes or code prefixes (comma-separated, repeatable): "
            "AR14 is AR140-AR145.",
            show_default=False,
            rich_help_panel=_PANEL,
        ),
    ] = None
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            help="Never report these codes or code prefixes (comma-separated, repeatable).",
            show_default=False,
            rich_help_panel=_PANEL,
        ),
    ] = None
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero",
            help="Report findings but exit 0; input, auth and network errors still fail.",
            rich_help_panel=_PANEL,
        ),
    ] = False

    def selection(self) -> Selection:
        """The codes chosen; an unknown code is a usage error (exit 2) before any work."""
        return Selection(
            select=parse_codes(self.select or (), "--select"),
            ignore=parse_codes(self.ignore or (), "--ignore"),
        )

    def apply(self, report: Report, selection: Selection) -> Report:
        report.exit_zero = self.exit_zero
        return choose(report, selection)
