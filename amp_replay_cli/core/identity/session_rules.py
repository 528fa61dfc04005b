"""End-of-stream rules about sessions and browsers: they need every event of a session (or of
a browser) before they can tell a switch, a split or a churn from the order lines came in."""

from __future__ import annotations

from itertools import pairwise
from typing import Any, NamedTuple

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


class OtherTab(NamedTuple):
    """The page of an event whose replay kept the old session, and the page that began the new
    one."""

    page_url: str
    first_url: str


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


def anonymous_id_change_cause(last_user: Any, first_user: Any) -> str:
    """Why the anonymousId changed, from the userId of the last event before it and of the first
    event after it."""
    if last_user is not None and first_user is None:
        return f"userId {last_user} -> null at the same point: analytics.reset() or logout"
    if last_user is not None and first_user != last_user:
        return (
            f"userId {last_user} -> {first_user}: identifying another user rotates the anonymousId"
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


# The messages, from the values they name: the Python rules and the SQL rules' wordings
# (sql/session_wordings.py) both write them here.
def no_session_message(replay: int, client_ms: int | None) -> str:
    age = ""
    if client_ms is not None and replay and replay > SECONDS_LIMIT:
        age = f", {(client_ms - replay) / 3_600_000:.1f} h before this event"
    return (
        f"the replay records session {replay}{age}, but the event has no session (-1): "
        "the wrapper fell back to the amp_session_id cookie"
    )


def replay_older_message(replay: int, actual: int, other_tab: OtherTab | None) -> str:
    message = f"the replay is still on session {replay} while the event is in session {actual}"
    if other_tab is not None:
        message += (
            f" (another tab: {other_tab.page_url} kept the old replay session after "
            f"{other_tab.first_url} started the new one)"
        )
    return message


def replay_newer_message(replay: int, actual: int) -> str:
    return f"the replay is already on session {replay} while the event is in session {actual}"


def device_switch_message(session: Any, device: Any, devices: list[str]) -> str:
    return (
        f"session {session} of device {show(device)} is recorded under {len(devices)} replay "
        f"device ids ({', '.join(show(each) for each in devices)}); only the parts under "
        f"{show(device)} link"
    )


def anonymous_id_change_message(session: Any, before_id: Any, after_id: Any, cause: str) -> str:
    return (
        f"session {session} continues under anonymousId {show(after_id)} after "
        f"{show(before_id)}: one Amplitude session is split over two devices and the "
        f"replay keeps the old one ({cause})"
    )


def churn_message(anonymous: Any, session: Any, gap_ms: int, timeout_ms: int) -> str:
    return (
        f"anonymousId {show(anonymous)} starts session {session} after only "
        f"{gap_ms / 60000:.1f} min without events (the timeout is {timeout_ms / 60000:g} min): "
        "session state did not persist"
    )


def interleaved_message(anonymous: Any, session: Any, previous: Any) -> str:
    return (
        f"anonymousId {show(anonymous)} goes back to session {session} after {previous}: "
        "two session ids alternate"
    )
