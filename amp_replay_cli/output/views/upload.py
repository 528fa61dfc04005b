from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.replay.uploads import UploadStatus, unhandled
from amp_replay_cli.core.wording import format_bytes
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.views import TABLE_WIDTH, Table, middle, middle_of_replay_id, room

COLUMNS = ("status", "verdict", "events", "batches", "raw", "sent", "retries", "replay id", "file")


def upload_table(report: Report) -> list[Table]:
    """A row a replay: what happened to it, verdict, events, batches, bytes, retries, replay id
    and file."""
    rows = []
    for row in report.result.get("uploads", []):
        status = UploadStatus(row["status"])
        batches = (
            str(row["batches"])
            if status is UploadStatus.PLANNED
            else f"{row['batches_sent']}/{row['batches']}"
        )
        rows.append(
            (
                status.value,
                row["verdict"],
                str(row["events"]),
                batches,
                format_bytes(row["raw_bytes"]),
                format_bytes(row["wire_bytes"]),
                str(row["retries"]),
                row["replay_id"] or "-",
                row["file"],
            )
        )
    return [Table("Replays", COLUMNS, rows)] if rows else []


def show_uploads(report: Report, console: Console, settings: OutputSettings) -> None:
    tables = upload_table(report)
    if not tables or settings.verbosity < 1:
        return
    console.print(
        Text(
            f"{'status':<16} {'verdict':<7} {'events':>7} {'batches':>7} {'raw':>10} "
            f"{'sent':>10} {'retries':>7}",
            style="dim",
        )
    )
    for status, verdict, events, batches, raw, sent, retries, replay_id, file in tables[0].rows:
        text = Text()
        text.append(f"{status:<16} ", style=_style(UploadStatus(status)))
        text.append(f"{verdict:<7} {events:>7} {batches:>7} {raw:>10} {sent:>10} {retries:>7}\n")
        # Under each row, its replay id and file, sharing 80 columns.
        replay_id = middle_of_replay_id(replay_id, room(settings.verbosity, 50))
        file = middle(file, room(settings.verbosity, TABLE_WIDTH - 4 - len(replay_id)))
        text.append(f"  {replay_id}  {file}", style="dim")
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
