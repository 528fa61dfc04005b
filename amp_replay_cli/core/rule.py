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


# The command that reports each family of codes, by prefix; the identity codes, which have no
# AR prefix, are diagnose's. Each family is listed on that command's page in docs/.
_FAMILIES = {
    "AR1": "validate",
    "AR2": "simulate",
    "AR5": "diagnose",
    "AR6": "upload",
    "AR7": "check",
}
COMMANDS_WITH_CODES = ("validate", "simulate", "upload", "check", "diagnose")


def command_of(code: str) -> str:
    return _FAMILIES.get(code[:3], "diagnose")


def docs_row(code: Code) -> str:
    """A code's row in its command's table in docs/: identity codes are their own name, so they
    have no name column."""
    cells = [code.code] + ([code.name] if code.name != _identity_name(code) else [])
    cells += [code.severity.value, _meaning(code).replace("|", "\\|")]
    return "| " + " | ".join(cells) + " |"


def codes_page() -> str:
    """docs/codes.md: every code with its name, severity, meaning and fix, grouped by command.
    Each code is a heading of its own, so a link (SARIF's helpUri) can point at it."""
    lines = [
        "# Finding codes",
        "",
        "Generated from the catalog (`amp_replay_cli/core/codes.py`) by",
        "`scripts/generate-code-tables.py`; a test fails when this page differs from it.",
        "`amp-replay rule CODE` prints the same. Codes are stable: one is never reused for",
        "another meaning. [README](../README.md)",
    ]
    for command in COMMANDS_WITH_CODES:
        lines += ["", f"## {command}", "", f"Reported by [`amp-replay {command}`]({command}.md)."]
        for code in CODES.values():
            if command_of(code.code) == command:
                lines += [
                    "",
                    f"### {code.code}",
                    "",
                    f"`{code.name}` · {code.severity.value}"
                    + (f"; {code.severity_note}" if code.severity_note else ""),
                    "",
                    code.summary + ".",
                    "",
                    f"Fix: {code.fix}.",
                ]
    return "\n".join(lines) + "\n"


def _meaning(code: Code) -> str:
    return code.summary + (f"; {code.severity_note}" if code.severity_note else "")


def _identity_name(code: Code) -> str:
    return code.code.lower().replace("_", "-")
