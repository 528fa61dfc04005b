from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.errors import place
from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings


def show_files(report: Report, console: Console, settings: OutputSettings) -> None:
    """With -v, each file's verdict and the SDK line its rules came from."""
    if settings.verbosity < 2:
        return
    for entry in report.result.get("files", []):
        if entry.get("status") == "unreadable":
            continue
        origin = "inferred" if entry.get("sdk_inferred") else "--sdk"
        console.print(
            Text(
                f"{entry['file']}: {entry['status']} "
                f"(SDK line {', '.join(entry['sdk'])}, {origin})",
                style="green" if entry["status"] == "ok" else "",
            )
        )
    for finding in report.result.get("suppressed", []):
        where = place(finding["file"] or "-", finding["line"], finding["column"])
        console.print(
            Text(f"{where}: suppressed {finding['code']} {finding['message']}", style="dim")
        )
