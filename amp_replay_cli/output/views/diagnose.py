from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.views import Table

SESSIONS_SHOWN = 30
_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan", None: "green"}
COLUMNS = ("device_id", "session_id", "events", "replay", "linked", "worst", "users")


def session_table(report: Report) -> list[Table]:
    """Amplitude sessions, the worst first: device, session, events, events with a replay id,
    linked, the first codes found, users; then the inputs skipped as not Segment events."""
    rows = [
        (
            str(row["device_id"]),
            str(row["session_id"]),
            str(row["events"]),
            f"{row['events_with_replay_id']}/{row['events']}",
            "yes" if row["linked"] else "no",
            ", ".join(row["codes"][:3]) or "ok",
            ", ".join(map(str, row["user_ids"][:3])),
        )
        for row in report.result.get("sessions", [])
    ]
    tables = [Table("Sessions", COLUMNS, rows)] if rows else []
    skipped = [(entry["file"], entry["reason"]) for entry in report.result.get("skipped", [])]
    if skipped:
        tables.append(Table("Skipped: not Segment events", ("file", "reason"), skipped, 2))
    return tables


def show_sessions(report: Report, console: Console, settings: OutputSettings) -> None:
    tables = {table.title: table for table in session_table(report)}
    sessions = tables["Sessions"].rows if "Sessions" in tables else []
    shown = sessions if settings.verbosity >= 2 else sessions[:SESSIONS_SHOWN]
    if shown:
        console.print(
            Text(
                f"{'device_id':<38} {'session_id':>14} {'events':>6} {'replay':>6} linked  worst",
                style="dim",
            )
        )
    for (device, session, events, replay, linked, worst, users), row in zip(
        shown,
        report.result["sessions"],
        strict=False,  # shown: the first rows
    ):
        text = Text(f"{_short(device, 38):<38} {session:>14} {events:>6} {replay:>6} {linked:<7} ")
        text.append(worst, style=_STYLES[row["worst"]])
        if users:
            text.append(f"  users {users}", style="dim")
        console.print(text)
    if len(shown) < len(sessions):
        console.print(
            Text(f"({len(sessions) - len(shown)} more sessions: use -v, or -f json)", style="dim")
        )
    skipped = tables.get("Skipped: not Segment events")
    if skipped is not None and settings.verbosity >= skipped.verbosity:
        for file, reason in skipped.rows:
            console.print(Text(f"skipped {file}: {reason}", style="dim"))
    elif skipped is not None:
        console.print(
            Text(f"({len(skipped.rows)} files skipped: not Segment events; -v lists them)")
        )
    if shown or skipped is not None:
        console.print()


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
