"""`rule`: what a finding code means and what to do about it, from the catalog in codes.py."""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.codes import CODES, Code
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.examples import EXAMPLES
from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.selection import nearest_code


def describe(code: Code) -> dict[str, Any]:
    return {
        "code": code.code,
        "name": code.name,
        "severity": code.severity.value,
        "severity_note": code.severity_note or None,
        "summary": code.summary,
        "fix": code.fix,
        "example": _example(code.code),
    }


def _example(code: str) -> dict[str, Any] | None:
    example = EXAMPLES.get(code)
    if example is None:
        return None
    return {
        "kind": example.kind.value,
        "label": example.kind.label,
        "sdk": example.sdk,
        "wrong": example.wrong,
        "right": example.right,
    }


def rule(code: str | None, every: bool) -> Report:
    """One code explained, or (every) one entry per code in catalog order."""
    report = Report(command="rule")
    if every:
        report.result = {"rules": [describe(entry) for entry in CODES.values()]}
        report.summary = {"rules": len(CODES)}
        report.headline = f"{len(CODES)} codes"
        return report
    if code is None:
        raise UsageError("name a code, e.g. `amp-replay rule AR182`, or use --all")
    entry = CODES.get(code.strip().upper())
    if entry is None:
        close = nearest_code(code.strip().upper())
        raise UsageError(
            f"unknown code {code!r}",
            hint=f"did you mean {close}?" if close else "`amp-replay rule --all` lists every code",
        )
    report.result = {"rules": [describe(entry)]}
    report.summary = {"rules": 1}
    report.headline = f"{entry.code} {entry.name}"
    return report


def readme_row(code: Code) -> str:
    """The README's table row for a code: identity codes are their own name, so no name column."""
    cells = [code.code] + ([code.name] if code.name != _identity_name(code) else [])
    meaning = code.summary + (f"; {code.severity_note}" if code.severity_note else "")
    cells += [code.severity.value, meaning.replace("|", "\\|")]
    return "| " + " | ".join(cells) + " |"


def _identity_name(code: Code) -> str:
    return code.code.lower().replace("_", "-")
