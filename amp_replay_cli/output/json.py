"""The stable JSON envelope (schema_version 1, described by amp_replay_cli/schemas/output-v1.json)."""

from __future__ import annotations

import json
from typing import Any

from amp_replay_cli import __version__
from amp_replay_cli.core.findings import Report
from amp_replay_cli.output import OutputSettings

SCHEMA_VERSION = 1


def envelope(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "amp-replay", "version": __version__},
        "command": report.command,
        "status": report.status,
        "exit_code": report.exit_code,
        "summary": report.summary,
        "findings": [finding.to_dict() for finding in report.sorted_findings()],
        "result": report.result,
        "error": report.error_info(),
    }


def render_json(report: Report, settings: OutputSettings) -> str:
    return json.dumps(envelope(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
