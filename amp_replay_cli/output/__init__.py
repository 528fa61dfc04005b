"""Rendering a Report: one function picks the format, writes the result and the error lines.

Renderers return text; this module decides where it goes (stdout or an output file written
atomically once the report is complete), removes any secret value, and writes errors and
the one-line summary to stderr so stdout stays parseable.
"""

from __future__ import annotations

import json as _json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from amp_replay_cli.core.findings import Finding, Report, Severity


@dataclass(frozen=True)
class OutputSettings:
    format: str = "text"  # resolved: text, json, github or junit
    output_file: Path | None = None
    verbosity: int = 1  # 1 + -v count - -q count
    color: bool = False
    stderr_color: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)

    def shows(self, finding: Finding, fails: bool) -> bool:
        """-q hides info, -qq warnings too; errors, and whatever fails the run, always show."""
        if fails or finding.severity is Severity.ERROR:
            return True
        if finding.severity is Severity.WARNING:
            return self.verbosity >= 0
        return self.verbosity >= 1


def resolve_format(requested: str, environ: Mapping[str, str]) -> str:
    if requested != "auto":
        return requested
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def resolve_color(requested: str, environ: Mapping[str, str], is_tty: bool) -> bool:
    """An explicit --color wins; then NO_COLOR, then FORCE_COLOR, then whether it is a terminal."""
    if requested == "always":
        return True
    if requested == "never":
        return False
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return is_tty and environ.get("TERM") != "dumb"


def render(
    report: Report,
    settings: OutputSettings,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Write the report; returns the exit code."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    chunks = _renderer(settings.format)(report, settings)
    if isinstance(chunks, str):
        chunks = [chunks]
    if settings.output_file is not None:
        _write_atomically(settings.output_file, (redact(chunk, report.secrets) for chunk in chunks))
    else:
        for chunk in chunks:
            stdout.write(redact(chunk, report.secrets))
        stdout.flush()
    report.finalize()
    notes = error_lines(report, settings.stderr_color)
    if settings.verbosity >= 2 and report.configuration:
        notes.insert(0, f"amp-replay: configuration: {report.configuration}")
    if settings.format in ("text", "github") and settings.verbosity >= 1 and report.fatal is None:
        notes.append(summary_line(report))
    if notes:
        stderr.write(redact("\n".join(notes) + "\n", report.secrets))
        stderr.flush()
    return report.exit_code


Renderer = Callable[[Report, OutputSettings], str | Iterable[str]]


def _renderer(name: str) -> Renderer:
    # Imported on use: only text output pays for rich.
    if name == "json":
        from amp_replay_cli.output.json import render_json

        return render_json
    if name == "github":
        from amp_replay_cli.output.github import render_github

        return render_github
    if name == "junit":
        from amp_replay_cli.output.junit import render_junit

        return render_junit
    from amp_replay_cli.output.text import render_text

    return render_text


def error_lines(report: Report, color: bool) -> list[str]:
    lines: list[str] = []
    hints: list[str] = []
    label = "\x1b[1;31merror\x1b[0m" if color else "error"
    for error in report.errors():
        lines.append(f"amp-replay: {label}: {error.one_line()}")
        if error.hint and error.hint not in hints:
            hints.append(error.hint)
    lines.extend(f"hint: {hint}" for hint in hints)
    return lines


def summary_line(report: Report) -> str:
    counts = []
    for severity, word in (
        (Severity.ERROR, "error"),
        (Severity.WARNING, "warning"),
        (Severity.INFO, "info"),
    ):
        number = report.count(severity)
        if number:
            counts.append(f"{number} {word}{'s' if number != 1 and word != 'info' else ''}")
    parts = []
    readable = len(report.subjects) - len(report.problems)
    if report.headline:
        parts.append(report.headline)
        if counts:
            parts.append(", ".join(counts))
    elif readable > 0 or not report.problems:
        scope = (
            f" in {readable} file{'s' if readable != 1 else ''}"
            if report.command == "validate"
            else ""
        )
        parts.append((", ".join(counts) if counts else "no findings") + scope)
    if report.summary.get("suppressed"):
        parts.append(f"{report.summary['suppressed']} suppressed")
    if report.problems:
        unread = len(report.problems)
        parts.append(f"{unread} input{'s' if unread != 1 else ''} could not be read")
    return f"amp-replay {report.command}: " + "; ".join(parts)


def redact(text: str, secrets: set[str]) -> str:
    """Replace every secret, as written raw, in JSON or in XML, by asterisks."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) < 4:
            continue
        for form in {secret, _json.dumps(secret)[1:-1], _xml_escape(secret)}:
            text = text.replace(form, "****")
    return text


def _xml_escape(text: str) -> str:
    # As ElementTree writes text and attributes (xml.sax.saxutils would cost 30 ms of imports).
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _write_atomically(path: Path, chunks: Iterable[str]) -> None:
    """Stream into a temporary file beside `path` and rename it: readers never see half a report.

    Devices and pipes (/dev/null, /dev/stdout, a FIFO) are written in place: renaming over them
    would replace the device with a file.
    """
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8", newline="") as stream:
            for chunk in chunks:
                stream.write(chunk)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(temporary, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            for chunk in chunks:
                stream.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
