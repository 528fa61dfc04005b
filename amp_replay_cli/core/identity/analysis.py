"""One small rule per mismatch code of spec/identity/IDENTITY.md §5, over a stream of Segment events.

Events are read in file order. Per-event rules report at once; rules about a session, a browser
or a replay keep small summaries (value runs, first and last sightings) and report when the
stream ends. When lines arrived so out of order that the runs overlap in time, a second pass
re-reads the inputs for just those sessions and browsers. Memory grows with sessions and
findings, not with events, apart from 8 bytes per messageId to drop duplicate deliveries.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.fingerprints import Fingerprints
from amp_replay_cli.core.identity.events import (
    AMPLITUDE_EVENT_TYPES,
    ENRICHED_BY_WRAPPER,
    ID_SENDING_TYPES,
    NO_SESSION,
    Event,
)
from amp_replay_cli.core.identity.inputs import AmplitudeExport, ReplayList, Setup
from amp_replay_cli.core.jsvalues import js_to_number, show
from amp_replay_cli.core.sampling import is_in_sample, java_hash_code
from amp_replay_cli.core.wire import is_blocked_id

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

SECONDS_LIMIT = 10**12  # a session id below this is seconds, not milliseconds
DAY_MS = 86_400_000
MISSING_EXAMPLES = 50

FIXES = {
    "RPL_DEVICE_IS_USERID": "keep the replay device id equal to the anonymousId: patch the Segment wrapper (it "
    "switches to the userId on identify) or use the standalone SDK with the destination's device id",
    "RPL_DEVICE_SWITCH_IN_SESSION": "keep one replay device id for the whole session (the anonymousId), and call "
    "identify before the first track or page",
    "ANON_ID_CHANGED_IN_SESSION": "start a new session when the anonymousId changes: on reset clear "
    "analytics_session_id and the amp_session_id cookie and call setSessionId(newSession, newAnonymousId); "
    "do not override the anonymousId",
    "RPL_DEVICE_STALE": "tell the replay SDK about analytics.reset(): on reset call setSessionId with the new "
    "anonymousId",
    "CONTEXT_DEVICE_ID_OVERRIDE": "remove the custom context.device.id, or give the replay SDK the same value",
    "DEVICE_MAPPING_CUSTOMIZED": "restore the default Device ID mapping coalesce(context.device.id, anonymousId), "
    "or make the replay SDK use the same expression",
    "SESSION_ID_MISSING": "enable the Browser Session Tracking mapping of Amplitude (Actions) on Analytics 2.0, "
    "and never send integrations.All=false without 'Actions Amplitude': true",
    "RPL_SESSION_MISMATCH": "use one session source: compare the new session id with the replay's own "
    "(getSessionId()), not with the shared amp_session_id cookie",
    "SESSION_ID_BAD_FORMAT": "send the session id as epoch milliseconds, the same value to the replay SDK and on "
    "the events",
    "SESSION_CHURN": "let Segment's storage persist across page loads (no disableClientPersistence, a consent "
    "tool that allows it)",
    "SESSION_INTERLEAVED": "share the session keys across subdomains (cookie storage) or serve the app from one host",
    "RPL_PROPERTY_MISSING": "install and start the replay SDK, check its sampleRate and capture settings, and "
    "allow the property in the tracking plan",
    "RPL_PROPERTY_MALFORMED": "give the replay SDK a device id and a session id before events are sent",
    "RPL_PROPERTY_DROPPED": "add [Amplitude] Session Replay ID to the Protocols tracking plan; check destination "
    "filters and the event_properties mapping",
    "ID_TOO_SHORT": "map min_id_length in the destination (e.g. 1), or use ids of at least 5 characters; keep the "
    "replay device id equal to the anonymousId",
    "ID_BLOCKED": "identify only once the real id is known, and never send placeholder ids",
    "RPL_ORPHANED": "fix what the events carrying this replay id report; the replay itself needs no action",
    "RPL_NOT_FOUND": "check the browser's requests to api-sr*.amplitude.com: region, API key, ad blockers, CSP, "
    "very short sessions",
    "RPL_NOT_SAMPLED": "raise sampleRate, or the project's remote sampling, if this session should be recorded",
    "SERVER_ZONE_MISMATCH": "set the replay serverZone to the project's region (EU with the destination endpoint "
    "'europe', US with 'north_america')",
    "API_KEY_MISMATCH": "use the same Amplitude project API key for the replay SDK and the destination",
    "CLOCK_SKEW": "informational: times inside the replay follow the client clock; link replays by session id, "
    "not by time",
    "EVENT_BEFORE_SESSION_START": "informational: session ids use the uncorrected client clock; link replays by "
    "session id, not by time",
    "LATE_DELIVERY": "informational: only time-based replay matching is affected",
    "NON_BROWSER_SOURCE": "forward the browser's anonymousId and session_id to server-side calls",
}


@dataclass(frozen=True)
class Thresholds:
    min_id_length: int = 5
    session_timeout_ms: int = 30 * 60 * 1000
    skew_threshold_ms: int = 60 * 1000
    session_start_tolerance_ms: int = 10 * 1000
    late_delivery_ms: int = 5 * 60 * 1000


class Where(NamedTuple):
    """The input line a finding points at."""

    file: str
    line: int
    message_id: Any

    @classmethod
    def of(cls, event: Event) -> Where:
        return cls(event.file, event.line, event.message_id)

    def as_evidence(self) -> dict[str, Any]:
        return {"line": self.line, "message_id": self.message_id, "file": self.file}


class SessionKey(NamedTuple):
    """An Amplitude session, as the destination keys it."""

    device: Any
    session: Any


class Sighting(NamedTuple):
    """One value seen at one moment, kept only for the second pass over out-of-order lines."""

    ms: int
    where: Where
    value: Any


@dataclass(slots=True)
class Run:
    """One value seen without interruption, from `first_ms` to `last_ms`; `first` is where it began."""

    first_ms: int
    last_ms: int
    value: Any
    first: Where

    def order(self) -> tuple[int, int]:
        return self.first_ms, self.first.line


class Runs:
    """A value over time, as runs of equal values: memory grows with changes, not with events.

    Runs are kept in arrival order; `ordered()` sorts them by time and merges neighbours, which
    restores the time order of lines that arrived out of order.
    """

    __slots__ = ("runs",)

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def add(self, ms: int, value: Any, where: Where) -> None:
        if self.runs and self.runs[-1].value == value:
            run = self.runs[-1]
            if (ms, where.line) < run.order():
                run.first_ms, run.first = ms, where
            run.last_ms = max(run.last_ms, ms)
        else:
            self.runs.append(Run(ms, ms, value, where))

    def ordered(self) -> list[Run]:
        merged: list[Run] = []
        for run in sorted(self.runs, key=Run.order):
            if merged and merged[-1].value == run.value:
                merged[-1].last_ms = max(merged[-1].last_ms, run.last_ms)
            else:
                merged.append(Run(run.first_ms, run.last_ms, run.value, run.first))
        return merged

    def settled(self) -> bool:
        """Whether `ordered()` is exact: no run of one value overlaps in time a run of another."""
        ordered = self.ordered()
        return all(current.first_ms >= previous.last_ms for previous, current in pairwise(ordered))

    @classmethod
    def of(cls, sightings: list[Sighting]) -> Runs:
        """Exact runs from every sighting."""
        runs = cls()
        for sighting in sorted(sightings, key=lambda sighting: (sighting.ms, sighting.where.line)):
            runs.add(sighting.ms, sighting.value, sighting.where)
        return runs


class ReplaySighting(NamedTuple):
    """Where a replay id was first seen, and in which Amplitude session."""

    first: Where
    session: SessionKey


class NonBrowserEvent(NamedTuple):
    """A server or mobile event of a known user, without the browser's ids."""

    where: Where
    user: str
    ms: int


