"""`diagnose`: why replays do not link to events, from Segment logs and optional Amplitude
data."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import Source, expand_paths
from amp_replay_cli.core.documents.streams import readable_twice
from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.findings import CappedFindings, Finding, Report, Severity
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.identity.analysis import Analysis
from amp_replay_cli.core.identity.events import from_segment
from amp_replay_cli.core.identity.inputs import Setup, read_export, read_replays, read_setup
from amp_replay_cli.core.identity.thresholds import Thresholds

EVENT_SUFFIXES = (".ndjson", ".jsonl", ".json", ".gz", ".log", ".txt")
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
    thresholds = _thresholds(settings, setup)
    analysis = Analysis(thresholds, setup, export, replays)
    malformed = CappedFindings(report.findings, MAX_MALFORMED_FINDINGS)
    skipped: list[dict[str, str]] = []
    files = _read_events(paths, analysis, malformed, report, skipped, stdin, limit)
    analysis.finish()
    malformed.close()
    report.findings.extend(analysis.findings)
    sessions = analysis.session_rows()
    report.subjects = files
    report.summary = {
        "files": len(files),
        "events": analysis.events,
        "duplicates": analysis.duplicates,
        "undelivered_events": analysis.undelivered,
        "malformed_lines": malformed.counts.get("AR501", 0),
        "skipped_files": len(skipped),
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
    if analysis.undelivered:
        report.headline += f"; {_count(analysis.undelivered, 'event')} never reach Amplitude"
    if skipped:
        report.headline += f"; {_count(len(skipped), 'file')} skipped: not Segment events"
    report.result = {
        "settings": _settings_used(settings, thresholds),
        "sessions": sessions,
        "skipped": skipped,
    }
    return report


def _thresholds(settings: DiagnoseSettings, setup: Setup | None) -> Thresholds:
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


def _read_events(
    paths: list[str],
    analysis: Analysis,
    malformed: CappedFindings,
    report: Report,
    skipped: list[dict[str, str]],
    stdin: BinaryIO | None,
    limit: ItemLimit,
) -> list[str]:
    """Feed every event of every input to the analysis, twice when it asks for a second pass;
    the names of the inputs read. Inputs that cannot be read become the report's problems;
    so do inputs that are not Segment events when named, else they are skipped."""
    files = []
    with tempfile.TemporaryDirectory(prefix="amp-replay-") as scratch:
        sources = []
        for item in expand_paths(paths, EVENT_SUFFIXES):
            if isinstance(item, InputError):
                report.problems.append(item)
                continue
            files.append(item.name)
            # Named on the command line (stdin included): a refusal is an error, not a skip.
            named = item.name in paths or item.path is None
            try:
                # stdin and pipes can be read only once, and a second pass may be needed
                item = readable_twice(item, Path(scratch), stdin)
                kind = segment.not_segment_events(item, limit=limit)
                if kind is not None:
                    raise NotSegmentEvents(item, kind)
                on_problem = partial(_malformed, malformed, item)
                for line, raw in segment.read_events(item, on_problem, limit=limit):
                    analysis.add(from_segment(raw, item.name, line))
                sources.append(item)
            except NotSegmentEvents as refused:
                if named:
                    report.problems.append(refused)
                else:  # found in a directory or by a glob: a neighbour of the logs
                    files.pop()
                    skipped.append({"file": item.name, "reason": refused.reason})
            except InputError as error:
                report.problems.append(error)
        if skipped and not files and not report.problems:
            report.problems.append(
                InputError(
                    f"none of the {_count(len(skipped), 'input')} holds Segment events",
                    hint='give Segment event logs (NDJSON, JSON arrays, {"batch": [...]}); '
                    "-v lists what was skipped",
                )
            )
        recheck = analysis.second_pass()
        if recheck is not None:
            for item in sources:
                for line, raw in segment.read_events(item, _ignore_malformed, limit=limit):
                    recheck.add(from_segment(raw, item.name, line))
    return files


class NotSegmentEvents(InputError):
    """A file named on the command line must be Segment events: diagnosing an rrweb recording
    as "0 sessions" would be a false green."""

    def __init__(self, source: Source, reason: str):
        super().__init__(
            reason,
            location=Location(source.name),
            hint='diagnose reads Segment event logs (NDJSON, JSON arrays, {"batch": [...]})',
        )
        self.reason = reason


def _malformed(malformed: CappedFindings, source: Source, line: int, message: str) -> None:
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


def _ignore_malformed(line: int, message: str) -> None:
    """The second pass: the first one reported these lines already."""


def _settings_used(settings: DiagnoseSettings, thresholds: Thresholds) -> dict[str, Any]:
    return {
        "min_id_length": thresholds.min_id_length,
        "session_timeout_ms": thresholds.session_timeout_ms,
        "skew_threshold_ms": thresholds.skew_threshold_ms,
        "amplitude_export": settings.amplitude_export.name if settings.amplitude_export else None,
        "replays": settings.replays.name if settings.replays else None,
        "config": settings.config.name if settings.config else None,
    }


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
