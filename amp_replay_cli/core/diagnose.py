"""`diagnose`: why replays do not link to events, from Segment logs and optional Amplitude data."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from amp_replay_cli.core.documents.sources import Source, expand_paths
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.findings import CappedFindings, Finding, Report, Severity
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.identity.analysis import Analysis
from amp_replay_cli.core.identity.events import from_segment
from amp_replay_cli.core.identity.inputs import read_export, read_replays, read_setup
from amp_replay_cli.core.identity.thresholds import Thresholds
from amp_replay_cli.core.paths import spool

EVENT_SUFFIXES = (".ndjson", ".jsonl", ".json", ".gz", ".log", ".txt")
MAX_MALFORMED_FINDINGS = 200


@dataclass(frozen=True)
class DiagnoseSettings:
    min_id_length: int | None = None  # None: the config's mapping, else 5
    session_timeout_ms: int = 30 * 60 * 1000
    skew_threshold_ms: int = 60 * 1000
    amplitude_export: Source | None = None
    replays: Source | None = None
    config: Source | None = None
    strict: bool = False


def diagnose(paths: list[str], settings: DiagnoseSettings, stdin: BinaryIO | None = None) -> Report:
    report = Report(command="diagnose", strict=settings.strict)
    setup = read_setup(settings.config, stdin) if settings.config else None
    if setup is not None:
        report.secrets.update(setup.secrets)
    export = read_export(settings.amplitude_export, stdin) if settings.amplitude_export else None
    replays = read_replays(settings.replays, stdin) if settings.replays else None
    thresholds = Thresholds(
        min_id_length=settings.min_id_length
        or (setup.min_id_length if setup and setup.min_id_length else 5),
        session_timeout_ms=settings.session_timeout_ms,
        skew_threshold_ms=settings.skew_threshold_ms,
    )
    analysis = Analysis(thresholds, setup, export, replays)
    malformed = CappedFindings(report.findings, MAX_MALFORMED_FINDINGS)
    files = []

    def on_problem(source: Source, line: int, message: str) -> None:
        malformed.add(
            Finding(
                "AR501",
                Severity.WARNING,
                message,
                source.name,
                line,
                hint="the other lines are still diagnosed",
            )
        )

    with tempfile.TemporaryDirectory(prefix="amp-replay-") as scratch:
        sources = []
        for item in expand_paths(paths, EVENT_SUFFIXES):
            if isinstance(item, InputError):
                report.problems.append(item)
                continue
            if item.path is None:  # stdin can be read only once, and a second pass may be needed
                item = Source(item.name, spool(stdin or sys.stdin.buffer, Path(scratch) / "stdin"))
            files.append(item.name)
            try:
                for line, raw in segment.read_events(
                    item, lambda line, message, s=item: on_problem(s, line, message)
                ):
                    analysis.add(from_segment(raw, item.name, line))
                sources.append(item)
            except InputError as error:
                report.problems.append(error)
        recheck = analysis.second_pass()
        if recheck is not None:
            for item in sources:
                for line, raw in segment.read_events(item, lambda line, message: None):
                    recheck.add(from_segment(raw, item.name, line))
    analysis.finish()
    malformed.close()
    report.findings.extend(analysis.findings)
    sessions = analysis.session_rows()
    report.subjects = files
    report.summary = {
        "files": len(files),
        "events": analysis.events,
        "duplicates": analysis.duplicates,
        "malformed_lines": malformed.counts.get("AR501", 0),
        "sessions": len(sessions),
        "linked_sessions": sum(1 for row in sessions if row["linked"]),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
    }
    report.headline = (
        f"{_count(analysis.events, 'event')}, {_count(len(sessions), 'session')}, "
        f"{report.summary['linked_sessions']:,} linked to a replay"
    )
    report.result = {
        "settings": {
            "min_id_length": thresholds.min_id_length,
            "session_timeout_ms": thresholds.session_timeout_ms,
            "skew_threshold_ms": thresholds.skew_threshold_ms,
            "amplitude_export": settings.amplitude_export.name
            if settings.amplitude_export
            else None,
            "replays": settings.replays.name if settings.replays else None,
            "config": settings.config.name if settings.config else None,
        },
        "sessions": sessions,
    }
    return report


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
