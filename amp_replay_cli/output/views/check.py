from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.views import TABLE_WIDTH, Table, middle, middle_of_replay_id, room

_LINKED = {True: "linked", False: "not linked", None: "-"}
_STYLES = {"linked": "green", "not linked": "yellow", "-": "dim"}


def replay_table(report: Report) -> list[Table]:
    """A row per replay found: when, whether the session's events link to it, replay id, user."""
    rows = [
        (
            row["event_time"] or "-",
            _LINKED[row["linked"]],
            str(row["linked_events"]),
            row["replay_id"],
            row["user_id"] or "-",
        )
        for row in report.result.get("replays", [])
    ]
    columns = ("event time (UTC)", "linked", "events", "replay id", "user")
    return [Table("Replays", columns, rows)] if rows else []


def show_replays(report: Report, console: Console, settings: OutputSettings) -> None:
    tables = replay_table(report)
    if not tables or settings.verbosity < 1:
        return
    console.print(
        Text(f"{'event time (UTC)':<19} {'linked':<10} {'events':>6}  replay id  user", style="dim")
    )
    for time, linked, events, replay_id, user in tables[0].rows:
        # The time to the second; replay id and user share what is left of 80 columns.
        user = middle(user, room(settings.verbosity, 16))
        replay_id = middle_of_replay_id(
            replay_id, room(settings.verbosity, TABLE_WIDTH - 41 - len(user))
        )
        text = Text(f"{time[:19]:<19} ")
        text.append(f"{linked:<10}", style=_STYLES[linked])
        text.append(f" {events:>6}  {replay_id}  {user}")
        console.print(text)
    console.print()
