"""Findings from the rules: one per problem, with the evidence that names its event and
session, and each session's codes and worst severity for the session rows. Part of the oracle
(tests/oracle), never shipped."""

from __future__ import annotations

import sys
from typing import Any

from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.findings import CappedFindings, Finding, Severity
from amp_replay_cli.core.identity.sql.event_rules import MAX_UNDELIVERED_FINDINGS
from amp_replay_cli.core.jsvalues import json_ready
from tests.oracle.model import Event, SessionKey, Where
from tests.oracle.tracking import SessionState


class Reporter:
    def __init__(self, sessions: dict[SessionKey, SessionState]):
        self.findings: list[Finding] = []
        self._sessions = sessions
        self._reported: set[tuple] = set()
        self._undelivered = CappedFindings(self.findings, MAX_UNDELIVERED_FINDINGS)
        # Findings about a session none of whose Amplitude events was read yet.
        self._later: list[tuple[SessionKey, str, Severity]] = []
        self.undelivered = 0  # events that never reach Amplitude

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
        self.findings.append(_finding(code, severity, message, where, session, evidence))
        if session is not None and not self._count_towards(session, code, severity):
            # Its session may begin further down (an identify before the first page, or lines
            # out of order): the rows must not depend on the order of the lines.
            self._later.append((session, code, severity))

    def _count_towards(self, session: SessionKey, code: str, severity: Severity) -> bool:
        """Count the finding in its session's row; False when there is no such session."""
        state = self._sessions.get(session)
        if state is None:
            return False
        state.codes.add(code)
        if state.worst is None or severity.rank < state.worst.rank:
            state.worst = severity
        return True

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
        meets the event. An event that never reaches Amplitude belongs to no session."""
        where = event.where
        identity = where.message_id if where.message_id is not None else (where.file, where.line)
        self.report(
            code,
            severity,
            message,
            where,
            event.session_key if event.undelivered is None else None,
            evidence,
            dedupe=(code, field_name, identity),
        )

    def undelivered_event(
        self, code: str, message: str, event: Event, evidence: dict[str, Any]
    ) -> None:
        """An error about an event that never reaches Amplitude: it belongs to no session, and
        past MAX_UNDELIVERED_FINDINGS one info finding counts the rest."""
        self.undelivered += 1
        details = {**evidence, "delivered": False}
        self._undelivered.add(_finding(code, Severity.ERROR, message, event.where, None, details))

    def close(self) -> None:
        """Count the undelivered events not listed and the findings about sessions that began
        after them; call once, after the last event."""
        for session, code, severity in self._later:
            self._count_towards(session, code, severity)
        self._undelivered.close()


def _finding(
    code: str,
    severity: Severity,
    message: str,
    where: Where | None,
    session: SessionKey | None,
    evidence: dict[str, Any] | None,
) -> Finding:
    """A finding whose evidence names its event and session; its hint is the code's general
    fix from the catalog."""
    details = dict(evidence or {})
    if where is not None and where.message_id is not None:
        details.setdefault("message_id", where.message_id)
    if session is not None:
        details.setdefault("device_id", session.device)
        details.setdefault("session_id", session.session)
    # Raw values from the events: `1e400` is a double beyond range, which JSON cannot hold.
    details = {key: json_ready(value) for key, value in details.items()}
    return Finding(
        code=code,
        severity=severity,
        message=sys.intern(message),  # the events of one problem share one text
        file=where.file if where else None,
        line=where.line if where else None,
        hint=CODES[code].fix,
        evidence=details or None,
    )
