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


# Text tables fit an 80-column terminal at the default verbosity; -v, and every other format,
# shows ids whole.
TABLE_WIDTH = 80


def middle(text: str, width: int | None) -> str:
    """`c2d9f1e0-7a4…f6e5a4b3c2d/1796302923237`: an id cut in its middle keeps both ends, which
    tell ids apart (a replay id ends with its session). None: no limit."""
    if width is None or len(text) <= width:
        return text
    if width < 2:
        return "…"[:width]
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def middle_of_replay_id(replay_id: str, width: int | None) -> str:
    """DEVICE/SESSION cut in the device's middle: the session, which tells a user's replays
    apart, stays whole."""
    device, slash, session = replay_id.rpartition("/")
    if width is None or len(replay_id) <= width or not slash or width - len(session) - 1 < 5:
        return middle(replay_id, width)
    return f"{middle(device, width - len(session) - 1)}/{session}"


def room(verbosity: int, width: int) -> int | None:
    """The width a cell may take: None (whole) from -v on."""
    return None if verbosity >= 2 else max(width, 8)
