"""Where amp-replay keeps its own files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

APP_DIRECTORY = "amp-replay"


def cache_directory(environ: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/amp-replay`, else `~/.cache/amp-replay`
    (the upload journal, the emulator's db)."""
    cache = environ.get("XDG_CACHE_HOME") or str(
        Path(environ.get("HOME") or Path.home()) / ".cache"
    )
    return Path(cache) / APP_DIRECTORY
