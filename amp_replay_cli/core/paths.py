"""Where amp-replay keeps its own files, and copies of streams that must be read twice."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

APP_DIRECTORY = "amp-replay"


def cache_directory(environ: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/amp-replay`, else `~/.cache/amp-replay`
    (the upload journal, the emulator's db)."""
    cache = environ.get("XDG_CACHE_HOME") or str(
        Path(environ.get("HOME") or Path.home()) / ".cache"
    )
    return Path(cache) / APP_DIRECTORY


def spool(stream: BinaryIO, target: Path) -> Path:
    """Copy a stream that can be read only once (stdin) to `target`, for inputs read twice."""
    with target.open("wb") as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
    return target
