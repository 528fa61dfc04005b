"""End-of-stream rules about sessions and browsers: they need every event of a session (or of
a browser) before they can tell a switch, a split or a churn from the order lines came in.

Part of the oracle (tests/oracle): the specification of sql/session_rules.py, never shipped.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import NO_SESSION
from amp_replay_cli.core.identity.messages import (
    OtherTab,
    anonymous_id_change_cause,
    anonymous_id_change_message,
    churn_message,
    device_switch_message,
    interleaved_message,
    no_session_message,
    replay_newer_message,
    replay_older_message,
)
from tests.oracle.model import SessionKey
from tests.oracle.reporter import Reporter
from tests.oracle.runs import Run, Runs
from tests.oracle.tracking import (
    BrowserInSession,
    ReplaySessionMismatch,
    SessionState,
)

BrowsersBySession = dict[Any, dict[Any, BrowserInSession]]


def replay_session_mismatches(
    mismatches: list[ReplaySessionMismatch],
    browsers_by_session: BrowsersBySession,
    reporter: Reporter,
) -> None:
    """RPL_SESSION_MISMATCH, told apart by which side is behind; a newer session that began on
    another page of the same browser points at a second tab."""
    for mismatch in mismatches:
        event, replay = mismatch.event, mismatch.replay_session
        actual = event.dest_session
        evidence: dict[str, Any] = {"replay_id": event.replay_value}
        if actual == NO_SESSION:
            evidence["subtype"] = "event_no_session"
            message = no_session_message(replay, event.client_ms)
        elif replay < actual:
            evidence["subtype"] = "replay_older"
            browser = browsers_by_session.get(actual, {}).get(event.anonymous_id)
            url = browser.first_url if browser is not None else None
            other_tab = None
            if url and event.page_url and url != event.page_url:
                other_tab = OtherTab(event.page_url, url)
                evidence["multi_tab"] = True
            message = replay_older_message(replay, actual, other_tab)
        else:
            evidence["subtype"] = "replay_newer"
            message = replay_newer_message(replay, actual)
        reporter.about_event("RPL_SESSION_MISMATCH", Severity.ERROR, message, event, evidence)


def replay_device_switches(sessions: dict[SessionKey, SessionState], reporter: Reporter) -> None:
    """RPL_DEVICE_SWITCH_IN_SESSION, at the first switch, listing every switch point."""
    for key, state in sessions.items():
        runs = state.replay_devices.ordered()
        devices = list(dict.fromkeys(run.value for run in runs))
        if len(devices) < 2:
            continue
        switches = [run.first for run in runs[1:]]
        reporter.report(
            "RPL_DEVICE_SWITCH_IN_SESSION",
            Severity.WARNING,
            device_switch_message(state.session, state.device, devices),
            switches[0],
            key,
            {
                "replay_devices": devices,
                "switch_points": [switch.as_evidence() for switch in switches],
            },
        )


def anonymous_id_changes(browsers_by_session: BrowsersBySession, reporter: Reporter) -> None:
    """ANON_ID_CHANGED_IN_SESSION, when one session id passes from one anonymousId to the next
    and something else (replay device, user, network) confirms it is the same browser."""
    for session, browsers in browsers_by_session.items():
        if len(browsers) < 2:
            continue
        ordered = sorted(browsers.items(), key=lambda item: (item[1].first_ms, item[1].first.line))
        for (before_id, before), (after_id, after) in pairwise(ordered):
            confirmed = (
                before.replay_devices & after.replay_devices
                or before.users & after.users
                or before.networks & after.networks
            )
            if not confirmed:
                continue  # two browsers that happen to share a session start time
            cause = anonymous_id_change_cause(before.last_user, after.first_user)
            reporter.report(
                "ANON_ID_CHANGED_IN_SESSION",
                Severity.ERROR,
                anonymous_id_change_message(session, before_id, after_id, cause),
                after.first,
                SessionKey(after_id, session),
                {
                    "from_anonymousId": before_id,
                    "to_anonymousId": after_id,
                    "session_id": session,
                    "cause": cause,
                },
            )


def session_sequences(
    sessions_by_browser: dict[Any, Runs], timeout_ms: int, reporter: Reporter
) -> None:
    """SESSION_INTERLEAVED (once per browser) and SESSION_CHURN, from each browser's sessions
    in time order."""
    for anonymous, runs in sessions_by_browser.items():
        ordered = runs.ordered()
        seen: set[Any] = set()
        interleaved = False
        for previous, current in pairwise(ordered):
            seen.add(previous.value)
            if current.value in seen:
                if not interleaved:
                    interleaved = True
                    _report_interleaved(anonymous, previous, current, ordered, reporter)
                continue
            gap = current.first_ms - previous.last_ms
            if 0 <= gap < timeout_ms:
                reporter.report(
                    "SESSION_CHURN",
                    Severity.WARNING,
                    churn_message(anonymous, current.value, gap, timeout_ms),
                    current.first,
                    SessionKey(anonymous, current.value),
                    {"anonymousId": anonymous, "previous_session": previous.value, "gap_ms": gap},
                )


def _report_interleaved(
    anonymous: Any, previous: Run, current: Run, ordered: list[Run], reporter: Reporter
) -> None:
    reporter.report(
        "SESSION_INTERLEAVED",
        Severity.WARNING,
        interleaved_message(anonymous, current.value, previous.value),
        current.first,
        SessionKey(anonymous, current.value),
        {"anonymousId": anonymous, "sessions": list(dict.fromkeys(run.value for run in ordered))},
    )
