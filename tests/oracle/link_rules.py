"""End-of-stream rules about whether events and replays can find each other: sessions without
the replay property, replay ids without events (or without a replay), and server-side events
of a web session.

Part of the oracle (tests/oracle): the specification of sql/link_rules.py, never shipped.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import NO_SESSION
from amp_replay_cli.core.identity.inputs import ReplayList, Setup
from amp_replay_cli.core.identity.messages import (
    listed_orphaned_message,
    non_browser_message,
    not_found_message,
    not_sampled_message,
    orphaned_message,
    property_missing_message,
    sampling_reason,
)
from amp_replay_cli.core.identity.sql.link_inputs import sample_rate
from tests.oracle.model import SessionKey, Where
from tests.oracle.reporter import Reporter
from tests.oracle.sampling import is_in_sample
from tests.oracle.tracking import NonBrowserEvent, ReplaySighting, SessionState

Reached = set[tuple[Any, Any]]  # (device_id, session_id) of events that reach Amplitude
SESSION_PART = re.compile(r"-?[0-9]+")  # of a replay id: what events.parse_replay_id accepts


class SessionWindow(NamedTuple):
    """A web session of one user, open until the session timeout after its last event."""

    start_ms: int
    end_ms: int
    session: Any


def missing_replay_properties(
    sessions: dict[SessionKey, SessionState], setup: Setup | None, reporter: Reporter
) -> None:
    """RPL_PROPERTY_MISSING for browser sessions whose track/page events lack the property, or
    RPL_NOT_SAMPLED when the set-up's sample rate explains why none has it."""
    for key, state in sessions.items():
        if not state.browser or not state.without_property:
            continue
        lines = [where.as_evidence() for where in state.missing]
        if (
            state.with_property == 0
            and state.session != NO_SESSION
            and setup is not None
            and not is_in_sample(state.session, sample_rate(setup), setup.algorithm)
        ):
            reporter.report(
                "RPL_NOT_SAMPLED",
                Severity.INFO,
                not_sampled_message(state.session, sampling_reason(setup), setup.algorithm),
                state.missing[0],
                key,
                {"events": lines},
            )
            continue
        if state.with_property == 0:
            severity = Severity.WARNING if state.session == NO_SESSION else Severity.ERROR
        else:
            severity = Severity.INFO
        message = property_missing_message(state.without_property, state.with_property)
        reporter.report(
            "RPL_PROPERTY_MISSING", severity, message, state.missing[0], key, {"events": lines}
        )


def referenced_replays(
    replay_first: dict[str, ReplaySighting],
    reached: Reached,
    replays: ReplayList | None,
    reporter: Reporter,
) -> None:
    """RPL_ORPHANED for a replay id no event reaching Amplitude carries as its own device and
    session, and RPL_NOT_FOUND for one the replay list lacks."""
    listed = replays.replay_ids if replays else None
    for replay_id, (where, key) in replay_first.items():
        device, _, session = replay_id.rpartition("/")
        if (device, int(session)) not in reached:
            reporter.report(
                "RPL_ORPHANED",
                Severity.ERROR,
                orphaned_message(replay_id),
                where,
                key,
                {"replay_id": replay_id, "device_id": device, "session_id": int(session)},
            )
        if listed is not None and replay_id not in listed:
            reporter.report(
                "RPL_NOT_FOUND",
                Severity.WARNING,
                not_found_message(replay_id),
                where,
                key,
                {"replay_id": replay_id},
            )


def listed_replays(
    replays: ReplayList,
    replay_first: dict[str, ReplaySighting],
    reached: Reached,
    reporter: Reporter,
) -> None:
    """RPL_ORPHANED for a replay the replay list has and no event names or reaches."""
    for replay_id in sorted(replays.replay_ids - set(replay_first)):
        device, _, session = replay_id.rpartition("/")
        # The session part as an event's replay id must write it (ASCII digits, one minus):
        # the list is any text, and int() refuses "--5" or "²".
        known = SESSION_PART.fullmatch(session) is not None and (device, int(session)) in reached
        if not known:
            reporter.report(
                "RPL_ORPHANED",
                Severity.ERROR,
                listed_orphaned_message(replay_id),
                Where(replays.name, replays.line_of(replay_id), None),
                None,
                {"replay_id": replay_id},
            )


def non_browser_sources(
    non_browser: list[NonBrowserEvent],
    sessions: dict[SessionKey, SessionState],
    timeout_ms: int,
    reporter: Reporter,
) -> None:
    """NON_BROWSER_SOURCE for a server or mobile event inside a web session of its user."""
    if not non_browser:
        return
    windows: dict[str, list[SessionWindow]] = {}
    for state in sessions.values():
        if state.browser and state.session != NO_SESSION:
            for user in state.users:
                windows.setdefault(user, []).append(
                    SessionWindow(state.first_ms, state.last_ms + timeout_ms, state.session)
                )
    for event in non_browser:
        for window in windows.get(event.user, ()):
            if window.start_ms <= event.ms <= window.end_ms:
                reporter.report(
                    "NON_BROWSER_SOURCE",
                    Severity.INFO,
                    non_browser_message(event.user, window.session),
                    event.where,
                    None,
                    {"user_id": event.user, "web_session_id": window.session},
                    dedupe=("NON_BROWSER_SOURCE", event.where),
                )
                break
