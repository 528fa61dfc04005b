"""JSON parsing with orjson when it is installed (`pip install amp-replay[fast]`), else the stdlib.

orjson is about twice as fast on Segment events. Where it refuses a line the stdlib gets a
second look, and words the error when the line really is broken. Both refuse NaN and Infinity,
as JSON.parse does, and JSON nested too deeply for a recursive parser. One difference remains:
integers beyond 64 bits come out as doubles, which is what JavaScript holds for them anyway.
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType
from typing import Any

# Imported by name, so that the type checker sees one module-or-None whether orjson is
# installed or not.
try:
    orjson: ModuleType | None = importlib.import_module("orjson")
except ImportError:  # the optional speed-up is not installed
    orjson = None


def loads(text: str) -> Any:
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(text, parse_constant=lambda name: _not_json(name, text))
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def _not_json(name: str, text: str) -> Any:
    """NaN, Infinity and -Infinity: Python's json reads them, JSON.parse and orjson do not."""
    raise json.JSONDecodeError(f"{name} is not valid JSON", text, max(text.find(name), 0))
