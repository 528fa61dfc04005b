"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers): one run, a result per finding.

`tool.driver.rules` lists the whole code catalog, not only the codes found: a rule's index then
stays the same in every run, and a viewer can show the help of any code. That costs about
75 KB per report (95 rules), whatever it finds.

Results use the severity of the finding, raised to `error` when it fails the run (a warning under
--strict), as the github format does: code scanning then blocks what the exit code blocks.
Inputs that could not be read are tool execution notifications, not results: they are about
the run, not about the code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

from amp_replay_cli import PROJECT_URL, __version__
from amp_replay_cli.core.codes import CODES, Code
from amp_replay_cli.core.errors import AmpReplayError
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.output import OutputSettings
from amp_replay_cli.output.ci import fingerprints, repository_path

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"
# Versioned: a change to what is hashed must change the name, not silently the values.
FINGERPRINT_NAME = "ampReplayFinding/v1"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# docs/codes.md gives every code a heading of its own; GitHub's anchor for it is the code in
# lower case (underscores kept).
_CODES_PAGE = f"{PROJECT_URL}/blob/main/docs/codes.md"
_RULE_INDEX = {code: index for index, code in enumerate(CODES)}


def help_uri(code: str) -> str:
    return f"{_CODES_PAGE}#{code.lower()}"


def rule(entry: Code) -> dict[str, Any]:
    full = entry.summary + (f" ({entry.severity_note})" if entry.severity_note else "")
    return {
        "id": entry.code,
        "name": entry.name,
        "shortDescription": {"text": entry.summary},
        "fullDescription": {"text": full},
        "help": {
            "text": f"Fix: {entry.fix}",
            "markdown": f"**{entry.code} {entry.name}**: {full}.\n\n**Fix:** {entry.fix}.",
        },
        "helpUri": help_uri(entry.code),
        "defaultConfiguration": {"level": _LEVELS[entry.severity]},
    }


def _location(file: str | None, line: int | None, column: int | None) -> dict[str, Any] | None:
    path = repository_path(file)
    if path is None:
        return None
    if Path(path).is_absolute():  # outside the working directory: a file URI
        artifact = {"uri": Path(path).as_uri()}
    else:  # a URI reference, so ':' is escaped too: `a:b.yaml` would read as a scheme
        # The file system's bytes, as Path.as_uri() quotes them: undecodable names round-trip.
        artifact = {"uri": quote_from_bytes(os.fsencode(path), safe="/"), "uriBaseId": SOURCE_ROOT}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line is not None:
        region = {"startLine": line}
        if column is not None:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(report: Report, finding: Finding, fingerprint: str) -> dict[str, Any]:
    text = finding.message + (f" [{finding.path}]" if finding.path else "")
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": _RULE_INDEX[finding.code],
        "level": "error" if report.fails_on(finding) else _LEVELS[finding.severity],
        "message": {"text": text + (f"\nhint: {finding.hint}" if finding.hint else "")},
        "partialFingerprints": {FINGERPRINT_NAME: fingerprint},
    }
    location = _location(finding.file, finding.line, finding.column)
    if location is not None:
        if finding.path:
            location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "member"}]
        result["locations"] = [location]
    if finding.evidence is not None:
        result["properties"] = {"evidence": finding.evidence}
    return result


def _notification(error: AmpReplayError) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": error.one_line() + (f"\nhint: {error.hint}" if error.hint else "")},
        "descriptor": {"id": f"{error.kind}-error"},
    }
    where = error.location
    location = _location(where.file, where.line, where.column) if where else None
    if location is not None:
        notification["locations"] = [location]
    return notification


def sarif_log(report: Report) -> dict[str, Any]:
    report.finalize()
    findings = report.sorted_findings()
    results = [
        _result(report, finding, fingerprint)
        for finding, fingerprint in zip(
            findings, fingerprints(findings, report.secrets), strict=True
        )
    ]
    run = {
        "tool": {
            "driver": {
                "name": "amp-replay",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": [rule(entry) for entry in CODES.values()],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "invocations": [
            {
                "executionSuccessful": report.status != "error",
                "exitCode": report.exit_code,
                "toolExecutionNotifications": [_notification(e) for e in report.errors()],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, settings: OutputSettings) -> str:
    # ASCII only: lone surrogates and control characters come out as \u escapes.
    return json.dumps(sarif_log(report), indent=2) + "\n"
