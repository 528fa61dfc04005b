"""Both engines on the same events: the Python per-event analysis (the oracle, the specification)
and the SQL rules over the `events` relation built from the same Event objects."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.identity.inputs import (
    AmplitudeExport,
    ReplayList,
    Setup,
    read_export,
    read_replays,
    read_setup,
)
from amp_replay_cli.core.identity.sql.findings import FindingRow, Wording, to_finding
from amp_replay_cli.core.identity.sql.link_inputs import load_link_inputs
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS, json_text
from amp_replay_cli.core.identity.sql.rules import Rule
from amp_replay_cli.core.identity.sql.session_table import session_rows
from amp_replay_cli.core.identity.thresholds import Thresholds
from tests.oracle.analysis import Analysis
from tests.oracle.model import Event, SessionKey, from_segment
from tests.oracle.run import analyse, delivered_once, load_python_events

Raw = tuple[str, int, dict]  # (file, line, Segment event)


@dataclass
class Inputs:
    export: AmplitudeExport | None = None
    replays: ReplayList | None = None
    setup: Setup | None = None


def read_file(path: Path) -> list[Raw]:
    source = Source(str(path), path)
    return [(source.name, line, raw) for line, raw in segment.read_events(source, _ignore)]


def events_of(raws: Iterable[Raw]) -> list[Event]:
    return [from_segment(raw, file, line) for file, line, raw in raws]


def _ignore(line: int, message: str) -> None:
    """Malformed lines are not the rules' business."""


def companions(path: Path) -> Inputs:
    """The export, replay list and set-up the example files name alongside a log."""
    stem = path.name.removesuffix(".ndjson")
    export, replays = (
        path.with_name(f"{stem}.amplitude_export.ndjson"),
        path.with_name(f"{stem}.replays.json"),
    )
    configs = sorted(path.parent.glob(f"{stem[:2]}_*.config.json"))
    return Inputs(
        read_export(Source(str(export), export)) if export.exists() else None,
        read_replays(Source(str(replays), replays)) if replays.exists() else None,
        read_setup(Source(str(configs[0]), configs[0])) if configs else None,
    )


@dataclass
class PythonOutcome:
    findings: list[Finding]
    sessions: dict[int, SessionKey | None]  # id(finding): the session it counted towards
    rows: list[dict[str, Any]]


def python_engine(events: list[Event], thresholds: Thresholds, inputs: Inputs) -> PythonOutcome:
    """The analysis as diagnose ran it, recording the session each finding counted towards."""
    analysis = Analysis(thresholds, inputs.setup, inputs.export, inputs.replays)
    reporter = analysis._reporter
    sessions: dict[int, SessionKey | None] = {}
    report = reporter.report

    def recording(
        code: str, severity: Any, message: str, where: Any, session: Any, *rest: Any, **named: Any
    ) -> None:
        before = len(reporter.findings)
        report(code, severity, message, where, session, *rest, **named)
        if len(reporter.findings) > before:
            sessions[id(reporter.findings[-1])] = session

    reporter.report = recording  # type: ignore[method-assign]
    analyse(analysis, events)
    return PythonOutcome(analysis.findings, sessions, analysis.session_rows())


def parameters(rule: Rule, thresholds: Thresholds) -> dict[str, int]:
    """The thresholds a rule's SQL names (DuckDB refuses parameters a statement does not use)."""
    names = set(re.findall(r"\$([a-z_]+)", rule.sql))
    return {name: getattr(thresholds, name) for name in names}


def run_rules(
    connection: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    thresholds: Thresholds,
) -> list[FindingRow]:
    rows = []
    for rule in rules:
        result = connection.execute(rule.sql, parameters(rule, thresholds))
        assert tuple(column[0] for column in result.description) == tuple(FINDING_COLUMNS), (
            rule.name
        )
        rows.extend(FindingRow(*row) for row in result.fetchall())
    return rows


def worded(
    rows: list[FindingRow], wordings: dict[tuple[str, str | None], Wording]
) -> list[Finding]:
    return [to_finding(row, wordings) for row in rows]


def comparable(findings: Iterable[Finding]) -> list[tuple]:
    """Findings as sorted tuples; the evidence as JSON text, so its key order counts too."""
    return sorted(
        (
            finding.code,
            finding.severity.value,
            finding.message,
            finding.file or "",
            finding.line or 0,
            finding.hint,
            json.dumps(finding.evidence, ensure_ascii=False),
        )
        for finding in findings
    )


def finding_rows(outcome: PythonOutcome) -> list[list[Any]]:
    """The Python findings as rows of the `findings` relation (FINDING_COLUMNS), each counted
    towards the session the Python reporter counted it towards."""
    rows = []
    for finding in outcome.findings:
        session = outcome.sessions.get(id(finding))
        evidence = finding.evidence or {}
        rows.append(
            [
                finding.code,
                finding.severity.value,
                None,
                None,
                finding.file,
                finding.line,
                evidence.get("message_id"),
                json_text(session.device) if session else None,
                session.session if session else None,
                json.dumps(evidence),
            ]
        )
    return rows


def load_findings(connection: duckdb.DuckDBPyConnection, rows: list[list[Any]]) -> None:
    columns = ", ".join(f"{column} {kind}" for column, kind in FINDING_COLUMNS.items())
    connection.execute(f"CREATE OR REPLACE TABLE findings ({columns})")
    if rows:
        marks = ", ".join("?" for _ in FINDING_COLUMNS)
        connection.executemany(f"INSERT INTO findings VALUES ({marks})", rows)


@dataclass
class Both:
    """The findings of the codes under test from each engine, and each engine's session rows."""

    python: list[tuple]
    sql: list[tuple]
    python_rows: list[dict[str, Any]]
    sql_rows: list[dict[str, Any]]
    # (code, file, line, device_id as JSON text, session_id): where each finding counts
    python_sessions: list[tuple]
    sql_sessions: list[tuple]


def both_engines(
    raws: list[Raw],
    thresholds: Thresholds,
    inputs: Inputs,
    rules: list[Rule],
    wordings: dict[tuple[str, str | None], Wording],
    mine: Any,
) -> Both:
    """`mine(finding, inputs)`: whether a Python finding is one the rules under test give."""
    events = events_of(raws)
    python = python_engine(events, thresholds, inputs)
    connection = duckdb.connect()
    load_python_events(connection, delivered_once(events))
    load_link_inputs(connection, inputs.export, inputs.replays, inputs.setup)
    rows = run_rules(connection, rules, thresholds)
    load_findings(connection, finding_rows(python))
    ours = [finding for finding in python.findings if mine(finding, inputs)]
    return Both(
        comparable(ours),
        comparable(worded(rows, wordings)),
        python.rows,
        session_rows(connection),
        sorted(
            map(_counted, ours, (python.sessions.get(id(finding)) for finding in ours)), key=repr
        ),
        sorted(
            ((row.code, row.file, row.line, row.device_id, row.session_id) for row in rows),
            key=repr,
        ),
    )


def _counted(finding: Finding, session: SessionKey | None) -> tuple:
    device = json_text(session.device) if session else None
    return (finding.code, finding.file, finding.line, device, session.session if session else None)
