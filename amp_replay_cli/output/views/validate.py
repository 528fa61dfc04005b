from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.errors import place
from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import printable
from amp_replay_cli.output.views import Table


def file_table(report: Report) -> list[Table]:
    """Each file read: its verdict, the SDK line its rules came from, how many findings."""
    counts = Counter(finding.file for finding in report.findings)
    rows = [
        (
            entry["file"],
            entry["status"],
            ", ".join(entry["sdk"]),
            "inferred" if entry.get("sdk_inferred") else "--sdk",
            str(counts[entry["file"]]),
        )
        for entry in report.result.get("files", [])
        if entry.get("status") != "unreadable"
    ]
    columns = ("file", "status", "SDK line", "from", "findings")
    return [Table("Files", columns, rows, verbosity=2)] if rows else []


def show_files(report: Report, console: Console, settings: OutputSettings) -> None:
    """With -v, each file's verdict and the SDK line its rules came from, and the files a scan
    skipped."""
    if settings.verbosity < 2:
        return
    for table in file_table(report):
        for file, status, sdk, origin, _ in table.rows:
            console.print(
                Text(
                    f"{file}: {status} (SDK line {sdk}, {origin})",
                    style="green" if status == "ok" else "",
                )
            )
    for entry in report.result.get("skipped", []):
        skipped = f"{entry['file']}: skipped: {entry['reason']}"
        console.print(Text(printable(skipped), style="dim"))
    for finding in report.result.get("suppressed", []):
        where = place(finding["file"] or "-", finding["line"], finding["column"])
        suppressed = f"{where}: suppressed {finding['code']} {finding['message']}"
        console.print(Text(printable(suppressed), style="dim"))
