"""Human output: one line per finding, `file:line:col` first so terminals and editors link it."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import printable
from amp_replay_cli.output.views import view_for

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def make_console(settings: OutputSettings, buffer: io.StringIO) -> Console:
    return Console(
        file=buffer,
        force_terminal=settings.color,
        no_color=not settings.color,
        color_system="standard" if settings.color else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        width=200,
    )


def render_text(report: Report, settings: OutputSettings) -> Iterator[str]:
    buffer = io.StringIO()
    console = make_console(settings, buffer)
    view = view_for(report.command) if report.fatal is None or report.result else None
    if view is not None:
        for _ in view(report, console, settings) or ():
            yield _take(buffer)
    report.finalize()
    for finding, lines in grouped(
        finding
        for finding in report.sorted_findings()
        if settings.shows(finding, report.fails_on(finding))
    ):
        console.print(finding_text(finding, lines))
        if finding.hint:
            console.print(Text(f"    hint: {printable(finding.hint)}", style="dim"))
    for code, count in report.result.get("statistics", {}).items():
        name = CODES[code].name if code in CODES else ""
        console.print(f"{count:>7}  {code:<27} {name}".rstrip())
    yield _take(buffer)


def grouped(findings: Iterable[Finding]) -> list[tuple[Finding, list[int]]]:
    """Findings saying the same about one file, merged: `file:4,5,8: ...` (first place kept)."""
    groups: dict[tuple, tuple[Finding, list[int]]] = {}
    for finding in findings:
        key = (
            finding.file,
            finding.code,
            finding.severity,
            finding.message,
            finding.hint,
            finding.path,
        )
        if key in groups and finding.line is not None:
            groups[key][1].append(finding.line)
        elif key not in groups:
            groups[key] = (finding, [finding.line] if finding.line is not None else [])
        else:
            # The same finding without a line number has nothing to merge: it is listed apart.
            unmergeable = (*key, id(finding))
            groups[unmergeable] = (finding, [])
    return list(groups.values())


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def finding_text(finding: Finding, lines: list[int] | None = None) -> Text:
    """One line: place, severity, code, message, option path; input text in them escaped."""
    text = Text()
    place = finding.location()
    if lines and len(lines) > 1:
        place = f"{finding.file}:{','.join(map(str, lines))}"
    if finding.file is not None:  # findings about the run (check, simulate) have no place to name
        text.append(f"{printable(place)}: ", style="bold")
    text.append(finding.severity.value, style=_STYLES[finding.severity])
    text.append(f" {finding.code} ", style="dim")
    text.append(printable(finding.message))
    if finding.path:
        text.append(f" [{printable(finding.path)}]", style="dim")
    return text
