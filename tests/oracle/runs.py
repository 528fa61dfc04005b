"""A value over time (a session's replay device, a browser's session id) kept as runs of equal
values, so memory grows with the changes and not with the events. Part of the oracle
(tests/oracle), never shipped."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any, NamedTuple

from tests.oracle.model import Where


@dataclass(slots=True)
class Run:
    """One value seen without a change, from `first_ms` to `last_ms`; `first` is where it began."""

    first_ms: int
    last_ms: int
    value: Any
    first: Where

    def order(self) -> tuple[int, int]:
        """Time first, then the line: events of one millisecond keep their file order."""
        return self.first_ms, self.first.line


class Sighting(NamedTuple):
    """One value seen at one moment: kept only in the second pass over out-of-order lines."""

    ms: int
    where: Where
    value: Any


class Runs:
    """Runs in arrival order; `ordered()` sorts them by time and merges neighbours, which
    restores the time order of lines that arrived out of order."""

    __slots__ = ("runs",)

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def add(self, ms: int, value: Any, where: Where) -> None:
        if self.runs and self.runs[-1].value == value:
            run = self.runs[-1]
            if (ms, where.line) < (run.first_ms, run.first.line):
                run.first_ms, run.first = ms, where
            run.last_ms = max(run.last_ms, ms)
        else:
            self.runs.append(Run(ms, ms, value, where))

    def ordered(self) -> list[Run]:
        merged: list[Run] = []
        for run in sorted(self.runs, key=Run.order):
            if merged and merged[-1].value == run.value:
                merged[-1].last_ms = max(merged[-1].last_ms, run.last_ms)
            else:  # a copy: merging must not change the runs kept here
                merged.append(Run(run.first_ms, run.last_ms, run.value, run.first))
        return merged

    def settled(self) -> bool:
        """Whether `ordered()` is exact: each run ends before the next one begins. Runs that
        meet in one millisecond are not: there the file order decides, and a run that began
        earlier may hold a later line of that millisecond than the next run's first."""
        return all(
            current.first_ms > previous.last_ms for previous, current in pairwise(self.ordered())
        )

    @classmethod
    def of(cls, sightings: list[Sighting]) -> Runs:
        """Exact runs from every sighting of the value."""
        runs = cls()
        for sighting in sorted(sightings, key=lambda sighting: (sighting.ms, sighting.where.line)):
            runs.add(sighting.ms, sighting.value, sighting.where)
        return runs
