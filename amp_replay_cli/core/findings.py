"""The one result model every command produces and every renderer reads."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from amp_replay_cli.core.errors import AmpReplayError, ExitCode, place


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
CLEAN_RANK = len(_SEVERITY_RANK)  # of what has no finding: after every severity


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None
    # What the finding rests on, for machines: messageIds, ids, lines of related events.
    evidence: dict[str, Any] | None = field(default=None, compare=False)

    def location(self) -> str:
        return place(self.file or "-", self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "hint": self.hint,
            "evidence": self.evidence,
        }


class CappedFindings:
    """Findings about many input lines: at most `per_code` of each code are kept, then one
    finding says how many more there were, so a broken million-line file stays readable."""

    def __init__(self, findings: list[Finding], per_code: int):
        self._findings = findings
        self._per_code = per_code
        self.counts: dict[str, int] = {}

    def add(self, finding: Finding) -> None:
        count = self.counts.get(finding.code, 0) + 1
        self.counts[finding.code] = count
        if count <= self._per_code:
            self._findings.append(finding)

    def close(self) -> None:
        """Add the 'N more' findings; call once, after the last `add`."""
        for code, count in self.counts.items():
            if count > self._per_code:
                self._findings.append(
                    Finding(code, Severity.INFO, not_listed_message(code, count - self._per_code))
                )


def not_listed_message(code: str, more: int) -> str:
    """The message of CappedFindings' closing finding: how many of `code` were not listed."""
    return f"{more:,} more {code} findings not listed"


class RowStream:
    """Result rows made on demand and read once, so a million of them never sit in memory.

    Totals that depend on every row (a summary, findings about bad input lines) are complete
    only after the last row: whoever renders a report reads the rows it shows, then calls
    `Report.finalize()`, which drains what nobody read.
    """

    def __init__(
        self,
        columns: list[str],
        rows: Iterable[dict[str, Any]],
        on_done: Callable[[], None] | None = None,
    ):
        self.columns = columns
        self._rows = rows
        self._on_done = on_done
        self._started = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._started:
            raise RuntimeError("a RowStream can be read only once")
        self._started = True
        yield from self._rows
        if self._on_done is not None:
            self._on_done()

    def drain(self) -> None:
        if not self._started:
            for _ in self:
                pass


class ColumnSlice(Protocol):
    """Consecutive rows held column by column (the columns are built on request)."""

    def __len__(self) -> int: ...

    def columns(self) -> Sequence[Sequence[Any]]:
        """One sequence of values per column, in the stream's column order."""
        ...


@dataclass(frozen=True)
class StoredSlice:
    """A slice whose columns are already built: kept for a second renderer."""

    values: Sequence[Sequence[Any]]

    def __len__(self) -> int:
        return len(self.values[0]) if self.values else 0

    def columns(self) -> Sequence[Sequence[Any]]:
        return self.values


class ColumnStream(RowStream):
    """Rows made a slice at a time and held column by column.

    A renderer that shows only totals drains the slices without building a row, and JSON
    writes a whole slice with a few C-level calls instead of one encoder call per row.
    """

    def __init__(
        self,
        columns: list[str],
        slices: Iterable[ColumnSlice],
        on_done: Callable[[], None] | None = None,
    ):
        super().__init__(columns, (), on_done)
        self._slices = slices

    def slices(self) -> Iterator[ColumnSlice]:
        if self._started:
            raise RuntimeError("a RowStream can be read only once")
        self._started = True
        yield from self._slices
        if self._on_done is not None:
            self._on_done()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for piece in self.slices():
            yield from self.rows(piece)

    def rows(self, piece: ColumnSlice, limit: int | None = None) -> list[dict[str, Any]]:
        """The first `limit` rows of a slice (all of them without a limit) as dicts."""
        columns = [column[:limit] for column in piece.columns()]
        return [dict(zip(self.columns, row, strict=True)) for row in zip(*columns, strict=True)]

    def drain(self) -> None:
        if not self._started:
            for _ in self.slices():
                pass

    def stored(self) -> list[StoredSlice]:
        """Every slice with its columns built, for streams that are read more than once."""
        return [StoredSlice(piece.columns()) for piece in self.slices()]


