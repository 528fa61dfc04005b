from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings

_LINKED = {True: ("linked", "green"), False: ("not linked", "yellow"), None: ("-", "dim")}


def show_replays(report: Report, console: Console, settings: OutputSettings) -> None:
    """A line per replay found: when, replay id, user, whether the session's events link to it."""
    replays = report.result.get("replays", [])
    if not replays or settings.verbosity < 1:
        return
    console.print(
        Text(f"{'event time (UTC)':<26} {'linked':<10} {'events':>6}  replay id  user", style="dim")
    )
    for row in replays:
        word, style = _LINKED[row["linked"]]
        text = Text(f"{row['event_time'] or '-':<26} ")
        text.append(f"{word:<10}", style=style)
        text.append(f" {row['linked_events']:>6}  {row['replay_id']}  {row['user_id'] or '-'}")
        console.print(text)
    console.print()
