"""The messages of the per-event SQL rules (sql/event_rules.py), worded from each row's details
with the id fields of messages.py and the session-id explanations of session_ids.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from amp_replay_cli.core.findings import not_listed_message
from amp_replay_cli.core.identity.events import NO_IDS, SESSION_REFUSED, parse_replay_id
from amp_replay_cli.core.identity.messages import DEVICE_ID, REPLAY_DEVICE, USER_ID, IdField
from amp_replay_cli.core.identity.session_ids import format_problem, why_no_session_id
from amp_replay_cli.core.identity.sql.event_rules import UNDELIVERED
from amp_replay_cli.core.identity.sql.findings import NOT_LISTED, Wording
from amp_replay_cli.core.jsvalues import show

Details = Mapping[str, Any]


def _blocked(field: IdField) -> Wording:
    def word(details: Details) -> str:
        return (
            f"{field.label} {show(details['value'])} is on Amplitude's invalid-id list: "
            f"{field.blocked_effect}"
        )

    return word


def _too_short(field: IdField) -> Wording:
    def word(details: Details) -> str:
        text = details["value"]
        return (
            f"{field.label} {show(text)} has {len(text)} characters, fewer than "
            f"min_id_length {details['min_id_length']}: {field.short_effect}"
        )

    return word


def _empty_context_device(details: Details) -> str:
    return (
        'context.device.id "" is deleted before sending, so the event has no device_id: '
        f"Amplitude derives one from userId {show(details['user_id'])}, which no replay "
        "device id matches"
    )


def _context_device(other: str, compared: Callable[[Details], Any]) -> Wording:
    def word(details: Details) -> str:
        return (
            f"context.device.id {show(details['context_device_id'])} becomes Amplitude's "
            f"device_id, while {other} is {show(compared(details))}"
        )

    return word


def _undelivered(subject: str, reason: str) -> str:
    return f"{subject}: {reason}; the event is never delivered"


def _malformed(problem: str, shown_already: bool) -> Wording:
    """The value is in the evidence as it is when a string or null, else already shown."""

    def word(details: Details) -> str:
        value = details["value"]
        return (
            f"[Amplitude] Session Replay ID {value if shown_already else show(value)} cannot be "
            f"resolved: {problem}"
        )

    return word


def _replay_problems() -> dict[str, bool]:
    """Every problem parse_replay_id names, and whether it is about a value that is no string
    (its evidence then holds the value as shown): asked of the parser, not copied from it."""
    samples: list[Any] = [None, 1, 1.5, True, [], {}, "no-slash", "a/b/c", "a/b"]
    problems = {}
    for sample in samples:
        problem = parse_replay_id(sample)[2]
        assert problem is not None
        problems[problem] = sample is not None and not isinstance(sample, str)
    return problems


def _replay_device(details: Details) -> str | None:
    return parse_replay_id(details["replay_id"])[0]


def _device_is_userid(details: Details) -> str:
    return (
        f"the replay device id {show(_replay_device(details))} is the Segment userId; Amplitude's "
        f"device_id for this event is {show(details['dest_device'])}"
    )


def _device_stale(details: Details) -> str:
    return (
        f"the replay device id {show(_replay_device(details))} is none of this event's ids (userId "
        f"{show(details['user_id'])}, anonymousId {show(details['anonymous_id'])}): an earlier "
        "identity labels this browsing, a privacy problem too"
    )


def _session_missing(details: Details) -> str:
    why = why_no_session_id(details["library_version"], details["integrations_all_false"])
    return (
        f'no integrations["Actions Amplitude"].session_id, so Amplitude gets session_id -1: {why}'
    )


def _bad_format(details: Details) -> str:
    raw = details["session_id_raw"]
    return f"session_id {show(raw)} {format_problem(raw, details['sent'])}"


def _before_session_start(details: Details) -> str:
    return (
        f"the event is dated {details['seconds']:.1f} s before its session "
        f"{details['session']} started (session ids use the uncorrected client clock)"
    )


def _clock_skew(details: Details) -> str:
    skew = details["skew_ms"]
    direction = "fast" if skew > 0 else "slow"
    return f"the client clock is {abs(skew) / 1000:.1f} s {direction} (sentAt - receivedAt)"


def _late_delivery(details: Details) -> str:
    return (
        f"sent {details['delay_ms'] / 60000:.1f} min after it happened (offline queue or retries)"
    )


def _mapping_customized(details: Details) -> str:
    return (
        f"Amplitude stored device_id {show(details['export_device_id'])} where the default "
        f"mapping gives {show(details['dest_device'])}"
    )


def _property_dropped(details: Details) -> str:
    return (
        "[Amplitude] Session Replay ID is on the Segment event but not on the Amplitude event "
        f"({details['export_file']} line {details['export_line']})"
    )


def _not_listed(details: Details) -> str:
    return not_listed_message(details["code"], details["more"])


ID_FIELDS = (DEVICE_ID, USER_ID, REPLAY_DEVICE)

WORDINGS: dict[tuple[str, str | None], Wording] = {
    **{("ID_BLOCKED", field.name): _blocked(field) for field in ID_FIELDS},
    **{("ID_TOO_SHORT", field.name): _too_short(field) for field in ID_FIELDS},
    ("CONTEXT_DEVICE_ID_OVERRIDE", "empty"): _empty_context_device,
    ("CONTEXT_DEVICE_ID_OVERRIDE", "replay"): _context_device(
        "the replay device id", _replay_device
    ),
    ("CONTEXT_DEVICE_ID_OVERRIDE", "anonymous"): _context_device(
        "the anonymousId", lambda details: details["anonymous_id"]
    ),
    (NO_IDS.code, UNDELIVERED): lambda details: _undelivered('context.device.id ""', NO_IDS.reason),
    (SESSION_REFUSED.code, UNDELIVERED): lambda details: _undelivered(
        f"session_id {show(details['session_id_raw'])}", SESSION_REFUSED.reason
    ),
    (NO_IDS.code, NOT_LISTED): _not_listed,
    (SESSION_REFUSED.code, NOT_LISTED): _not_listed,
    **{
        ("RPL_PROPERTY_MALFORMED", problem): _malformed(problem, shown)
        for problem, shown in _replay_problems().items()
    },
    ("RPL_DEVICE_IS_USERID", None): _device_is_userid,
    ("RPL_DEVICE_STALE", None): _device_stale,
    ("SESSION_ID_MISSING", None): _session_missing,
    ("SESSION_ID_BAD_FORMAT", None): _bad_format,
    ("EVENT_BEFORE_SESSION_START", None): _before_session_start,
    ("CLOCK_SKEW", None): _clock_skew,
    ("LATE_DELIVERY", None): _late_delivery,
    ("DEVICE_MAPPING_CUSTOMIZED", None): _mapping_customized,
    ("RPL_PROPERTY_DROPPED", None): _property_dropped,
}
