"""Human output: one line per finding, `file:line:col` first so terminals and editors link it."""

from __future__ import annotations

import io
from typing import Callable

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

ResultView = Callable[[Report, Console, OutputSettings], None]
_RESULT_VIEWS: dict[str, ResultView] = {}


def result_view(command: str) -> Callable[[ResultView], ResultView]:
    """Register how a command's `result` is shown below its findings."""

    def register(view: ResultView) -> ResultView:
        _RESULT_VIEWS[command] = view
        return view

    return register


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


def render_text(report: Report, settings: OutputSettings) -> str:
    buffer = io.StringIO()
    console = make_console(settings, buffer)
    for finding in report.sorted_findings():
        if settings.shows(finding):
            console.print(finding_text(finding))
            if finding.hint:
                console.print(Text(f"    hint: {finding.hint}", style="dim"))
    view = _RESULT_VIEWS.get(report.command)
    if view is not None:
        view(report, console, settings)
    return buffer.getvalue()


def finding_text(finding: Finding) -> Text:
    text = Text()
    text.append(f"{finding.location()}: ", style="bold")
    text.append(finding.severity.value, style=_STYLES[finding.severity])
    text.append(f" {finding.code} ", style="dim")
    text.append(finding.message)
    if finding.path:
        text.append(f" [{finding.path}]", style="dim")
    return text


@result_view("validate")
def _validate_files(report: Report, console: Console, settings: OutputSettings) -> None:
    if settings.verbosity < 2:
        return
    for entry in report.result.get("files", []):
        if entry.get("status") == "unreadable":
            continue
        origin = "inferred" if entry.get("sdk_inferred") else "--sdk"
        console.print(Text(f"{entry['file']}: {entry['status']} (SDK line {', '.join(entry['sdk'])}, {origin})",
                           style="green" if entry["status"] == "ok" else ""))
