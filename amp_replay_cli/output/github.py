"""GitHub Actions workflow commands: annotations for findings, grouped per file; a step summary."""

from __future__ import annotations

from collections import defaultdict

from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: object) -> str:
    listed = ",".join(
        f"{name}={escape_property(str(value))}"
        for name, value in properties.items()
        if value is not None
    )
    return f"::{command}{' ' + listed if listed else ''}::{escape_data(message)}"


def annotation(finding: Finding, fails: bool) -> str:
    command = "error" if fails else _COMMANDS[finding.severity]
    title = f"{finding.code} {finding.path}" if finding.path else finding.code
    message = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
    return workflow_command(
        command, message, file=finding.file, line=finding.line, col=finding.column, title=title
    )


def render_github(report: Report, settings: OutputSettings) -> str:
    report.finalize()
    lines: list[str] = []
    by_file: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in report.sorted_findings():
        if settings.shows(finding, report.fails_on(finding)):
            by_file[finding.file].append(finding)
    for file, findings in by_file.items():
        lines.append(
            workflow_command("group", f"amp-replay {report.command}: {file or report.command}")
        )
        lines.extend(annotation(finding, report.fails_on(finding)) for finding in findings)
        lines.append("::endgroup::")
    for error in report.errors():
        where = error.location
        lines.append(
            workflow_command(
                "error",
                error.message + (f"\nhint: {error.hint}" if error.hint else ""),
                file=where.file if where else None,
                line=where.line if where else None,
                col=where.column if where else None,
                title=f"amp-replay {error.kind} error",
            )
        )
    summary_file = settings.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as stream:
            stream.write(step_summary(report))
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def step_summary(report: Report) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: every finding (GitHub shows only some annotations)."""
    status = {"ok": "passed", "findings": "found problems", "error": "could not run"}[report.status]
    out = [f"## amp-replay {report.command}: {status}", ""]
    errors = report.errors()
    if errors:
        out.extend(f"- **error**: {_cell(error.one_line())}" for error in errors)
        out.append("")
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
