"""JSON parsing with orjson when it is installed (`pip install amp-replay[fast]`), else the stdlib.

orjson is about twice as fast on Segment events. It refuses what the stdlib accepts in a few
corners (integers beyond 64 bits), so those lines go through the stdlib, which also words the
error when a line really is broken.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # the optional speed-up is not installed
    orjson = None


def loads(text: str) -> Any:
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
