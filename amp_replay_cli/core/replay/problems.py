"""What is wrong with a recording, as reading it (`layouts`) and checking it (`checks`) find it.

Two kinds: `Rejected` stops the reading, because the file cannot be read on or one event can
never be sent; an `ItemProblem` marks one item that is no usable event, and the reading goes on,
so that one finding per kind of problem can say how many items have it (`ProblemTally`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from amp_replay_cli.core.findings import Finding, Severity


class Rejected(Exception):
    """The file cannot be read on: one finding says why."""

    def __init__(
        self,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint

    def finding(self, file: str) -> Finding:
        return Finding(
            self.code, Severity.ERROR, self.message, file, self.line, self.column, hint=self.hint
        )


class ItemProblem(NamedTuple):
    """Why an item is no usable event."""

    code: str
    # "{value}" in it stands for `value`: items that differ only there have one kind of problem.
    template: str
    value: str = ""
    hint: str | None = None


@dataclass
class _FirstOfKind:
    code: str
    message: str
    index: int
    line: int | None
    hint: str | None
    count: int = 1


class ProblemTally:
    """The first item with each kind of problem, and how many items share it: one finding a
    kind, however many items are broken (the kinds are the few templates of `layouts` and
    `checks`)."""

    def __init__(self, where: Callable[[], int | None]):
        self._where = where  # the current item's line: asked only for the first of a kind
        self._kinds: dict[tuple[str, str], _FirstOfKind] = {}

    def __bool__(self) -> bool:
        return bool(self._kinds)

    def note(self, problem: ItemProblem, index: int) -> None:
        kind = (problem.code, problem.template)
        known = self._kinds.get(kind)
        if known is not None:
            known.count += 1
        else:
            message = problem.template.format(value=problem.value)
            self._kinds[kind] = _FirstOfKind(
                problem.code, message, index, self._where(), problem.hint
            )

    def findings(self, file: str) -> list[Finding]:
        return [
            Finding(
                first.code,
                Severity.ERROR,
                f"item {first.index}: {first.message}{_in_all(first.count)}",
                file,
                first.line,
                hint=first.hint,
            )
            for first in self._kinds.values()
        ]


def _in_all(count: int) -> str:
    return f" ({count:,} items in all)" if count > 1 else ""


def json_kind(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", int: "number", float: "number"}.get(
        type(value), "value"
    )
