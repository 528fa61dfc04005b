"""The per-event model: a Segment event, and what the Amplitude (Actions) destination and the
replay SDK make of it, one Python object per event (`from_segment`).

Part of the oracle (see tests/oracle/__init__.py): the specification sql/normalise.py is tested
against (tests/test_sql_normalise.py), never shipped. The conversions both need are the
package's (core/identity/events.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from amp_replay_cli.core.identity.events import (
    AMPLITUDE_EVENT_TYPES,
    BROWSER_LIBRARY,
    ID_SENDING_TYPES,
    NO_IDS,
    NO_SESSION,
    ORDER_COMPLETED,
    PRODUCT_PURCHASED,
    SESSION_REFUSED,
    Undelivered,
    coerce_session_id,
    parse_replay_id,
    parse_time,
    template_text,
)
from amp_replay_cli.core.identity.segment import ACTIONS_AMPLITUDE
from amp_replay_cli.core.wire import DEBUG_PROPERTY, REPLAY_ID_PROPERTY

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


def id_text(value: Any) -> str:
    """An id as text, to compare and measure it: a string as it is, a number (or any other
    JSON value) as its JSON text."""
    return value if type(value) is str else json.dumps(value)


_NOTHING: dict = {}


def _mapping(value: Any) -> dict:
    return value if type(value) is dict else _NOTHING


def from_segment(raw: dict, file: str, line: int) -> Event:
    """The event, as Segment stored it and as the destination and the replay SDK see it."""
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
