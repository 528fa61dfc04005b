"""Time as people and Amplitude write it: durations (30m, 90s, 1h30m, 7d, 250ms) and ISO 8601
instants (UTC unless they say otherwise), as epoch milliseconds."""

from __future__ import annotations

import datetime as dt
import re

from amp_replay_cli.core.errors import UsageError

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MILLISECOND = dt.timedelta(milliseconds=1)


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


def parse_instant(text: str) -> dt.datetime | None:
    """An aware datetime from ISO 8601 text, Segment's `...Z` and Amplitude's `2026-11-29
    10:00:00.123456` included; a time without an offset is UTC. None when it is not a date."""
    cleaned = text.strip()
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        try:  # Python 3.10 knows neither "Z" nor a space between date and time
            moment = dt.datetime.fromisoformat(cleaned.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def epoch_ms(moment: dt.datetime) -> int:
    """Exact epoch milliseconds (integer arithmetic, no float rounding)."""
    return (moment - _EPOCH) // _MILLISECOND
