"""A Segment event, and what the Amplitude (Actions) destination and the replay SDK make of it.

The mapping is the destination's default (spec/identity/IDENTITY.md §2):
device_id = coalesce(context.device.id, anonymousId) (an empty string wins), user_id = userId,
session_id = integrations["Actions Amplitude"].session_id when truthy and parseable, else -1.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from amp_replay_cli.core.identity.segment import ACTIONS_AMPLITUDE
from amp_replay_cli.core.jsvalues import js_truthy
from amp_replay_cli.core.times import epoch_ms, parse_instant
from amp_replay_cli.core.wire import REPLAY_ID_PROPERTY

DEBUG_PROPERTY = "[Amplitude] Session Replay Debug"
NO_SESSION = -1
SECONDS_LIMIT = 10**12  # a session id below this is seconds, not milliseconds
BROWSER_LIBRARY = "analytics.js"
# Calls that become Amplitude events under the default presets, and those that also send ids.
AMPLITUDE_EVENT_TYPES = frozenset({"track", "page", "screen"})
ID_SENDING_TYPES = AMPLITUDE_EVENT_TYPES | {"identify"}
ENRICHED_BY_WRAPPER = frozenset({"track", "page"})


_new_tuple = tuple.__new__  # the fast way to make the NamedTuples below (see Event.where)


class Where(NamedTuple):
    """The input line an event came from, which is where its findings point."""

    file: str
    line: int
    message_id: str | None

    def as_evidence(self) -> dict[str, Any]:
        return {"line": self.line, "message_id": self.message_id, "file": self.file}


class SessionKey(NamedTuple):
    """An Amplitude session, as the destination keys it: (device_id, session_id)."""

    device: Any
    session: Any


@dataclass(slots=True)
class Event:
    file: str
    line: int
    message_id: str | None
    type: str
    name: str | None  # track: event; page/screen: name
    user_id: Any
    anonymous_id: Any
    context_device_id: Any
    has_context_device_id: bool
    session_raw: Any
    has_session: bool
    integrations_all_false: bool
    is_browser: bool  # sent by analytics.js
    library_version: str | None
    page_url: str | None
    client_ms: int | None  # originalTimestamp: the client clock
    timestamp_ms: int | None  # Segment's skew-corrected time, Amplitude's `time`
    sent_ms: int | None
    received_ms: int | None
    network_key: str | None  # ip + user agent, to tell browsers apart
    has_replay_property: bool
    replay_value: Any
    debug_value: Any
    # what Amplitude receives
    dest_device: Any
    dest_user: Any
    dest_session: int | float
    # the replay id, split on its last "/"
    rp_device: str | None
    rp_session: int | None
    replay_problem: str | None
    replay_id: str | None  # the property's value when it parses, else None

    # Both are made for every event: tuple.__new__ builds the same NamedTuple as its
    # constructor at a third of the cost, as that constructor is a Python function.
    @property
    def where(self) -> Where:
        return _new_tuple(Where, (self.file, self.line, self.message_id))

    @property
    def session_key(self) -> SessionKey:
        return _new_tuple(SessionKey, (self.dest_device, self.dest_session))

    @property
    def order_ms(self) -> int:
        """Client-side order: the browser's own clock first, as the session plugin sees time."""
        for value in (self.client_ms, self.timestamp_ms, self.received_ms):
            if value is not None:
                return value
        return 0

    @property
    def amplitude_event_type(self) -> str | None:
        if self.type == "track":
            return self.name
        if self.type in ("page", "screen"):
            return f"Viewed {self.name or ''}".rstrip() if self.name else "Viewed"
        return None


def id_text(value: Any) -> str:
    """An id as text, to compare and measure it: a string as it is, a number (or any other
    JSON value) as its JSON text."""
    return value if type(value) is str else json.dumps(value)


_NOTHING: dict = {}


def _mapping(value: Any) -> dict:
    return value if type(value) is dict else _NOTHING


