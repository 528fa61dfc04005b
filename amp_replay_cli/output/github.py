"""GitHub Actions workflow commands: the command's result table as log lines, annotations for
findings grouped per file; the same table and every finding in the step summary."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.escape import printable
from amp_replay_cli.output.views import Table, tables_for

ROWS_SHOWN = 100  # per table, in the log and in the step summary; the JSON report has them all
FOLDED_FROM = 10  # a longer table goes in a ::group:: so the annotations stay in sight

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: object) -> str:
    """A workflow command line; properties (a file name, an option path) are made printable."""
    listed = ",".join(
        f"{name}={escape_property(printable(str(value)))}"
        for name, value in properties.items()
        if value is not None
    )
    return f"::{command}{' ' + listed if listed else ''}::{escape_data(message)}"


def annotation(finding: Finding, fails: bool) -> str:
    command = "error" if fails else _COMMANDS[finding.severity]
    title = f"{finding.code} {finding.path}" if finding.path else finding.code
    message = _with_hint(finding.message, finding.hint)
    return workflow_command(
        command, message, file=finding.file, line=finding.line, col=finding.column, title=title
    )


def render_github(report: Report, settings: OutputSettings) -> str:
    report.finalize()
    tables = result_tables(report)
    lines: list[str] = []
    for table in tables:
        if settings.verbosity >= table.verbosity:
            lines.extend(log_table(report.command, table))
    by_file: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in report.sorted_findings():
        if settings.shows(finding, report.fails_on(finding)):
            by_file[finding.file].append(finding)
    for file, findings in by_file.items():
        lines.append(
            workflow_command(
                "group", f"amp-replay {report.command}: {printable(file or report.command)}"
            )
        )
        lines.extend(annotation(finding, report.fails_on(finding)) for finding in findings)
        lines.append("::endgroup::")
    summary_file = settings.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        _append_summary(report, tables, summary_file)
    for error in report.errors():
        where = error.location
        lines.append(
            workflow_command(
                "error",
                _with_hint(error.message, error.hint),
                file=where.file if where else None,
                line=where.line if where else None,
                col=where.column if where else None,
                title=f"amp-replay {error.kind} error",
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")


def result_tables(report: Report) -> list[Table]:
    """The rows text mode shows for this command (none for a run that ended before a result)."""
    maker = tables_for(report.command)
    if maker is None or (report.fatal is not None and not report.result):
        return []
    return maker(report)


def log_table(command: str, table: Table) -> list[str]:
    """The table as aligned plain lines. Workflow commands are switched off around them: a cell
    holds input text, and a line of it starting with `::` must not become a command."""
    token = uuid.uuid4().hex
    rows = table.rows[:ROWS_SHOWN]
    widths = [
        max(len(cell) for cell in column) for column in zip(table.columns, *rows, strict=True)
    ]
    lines = [f"::stop-commands::{token}", _aligned(table.columns, widths)]
    lines.extend(_aligned(row, widths) for row in rows)
    lines.extend(_more(table))
    lines.append(f"::{token}::")
    if len(table.rows) < FOLDED_FROM:
        return [f"amp-replay {command}: {table.title}", *lines]
    return [
        workflow_command("group", f"amp-replay {command}: {table.title} ({len(table.rows)})"),
        *lines,
        "::endgroup::",
    ]


def _aligned(cells: Sequence[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _more(table: Table) -> list[str]:
    hidden = len(table.rows) - ROWS_SHOWN
    return [f"… {hidden} more rows; see the JSON report"] if hidden > 0 else []


def _with_hint(message: str, hint: str | None) -> str:
    """An annotation's text: input escaped, so only the line before the hint breaks it."""
    return printable(message) + (f"\nhint: {printable(hint)}" if hint else "")


def _append_summary(report: Report, tables: list[Table], path: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(step_summary(report, tables))
    except OSError as error:
        report.problems.append(
            UsageError(
                f"cannot write the step summary {path} ($GITHUB_STEP_SUMMARY): "
                f"{error.strerror or error}"
            )
        )


def _cell(text: object) -> str:
    """A Markdown table cell: HTML and the characters Markdown reads in a cell, escaped."""
    return (
        printable(str(text))
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "&#96;")
    )


def markdown_table(table: Table) -> list[str]:
    out = [f"### {_cell(table.title)}", ""]
    out.append("| " + " | ".join(_cell(column) for column in table.columns) + " |")
    out.append("|" + " --- |" * len(table.columns))
    for row in table.rows[:ROWS_SHOWN]:
        out.append("| " + " | ".join(_cell(cell) for cell in row) + " |")
    out.extend(["", *(f"_{line}._" for line in _more(table))])
    return out


def step_summary(report: Report, tables: Sequence[Table] = ()) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the result tables, then every finding (GitHub shows
    only some annotations)."""
    status = {"ok": "passed", "findings": "found problems", "error": "could not run"}[report.status]
    out = [f"## amp-replay {report.command}: {status}", ""]
    errors = report.errors()
    if errors:
        out.extend(f"- **error**: {_cell(error.one_line())}" for error in errors)
        out.append("")
    for table in tables:
        out.extend(markdown_table(table))
    if report.findings:
        out.append("| Severity | Location | Code | Option | Message |")
        out.append("| --- | --- | --- | --- | --- |")
        for finding in report.sorted_findings():
            out.append(
                f"| {finding.severity.value} | {_cell(finding.location())} | {finding.code} | "
                f"{_cell(finding.path or '')} | {_cell(finding.message)} |"
            )
    elif not errors:
        out.append("No findings.")
    return "\n".join(out) + "\n\n"
