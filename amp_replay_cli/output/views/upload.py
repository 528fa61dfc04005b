from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.replay.uploads import UploadStatus, unhandled
from amp_replay_cli.core.wording import format_bytes
from amp_replay_cli.output import OutputSettings


def show_uploads(report: Report, console: Console, settings: OutputSettings) -> None:
    """One line a replay: what happened to it, verdict, events, batches, bytes, retries,
    replay id and file."""
    rows = report.result.get("uploads", [])
    if not rows or settings.verbosity < 1:
        return
    console.print(
        Text(
            f"{'status':<16} {'verdict':<7} {'events':>7} {'batches':>7} {'raw':>10} "
            f"{'sent':>10} {'retries':>7}  replay id  file",
            style="dim",
        )
    )
    for row in rows:
        status = UploadStatus(row["status"])
        batches = (
            str(row["batches"])
            if status is UploadStatus.PLANNED
            else f"{row['batches_sent']}/{row['batches']}"
        )
        text = Text()
        text.append(f"{status.value:<16} ", style=_style(status))
        text.append(
            f"{row['verdict']:<7} {row['events']:>7} {batches:>7} "
            f"{format_bytes(row['raw_bytes']):>10} {format_bytes(row['wire_bytes']):>10} "
            f"{row['retries']:>7}  {row['replay_id'] or '-'}  {row['file']}"
        )
        console.print(text)
    console.print()


def _style(status: UploadStatus) -> str:
    match status:
        case UploadStatus.UPLOADED | UploadStatus.ALREADY_UPLOADED:
            return "green"
        case UploadStatus.PLANNED:
            return "cyan"
        case UploadStatus.REJECTED | UploadStatus.FAILED | UploadStatus.SKIPPED:
            return "bold red"
        case UploadStatus.PARTLY_SENT | UploadStatus.NOT_SENT | UploadStatus.PARTLY_SKIPPED:
            return "yellow"
        case UploadStatus.SENDING:
            return ""  # never shown: a finished run has no replay still sending
        case _:
            unhandled(status)
