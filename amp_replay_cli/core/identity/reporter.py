"""Findings from the rules: one per problem, with the evidence that names its event and
session, and each session's codes and worst severity for the session rows."""

from __future__ import annotations

import sys
from typing import Any

from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.identity.events import Event, SessionKey, Where
from amp_replay_cli.core.identity.tracking import SessionState

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


class Reporter:
    def __init__(self, sessions: dict[SessionKey, SessionState]):
        self.findings: list[Finding] = []
        self._sessions = sessions
        self._reported: set[tuple] = set()

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
        """Add a finding, unless one with the same `dedupe` key was already added."""
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
        state = self._sessions.get(session) if session is not None else None
        if state is not None:
            state.codes.add(code)
            if state.worst is None or severity.rank < state.worst.rank:
                state.worst = severity

    def about_event(
        self,
        code: str,
        severity: Severity,
        message: str,
        event: Event,
        evidence: dict[str, Any] | None = None,
        field_name: str = "",
    ) -> None:
        """A finding about one event (and one of its id fields): once, however often the rule
        meets the event."""
        where = event.where
        identity = where.message_id if where.message_id is not None else (where.file, where.line)
        self.report(
            code,
            severity,
            message,
            where,
            event.session_key,
            evidence,
            dedupe=(code, field_name, identity),
        )
