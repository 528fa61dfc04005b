from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.wording import format_bytes
from amp_replay_cli.output import OutputSettings

_STYLES = {
    "uploaded": "green",
    "already uploaded": "green",
    "planned": "cyan",
    "rejected": "bold red",
    "failed": "bold red",
    "skipped": "bold red",
    "partly sent": "yellow",
    "not sent": "yellow",
}


def show_uploads(report: Report, console: Console, settings: OutputSettings) -> None:
    """One line per replay: file, verdict, what happened, replay id, events, batches, bytes, retries."""
    rows = report.result.get("uploads", [])
    if not rows or settings.verbosity < 1:
        return
    console.print(
        Text(
            f"{'status':<16} {'verdict':<7} {'events':>7} {'batches':>7} {'raw':>10} {'sent':>10} "
            f"{'retries':>7}  replay id  file",
            style="dim",
        )
    )
    for row in rows:
        batches = (
            f"{row['batches_sent']}/{row['batches']}"
            if row["status"] != "planned"
            else str(row["batches"])
        )
        text = Text()
        text.append(f"{row['status']:<16} ", style=_STYLES.get(row["status"], ""))
        text.append(
            f"{row['verdict']:<7} {row['events']:>7} {batches:>7} {format_bytes(row['raw_bytes']):>10} "
            f"{format_bytes(row['wire_bytes']):>10} {row['retries']:>7}  {row['replay_id'] or '-'}  {row['file']}"
        )
        console.print(text)
    console.print()