@dataclass
class Report:
    """What a command found.

    `problems` are inputs that could not be read while the run went on with the others;
    `fatal` is an error that ended the run. Either makes the run an error (exit 2-5),
    findings make it exit 1, and `secrets` are values no renderer may print.
    """

    command: str
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    problems: list[AmpReplayError] = field(default_factory=list)
    fatal: AmpReplayError | None = None
    strict: bool = False
    # What was checked (files, users): reports that list each one, like JUnit, need the clean
    # ones too.
    subjects: list[str] = field(default_factory=list)
    # The one-line outcome for people (stderr in text mode); findings counts when empty.
    headline: str = ""
    secrets: set[str] = field(default_factory=set, repr=False)
    # Which findings the run reports (--select/--ignore); applied when the report is finalized.
    keep: Callable[[Finding], bool] | None = field(default=None, repr=False)
    # --exit-zero: findings are reported but do not fail the run; errors (2-5) still do.
    exit_zero: bool = False
    # The project configuration file the run read (-v names it).
    configuration: str | None = None
    # --statistics: result["statistics"] counts the findings kept, per code.
    statistics: bool = False
    # Results that count findings (validate's per-file entries) recount the ones kept.
    recounts: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def finalize(self) -> None:
        """Produce every row nobody has read yet, so summary and findings are complete."""
        for value in self.result.values():
            if isinstance(value, RowStream):
                value.drain()
        self.choose_findings()

    def choose_findings(self) -> None:
        """Drop the findings `keep` refuses, then count the rest per code if asked to."""
        if self.keep is not None:
            kept = [finding for finding in self.findings if self.keep(finding)]
            if len(kept) != len(self.findings):
                self.findings[:] = kept
                self._recount()
                for recount in self.recounts:
                    recount()
        if self.statistics:
            counts: dict[str, int] = {}
            for finding in self.findings:
                counts[finding.code] = counts.get(finding.code, 0) + 1
            self.result["statistics"] = dict(
                sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            )

    def _recount(self) -> None:
        """The summary's severity counts, of the findings kept."""
        for key, severity in (
            ("errors", Severity.ERROR),
            ("warnings", Severity.WARNING),
            ("infos", Severity.INFO),
        ):
            if key in self.summary:
                self.summary[key] = self.count(severity)

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)

    def fails_on(self, finding: Finding) -> bool:
        """Whether this finding alone would make the run exit 1."""
        return finding.severity is Severity.ERROR or (
            self.strict and finding.severity is Severity.WARNING
        )

    @property
    def exit_code(self) -> int:
        code = self._outcome()
        return ExitCode.OK if self.exit_zero and code == ExitCode.FINDINGS else code

    def _outcome(self) -> int:
        if self.fatal is not None:
            return self.fatal.exit_code
        if self.problems:
            return max(problem.exit_code for problem in self.problems)
        if any(self.fails_on(finding) for finding in self.findings):
            return ExitCode.FINDINGS
        return ExitCode.OK

    @property
    def status(self) -> str:
        """What the run found; with --exit-zero, "findings" still says so while it exits 0."""
        code = self._outcome()
        if code == ExitCode.OK:
            return "ok"
        if code == ExitCode.FINDINGS:
            return "findings"
        return "error"

    def errors(self) -> list[AmpReplayError]:
        """Every error of the run, the fatal one first."""
        return ([self.fatal] if self.fatal is not None else []) + list(self.problems)

    def error_info(self) -> dict[str, Any] | None:
        errors = self.errors()
        if not errors:
            return None
        first = errors[0]
        message = (
            first.one_line() if len(errors) == 1 else f"{len(errors)} inputs could not be read"
        )
        return {
            "kind": first.kind,
            "message": message,
            "hint": first.hint,
            "problems": [
                {
                    "file": error.location.file if error.location else None,
                    "line": error.location.line if error.location else None,
                    "column": error.location.column if error.location else None,
                    "message": error.message,
                }
                for error in errors
            ],
        }

    def sorted_findings(self) -> list[Finding]:
        """Findings in file order (as first seen), then by position, errors first on a tie."""
        file_order: dict[str | None, int] = {}
        for finding in self.findings:
            file_order.setdefault(finding.file, len(file_order))
        rank = _SEVERITY_RANK  # not the property: a big log sorts a hundred thousand findings

        def place(f: Finding) -> tuple[int, int, int, int, str]:
            return (file_order[f.file], f.line or 0, f.column or 0, rank[f.severity], f.code)

        return sorted(self.findings, key=place)
