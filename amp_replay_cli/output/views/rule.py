from __future__ import annotations

from rich.console import Console
from rich.text import Text

from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings


def show_rules(report: Report, console: Console, settings: OutputSettings) -> None:
    """One line a code for a list; the whole entry for one code."""
    rules = report.result.get("rules", [])
    if len(rules) != 1:
        for entry in rules:
            console.print(
                f"{entry['code']:<27} {entry['severity']:<8} {entry['name']}: {entry['summary']}"
            )
        return
    entry = rules[0]
    console.print(Text(f"{entry['code']} {entry['name']}", style="bold"))
    severity = entry["severity"] + (
        f" ({entry['severity_note']})" if entry["severity_note"] else ""
    )
    console.print(f"severity: {severity}")
    console.print(f"meaning:  {entry['summary']}")
    example = entry.get("example")
    if example:
        what = example["label"] + (f", --sdk {example['sdk']}" if example["sdk"] else "")
        for label, text in ((f"wrong ({what}):", example["wrong"]), ("right:", example["right"])):
            console.print(label)
            for line in text.rstrip("\n").splitlines():
                console.print(Text("    " + line))
    console.print(f"fix:      {entry['fix']}")
