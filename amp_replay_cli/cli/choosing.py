"""The options that choose which findings a run reports and whether they fail it."""

import dataclasses
from typing import Annotated

import typer

from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.selection import Selection, choose, parse_codes
from amp_replay_cli.core.settings import ProjectSettings

_PANEL = "Findings"


@dataclasses.dataclass(frozen=True)
class ChoiceOptions:
    """--select, --ignore and --exit-zero, declared once for every reporting command."""

    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="CODES",
            help="Report only these codes or code prefixes (comma-separated, repeatable): "
            "AR14 is AR140-AR145; replaces the configuration's select.",
            show_default=False,
            rich_help_panel=_PANEL,
        ),
    ] = None
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="CODES",
            help="Never report these codes or code prefixes (comma-separated, repeatable); "
            "replaces the configuration's ignore.",
            show_default=False,
            rich_help_panel=_PANEL,
        ),
    ] = None
    extend_select: Annotated[
        list[str] | None,
        typer.Option(
            "--extend-select",
            metavar="CODES",
            help="Add these codes or prefixes to the select in effect (the configuration's or "
            "--select's); nothing to add when it selects every code.",
            show_default=False,
            rich_help_panel=_PANEL,
        ),
    ] = None
    extend_ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--extend-ignore",
            metavar="CODES",
            help="Ignore these codes or prefixes too, on top of the configuration's ignore "
            "(or --ignore's).",
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

    def selection(self, project: ProjectSettings) -> Selection:
        """The codes chosen, flags over the project configuration; an unknown code is a usage
        error (exit 2) before any work."""
        where = str(project.source)
        select = (
            parse_codes(self.select, "--select")
            if self.select
            else parse_codes(project.select, f"{where}: select")
        )
        extra = parse_codes(self.extend_select or (), "--extend-select")
        ignore = (
            parse_codes(self.ignore, "--ignore")
            if self.ignore
            else parse_codes(project.ignore, f"{where}: ignore")
        )
        return Selection(
            # An empty select is every code: there is nothing to add to it.
            select=tuple(dict.fromkeys((*select, *extra))) if select else (),
            ignore=tuple(
                dict.fromkeys((*ignore, *parse_codes(self.extend_ignore or (), "--extend-ignore")))
            ),
            per_file=tuple(
                (glob, parse_codes(codes, f"{where}: per-file-ignores"))
                for glob, codes in project.per_file_ignores
            ),
            config=project.source,
        )

    def apply(self, report: Report, selection: Selection) -> Report:
        report.exit_zero = self.exit_zero
        return choose(report, selection)
