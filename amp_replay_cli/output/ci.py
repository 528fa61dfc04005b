"""What the code-scanning formats (sarif, gitlab) share: repository paths and stable fingerprints.

Both formats are read by services that keep findings across pipeline runs and commits, so a
finding needs a path relative to the checkout (the working directory in CI) and a fingerprint
that stays the same while the finding does.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePath

from amp_replay_cli.core.documents.sources import STDIN_NAME
from amp_replay_cli.core.findings import Finding
from amp_replay_cli.output import redact


def repository_path(file: str | None) -> str | None:
    """`file` as a POSIX path relative to the working directory; None for stdin or no file.

    A path outside the working directory stays absolute: `../` paths match nothing in a
    repository, and an absolute one at least names the file.
    """
    if file is None or file == STDIN_NAME:
        return None
    absolute = Path(os.path.abspath(file))  # not resolve(): keep the symlinks the user named
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return PurePath(absolute).as_posix()


def fingerprints(findings: Iterable[Finding], secrets: set[str]) -> list[str]:
    """A sha256 per finding of its code, its file, and its option path (else its message).

    Line numbers are left out on purpose, so a finding keeps its fingerprint when lines are
    added above it. Findings that would share one (the same code at the same option path of a
    file, written twice) are told apart by their order, so fingerprints are unique within a
    report. The message is hashed as printed, with secrets redacted: rotating a key keeps it.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in findings:
        key = (
            finding.code,
            repository_path(finding.file) or "",
            finding.path or redact(finding.message, secrets),
        )
        occurrence = seen[key]
        seen[key] += 1
        text = "\x00".join((*key, str(occurrence)))
        result.append(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    return result
