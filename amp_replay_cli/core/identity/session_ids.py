"""What is wrong with an event's session id, in words for a finding."""

from __future__ import annotations

import datetime as dt
from typing import Any

from amp_replay_cli.core.identity.events import NO_SESSION, SECONDS_LIMIT, coerce_session_id
from amp_replay_cli.core.jsvalues import js_truthy


def why_no_session_id(library_version: str | None, integrations_all_false: bool) -> str:
    """Why a browser event came without a session id, from its library and integrations."""
    version = library_version or ""
    if integrations_all_false:
        return "integrations.All is false, which keeps the session plugin from adding it"
    if not version.startswith(("next-", "npm:next-")):
        return (
            f"LEGACY_AJS: classic analytics.js ({version or 'unknown version'}) cannot run the "
            "session plugin"
        )
    return (
        f"analytics-next ({version}) sent none: the Browser Session Tracking (sessionId) "
        "mapping is disabled or its plugin failed to load"
    )


def format_problem(raw: Any, sent: int) -> str | None:
    """Why an event's session id (`raw`, and `sent`, the one the destination sends) is not the
    epoch milliseconds the destination should send, or None. The session plugin has no maximum
    session length, so a session id far from the event time is not a format problem (a client
    clock far off is CLOCK_SKEW)."""
    if type(raw) is int and (raw == NO_SESSION or (raw >= SECONDS_LIMIT and sent == raw)):
        return None  # the usual case, or an explicit "no session"
    if sent == NO_SESSION:
        if coerce_session_id(raw) is None:
            return (
                "is not 'date-like': Segment's destination refuses a track, page or screen "
                "carrying it"
            )
        if not js_truthy(raw):
            return "means no session: the destination leaves session_id out (-1)"
        return "is no valid date: the destination leaves session_id out (-1)"
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit()):
        return (
            f"is text: the destination sends dayjs.utc(text) = {sent}{_year(sent)}, while the "
            "replay SDK keeps the text"
        )
    conversion = _conversion(raw, sent)
    if sent <= 0:
        value = "0 or negative: Amplitude treats it as no session (-1)"
    elif sent < SECONDS_LIMIT:
        value = "below 1e12, seconds rather than milliseconds: a date in 1970"
    else:
        value = None
    if conversion is None:
        return None if value is None else f"is {value}"
    return conversion if value is None else f"{conversion}, {value}"


def _conversion(raw: Any, sent: int) -> str | None:
    """What the destination does to an array or a fraction; None for integers and digits."""
    if isinstance(raw, list):
        return f"is an array: Segment unwraps it and sends {sent}"
    if isinstance(raw, float):
        return f"is not an integer: the destination sends {sent} (Date truncates it)"
    return None


def _year(ms: int) -> str:
    """The note " (year Y)" for a date far from now: what an odd conversion made of a text."""
    try:
        year = (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)).year
    except OverflowError:
        return ""
    return f" (year {year})" if not 2000 <= year <= 2100 else ""