class SessionWindow(NamedTuple):
    """A web session of one user, open until the session timeout after its last event."""

    start_ms: int
    end_ms: int
    session: Any


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
    users: set = field(default_factory=set)
    replay_ids: set[str] = field(default_factory=set)
    replay_devices: Runs = field(default_factory=Runs)
    with_property: int = 0
    without_property: int = 0
    missing: list[Where] = field(default_factory=list)
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
    replay_devices: set = field(default_factory=set)
    users: set = field(default_factory=set)
    networks: set = field(default_factory=set)


class Analysis:
    def __init__(
        self,
        thresholds: Thresholds,
        setup: Setup | None = None,
        export: AmplitudeExport | None = None,
        replays: ReplayList | None = None,
    ):
        self.thresholds = thresholds
        self.setup = setup
        self.export = export
        self.replays = replays
        self.findings: list[Finding] = []
        self.events = 0
        self.duplicates = 0
        self._seen_messages = Fingerprints()
        self._reported: set[tuple] = set()
        self.sessions: dict[SessionKey, SessionState] = {}
        self._browsers_by_session: dict[Any, dict[Any, BrowserInSession]] = {}
        self._sessions_by_browser: dict[Any, Runs] = {}
        self._replay_first: dict[str, ReplaySighting] = {}
        self._reached: set[tuple[Any, Any]] = set()
        self._mismatches: list[Event] = []
        self._non_browser: list[NonBrowserEvent] = []
        self._app_hashes: dict[str, Where] = {}
        # Second pass, only for the sessions and browsers whose lines arrived out of order.
        self._recheck_sessions: dict[SessionKey, list[Sighting]] = {}
        self._recheck_browsers: dict[Any, list[Sighting]] = {}
        self._recheck_seen = Fingerprints()

    # -- reporting ---------------------------------------------------------------------------
    def report(
        self,
        code: str,
        severity: Severity,
        message: str,
        where: Where | None,
        session: SessionKey | None,
        evidence: dict[str, Any] | None = None,
        dedupe: tuple | None = None,
    ) -> None:
        if dedupe is not None:
            if dedupe in self._reported:
                return
            self._reported.add(dedupe)
        details = dict(evidence or {})
        if where is not None and where.message_id is not None:
            details.setdefault("message_id", where.message_id)
        if session is not None:
            details.setdefault("device_id", session.device)
            details.setdefault("session_id", session.session)
        self.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=sys.intern(message),  # the events of one problem share one text
                file=where.file if where else None,
                line=where.line if where else None,
                hint=FIXES.get(code),
                evidence=details or None,
            )
        )
        state = self.sessions.get(session) if session is not None else None
        if state is not None:
            state.codes.add(code)
            if state.worst is None or severity.rank < state.worst.rank:
                state.worst = severity

    def event_finding(
        self,
        code: str,
        severity: Severity,
        message: str,
        event: Event,
        where: Where,
        evidence: dict[str, Any] | None = None,
        field_name: str = "",
    ) -> None:
        key = SessionKey(event.dest_device, event.dest_session)
        identity = where.message_id if where.message_id is not None else (where.file, where.line)
        self.report(
            code, severity, message, where, key, evidence, dedupe=(code, field_name, identity)
        )

    # -- one event ---------------------------------------------------------------------------
    def add(self, event: Event) -> None:
        if event.message_id is not None and self._seen_messages.add(hash(event.message_id)):
            self.duplicates += 1
            return
        self.events += 1
        where = Where.of(event)
        self._collect(event, where)
        if event.type in ID_SENDING_TYPES:
            self._ids(event, where)
            self._context_device(event, where)
        if event.has_replay_property:
            self._replay_property(event, where)
        self._session_id(event, where)
        self._timing(event, where)
        if self.export is not None and event.type in AMPLITUDE_EVENT_TYPES:
            self._against_export(event, where)

    def _ids(self, event: Event, where: Where) -> None:
        checks = [("device_id", event.dest_device), ("userId", event.dest_user)]
        if event.has_replay_property and event.replay_problem is None:
            checks.append(("replay_device", event.rp_device))
        for field_name, value in checks:
            if value is None:
                continue
            text = value if isinstance(value, str) else json.dumps(value)
            if is_blocked_id(text):
                self.event_finding(
                    "ID_BLOCKED",
                    ERROR,
                    f"{_FIELD_NAMES[field_name]} {show(text)} is on Amplitude's "
                    f"invalid-id list: {_BLOCKED_EFFECT[field_name]}",
                    event,
                    where,
                    {"field": field_name, "value": text},
                    field_name,
                )
            elif len(text) < self.thresholds.min_id_length:
                severity = WARNING if field_name == "userId" else ERROR
                self.event_finding(
                    "ID_TOO_SHORT",
                    severity,
                    f"{_FIELD_NAMES[field_name]} {show(text)} has "
                    f"{len(text)} characters, fewer than min_id_length {self.thresholds.min_id_length}: "
                    f"{_SHORT_EFFECT[field_name]}",
                    event,
                    where,
                    {"field": field_name, "value": text},
                    field_name,
                )

    def _context_device(self, event: Event, where: Where) -> None:
        if not (event.is_browser and event.has_context_device_id):
            return
        replay_device = event.rp_device if event.replay_id is not None else None
        compared = replay_device if replay_device is not None else event.anonymous_id
        if event.context_device_id != compared:
            other = "the replay device id" if replay_device is not None else "the anonymousId"
            self.event_finding(
                "CONTEXT_DEVICE_ID_OVERRIDE",
                ERROR,
                f"context.device.id "
                f"{show(event.context_device_id)} becomes Amplitude's device_id, while {other} is "
                f"{show(compared)}",
                event,
                where,
                {"context_device_id": event.context_device_id},
            )

    def _replay_property(self, event: Event, where: Where) -> None:
        if event.replay_problem is not None:
            self.event_finding(
                "RPL_PROPERTY_MALFORMED",
                ERROR,
                f"[Amplitude] Session Replay ID "
                f"{show(event.replay_value)} cannot be resolved: {event.replay_problem}",
                event,
                where,
                {
                    "value": event.replay_value
                    if isinstance(event.replay_value, (str, type(None)))
                    else show(event.replay_value)
                },
            )
            return
        device = event.rp_device
        user = _text(event.user_id) if event.user_id is not None else None
        if user is not None and device == user and device != _text(event.dest_device):
            self.event_finding(
                "RPL_DEVICE_IS_USERID",
                ERROR,
                f"the replay device id {show(device)} is the Segment "
                f"userId; Amplitude's device_id for this event is {show(event.dest_device)}",
                event,
                where,
                {"replay_id": event.replay_value},
            )
        elif device != user and device not in (
            _text(value)
            for value in (event.anonymous_id, event.context_device_id)
            if value is not None
        ):
            self.event_finding(
                "RPL_DEVICE_STALE",
                ERROR,
                f"the replay device id {show(device)} is none of this "
                f"event's ids (userId {show(event.user_id)}, anonymousId {show(event.anonymous_id)}): "
                "an earlier identity labels this browsing, a privacy problem too",
                event,
                where,
                {"replay_id": event.replay_value},
            )
        if event.rp_session != event.dest_session:
            self._mismatches.append(event)

    def _session_id(self, event: Event, where: Where) -> None:
        if (
            event.is_browser
            and event.type in ("track", "page", "identify")
            and not event.has_session
        ):
            version = event.library_version or ""
            if event.integrations_all_false:
                why = "integrations.All is false, which keeps the session plugin from adding it"
            elif not version.startswith(("next-", "npm:next-")):
                why = f"LEGACY_AJS: classic analytics.js ({version or 'unknown version'}) cannot run the session plugin"
            else:
                why = (
                    f"analytics-next ({version}) sent none: the Browser Session Tracking (sessionId) mapping is "
                    "disabled or its plugin failed to load"
                )
            self.event_finding(
                "SESSION_ID_MISSING",
                ERROR,
                f'no integrations["Actions Amplitude"].session_id, so '
                f"Amplitude gets session_id -1: {why}",
                event,
                where,
            )
            return
        if not event.has_session:
            return
        problem = self._session_format_problem(event)
        if problem:
            self.event_finding(
                "SESSION_ID_BAD_FORMAT",
                ERROR,
                f"session_id {show(event.session_raw)} {problem}",
                event,
                where,
                {"session_id_raw": event.session_raw},
            )
            return
        session = event.dest_session
        if (
            event.type in AMPLITUDE_EVENT_TYPES
            and event.timestamp_ms is not None
            and session != NO_SESSION
            and event.timestamp_ms < session - self.thresholds.session_start_tolerance_ms
        ):
            ahead = (session - event.timestamp_ms) / 1000
            self.event_finding(
                "EVENT_BEFORE_SESSION_START",
                WARNING,
                f"the event is dated {ahead:.1f} s before its "
                f"session {session} started (session ids use the uncorrected client clock)",
                event,
                where,
                {"seconds": round(ahead, 1)},
            )

    def _session_format_problem(self, event: Event) -> str | None:
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
            return (
                "is text, not an integer: Amplitude converts a date to milliseconds but the replay keeps the "
                "text"
                if event.dest_session != NO_SESSION
                else "is not a number: Amplitude drops it (-1)"
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

    def _timing(self, event: Event, where: Where) -> None:
        if event.sent_ms is not None and event.received_ms is not None:
            skew = event.sent_ms - event.received_ms
            if abs(skew) > self.thresholds.skew_threshold_ms:
                direction = "fast" if skew > 0 else "slow"
                self.event_finding(
                    "CLOCK_SKEW",
                    WARNING,
                    f"the client clock is {abs(skew) / 1000:.1f} s {direction} "
                    "(sentAt - receivedAt)",
                    event,
                    where,
                    {"skew_ms": skew},
                )
        if event.sent_ms is not None and event.client_ms is not None:
            delay = event.sent_ms - event.client_ms
            if delay > self.thresholds.late_delivery_ms:
                self.event_finding(
                    "LATE_DELIVERY",
                    INFO,
                    f"sent {delay / 60000:.1f} min after it happened (offline queue or retries)",
                    event,
                    where,
                    {"delay_ms": delay},
                )

    def _against_export(self, event: Event, where: Where) -> None:
        assert self.export is not None
        row = self.export.match(
            event.amplitude_event_type, event.timestamp_ms, event.user_id, event.replay_id
        )
        if row is None:
            return
        if row.device_id != event.dest_device:
            self.event_finding(
                "DEVICE_MAPPING_CUSTOMIZED",
                ERROR,
                f"Amplitude stored device_id {show(row.device_id)}"
                f" where the default mapping gives {show(event.dest_device)}",
                event,
                where,
                {"export_line": row.line, "export_device_id": row.device_id},
            )
        if event.has_replay_property and not row.has_replay_property:
            self.event_finding(
                "RPL_PROPERTY_DROPPED",
                ERROR,
                "[Amplitude] Session Replay ID is on the Segment event "
                f"but not on the Amplitude event ({row.file} line {row.line})",
                event,
                where,
                {"export_line": row.line},
            )

    def _collect(self, event: Event, where: Where) -> None:
        """Update the summaries the end-of-stream rules read (the hot path: one pass per event)."""
        ms = event.order_ms
        session_id = event.dest_session
        if event.type in AMPLITUDE_EVENT_TYPES and event.dest_device is not None:
            key = SessionKey(event.dest_device, session_id)
            state = self.sessions.get(key)
            if state is None:
                state = self.sessions[key] = SessionState(
                    event.dest_device, session_id, where, ms, ms
                )
                if _usable_id(event.dest_device, self.thresholds.min_id_length):
                    self._reached.add((_text(event.dest_device), session_id))
            state.events += 1
            if ms < state.first_ms:
                state.first_ms = ms
            elif ms > state.last_ms:
                state.last_ms = ms
            if event.is_browser:
                state.browser = True
            if event.user_id is not None:
                state.users.add(_text(event.user_id))
            replay_id = event.replay_id
            if replay_id is not None:
                state.with_property += 1
                state.replay_ids.add(replay_id)
                state.replay_devices.add(ms, event.rp_device, where)
                if replay_id not in self._replay_first:
                    self._replay_first[replay_id] = ReplaySighting(where, key)
            elif (
                event.type in ENRICHED_BY_WRAPPER
                and event.is_browser
                and not event.has_replay_property
            ):
                state.without_property += 1
                if len(state.missing) < MISSING_EXAMPLES:
                    state.missing.append(where)
        elif event.replay_id is not None and event.replay_id not in self._replay_first:
            self._replay_first[event.replay_id] = ReplaySighting(
                where, SessionKey(event.dest_device, session_id)
            )
        anonymous = event.anonymous_id
        if session_id != NO_SESSION and anonymous is not None and event.is_browser:
            self._browser_in_session(event, where, ms, anonymous, session_id)
        if (
            not event.is_browser
            and event.user_id is not None
            and event.type in AMPLITUDE_EVENT_TYPES
            and (anonymous is None or session_id == NO_SESSION)
        ):
            self._non_browser.append(NonBrowserEvent(where, _text(event.user_id), ms))
        if type(event.debug_value) is str:
            app_hash = _app_hash(event.debug_value)
            if app_hash is not None and app_hash not in self._app_hashes:
                self._app_hashes[app_hash] = where

    def _browser_in_session(
        self, event: Event, where: Where, ms: int, anonymous: Any, session_id: Any
    ) -> None:
        runs = self._sessions_by_browser.get(anonymous)
        if runs is None:
            runs = self._sessions_by_browser[anonymous] = Runs()
        runs.add(ms, session_id, where)
        browsers = self._browsers_by_session.get(session_id)
        if browsers is None:
            browsers = self._browsers_by_session[session_id] = {}
        seen = browsers.get(anonymous)
        if seen is None:
            seen = browsers[anonymous] = BrowserInSession(
                ms, where, event.user_id, ms, event.user_id, event.page_url
            )
        elif ms < seen.first_ms:
            seen.first_ms, seen.first, seen.first_user, seen.first_url = (
                ms,
                where,
                event.user_id,
                event.page_url,
            )
        if ms >= seen.last_ms:
            seen.last_ms, seen.last_user = ms, event.user_id
        if event.rp_device is not None:
            seen.replay_devices.add(event.rp_device)
        if event.user_id is not None:
            seen.users.add(_text(event.user_id))
        if event.network_key:
            seen.networks.add(event.network_key)

    # -- out-of-order lines: a second, targeted pass -----------------------------------------
    def unsettled(self) -> bool:
        """Prepare a second pass for the sessions and browsers whose order the first pass cannot restore."""
        self._recheck_sessions = {
            key: [] for key, state in self.sessions.items() if not state.replay_devices.settled()
        }
        self._recheck_browsers = {
            anonymous: []
            for anonymous, runs in self._sessions_by_browser.items()
            if not runs.settled()
        }
        return bool(self._recheck_sessions or self._recheck_browsers)

    def recheck(self, event: Event) -> None:
        """Second pass: keep every sighting of the unsettled sessions and browsers."""
        if event.message_id is not None and self._recheck_seen.add(hash(event.message_id)):
            return
        where = Where.of(event)
        sightings = self._recheck_sessions.get(SessionKey(event.dest_device, event.dest_session))
        if (
            sightings is not None
            and event.replay_id is not None
            and event.type in AMPLITUDE_EVENT_TYPES
        ):
            sightings.append(Sighting(event.order_ms, where, event.rp_device))
        sightings = self._recheck_browsers.get(event.anonymous_id)
        if sightings is not None and event.is_browser and event.dest_session != NO_SESSION:
            sightings.append(Sighting(event.order_ms, where, event.dest_session))

    def _apply_recheck(self) -> None:
        for key, sightings in self._recheck_sessions.items():
            self.sessions[key].replay_devices = Runs.of(sightings)
        for anonymous, sightings in self._recheck_browsers.items():
            self._sessions_by_browser[anonymous] = Runs.of(sightings)

    # -- the end of the stream ---------------------------------------------------------------
    def finish(self) -> None:
        self._apply_recheck()
        self._session_mismatches()
        self._replay_devices_per_session()
        self._browser_changes_in_sessions()
        self._session_sequences()
        self._missing_properties()
        self._orphans_and_existence()
        self._non_browser_sources()
        if self.setup is not None:
            self._setup_checks()

    def _session_mismatches(self) -> None:
        rotated_at: dict[tuple[Any, Any], str | None] = {}
        for session, browsers in self._browsers_by_session.items():
            for anonymous, seen in browsers.items():
                rotated_at[(anonymous, session)] = seen.first_url
        for event in self._mismatches:
            replay, actual = event.rp_session, event.dest_session
            evidence: dict[str, Any] = {"replay_id": event.replay_value}
            if actual == NO_SESSION:
                evidence["subtype"] = "event_no_session"
                age = ""
                if event.client_ms is not None and replay and replay > SECONDS_LIMIT:
                    age = f", {(event.client_ms - replay) / 3_600_000:.1f} h before this event"
                message = (
                    f"the replay records session {replay}{age}, but the event has no session (-1): the wrapper "
                    "fell back to the amp_session_id cookie"
                )
            elif replay < actual:
                evidence["subtype"] = "replay_older"
                message = f"the replay is still on session {replay} while the event is in session {actual}"
                url = rotated_at.get((event.anonymous_id, actual))
                if url and event.page_url and url != event.page_url:
                    message += (
                        f" (another tab: {event.page_url} kept the old replay session after {url} started the "
                        "new one)"
                    )
                    evidence["multi_tab"] = True
            else:
                evidence["subtype"] = "replay_newer"
                message = f"the replay is already on session {replay} while the event is in session {actual}"
            self.event_finding(
                "RPL_SESSION_MISMATCH", ERROR, message, event, Where.of(event), evidence
            )

    def _replay_devices_per_session(self) -> None:
        for key, state in self.sessions.items():
            runs = state.replay_devices.ordered()
            devices = list(dict.fromkeys(run.value for run in runs))
            if len(devices) < 2:
                continue
            switches = [run.first for run in runs[1:]]
            self.report(
                "RPL_DEVICE_SWITCH_IN_SESSION",
                WARNING,
                f"session {state.session} of device "
                f"{show(state.device)} is recorded under {len(devices)} replay device ids "
                f"({', '.join(show(device) for device in devices)}); only the parts under "
                f"{show(state.device)} link",
                switches[0],
                key,
                {
                    "replay_devices": devices,
                    "switch_points": [switch.as_evidence() for switch in switches],
                },
            )

    def _browser_changes_in_sessions(self) -> None:
        for session, browsers in self._browsers_by_session.items():
            if len(browsers) < 2:
                continue
            ordered = sorted(
                browsers.items(), key=lambda item: (item[1].first_ms, item[1].first.line)
            )
            for (before_id, before), (after_id, after) in pairwise(ordered):
                confirmed = (
                    before.replay_devices & after.replay_devices
                    or before.users & after.users
                    or before.networks & after.networks
                )
                if not confirmed:
                    continue  # two browsers that happen to share a session start time
                if before.last_user is not None and after.first_user is None:
                    hint = f"userId {before.last_user} -> null at the same point: analytics.reset() or logout"
                elif before.last_user is not None and after.first_user != before.last_user:
                    hint = (
                        f"userId {before.last_user} -> {after.first_user}: identifying another user rotates the "
                        "anonymousId"
                    )
                else:
                    hint = "no userId change: setAnonymousId() or options.anonymousId"
                self.report(
                    "ANON_ID_CHANGED_IN_SESSION",
                    ERROR,
                    f"session {session} continues under anonymousId "
                    f"{show(after_id)} after {show(before_id)}: one Amplitude session is split over two "
                    f"devices and the replay keeps the old one ({hint})",
                    after.first,
                    SessionKey(after_id, session),
                    {
                        "from_anonymousId": before_id,
                        "to_anonymousId": after_id,
                        "session_id": session,
                        "cause": hint,
                    },
                )

    def _session_sequences(self) -> None:
        timeout = self.thresholds.session_timeout_ms
        for anonymous, runs in self._sessions_by_browser.items():
            ordered = runs.ordered()
            seen: set = set()
            interleaved = False
            for previous, current in pairwise(ordered):
                seen.add(previous.value)
                if current.value in seen:
                    if not interleaved:
                        interleaved = True
                        self.report(
                            "SESSION_INTERLEAVED",
                            WARNING,
                            f"anonymousId {show(anonymous)} goes back to "
                            f"session {current.value} after {previous.value}: two session ids "
                            "alternate",
                            current.first,
                            SessionKey(anonymous, current.value),
                            {
                                "anonymousId": anonymous,
                                "sessions": list(dict.fromkeys(run.value for run in ordered)),
                            },
                        )
                    continue
                gap = current.first_ms - previous.last_ms
                if 0 <= gap < timeout:
                    self.report(
                        "SESSION_CHURN",
                        WARNING,
                        f"anonymousId {show(anonymous)} starts session {current.value} "
                        f"after only {gap / 60000:.1f} min without events (the timeout is "
                        f"{timeout / 60000:g} min): session state did not persist",
                        current.first,
                        SessionKey(anonymous, current.value),
                        {
                            "anonymousId": anonymous,
                            "previous_session": previous.value,
                            "gap_ms": gap,
                        },
                    )

    def _missing_properties(self) -> None:
        setup = self.setup
        for key, state in self.sessions.items():
            if not state.browser or not state.without_property:
                continue
            lines = [where.as_evidence() for where in state.missing]
            if state.with_property == 0 and state.session != NO_SESSION and setup is not None:
                rate = js_to_number(setup.sample_rate) if setup.has_sample_rate else 0.0
                if not is_in_sample(state.session, rate, setup.algorithm):
                    why = (
                        f"sampleRate {show(setup.sample_rate)}"
                        if setup.has_sample_rate
                        else "sampleRate is not set"
                    )
                    self.report(
                        "RPL_NOT_SAMPLED",
                        INFO,
                        f"session {state.session} is outside the sample ({why}, "
                        f"{setup.algorithm.value} hash): no replay is expected",
                        state.missing[0],
                        key,
                        {"events": lines},
                    )
                    continue
            if state.with_property == 0:
                severity = WARNING if state.session == NO_SESSION else ERROR
                message = (
                    f"none of the {state.without_property} track/page events of this session carries "
                    "[Amplitude] Session Replay ID: it cannot link to a replay"
                )
            else:
                severity = INFO
                message = (
                    f"{state.without_property} of {state.without_property + state.with_property} track/page "
                    "events lack [Amplitude] Session Replay ID"
                )
            self.report(
                "RPL_PROPERTY_MISSING", severity, message, state.missing[0], key, {"events": lines}
            )

    def _orphans_and_existence(self) -> None:
        reached = self._reached | (self.export.pairs if self.export else set())
        listed = self.replays.replay_ids if self.replays else None
        for replay_id, (where, key) in self._replay_first.items():
            device, _, session = replay_id.rpartition("/")
            if (device, int(session)) not in reached:
                self.report(
                    "RPL_ORPHANED",
                    ERROR,
                    f"replay {replay_id} has no events: no event reaching Amplitude has "
                    f"device_id {show(device)} and session_id {session}",
                    where,
                    key,
                    {"replay_id": replay_id, "device_id": device, "session_id": int(session)},
                )
            if listed is not None and replay_id not in listed:
                self.report(
                    "RPL_NOT_FOUND",
                    WARNING,
                    f"replay {replay_id} is referenced by events but the Session "
                    "Replay API does not list it",
                    where,
                    key,
                    {"replay_id": replay_id},
                )
        if self.replays is not None:
            for replay_id in sorted(self.replays.replay_ids - set(self._replay_first)):
                device, _, session = replay_id.rpartition("/")
                known = session.lstrip("-").isdigit() and (device, int(session)) in reached
                if not known:
                    where = Where(
                        self.replays.name, self.replays.first_line.get(replay_id, 1), None
                    )
                    self.report(
                        "RPL_ORPHANED",
                        ERROR,
                        f"replay {replay_id} is listed by the Session Replay API but no "
                        "event reaching Amplitude has its device and session",
                        where,
                        None,
                        {"replay_id": replay_id},
                    )

    def _non_browser_sources(self) -> None:
        if not self._non_browser:
            return
        timeout = self.thresholds.session_timeout_ms
        windows: dict[Any, list[SessionWindow]] = {}
        for state in self.sessions.values():
            if state.browser and state.session != NO_SESSION:
                for user in state.users:
                    windows.setdefault(user, []).append(
                        SessionWindow(state.first_ms, state.last_ms + timeout, state.session)
                    )
        for event in self._non_browser:
            for window in windows.get(event.user, ()):
                if window.start_ms <= event.ms <= window.end_ms:
                    self.report(
                        "NON_BROWSER_SOURCE",
                        INFO,
                        f"a non-browser event of user {show(event.user)} falls inside web "
                        f"session {window.session} without the browser's anonymousId or "
                        "session_id: Amplitude cannot link it to the replay",
                        event.where,
                        None,
                        {"user_id": event.user, "web_session_id": window.session},
                        dedupe=("NON_BROWSER_SOURCE", event.where),
                    )
                    break

    def _setup_checks(self) -> None:
        setup = self.setup
        assert setup is not None
        # Only the exact strings count: the SDK sends 'eu' or 'Eu' to the US endpoint.
        zone = setup.server_zone if setup.server_zone in ("US", "EU", "STAGING") else "US"
        endpoint_region = {"north_america": "US", "europe": "EU"}.get(str(setup.endpoint).lower())
        if any(region is not None and region != zone for region in (setup.region, endpoint_region)):
            said = "not set, so US" if setup.server_zone is None else show(setup.server_zone)
            where = Where(
                setup.name,
                setup.lines.get("replay.serverZone") or setup.lines.get("project.region") or 1,
                None,
            )
            self.report(
                "SERVER_ZONE_MISMATCH",
                ERROR,
                f"replays go to the {zone} region (serverZone {said}) while the "
                f"project is {setup.region or '?'} and the destination endpoint is {setup.endpoint or '?'}",
                where,
                None,
                {
                    "replay_zone": zone,
                    "project_region": setup.region,
                    "destination_endpoint": setup.endpoint,
                },
            )
        reasons = []
        if (
            setup.destination_api_key
            and setup.replay_api_key
            and setup.destination_api_key != setup.replay_api_key
        ):
            reasons.append("the replay SDK's API key differs from the destination's")
        if setup.destination_api_key:
            expected_hash = str(java_hash_code(setup.destination_api_key))
            for app_hash in self._app_hashes:
                if app_hash != expected_hash:
                    reasons.append(
                        f"[Amplitude] Session Replay Debug appHash {app_hash} is not the hash of the "
                        f"destination's key ({expected_hash})"
                    )
        if reasons:
            where = Where(
                setup.name,
                setup.lines.get("replay.apiKey") or setup.lines.get("destination.apiKey") or 1,
                None,
            )
            self.report(
                "API_KEY_MISMATCH",
                ERROR,
                "replays land in another project than the events: " + "; ".join(reasons),
                where,
                None,
            )
        if setup.device_mapping not in (None, "default"):
            where = Where(setup.name, setup.lines.get("destination.device_id", 1), None)
            self.report(
                "DEVICE_MAPPING_CUSTOMIZED",
                ERROR,
                f"the destination maps device_id to "
                f"{show(setup.device_mapping)}, not coalesce(context.device.id, anonymousId): replays keyed "
                "by the anonymousId cannot link",
                where,
                None,
                {"mapping": setup.device_mapping},
            )

    # -- result ------------------------------------------------------------------------------
    def session_rows(self) -> list[dict[str, Any]]:
        rows = []
        listed = self.replays.replay_ids if self.replays else None
        for state in self.sessions.values():
            own = f"{state.device}/{state.session}"
            linked = (
                state.session != NO_SESSION
                and own in state.replay_ids
                and (listed is None or own in listed)
            )
            rows.append(
                {
                    "device_id": state.device,
                    "session_id": state.session,
                    "user_ids": sorted(state.users),
                    "events": state.events,
                    "events_with_replay_id": state.with_property,
                    "replay_ids": sorted(state.replay_ids),
                    "linked": linked,
                    "worst": state.worst.value if state.worst else None,
                    "codes": sorted(state.codes),
                    "file": state.first[0],
                    "first_line": state.first[1],
                }
            )
        rank = {None: 3, "error": 0, "warning": 1, "info": 2}
        rows.sort(key=lambda row: (rank[row["worst"]], row["file"], row["first_line"]))
        return rows


_FIELD_NAMES = {
    "device_id": "device_id",
    "userId": "userId",
    "replay_device": "the replay device id",
}
_BLOCKED_EFFECT = {
    "device_id": "Amplitude rejects the event (400) or drops the device",
    "userId": "Amplitude rejects the event (400)",
    "replay_device": "the replay is keyed on an id no valid event can carry",
}
_SHORT_EFFECT = {
    "device_id": "Amplitude removes it from the event",
    "userId": "Amplitude removes user_id, so the user is not identified",
    "replay_device": "no event with a valid device_id can link to this replay",
}


def _usable_id(value: Any, min_length: int) -> bool:
    text = _text(value)
    return bool(text) and len(text) >= min_length and not is_blocked_id(text)


def _text(value: Any) -> str:
    return value if type(value) is str else json.dumps(value)


def _app_hash(debug_value: str) -> str | None:
    try:
        parsed = json.loads(debug_value)
    except json.JSONDecodeError:
        return None
    value = parsed.get("appHash") if isinstance(parsed, dict) else None
    return str(value) if value is not None else None
