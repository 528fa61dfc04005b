"""Rendering a Report: one function picks the format, writes the result and the error lines.

Renderers return text; this module decides where it goes (stdout or an output file written
atomically once the report is complete, then the extra reports of --report), removes any secret
value, and writes errors and the one-line summary to stderr so stdout stays parseable.
"""

from __future__ import annotations

import json as _json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, TextIO

from amp_replay_cli.core.errors import AmpReplayError, ExitCode, InputError
from amp_replay_cli.core.findings import ColumnStream, Finding, Report, RowStream, Severity
from amp_replay_cli.output.escape import printable

# What --report may write. Not github: workflow commands work only on stdout, and it appends
# to the step summary, which a second github report would do twice.
EXTRA_REPORT_FORMATS = ("text", "json", "junit", "sarif", "gitlab")
# The renderers that read a result's rows; the others need only the findings.
_READS_ROWS = frozenset({"text", "json", "github"})  # github: its result tables


class ExtraReport(NamedTuple):
    """One --report FORMAT=PATH."""

    format: str
    path: Path


@dataclass(frozen=True)
class OutputSettings:
    format: str = "text"  # resolved: text, json, github, junit, sarif or gitlab
    output_file: Path | None = None
    reports: tuple[ExtraReport, ...] = ()
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
    """Write the report and the extra reports; returns the exit code.

    A file that cannot be written does not stop the others: every report the run can write is
    written, and the run exits 2.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    rewind = _rows_for_each(
        report, [settings.format, *(extra.format for extra in settings.reports)]
    )
    unwritten: list[AmpReplayError] = []
    created: list[Path] = []
    rewind()
    if settings.output_file is not None:
        _write_report(report, settings, settings.output_file, unwritten, created)
    else:
        for chunk in _chunks(report, settings):
            stdout.write(chunk)
        stdout.flush()
    for extra in settings.reports:
        rewind()
        extra_settings = replace(settings, format=extra.format, output_file=extra.path, color=False)
        _write_report(report, extra_settings, extra.path, unwritten, created)
    report.finalize()
    notes = [f"amp-replay: created the directory {directory} for a report" for directory in created]
    notes += _error_lines(unwritten + report.errors(), settings.stderr_color)
    if settings.verbosity >= 2 and report.configuration:
        notes.insert(0, f"amp-replay: configuration: {printable(report.configuration)}")
    if settings.format in ("text", "github") and settings.verbosity >= 1 and report.fatal is None:
        notes.append(summary_line(report))
    if notes:
        stderr.write(redact("\n".join(notes) + "\n", report.secrets))
        stderr.flush()
    return max(report.exit_code, ExitCode.USAGE) if unwritten else report.exit_code


def _chunks(report: Report, settings: OutputSettings) -> Iterator[str]:
    chunks = _renderer(settings.format)(report, settings)
    for chunk in [chunks] if isinstance(chunks, str) else chunks:
        yield redact(chunk, report.secrets)


def _write_report(
    report: Report,
    settings: OutputSettings,
    path: Path,
    unwritten: list[AmpReplayError],
    created: list[Path],
) -> None:
    """Write one report file; what fails goes to `unwritten`, a directory made to `created`."""
    refusal = _refusal(report, path)
    if refusal is not None:
        unwritten.append(InputError(f"cannot write {path}: {refusal}"))
        return
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
            created.append(path.parent)  # said on stderr: a typo in -o makes no silent tree
        _write_atomically(path, _chunks(report, settings))
    except BrokenPipeError:
        raise
    except OSError as error:
        unwritten.append(InputError(f"cannot write {path}: {error.strerror or error}"))


def _rows_for_each(report: Report, formats: list[str]) -> Callable[[], None]:
    """A function that gives the next renderer the result's rows.

    Rows are made once and read once (RowStream). When more than one renderer reads them
    (`-f json --report text=…`), they are kept in memory, and each renderer gets them anew.
    """
    streams = {key: v for key, v in report.result.items() if isinstance(v, RowStream)}
    if not streams or sum(name in _READS_ROWS for name in formats) < 2:
        return lambda: None
    kept = {key: _replayable(stream) for key, stream in streams.items()}

    def rewind() -> None:
        for key, replay in kept.items():
            report.result[key] = replay()

    return rewind


def _replayable(stream: RowStream) -> Callable[[], RowStream]:
    """Reads the stream once; returns a function that gives its rows anew each time."""
    if isinstance(stream, ColumnStream):
        slices = stream.stored()
        return lambda: ColumnStream(stream.columns, slices)
    rows = list(stream)
    return lambda: RowStream(stream.columns, rows)


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
    if name == "sarif":
        from amp_replay_cli.output.sarif import render_sarif

        return render_sarif
    if name == "gitlab":
        from amp_replay_cli.output.gitlab import render_gitlab

        return render_gitlab
    from amp_replay_cli.output.text import render_text

    return render_text


def error_lines(report: Report, color: bool) -> list[str]:
    return _error_lines(report.errors(), color)


def _error_lines(errors: list[AmpReplayError], color: bool) -> list[str]:
    lines: list[str] = []
    hints: list[str] = []
    label = "\x1b[1;31merror\x1b[0m" if color else "error"
    for error in errors:
        # One line each, whatever input text (a file name, an id) the error names.
        lines.append(f"amp-replay: {label}: {printable(error.one_line())}")
        if error.hint and printable(error.hint) not in hints:
            hints.append(printable(error.hint))
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
        parts.append(printable(report.headline))
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


def _refusal(report: Report, path: Path) -> str | None:
    """Why a report must not go to `path`: it is one of the run's inputs."""
    for subject in report.subjects:
        try:
            if os.path.samefile(subject, path):
                return f"it is an input of this run ({subject}); choose another file"
        except (OSError, ValueError):
            continue  # not a file (a user id, stdin) or not there
    return None


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
