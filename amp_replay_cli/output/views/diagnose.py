from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import printable
from amp_replay_cli.output.views import TABLE_WIDTH, Table, middle, room

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
    query = report.result.get("query")
    if query is not None:  # --emit-sql: the query is the output, line for line
        console.print("\n".join(map(printable, query.split("\n"))), end="")
        return
    tables = {table.title: table for table in session_table(report)}
    sessions = tables["Sessions"].rows if "Sessions" in tables else []
    shown = sessions if settings.verbosity >= 2 else sessions[:SESSIONS_SHOWN]
    whole = settings.verbosity >= 2
    device_width = 38 if whole else 20
    if shown:
        console.print(
            Text(
                f"{'device_id':<{device_width}} {'session_id':>13} {'events':>6} {'replay':>7} "
                "linked worst",
                style="dim",
            )
        )
    for (device, session, events, replay, linked, worst, users), row in zip(
        shown,
        report.result.get("sessions", []),
        strict=False,  # shown: the first rows
    ):
        device = middle(device, room(settings.verbosity, device_width))
        text = Text(f"{device:<{device_width}} {session:>13} {events:>6} {replay:>7} {linked:<6} ")
        if not whole:  # the worst code, and how many more: -v lists them, and the users
            codes = row["codes"]
            worst = codes[0] + (f" +{len(codes) - 1}" if len(codes) > 1 else "") if codes else "ok"
        text.append(
            middle(worst, room(settings.verbosity, TABLE_WIDTH - 57)), style=_STYLES[row["worst"]]
        )
        if users and whole:
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
