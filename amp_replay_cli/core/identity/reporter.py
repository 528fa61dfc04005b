"""Findings from the rules: one per problem, with the evidence that names its event and
session, and each session's codes and worst severity for the session rows."""

from __future__ import annotations

import sys
from typing import Any

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.findings import Finding, Severity
from amp_replay_cli.core.identity.events import Event, SessionKey, Where
from amp_replay_cli.core.identity.tracking import SessionState
from amp_replay_cli.core.jsvalues import json_ready


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
        """Add a finding, unless one with the same `dedupe` key was already added; its hint is
        the code's general fix from the catalog."""
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
        # Raw values from the events: `1e400` is a double beyond range, which JSON cannot hold.
        details = {key: json_ready(value) for key, value in details.items()}
        self.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=sys.intern(message),  # the events of one problem share one text
                file=where.file if where else None,
                line=where.line if where else None,
                hint=CODES[code].fix,
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
