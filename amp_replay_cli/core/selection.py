"""Choosing findings: `--select` / `--ignore` codes or code prefixes, as ruff and flake8 do."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Finding, Report


def parse_codes(values: Iterable[str], option: str) -> tuple[str, ...]:
    """Codes or code prefixes from repeatable, comma-separated values; each must match a code.

    A prefix that matches nothing is a typo, never an empty selection: CI would pass silently.
    """
    codes: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not any(known.startswith(code) for known in CODES):
                close = nearest_code(code)
                raise UsageError(
                    f"{option}: no finding code is or starts with {part.strip()!r}",
                    hint=f"did you mean {close}?"
                    if close
                    else "`amp-replay rule --all` lists every code",
                )
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def nearest_code(code: str) -> str | None:
    """The most similar code; on a tie, the one sharing the longest start (AR1O1 -> AR101)."""

    def likeness(known: str) -> tuple[float, int]:
        shared = next((i for i in range(len(code)) if code[: i + 1] != known[: i + 1]), len(code))
        return difflib.SequenceMatcher(None, code, known).ratio(), shared

    best = max(CODES, key=likeness)
    return best if likeness(best)[0] >= 0.6 else None


@dataclass(frozen=True)
class Selection:
    """Which codes a run reports: those `select` names (every code when empty), minus `ignore`."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # (glob, codes) from per-file-ignores; globs are relative to the configuration's folder
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    config: Path | None = None  # the project configuration file read, if any

    def keeps(self, finding: Finding) -> bool:
        return self.allows(finding.code) and not self._ignored_in_file(finding)

    def _ignored_in_file(self, finding: Finding) -> bool:
        if finding.file is None or self.config is None:
            return False
        try:
            root = self.config.parent.resolve()
            relative = Path(finding.file).resolve().relative_to(root).as_posix()
        except ValueError:  # outside the project
            return False
        return any(
            fnmatch.fnmatchcase(relative, glob) and any(finding.code.startswith(c) for c in codes)
            for glob, codes in self.per_file
        )

    def allows(self, code: str) -> bool:
        if self.select and not any(code.startswith(prefix) for prefix in self.select):
            return False
        return not any(code.startswith(prefix) for prefix in self.ignore)

    def __bool__(self) -> bool:
        return bool(self.select or self.ignore or self.per_file)


def choose(report: Report, selection: Selection) -> Report:
    """Make the report keep only the findings `selection` allows, now and when it is finalized.

    Commands that stream rows add findings while the rows are read, so the filter runs again
    when the report is finalized.
    """
    if selection:
        report.keep = selection.keeps
    report.configuration = str(selection.config) if selection.config else None
    report.choose_findings()
    return report