def from_segment(raw: dict, file: str, line: int) -> Event:
    """The event, as Segment stored it and as the destination and the replay SDK see it (hot
    path)."""
    get = raw.get
    context = _mapping(get("context"))
    device_id = _mapping(context.get("device")).get("id")
    library = _mapping(context.get("library"))
    integrations = _mapping(get("integrations"))
    actions = integrations.get(ACTIONS_AMPLITUDE)
    session_raw = actions.get("session_id") if type(actions) is dict else None
    properties = _mapping(get("properties"))
    has_replay_property = REPLAY_ID_PROPERTY in properties
    replay_value = properties.get(REPLAY_ID_PROPERTY)
    rp_device, rp_session, problem = (
        parse_replay_id(replay_value) if has_replay_property else (None, None, None)
    )
    anonymous_id = get("anonymousId")
    event_type = get("type")
    if type(event_type) is not str:
        event_type = ""
    user_id = get("userId")
    message_id = get("messageId")
    library_name = library.get("name")
    library_version = library.get("version")
    page_url = _mapping(context.get("page")).get("url")
    ip, agent = context.get("ip"), context.get("userAgent")
    has_context_device_id = device_id is not None  # "exists": neither undefined nor null
    return Event(
        file,
        line,
        message_id if type(message_id) is str else None,
        event_type,
        get("event") if event_type == "track" else get("name"),
        user_id,
        anonymous_id,
        device_id,
        has_context_device_id,
        session_raw,
        session_raw is not None,
        integrations.get("All") is False,
        library_name == BROWSER_LIBRARY,
        str(library_version) if library_version is not None else None,
        page_url if type(page_url) is str else None,
        parse_time(get("originalTimestamp")),
        parse_time(get("timestamp")),
        parse_time(get("sentAt")),
        parse_time(get("receivedAt")),
        f"{ip}|{agent}" if ip and agent else None,
        has_replay_property,
        replay_value,
        properties.get(DEBUG_PROPERTY),
        device_id if has_context_device_id else anonymous_id,
        user_id,
        coerce_session_id(session_raw),
        rp_device,
        rp_session,
        problem,
        replay_value if has_replay_property and problem is None else None,
    )


def parse_replay_id(value: Any) -> tuple[str | None, int | None, str | None]:
    """(device, session, problem) of an `[Amplitude] Session Replay ID` value."""
    if not isinstance(value, str):
        return None, None, "null" if value is None else f"not a string ({type(value).__name__})"
    slashes = value.count("/")
    if slashes == 0:
        return None, None, "no '/' between device id and session id"
    if slashes > 1:
        return None, None, "more than one '/'"
    device, session = value.rsplit("/", 1)
    digits = session[1:] if session.startswith("-") else session
    if not (digits.isascii() and digits.isdigit()):  # '²'.isdigit(), but int('²') fails
        return device, None, "the session part is not a number"
    return device, int(session), None


def coerce_session_id(raw: Any) -> int | float:
    """What the destination sends as session_id: truthy and parseable, else -1 (no session).

    Numbers pass through (seconds too), digit strings become numbers, ISO dates become epoch ms.
    """
    if type(raw) is int:
        return raw if raw else NO_SESSION
    if not js_truthy(raw) or isinstance(raw, (bool, list, dict)):
        return NO_SESSION
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and (math.isinf(raw) or raw.is_integer()):
            return int(raw) if math.isfinite(raw) else NO_SESSION
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.isascii() and text.isdigit():
            return int(text)
        parsed = parse_time(text)
        return parsed if parsed is not None else NO_SESSION
    return NO_SESSION


_MAX_TIME_MS = 8_640_000_000_000_000


def parse_time(value: Any) -> int | None:
    """Epoch milliseconds from an ISO 8601 string (UTC unless it says otherwise) or a number."""
    if type(value) is str:
        moment = parse_instant(value)
        return None if moment is None else epoch_ms(moment)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Beyond ECMAScript's time range (±8.64e15 ms) a Date is invalid: 10**400 is no time.
        # Compared as a number, so a 400-digit integer never meets math.isfinite's OverflowError.
        return int(value) if -_MAX_TIME_MS <= value <= _MAX_TIME_MS else None
    return None
