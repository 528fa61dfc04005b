"""GitLab Code Quality JSON (`artifacts: reports: codequality`): an array, one entry per finding.

Severities: error is `major`, warning `minor`, info `info`, as eslint-formatter-gitlab and Code
Climate map linters; a warning that fails the run (--strict) is `major` too, so the merge
request widget ranks it with what fails the job. An input that could not be read is a `blocker`
entry: Code Quality has no notion of a failed run, and a report without it would look clean.

Every entry needs a path. A finding without a file takes the run's input when there was exactly
one (the file that was uploaded, say); otherwise the placeholder `amp-replay COMMAND`, which
names what produced it and matches no file of the repository.
"""

from __future__ import annotations

import json
import os
from typing import Any

from amp_replay_cli.core.errors import AmpReplayError
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.ci import fingerprints, repository_path

_SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _fallback_path(report: Report) -> str:
    inputs = [path for path in map(repository_path, report.subjects) if path is not None]
    if len(inputs) == 1 and os.path.isfile(inputs[0]):
        return inputs[0]
    return f"amp-replay {report.command}"


def _entry(
    description: str, check_name: str, fingerprint: str, severity: str, path: str, line: int | None
) -> dict[str, Any]:
    return {
        "description": description,
        "check_name": check_name,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line or 1}},
    }


def _finding(report: Report, finding: Finding, fingerprint: str, fallback: str) -> dict[str, Any]:
    return _entry(
        finding.message + (f" [{finding.path}]" if finding.path else ""),
        finding.code,
        fingerprint,
        "major" if report.fails_on(finding) else _SEVERITIES[finding.severity],
        repository_path(finding.file) or fallback,
        finding.line,
    )


def _error(error: AmpReplayError, fingerprint: str, fallback: str) -> dict[str, Any]:
    where = error.location
    return _entry(
        error.one_line() + (f" (hint: {error.hint})" if error.hint else ""),
        f"amp-replay-{error.kind}-error",
        fingerprint,
        "blocker",
        (repository_path(where.file) if where else None) or fallback,
        where.line if where else None,
    )


def render_gitlab(report: Report, settings: OutputSettings) -> str:
    report.finalize()
    findings = report.sorted_findings()
    errors = report.errors()
    # Errors are fingerprinted as findings of their kind are: unique in the same sequence.
    error_keys = [
        Finding(
            f"{error.kind}-error",
            Severity.ERROR,
            error.message,
            error.location.file if error.location else None,
        )
        for error in errors
    ]
    prints = fingerprints([*findings, *error_keys], report.secrets)
    fallback = _fallback_path(report)
    entries = [
        *(
            _finding(report, finding, fingerprint, fallback)
            for finding, fingerprint in zip(findings, prints[: len(findings)], strict=True)
        ),
        *(
            _error(error, fingerprint, fallback)
            for error, fingerprint in zip(errors, prints[len(findings) :], strict=True)
        ),
    ]
    # ASCII only: lone surrogates and control characters come out as \u escapes.
    return json.dumps(entries, indent=2) + "\n"
