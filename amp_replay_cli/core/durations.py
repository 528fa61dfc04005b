"""Durations written the way people write them on a command line: 30m, 90s, 1h30m, 7d, 250ms."""

from __future__ import annotations

import re

from amp_replay_cli.core.errors import UsageError

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration_ms(text: str, option: str) -> int:
    """Milliseconds; a bare number means seconds."""
    cleaned = text.strip().lower().replace(" ", "")
    try:
        if cleaned and cleaned.replace(".", "", 1).isdigit():
            return round(float(cleaned) * 1000)
    except ValueError:
        pass
    parts = _PART.findall(cleaned)
    if not parts or "".join(number + unit for number, unit in parts) != cleaned:
        raise UsageError(
            f"{option} {text!r} is not a duration", hint="write e.g. 90s, 30m, 1h30m or 7d"
        )
    return round(sum(float(number) * _UNITS_MS[unit] for number, unit in parts))
