"""End-of-stream rules about sessions and browsers: they need every event of a session (or of
a browser) before they can tell a switch, a split or a churn from the order lines came in."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import NO_SESSION, SECONDS_LIMIT, SessionKey
from amp_replay_cli.core.identity.reporter import Reporter
from amp_replay_cli.core.identity.runs import Run, Runs
from amp_replay_cli.core.identity.tracking import (
    BrowserInSession,
    ReplaySessionMismatch,
    SessionState,
)
from amp_replay_cli.core.jsvalues import show

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
            age = ""
            if event.client_ms is not None and replay and replay > SECONDS_LIMIT:
                age = f", {(event.client_ms - replay) / 3_600_000:.1f} h before this event"
            message = (
                f"the replay records session {replay}{age}, but the event has no session (-1): "
                "the wrapper fell back to the amp_session_id cookie"
            )
        elif replay < actual:
            evidence["subtype"] = "replay_older"
            message = (
                f"the replay is still on session {replay} while the event is in session {actual}"
            )
            browser = browsers_by_session.get(actual, {}).get(event.anonymous_id)
            url = browser.first_url if browser is not None else None
            if url and event.page_url and url != event.page_url:
                message += (
                    f" (another tab: {event.page_url} kept the old replay session after {url} "
                    "started the new one)"
                )
                evidence["multi_tab"] = True
        else:
            evidence["subtype"] = "replay_newer"
            message = (
                f"the replay is already on session {replay} while the event is in session {actual}"
            )
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
            f"session {state.session} of device {show(state.device)} is recorded under "
            f"{len(devices)} replay device ids ({', '.join(show(device) for device in devices)}); "
            f"only the parts under {show(state.device)} link",
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
            cause = _anonymous_id_change_cause(before, after)
            reporter.report(
                "ANON_ID_CHANGED_IN_SESSION",
                Severity.ERROR,
                f"session {session} continues under anonymousId {show(after_id)} after "
                f"{show(before_id)}: one Amplitude session is split over two devices and the "
                f"replay keeps the old one ({cause})",
                after.first,
                SessionKey(after_id, session),
                {
                    "from_anonymousId": before_id,
                    "to_anonymousId": after_id,
                    "session_id": session,
                    "cause": cause,
                },
            )


def _anonymous_id_change_cause(before: BrowserInSession, after: BrowserInSession) -> str:
    if before.last_user is not None and after.first_user is None:
        return f"userId {before.last_user} -> null at the same point: analytics.reset() or logout"
    if before.last_user is not None and after.first_user != before.last_user:
        return (
            f"userId {before.last_user} -> {after.first_user}: identifying another user rotates "
            "the anonymousId"
        )
    return "no userId change: setAnonymousId() or options.anonymousId"


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
                    f"anonymousId {show(anonymous)} starts session {current.value} after only "
                    f"{gap / 60000:.1f} min without events (the timeout is "
                    f"{timeout_ms / 60000:g} min): session state did not persist",
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
        f"anonymousId {show(anonymous)} goes back to session {current.value} after "
        f"{previous.value}: two session ids alternate",
        current.first,
        SessionKey(anonymous, current.value),
        {"anonymousId": anonymous, "sessions": list(dict.fromkeys(run.value for run in ordered))},
    )
