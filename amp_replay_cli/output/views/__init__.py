"""Text views of each command's `result`, shown above the findings.

A view is `view(report, console, settings)`; a generator view yields whenever what it printed
so far may be flushed, so long results stream. A command's rows are also a `Table` (plain
cells), which the rich view prints and the GitHub writer turns into log lines and Markdown.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from amp_replay_cli.output.escape import printable

View = Callable[[Any, Any, Any], Iterator[None] | None]


@dataclass(frozen=True)
class Table:
    """A command's result as rows of plain text cells, the same rows its text view shows.

    Cells hold input text (ids, file names): they are made printable here, once, for every
    format that shows a table.
    """

    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]
    verbosity: int = 1  # the -v level from which text mode prints it (the log follows suit)

    def __post_init__(self) -> None:
        # A frozen dataclass sets its own fields through object.__setattr__.
        escaped = [tuple(map(printable, row)) for row in self.rows]
        object.__setattr__(self, "rows", escaped)


TableMaker = Callable[[Any], list[Table]]

_VIEWS = {
    "validate": ("validate", "show_files"),
    "simulate": ("simulate", "show_sessions"),
    "simulate explain": ("simulate", "show_explanation"),
    "diagnose": ("diagnose", "show_sessions"),
    "upload": ("upload", "show_uploads"),
    "check": ("check", "show_replays"),
    "rule": ("rule", "show_rules"),
}


_TABLES = {
    "validate": ("validate", "file_table"),
    "simulate": ("simulate", "summary_table"),
    "simulate explain": ("simulate", "explanation_table"),
    "diagnose": ("diagnose", "session_table"),
    "upload": ("upload", "upload_table"),
    "check": ("check", "replay_table"),
}


def tables_for(command: str) -> TableMaker | None:
    found = _TABLES.get(command)
    if found is None:
        return None
    module, name = found
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def view_for(command: str) -> View | None:
    found = _VIEWS.get(command)
    if found is None:
        return None
    module, name = found
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
