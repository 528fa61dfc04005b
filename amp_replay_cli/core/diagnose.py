"""`diagnose`: why replays do not link to events, from Segment logs and optional Amplitude
data."""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from amp_replay_cli.core.collector import collector_paused
from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.findings import CappedFindings, Finding, Report, Severity
from amp_replay_cli.core.identity.inputs import (
    AmplitudeExport,
    ReplayList,
    Setup,
    read_export,
    read_replays,
    read_setup,
)
from amp_replay_cli.core.identity.sql import catalog, engine
from amp_replay_cli.core.identity.sql.export_input import load_export
from amp_replay_cli.core.identity.sql.findings import to_findings
from amp_replay_cli.core.identity.sql.link_inputs import load_link_inputs
from amp_replay_cli.core.identity.sql.session_table import session_rows
from amp_replay_cli.core.identity.thresholds import Thresholds
from amp_replay_cli.core.wording import count_of

MAX_MALFORMED_FINDINGS = 200


@dataclass(frozen=True)
class DiagnoseSettings:
    min_id_length: int | None = None  # None: the config's mapping, else 5
    session_timeout_ms: int | None = None  # None: the config's sessionLength, else 30 min
    skew_threshold_ms: int = 60 * 1000
    amplitude_export: Source | None = None
    replays: Source | None = None
    config: Source | None = None
    strict: bool = False
    line_limit: ItemLimit = LOG_LINE  # the longest line or JSON item of any input


def diagnose(paths: list[str], settings: DiagnoseSettings, stdin: BinaryIO | None = None) -> Report:
    report = Report(command="diagnose", strict=settings.strict)
    setup = read_setup(settings.config, stdin) if settings.config else None
    if setup is not None:
        report.secrets.update(setup.secrets)
    limit = settings.line_limit
    export = (
        read_export(settings.amplitude_export, stdin, limit) if settings.amplitude_export else None
    )
    replays = read_replays(settings.replays, stdin, limit) if settings.replays else None
    thresholds = thresholds_for(settings, setup)
    with tempfile.TemporaryDirectory(prefix="amp-replay-") as scratch:
        inputs = Inputs(setup, export, replays)
        outcome = _run_engine(paths, thresholds, inputs, Path(scratch), stdin, limit)
    files, skipped = outcome.loaded.files, outcome.loaded.skipped
    report.problems.extend(outcome.loaded.problems)
    if skipped and not files and not report.problems:
        report.problems.append(
            InputError(
                f"none of the {count_of(len(skipped), 'input')} holds Segment events",
                hint='give Segment event logs (NDJSON, JSON arrays, {"batch": [...]}); '
                "-v lists what was skipped",
            )
        )
    malformed = CappedFindings(report.findings, MAX_MALFORMED_FINDINGS)
    for line in outcome.loaded.malformed:
        malformed.add(_malformed(line))
    malformed.close()
    report.findings.extend(outcome.findings)
    sessions = outcome.sessions
    counts = outcome.counts
    report.subjects = files
    report.summary = {
        "files": len(files),
        "events": counts.events,
        "duplicates": counts.duplicates,
        "undelivered_events": counts.undelivered,
        "malformed_lines": malformed.counts.get("AR501", 0),
        "skipped_files": len(skipped),
        "sessions": len(sessions),
        "linked_sessions": sum(1 for row in sessions if row["linked"]),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
    }
    report.headline = (
        f"{count_of(counts.events, 'event')}, {count_of(len(sessions), 'session')}, "
        f"{report.summary['linked_sessions']:,} linked to a replay"
    )
    if counts.undelivered:
        report.headline += f"; {count_of(counts.undelivered, 'event')} never reach Amplitude"
    if skipped:
        report.headline += f"; {count_of(len(skipped), 'file')} skipped: not Segment events"
    report.result = {
        "settings": _settings_used(settings, thresholds),
        "sessions": sessions,
        "skipped": skipped,
    }
    return report


def thresholds_for(settings: DiagnoseSettings, setup: Setup | None) -> Thresholds:
    """The flags win; else the destination's mappings (min_id_length, the session plugin's
    sessionLength); else the defaults (Amplitude's 5, the plugin's 30 min)."""
    default = Thresholds()
    timeout_ms = settings.session_timeout_ms
    if timeout_ms is None:
        configured = setup.session_length_ms if setup else None
        timeout_ms = configured or default.session_timeout_ms
    return Thresholds(
        min_id_length=settings.min_id_length
        or (setup.min_id_length if setup and setup.min_id_length else default.min_id_length),
        session_timeout_ms=timeout_ms,
        skew_threshold_ms=settings.skew_threshold_ms,
    )


class Inputs(NamedTuple):
    """The optional inputs besides the Segment logs."""

    setup: Setup | None
    export: AmplitudeExport | None
    replays: ReplayList | None


class Outcome(NamedTuple):
    loaded: engine.Loaded
    findings: list[Finding]
    sessions: list[dict[str, Any]]
    counts: engine.Summary


def _run_engine(
    paths: list[str],
    thresholds: Thresholds,
    inputs: Inputs,
    scratch: Path,
    stdin: BinaryIO | None,
    limit: ItemLimit,
) -> Outcome:
    """Every input into DuckDB, every rule run over it: the findings worded, the session rows
    and the counts."""
    connection = engine.connect(scratch)
    try:
        loaded = engine.load(connection, paths, scratch, stdin, limit)
        load_export(connection, inputs.export or AmplitudeExport(""))
        load_link_inputs(connection, inputs.export, inputs.replays, inputs.setup)
        sql = catalog.sql_engine(sampling=bool(inputs.setup and inputs.setup.has_sample_rate))
        rows = engine.run_rules(connection, sql.rules, asdict(thresholds))
        with collector_paused():  # a big log's findings and session rows
            findings = to_findings(rows, sql.wordings)
            sessions = session_rows(connection)
        return Outcome(loaded, findings, sessions, engine.summary(connection))
    finally:
        connection.close()


def _malformed(line: engine.MalformedLine) -> Finding:
    return Finding(
        "AR501",
        Severity.WARNING,
        line.message,
        line.file,
        line.line,
        hint="the other lines are still diagnosed",
    )


def _settings_used(settings: DiagnoseSettings, thresholds: Thresholds) -> dict[str, Any]:
    return {
        "min_id_length": thresholds.min_id_length,
        "session_timeout_ms": thresholds.session_timeout_ms,
        "skew_threshold_ms": thresholds.skew_threshold_ms,
        "amplitude_export": settings.amplitude_export.name if settings.amplitude_export else None,
        "replays": settings.replays.name if settings.replays else None,
        "config": settings.config.name if settings.config else None,
    }
