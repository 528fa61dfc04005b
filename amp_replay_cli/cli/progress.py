"""Transient progress on stderr: the file being checked, then raw bytes and batches sent."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from amp_replay_cli.core.wording import format_bytes
from amp_replay_cli.output.escape import printable


class _Speed(ProgressColumn):
    """Bytes a second in the binary units of every other size (rich's own column says MB/s)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "" if speed is None else f"{format_bytes(int(speed))}/s", style="progress.data.speed"
        )


class TransferProgress:
    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}", markup=False),  # a file name is not markup
            BarColumn(),
            DownloadColumn(binary_units=True),
            TextColumn("{task.fields[batches]}"),
            _Speed(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None
        self._checking: Any = None
        self._batches = 0
        self._total_batches = 0

    def __enter__(self) -> TransferProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._progress.stop()

    def checking(self, name: str) -> None:
        name = printable(name)
        if self._checking is None:
            self._checking = self._progress.add_task(f"checking {name}", total=None, batches="")
        else:
            self._progress.update(self._checking, description=f"checking {name}")

    def start(self, total_bytes: int, total_batches: int) -> None:
        if self._checking is not None:
            self._progress.remove_task(self._checking)
        self._total_batches = total_batches
        self._task = self._progress.add_task("uploading", total=total_bytes, batches=self._label())

    def advance(self, raw_bytes: int, batches: int) -> None:
        self._batches += batches
        self._progress.update(self._task, advance=raw_bytes, batches=self._label())

    def _label(self) -> str:
        return f"{self._batches}/{self._total_batches} batches"
