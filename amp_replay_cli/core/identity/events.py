"""A Segment event, and what the Amplitude (Actions) destination and the replay SDK make of it.

The mapping is the destination's default (spec/identity/IDENTITY.md §2):
device_id = coalesce(context.device.id, anonymousId), user_id = userId, session_id =
integrations["Actions Amplitude"].session_id. The destination then deletes empty strings
(remove-empty-values), so an empty context.device.id leaves the event with no device_id at all,
and validates session_id as 'date-like' (ajv): a value that fails refuses the whole event.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from amp_replay_cli.core.identity.js_dates import MAX_TIME_MS, date_from_number, dayjs_utc_ms
from amp_replay_cli.core.identity.segment import ACTIONS_AMPLITUDE
from amp_replay_cli.core.jsvalues import js_number_to_string, js_string, js_string_to_number
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
# The preset "Order Completed Calls" sends it through logPurchase, which adds one
# "Product Purchased" event per item of properties.products.
ORDER_COMPLETED = "Order Completed"
PRODUCT_PURCHASED = "Product Purchased"


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
    dest_session: int
    # the replay id, split on its last "/"
    rp_device: str | None
    rp_session: int | None
    replay_problem: str | None
    replay_id: str | None  # the property's value when it parses, else None
    products: int  # Order Completed: the "Product Purchased" events logPurchase adds
    # Why the event never reaches Amplitude, or None when it does.
    undelivered: Undelivered | None

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
            # '@template': 'Viewed {{name}}': a missing name leaves "Viewed " (trailing space).
            return "Viewed " + template_text(self.name)
        return None

    @property
    def amplitude_event_types(self) -> list[str | None]:
        """Every Amplitude event the destination makes of this call, the main one first."""
        types = [self.amplitude_event_type]
        return types + [PRODUCT_PURCHASED] * self.products


class Undelivered(NamedTuple):
    """Why an event never reaches Amplitude: who refuses it (the code that says so)."""

    code: str
    reason: str


def template_text(value: Any) -> str:
    """A value as mapping-kit's `@template` writes it: null and undefined as nothing, the rest
    as JavaScript's String()."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join(template_text(item) for item in value)
    return js_string(value)


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
    # remove-empty-values deletes "" (and null) before the event is sent.
    dest_device = device_id if has_context_device_id else anonymous_id
    if dest_device == "":
        dest_device = None
    dest_user = None if user_id == "" else user_id
    session = coerce_session_id(session_raw)
    undelivered = None
    if event_type in AMPLITUDE_EVENT_TYPES and session is None:
        undelivered = SESSION_REFUSED
    elif event_type in ID_SENDING_TYPES and device_id == "" and dest_user is None:
        undelivered = NO_IDS
    products = properties.get("products") if get("event") == ORDER_COMPLETED else None
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
        dest_device,
        dest_user,
        NO_SESSION if session is None else session,
        rp_device,
        rp_session,
        problem,
        replay_value if has_replay_property and problem is None else None,
        len(products) if type(products) is list and event_type == "track" else 0,
        undelivered,
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


SESSION_REFUSED = Undelivered(
    "SESSION_ID_BAD_FORMAT",
    "Segment's destination refuses the whole event (session_id fails ajv format 'date-like')",
)
NO_IDS = Undelivered(
    "CONTEXT_DEVICE_ID_OVERRIDE",
    "the destination deletes it and there is no userId: Amplitude refuses an event with "
    "neither device_id nor user_id",
)


def coerce_session_id(raw: Any) -> int | None:
    """The session_id the destination sends (-1: none), or None when Segment refuses the event.

    session_id is a 'datetime' field: ajv checks it as `type: ['string', 'number']`,
    `format: 'date-like'`, `coerceTypes: 'array'`, after remove-empty-values deleted "" and null.
    Numbers pass; true, objects and other arrays fail; a one-element array is unwrapped (a
    number becomes its text, a numeric string its number). The action then keeps a truthy value
    that dayjs reads: digit strings as numbers, other strings through `dayjs.utc(x)`, numbers
    through `Date`, which truncates a fraction.
    """
    if type(raw) is int:  # the usual case: epoch milliseconds
        return raw if raw and abs(raw) <= MAX_TIME_MS else NO_SESSION
    if raw is None or raw == "":
        return NO_SESSION
    if isinstance(raw, list) and len(raw) == 1:
        raw = _unwrap(raw[0])
        if raw is None:
            return None
    if isinstance(raw, float):
        moment = date_from_number(raw) if raw else None
        return NO_SESSION if moment is None else moment
    if isinstance(raw, str):
        if not _date_like(raw):
            return None
        if raw.isascii() and raw.isdigit():  # formatSessionId: Number(text)
            number = js_string_to_number(raw)
            return int(number) if math.isfinite(number) else NO_SESSION
        moment = dayjs_utc_ms(raw)
        return NO_SESSION if moment is None else moment
    return None  # a boolean, an object, an array of another length


def _unwrap(item: Any) -> float | str | None:
    """ajv's coerceTypes 'array' on `[item]` for ['string', 'number'], as measured in ajv 8."""
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return js_string(item)
    if isinstance(item, str) and item:
        number = js_string_to_number(item)
        return None if math.isnan(number) else number
    return None


def _date_like(text: str) -> bool:
    """Segment's ajv format 'date-like': a number's own text as Unix seconds, else dayjs."""
    number = js_string_to_number(text)
    if js_number_to_string(number) == text:
        return date_from_number(number * 1000) is not None
    return dayjs_utc_ms(text) is not None


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
