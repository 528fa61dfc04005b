"""`validate`: check sessionReplayOptions files against what the SDK really does with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from amp_replay_cli.core.documents import CONFIG_SUFFIXES, JSON_SUFFIXES, parse_documents
from amp_replay_cli.core.documents.limits import DEFAULT_LIMITS, Limits
from amp_replay_cli.core.documents.sources import Source, decode_text, expand_paths, read_bytes
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.options.catalog import SdkLine
from amp_replay_cli.core.options.checker import Checker, infer_sdk_line
from amp_replay_cli.core.suppressions import parse_suppressions, suppress


@dataclass(frozen=True)
class ValidateSettings:
    sdk: SdkLine | None = None  # None: infer from each file's shape
    production: bool = True
    strict: bool = False
    limits: Limits = DEFAULT_LIMITS


def validate(paths: list[str], settings: ValidateSettings, stdin: BinaryIO | None = None) -> Report:
    report = Report(command="validate", strict=settings.strict)
    files: list[dict] = []
    suppressed: list[Finding] = []
    for item in expand_paths(paths, CONFIG_SUFFIXES):
        if isinstance(item, InputError):
            report.problems.append(item)
            files.append(
                {"file": item.location.file if item.location else None, "status": "unreadable"}
            )
            continue
        files.append(_validate_source(item, settings, report, stdin, suppressed))
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
        "suppressed": [finding.to_dict() for finding in suppressed],
    }
    return report


def _validate_source(
    source: Source,
    settings: ValidateSettings,
    report: Report,
    stdin: BinaryIO | None,
    suppressed: list[Finding],
) -> dict:
    try:
        text = decode_text(read_bytes(source, settings.limits.max_bytes, stdin), source.name)
        documents = parse_documents(text, source.name, source.suffix, settings.limits)
        checkers = []
        for document in documents:
            sdk_line = settings.sdk or infer_sdk_line(document.root)
            checker = Checker(document, sdk_line, settings.production)
            checker.run()
            checkers.append(checker)
    except InputError as error:
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
    return {
        "file": source.name,
        "status": "findings" if any(report.fails_on(finding) for finding in found) else "ok",
        "sdk": [checker.sdk_line.value for checker in checkers],  # one per YAML document
        "sdk_inferred": settings.sdk is None,
        "errors": sum(1 for f in found if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in found if f.severity is Severity.WARNING),
        "infos": sum(1 for f in found if f.severity is Severity.INFO),
    }
