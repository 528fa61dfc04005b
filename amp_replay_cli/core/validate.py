"""`validate`: check sessionReplayOptions files against what the SDK really does with them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.documents import CONFIG_SUFFIXES, JSON_SUFFIXES, parse_documents
from amp_replay_cli.core.documents.discovery import ExcludePatterns
from amp_replay_cli.core.documents.limits import DEFAULT_LIMITS, Limits
from amp_replay_cli.core.documents.nodes import Document
from amp_replay_cli.core.documents.sources import Source, decode_text, expand_paths, read_bytes
from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.options import shape
from amp_replay_cli.core.options.catalog import SdkLine
from amp_replay_cli.core.options.checker import Checker, infer_sdk_line
from amp_replay_cli.core.suppressions import parse_suppressions, suppress

NOT_OPTIONS = "not Session Replay options"


@dataclass(frozen=True)
class ValidateSettings:
    sdk: SdkLine | None = None  # None: infer from each file's shape
    production: bool = True
    strict: bool = False
    limits: Limits = DEFAULT_LIMITS
    exclude: tuple[str, ...] = ()  # --exclude GLOB patterns for directory scans and globs
    # `exclude` of the project configuration: globs relative to its folder
    configured_exclude: tuple[str, ...] = ()
    configuration_folder: Path | None = None


@dataclass
class ScanTally:
    """The files one directory or glob argument found, and how many of them were taken."""

    looked_at: int = 0
    taken: int = 0  # checked, or reported as unreadable


def validate(paths: list[str], settings: ValidateSettings, stdin: BinaryIO | None = None) -> Report:
    """Check each file; a file a scan finds only when `shape.holds_options` says so."""
    report = Report(command="validate", strict=settings.strict)
    files: list[dict] = []
    skipped: list[dict] = []
    suppressed: list[Finding] = []
    scans: dict[str, ScanTally] = {}
    exclude = ExcludePatterns(settings.exclude)
    exclude.add(settings.configured_exclude, settings.configuration_folder)
    for item in expand_paths(paths, CONFIG_SUFFIXES, exclude):
        if isinstance(item, InputError):
            report.problems.append(item)
            files.append(
                {"file": item.location.file if item.location else None, "status": "unreadable"}
            )
            continue
        entry = _validate_source(item, settings, report, stdin, suppressed)
        tally = scans.setdefault(item.scan, ScanTally()) if item.scan is not None else None
        if tally is not None:
            tally.looked_at += 1
        if entry.get("status") == "skipped":
            skipped.append(entry)
            continue
        if tally is not None:
            tally.taken += 1
        files.append(entry)
    report.problems.extend(
        _empty_scan(scan, tally) for scan, tally in scans.items() if not tally.taken
    )
    if scans:  # files pre-commit names are never excluded: no pattern is unused there
        report.findings.extend(
            _unused_exclude(pattern, pattern in settings.exclude) for pattern in exclude.unused()
        )
    report.recounts.append(lambda: _recount_files(report, files))
    report.subjects = [entry["file"] for entry in files if entry["file"] is not None]
    report.summary = {
        "files": len(files),
        "unreadable": len(report.problems),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
        "suppressed": len(suppressed),
    }
    report.result = {
        "env": "production" if settings.production else "development",
        "strict": settings.strict,
        "files": files,
        "skipped": skipped,
        "suppressed": [finding.to_dict() for finding in suppressed],
    }
    return report


def _empty_scan(scan: str, tally: ScanTally) -> InputError:
    plural = "s" if tally.looked_at != 1 else ""
    return InputError(
        f"no Session Replay option files: {tally.looked_at} JSON/YAML file{plural} looked at, "
        "none holds Session Replay options",
        location=Location(scan),
        hint="name a file to check it whatever its shape; -v lists the files skipped",
    )


def _unused_exclude(pattern: str, from_flag: bool) -> Finding:
    code = CODES["AR192"]
    origin = "--exclude" if from_flag else "the configuration's exclude"
    return Finding(code.code, code.severity, f"{origin} {pattern!r} matches no file", hint=code.fix)


def _option_documents(documents: list[Document]) -> list[Document]:
    """A scanned file's documents that hold options, each narrowed to the mapping that holds
    them (a wrapper call kept a level down is checked as the call)."""
    found = []
    for document in documents:
        node = shape.options_node(document.root)
        if node is not None:
            found.append(replace(document, root=node))
    return found


def _skipped(source: Source, reason: str = NOT_OPTIONS) -> dict:
    return {"file": source.name, "status": "skipped", "reason": reason}


def _validate_source(
    source: Source,
    settings: ValidateSettings,
    report: Report,
    stdin: BinaryIO | None,
    suppressed: list[Finding],
) -> dict:
    # A file a scan finds is skipped until its shape says options, unless its name says so.
    may_skip = source.scan is not None and not shape.named_as_options(source.name)
    try:
        text = decode_text(read_bytes(source, settings.limits.max_bytes, stdin), source.name)
        if may_skip and not shape.may_hold_options(text):
            return _skipped(source)
        documents = parse_documents(text, source.name, source.suffix, settings.limits)
        if source.scan is not None:
            documents = _option_documents(documents)
            if not documents:
                return _skipped(source)
        may_skip = False  # its shape says options: from here on, errors are reported
        checkers = []
        for document in documents:
            sdk_line = settings.sdk or infer_sdk_line(document.root)
            checker = Checker(document, sdk_line, settings.production)
            checker.run()
            checkers.append(checker)
    except InputError as error:
        if may_skip:  # a scan cannot tell what an unreadable file was meant to be
            return _skipped(source, f"{NOT_OPTIONS} ({error.message})")
        report.problems.append(error)
        return {"file": source.name, "status": "unreadable"}
    found = [finding for checker in checkers for finding in checker.findings]
    if source.suffix not in JSON_SUFFIXES:  # JSON has no comments: per-file-ignores instead
        suppressions, malformed = parse_suppressions(text, source.name)
        found, hidden = suppress(found, suppressions, source.name)
        found += malformed
        suppressed += hidden
    for checker in checkers:
        report.secrets.update(checker.secrets)
    report.findings.extend(found)
    counts = _counts(report, found)
    return {
        "file": source.name,
        "status": counts.pop("status"),
        "sdk": [checker.sdk_line.value for checker in checkers],  # one per YAML document
        "sdk_inferred": settings.sdk is None,
        **counts,
    }


def _counts(report: Report, found: list[Finding]) -> dict:
    """A file's verdict and its findings per severity."""
    return {
        "status": "findings" if any(report.fails_on(finding) for finding in found) else "ok",
        "errors": sum(1 for f in found if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in found if f.severity is Severity.WARNING),
        "infos": sum(1 for f in found if f.severity is Severity.INFO),
    }


def _recount_files(report: Report, files: list[dict]) -> None:
    """Once --select/--ignore/per-file-ignores dropped findings, each file counts the rest."""
    for entry in files:
        if entry["status"] != "unreadable":
            kept = [finding for finding in report.findings if finding.file == entry["file"]]
            entry.update(_counts(report, kept))
