"""What the end-of-stream rules need to know about the whole stream, kept small as it goes by:
one state per Amplitude session and per browser in a session, value runs, and the first place
of each replay id. `Tracker.collect` runs once per event.

Part of the oracle (tests/oracle): the specification the SQL rules are tested against, never
shipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import (
    AMPLITUDE_EVENT_TYPES,
    ENRICHED_BY_WRAPPER,
    NO_SESSION,
)
from amp_replay_cli.core.identity.sql.link_rules import MISSING_EXAMPLES
from amp_replay_cli.core.wire import is_blocked_id
from tests.oracle.model import Event, SessionKey, Where, id_text
from tests.oracle.runs import Runs


@dataclass(slots=True)
class SessionState:
    """One Amplitude session, `(device_id, session_id)`, as the destination would send it."""

    device: Any
    session: Any
    first: Where
    first_ms: int
    last_ms: int
    events: int = 0
    browser: bool = False
    users: set[str] = field(default_factory=set)
    replay_ids: set[str] = field(default_factory=set)
    replay_devices: Runs = field(default_factory=Runs)
    with_property: int = 0
    without_property: int = 0
    missing: list[Where] = field(default_factory=list)
    # What the findings said about it, for the session rows.
    worst: Severity | None = None
    codes: set[str] = field(default_factory=set)


@dataclass(slots=True)
class BrowserInSession:
    """One anonymousId seen under one session id."""

    first_ms: int
    first: Where
    first_user: Any
    last_ms: int
    last_user: Any
    first_url: str | None
    replay_devices: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)


class ReplaySighting(NamedTuple):
    """Where a replay id was first seen, and in which Amplitude session."""

    first: Where
    session: SessionKey | None  # None: the event never reached Amplitude


class NonBrowserEvent(NamedTuple):
    """A server or mobile event of a known user, without the browser's ids."""

    where: Where
    user: str
    ms: int


class ReplaySessionMismatch(NamedTuple):
    """An event whose replay id names another session than the event's own."""

    event: Event
    replay_session: int


class Tracker:
    """Sessions, browsers and replay ids of the stream so far."""

    def __init__(self, min_id_length: int):
        self._min_id_length = min_id_length
        self.sessions: dict[SessionKey, SessionState] = {}
        self.browsers_by_session: dict[Any, dict[Any, BrowserInSession]] = {}
        self.sessions_by_browser: dict[Any, Runs] = {}
        self.replay_first: dict[str, ReplaySighting] = {}
        # (device_id, session_id) of events Amplitude accepts, which a replay id must name.
        self.reached: set[tuple[str, Any]] = set()
        self.mismatches: list[ReplaySessionMismatch] = []
        self.non_browser: list[NonBrowserEvent] = []
        self.app_hashes: dict[str, None] = {}  # an ordered set: reasons follow first sightings

    def collect(self, event: Event, where: Where) -> None:
        replay_id = event.replay_id
        if event.undelivered is not None:
            # In no Amplitude session; the replay it names exists all the same.
            if replay_id is not None and replay_id not in self.replay_first:
                self.replay_first[replay_id] = ReplaySighting(where, None)
            return
        ms = event.order_ms
        session_id = event.dest_session
        if event.type in AMPLITUDE_EVENT_TYPES and event.dest_device is not None:
            self._amplitude_event(event, where, ms)
        elif replay_id is not None and replay_id not in self.replay_first:
            self.replay_first[replay_id] = ReplaySighting(where, event.session_key)
        replay_session = event.rp_session  # set when the replay id parses
        if replay_session is not None and replay_session != session_id:
            self.mismatches.append(ReplaySessionMismatch(event, replay_session))
        anonymous = event.anonymous_id
        if session_id != NO_SESSION and anonymous is not None and event.is_browser:
            self._browser_in_session(event, where, ms, anonymous, session_id)
        if (
            not event.is_browser
            and event.user_id is not None
            and event.type in AMPLITUDE_EVENT_TYPES
            and (anonymous is None or session_id == NO_SESSION)
        ):
            self.non_browser.append(NonBrowserEvent(where, id_text(event.user_id), ms))
        if type(event.debug_value) is str:
            app_hash = _app_hash(event.debug_value)
            if app_hash is not None:
                self.app_hashes.setdefault(app_hash)

    def _amplitude_event(self, event: Event, where: Where, ms: int) -> None:
        key = event.session_key
        state = self.sessions.get(key)
        if state is None:
            state = self.sessions[key] = SessionState(
                event.dest_device, event.dest_session, where, ms, ms
            )
            if _usable_id(event.dest_device, self._min_id_length):
                self.reached.add((id_text(event.dest_device), event.dest_session))
        state.events += 1
        if ms < state.first_ms:
            state.first_ms = ms
        elif ms > state.last_ms:
            state.last_ms = ms
        if event.is_browser:
            state.browser = True
        if event.user_id is not None:
            state.users.add(id_text(event.user_id))
        replay_id = event.replay_id
        if replay_id is not None:
            state.with_property += 1
            state.replay_ids.add(replay_id)
            state.replay_devices.add(ms, event.rp_device, where)
            if replay_id not in self.replay_first:
                self.replay_first[replay_id] = ReplaySighting(where, key)
        elif (
            event.type in ENRICHED_BY_WRAPPER and event.is_browser and not event.has_replay_property
        ):
            state.without_property += 1
            if len(state.missing) < MISSING_EXAMPLES:
                state.missing.append(where)

    def _browser_in_session(
        self, event: Event, where: Where, ms: int, anonymous: Any, session_id: Any
    ) -> None:
        runs = self.sessions_by_browser.get(anonymous)
        if runs is None:
            runs = self.sessions_by_browser[anonymous] = Runs()
        runs.add(ms, session_id, where)
        browsers = self.browsers_by_session.get(session_id)
        if browsers is None:
            browsers = self.browsers_by_session[session_id] = {}
        seen = browsers.get(anonymous)
        if seen is None:
            seen = browsers[anonymous] = BrowserInSession(
                ms, where, event.user_id, ms, event.user_id, event.page_url
            )
        elif ms < seen.first_ms:
            seen.first_ms, seen.first = ms, where
            seen.first_user, seen.first_url = event.user_id, event.page_url
        if ms >= seen.last_ms:
            seen.last_ms, seen.last_user = ms, event.user_id
        if event.rp_device is not None:
            seen.replay_devices.add(event.rp_device)
        if event.user_id is not None:
            seen.users.add(id_text(event.user_id))
        if event.network_key:
            seen.networks.add(event.network_key)


def _usable_id(value: Any, min_length: int) -> bool:
    text = id_text(value)
    return bool(text) and len(text) >= min_length and not is_blocked_id(text)


def _app_hash(debug_value: str) -> str | None:
    try:
        parsed = json.loads(debug_value)
    except json.JSONDecodeError:
        return None
    value = parsed.get("appHash") if isinstance(parsed, dict) else None
    return str(value) if value is not None else None
