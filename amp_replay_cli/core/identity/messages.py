"""The words of diagnose's findings, written from the values they name: the id fields Amplitude
checks for length and placeholders, and the messages of the session, link and set-up findings.

The SQL rules' wordings (sql/*_wordings.py) word their finding rows with these; the Python rules
the SQL is tested against (tests/oracle) word their findings with the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import SECONDS_LIMIT
from amp_replay_cli.core.identity.inputs import Setup
from amp_replay_cli.core.jsvalues import show
from amp_replay_cli.core.sampling import Algorithm
from amp_replay_cli.core.wire import DEFAULT_SERVER_ZONE


# -- the ids of an event (ID_BLOCKED, ID_TOO_SHORT) ---------------------------------------------
class IdField(NamedTuple):
    """An id Amplitude checks for length and placeholders, and what a bad one costs."""

    name: str  # in the evidence
    label: str  # in the message
    blocked_effect: str
    short_effect: str
    short_severity: Severity


DEVICE_ID = IdField(
    "device_id",
    "device_id",
    "Amplitude rejects the event (400) or drops the device",
    "Amplitude refuses the request (400 Invalid id length, as observed; its docs say the id is "
    "removed from the event instead)",
    Severity.ERROR,
)
USER_ID = IdField(
    "userId",
    "userId",
    "Amplitude rejects the event (400)",
    "Amplitude refuses the request (400 Invalid id length, as observed; its docs say user_id is "
    "removed instead, leaving the user unidentified)",
    Severity.WARNING,  # the event still counts, under its device
)
REPLAY_DEVICE = IdField(
    "replay_device",
    "the replay device id",
    "the replay is keyed on an id no valid event can carry",
    "no event with a valid device_id can link to this replay",
    Severity.ERROR,
)


# -- sessions and browsers --------------------------------------------------------------------
class OtherTab(NamedTuple):
    """The page of an event whose replay kept the old session, and the page that began the new
    one."""

    page_url: str
    first_url: str


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


# -- events and replays finding each other ----------------------------------------------------
def sampling_reason(setup: Setup) -> str:
    """How RPL_NOT_SAMPLED names the set-up's sample rate."""
    return (
        f"sampleRate {show(setup.sample_rate)}"
        if setup.has_sample_rate
        else "sampleRate is not set"
    )


def not_sampled_message(session: Any, reason: str, algorithm: Algorithm) -> str:
    return (
        f"session {session} is outside the sample ({reason}, {algorithm.value} hash): "
        "no replay is expected"
    )


def property_missing_message(without_property: int, with_property: int) -> str:
    if with_property == 0:
        return (
            f"none of the {without_property} track/page events of this session "
            "carries [Amplitude] Session Replay ID: it cannot link to a replay"
        )
    return (
        f"{without_property} of {without_property + with_property} "
        "track/page events lack [Amplitude] Session Replay ID"
    )


def orphaned_message(replay_id: str) -> str:
    device, _, session = replay_id.rpartition("/")
    return (
        f"replay {replay_id} has no events: no event reaching Amplitude has "
        f"device_id {show(device)} and session_id {session}"
    )


def not_found_message(replay_id: str) -> str:
    return f"replay {replay_id} is referenced by events but the Session Replay API does not list it"


def listed_orphaned_message(replay_id: str) -> str:
    return (
        f"replay {replay_id} is listed by the Session Replay API but no event reaching "
        "Amplitude has its device and session"
    )


def non_browser_message(user: str, web_session: Any) -> str:
    return (
        f"a non-browser event of user {show(user)} falls inside web session "
        f"{web_session} without the browser's anonymousId or session_id: "
        "Amplitude cannot link it to the replay"
    )


# -- the set-up ---------------------------------------------------------------------------------
KEYS_DIFFER = "the replay SDK's API key differs from the destination's"


def zone_message(zone: str, server_zone: str | None, region: str | None, endpoint: Any) -> str:
    said = f"not set, so {DEFAULT_SERVER_ZONE}" if server_zone is None else show(server_zone)
    return (
        f"replays go to the {zone} region (serverZone {said}) while the project is "
        f"{region or '?'} and the destination endpoint is {endpoint or '?'}"
    )


def app_hash_reason(app_hash: str, expected_hash: str) -> str:
    return (
        f"[Amplitude] Session Replay Debug appHash {app_hash} is not the hash of the "
        f"destination's key ({expected_hash})"
    )


def key_message(reasons: Iterable[str]) -> str:
    return "replays land in another project than the events: " + "; ".join(reasons)


def mapping_message(mapping: Any) -> str:
    return (
        f"the destination maps device_id to {show(mapping)}, not "
        "coalesce(context.device.id, anonymousId): replays keyed by the anonymousId cannot link"
    )
