from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings

SESSIONS_SHOWN = 30
_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan", None: "green"}


def show_sessions(report: Report, console: Console, settings: OutputSettings) -> None:
    """Amplitude sessions, the worst first: device, session, users, events, replay ids, linked."""
    sessions = report.result.get("sessions", [])
    if not sessions:
        return
    shown = sessions if settings.verbosity >= 2 else sessions[:SESSIONS_SHOWN]
    console.print(
        Text(
            f"{'device_id':<38} {'session_id':>14} {'events':>6} {'replay':>6} linked  worst",
            style="dim",
        )
    )
    for row in shown:
        replay = f"{row['events_with_replay_id']}/{row['events']}"
        device = _short(str(row["device_id"]), 38)
        text = Text(
            f"{device:<38} {row['session_id']:>14} {row['events']:>6} {replay:>6} "
            f"{'yes' if row['linked'] else 'no':<7} "
        )
        text.append(", ".join(row["codes"][:3]) or "ok", style=_STYLES[row["worst"]])
        if row["user_ids"]:
            text.append(f"  users {', '.join(row['user_ids'][:3])}", style="dim")
        console.print(text)
    if len(shown) < len(sessions):
        console.print(
            Text(f"({len(sessions) - len(shown)} more sessions: use -v, or -f json)", style="dim")
        )
    console.print()


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
