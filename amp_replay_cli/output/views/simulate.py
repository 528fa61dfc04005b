from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import ColumnStream, Report
from amp_replay_cli.core.wording import format_percent
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import printable
from amp_replay_cli.output.views import Table, middle

ROWS_SHOWN = 100
_BAR = 40


def show_sessions(report: Report, console: Console, settings: OutputSettings) -> Iterator[None]:
    """The sampling set-up, rows (up to 100, all with -v), then totals and a bucket histogram."""
    sampling = report.result["sampling"]
    console.print(_sampling_line(sampling), style="bold")
    stream: ColumnStream = report.result["sessions"]
    held: list[dict] = []
    streaming = settings.verbosity >= 2
    if streaming:
        console.print(_header(), style="dim")
    for piece in stream.slices():
        if streaming:
            for row in stream.rows(piece):
                console.print(_row(row))
            yield
        elif len(held) <= ROWS_SHOWN:  # one more than shown: tells that there are more
            held.extend(stream.rows(piece, ROWS_SHOWN + 1 - len(held)))
    if not streaming and 0 < len(held) <= ROWS_SHOWN:
        console.print(_header(), style="dim")
        for row in held:
            console.print(_row(row))
    elif not streaming and held:
        console.print(
            Text(
                f"(rows not shown for more than {ROWS_SHOWN} sessions: use -v, or -f json)",
                style="dim",
            )
        )
    if report.summary:
        _totals(console, report.summary, sampling)
    yield


def show_explanation(report: Report, console: Console, settings: OutputSettings) -> None:
    console.print(_sampling_line(report.result["sampling"]), style="bold")
    for step in report.result["steps"]:
        console.print(f"  {printable(step)}")


def summary_table(report: Report) -> list[Table]:
    """The sampling set-up and the totals (the session rows stay in the JSON report)."""
    rows = [("sampling", _sampling_line(report.result["sampling"]))]
    summary = report.summary
    if summary:
        rows.extend(
            [
                ("sessions", f"{summary['sessions']:,}"),
                ("with a usable id", f"{summary['recordable']:,}"),
                ("recorded", f"{summary['captured']:,} ({_observed(summary)})"),
                (
                    "expected",
                    f"{summary['expected_captured']:,.1f} "
                    f"({format_percent(summary['expected_rate'])})",
                ),
                ("95 % of runs record", "{:,} to {:,}".format(*summary["interval_95"])),
            ]
        )
    return [Table("Sampling", ("measure", "value"), rows)]


def explanation_table(report: Report) -> list[Table]:
    rows = [("sampling", _sampling_line(report.result["sampling"]))]
    rows.extend((str(number), step) for number, step in enumerate(report.result["steps"], 1))
    return [Table("Explanation", ("step", ""), rows)]


def _observed(summary: dict) -> str:
    rate = summary["observed_rate"]
    return format_percent(rate) if rate is not None else "n/a"


def _sampling_line(sampling: dict) -> str:
    capture = "capture on" if sampling["capture_enabled"] else "capture OFF"
    # Every part may quote an input file (a rate, a file name, the remote configuration).
    return printable(
        f"sampleRate {sampling['sample_rate']} "
        f"from {sampling['rate_source'] or 'the command line'}; "
        f"{sampling['algorithm']} hash; {capture}; remote config {sampling['remote_config']}"
    )


def _header() -> str:
    return (
        f"{'session_id':>24}  {'hash':>11}  {'bucket':>6}  "
        f"{'in_sample':>9}  {'captured':>8}  min_rate"
    )


def _row(row: dict) -> Text:
    text = Text(
        f"{middle(printable(row['id_string']), 24):>24}  {row['hash']:>11}  {row['bucket']:>6}  "
        f"{'yes' if row['in_sample'] else 'no':>9}  "
    )
    text.append(
        f"{'yes' if row['captured'] else 'no':>8}", style="green" if row["captured"] else ""
    )
    text.append(f"  {row['min_rate']}")
    return text


def _totals(console: Console, summary: dict, sampling: dict) -> None:
    low, high = summary["interval_95"]
    console.print(
        Text(
            f"{summary['sessions']:,} sessions, {summary['recordable']:,} with a usable id: "
            f"{summary['captured']:,} recorded ({_observed(summary)})",
            style="bold",
        )
    )
    console.print(
        f"expected {summary['expected_captured']:,.1f} "
        f"({format_percent(summary['expected_rate'])} of buckets); "
        f"95 % of runs would record {low:,} to {high:,}"
    )
    histogram = summary["histogram"]
    if not any(histogram):
        return
    widest = max(histogram)
    rate = sampling["sample_rate"] if isinstance(sampling["sample_rate"], float) else 0.0
    console.print(
        "buckets (share of the 0-1 range; the SDK records those below the sample rate):",
        style="dim",
    )
    bins = len(histogram)
    for index, count in enumerate(histogram):
        low_edge, high_edge = index / bins, (index + 1) / bins
        filled = round(_BAR * count / widest) if widest else 0
        marker = " <- sample rate" if low_edge <= rate < high_edge else ""
        style = "green" if high_edge <= rate else ("yellow" if low_edge < rate else "")
        console.print(
            Text(
                f"  {low_edge:.1f}-{high_edge:.1f} {'#' * filled:<{_BAR}} {count:,}{marker}",
                style=style,
            )
        )
