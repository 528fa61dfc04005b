"""`validate`: check sessionReplayOptions files against what the SDK really does with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from amp_replay_cli.core.documents import CONFIG_SUFFIXES, load_documents
from amp_replay_cli.core.documents.limits import DEFAULT_LIMITS, Limits
from amp_replay_cli.core.documents.sources import Source, expand_paths
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.findings import Report, Severity
from amp_replay_cli.core.options.catalog import SdkLine
from amp_replay_cli.core.options.checker import Checker, infer_sdk_line


@dataclass(frozen=True)
class ValidateSettings:
    sdk: SdkLine | None = None  # None: infer from each file's shape
    production: bool = True
    strict: bool = False
    limits: Limits = DEFAULT_LIMITS


def validate(paths: list[str], settings: ValidateSettings, stdin: BinaryIO | None = None) -> Report:
    report = Report(command="validate", strict=settings.strict)
    files: list[dict] = []
    for item in expand_paths(paths, CONFIG_SUFFIXES):
        if isinstance(item, InputError):
            report.problems.append(item)
            files.append(
                {"file": item.location.file if item.location else None, "status": "unreadable"}
            )
            continue
        files.append(_validate_source(item, settings, report, stdin))
    report.subjects = [entry["file"] for entry in files if entry["file"] is not None]
    report.summary = {
        "files": len(files),
        "unreadable": len(report.problems),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
    }
    report.result = {
        "env": "production" if settings.production else "development",
        "strict": settings.strict,
        "files": files,
    }
    return report


def _validate_source(
    source: Source, settings: ValidateSettings, report: Report, stdin: BinaryIO | None
) -> dict:
    try:
        documents = load_documents(source, settings.limits, stdin)
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
