"""Text views of each command's `result`, shown above the findings.

A view is `view(report, console, settings)`; a generator view yields whenever what it printed
so far may be flushed, so long results stream.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

View = Callable[[Any, Any, Any], Iterator[None] | None]

_VIEWS = {
    "validate": ("validate", "show_files"),
    "simulate": ("simulate", "show_sessions"),
    "simulate explain": ("simulate", "show_explanation"),
    "diagnose": ("diagnose", "show_sessions"),
    "upload": ("upload", "show_uploads"),
    "check": ("check", "show_replays"),
    "rule": ("rule", "show_rules"),
}


def view_for(command: str) -> View | None:
    found = _VIEWS.get(command)
    if found is None:
        return None
    module, name = found
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
