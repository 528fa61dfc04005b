"""What Segment's Amplitude (Actions) destination makes of a Segment event's values, which the
SQL normalisation (sql/normalise.py) writes into the `events` relation.

The mapping is the destination's default (spec/identity/IDENTITY.md §2):
device_id = coalesce(context.device.id, anonymousId), user_id = userId, session_id =
integrations["Actions Amplitude"].session_id. The destination then deletes empty strings
(remove-empty-values), so an empty context.device.id leaves the event with no device_id at all,
and validates session_id as 'date-like' (ajv): a value that fails refuses the whole event.
The conversions too intricate for SQL are the Python functions here, which normalise.py runs as
DuckDB functions; the per-event model they were taken from (tests/oracle/model.py) is the
specification the SQL is tested against.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from amp_replay_cli.core.identity.js_dates import MAX_TIME_MS, date_from_number, dayjs_utc_ms
from amp_replay_cli.core.jsvalues import js_number_to_string, js_string, js_string_to_number
from amp_replay_cli.core.times import epoch_ms, parse_instant

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


def parse_time(value: Any) -> int | None:
    """Epoch milliseconds from an ISO 8601 string (UTC unless it says otherwise) or a number."""
    if type(value) is str:
        moment = parse_instant(value)
        return None if moment is None else epoch_ms(moment)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Beyond ECMAScript's time range (±8.64e15 ms) a Date is invalid: 10**400 is no time.
        # Compared as a number, so a 400-digit integer never meets math.isfinite's OverflowError.
        return int(value) if -MAX_TIME_MS <= value <= MAX_TIME_MS else None
    return None
