"""What is wrong with an event's session id, in words for a finding."""

from __future__ import annotations

from amp_replay_cli.core.identity.events import NO_SESSION, SECONDS_LIMIT, Event
from amp_replay_cli.core.jsvalues import js_to_number

DAY_MS = 86_400_000


def why_no_session_id(event: Event) -> str:
    """Why a browser event came without a session id, from its library and integrations."""
    version = event.library_version or ""
    if event.integrations_all_false:
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


def session_format_problem(event: Event) -> str | None:
    """Why the event's session id is not epoch milliseconds near the event, or None."""
    raw = event.session_raw
    moment = event.timestamp_ms if event.timestamp_ms is not None else event.client_ms
    if (
        type(raw) is int
        and raw >= SECONDS_LIMIT
        and (moment is None or abs(moment - raw) <= DAY_MS)
    ):
        return None  # the usual case: epoch milliseconds near the event
    if raw == -1 and not isinstance(raw, bool):
        return None  # an explicit "no session"
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return "is not a number"
    if isinstance(raw, str) and not raw.strip().isdigit():
        if event.dest_session == NO_SESSION:
            return "is not a number: Amplitude drops it (-1)"
        return (
            "is text, not an integer: Amplitude converts a date to milliseconds but the replay "
            "keeps the text"
        )
    value = js_to_number(raw)
    if not float(value).is_integer():
        return "is not an integer"
    if value <= 0:
        return "is 0 or negative: Amplitude treats it as no session (-1)"
    if value < SECONDS_LIMIT:
        return "looks like seconds (below 1e12): Amplitude reads it as milliseconds, a date in 1970"
    if moment is not None and abs(moment - value) > DAY_MS:
        return f"is {abs(moment - value) / 3_600_000:.1f} h away from the event time"
    return None
