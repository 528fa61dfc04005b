"""Inline suppression in YAML: `# amp-replay: ignore[AR182,AR104]`, or bare `ignore` for every code,
at the end of the finding's line or alone on the line above it (as ruff's noqa, one line up too)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.findings import Finding, Severity

_MARKER = re.compile(r"amp-replay\s*:\s*(.*?)\s*$", re.IGNORECASE)
_IGNORE = re.compile(r"ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass
class Suppression:
    line: int  # where the comment is
    target: int  # the line whose findings it suppresses
    codes: frozenset[str] | None  # None: every code
    used: bool = field(default=False)

    def covers(self, finding: Finding) -> bool:
        return finding.line == self.target and (self.codes is None or finding.code in self.codes)


def comment_start(line: str) -> int | None:
    """Where a real comment starts: a `#` at the start or after whitespace, outside quotes."""
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return index
    return None


def parse_suppressions(text: str, file: str) -> tuple[list[Suppression], list[Finding]]:
    """The suppression comments of a YAML text, and an AR194 finding for each malformed one."""
    suppressions: list[Suppression] = []
    malformed: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        start = comment_start(line)
        marker = _MARKER.match(line[start + 1 :].strip()) if start is not None else None
        if start is None or marker is None:
            continue
        problem, codes = _directive(marker.group(1))
        if problem:
            malformed.append(
                Finding(
                    "AR194",
                    Severity.WARNING,
                    f"malformed suppression comment: {problem}",
                    file,
                    line=number,
                    column=start + 1,
                    hint=CODES["AR194"].fix,
                )
            )
            continue
        alone = not line[:start].strip()
        suppressions.append(Suppression(number, number + 1 if alone else number, codes))
    return suppressions, malformed


def _directive(text: str) -> tuple[str, frozenset[str] | None]:
    """(problem, codes): codes None means every code."""
    match = _IGNORE.fullmatch(text)
    if match is None:
        return f"expected `ignore` or `ignore[CODE,...]`, found {text!r}", None
    if match.group(1) is None:
        return "", None
    codes = [part.strip().upper() for part in match.group(1).split(",") if part.strip()]
    if not codes:
        return "no code between the brackets", None
    unknown = [code for code in codes if code not in CODES]
    if unknown:
        return f"unknown code {unknown[0]}", None
    return "", frozenset(codes)


def suppress(
    findings: list[Finding], suppressions: list[Suppression], file: str
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed); kept ends with an AR193 warning per comment that suppressed nothing."""
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        covering = [item for item in suppressions if item.covers(finding)]
        for item in covering:
            item.used = True
        (suppressed if covering else kept).append(finding)
    kept.extend(
        Finding(
            "AR193",
            Severity.WARNING,
            "suppression comment suppresses no finding"
            + (f" of {', '.join(sorted(item.codes))}" if item.codes else ""),
            file,
            line=item.line,
            hint=CODES["AR193"].fix,
        )
        for item in suppressions
        if not item.used
    )
    return kept, suppressed
