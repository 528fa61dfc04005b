"""The rules that one event settles on its own: they report as the event is read.

Part of the oracle (tests/oracle): the specification of sql/event_rules.py, never shipped.
"""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import (
    AMPLITUDE_EVENT_TYPES,
    ID_SENDING_TYPES,
    NO_SESSION,
    SESSION_REFUSED,
    Undelivered,
)
from amp_replay_cli.core.identity.inputs import AmplitudeExport, ExportRow, key_text
from amp_replay_cli.core.identity.messages import DEVICE_ID, REPLAY_DEVICE, USER_ID, IdField
from amp_replay_cli.core.identity.session_ids import format_problem, why_no_session_id
from amp_replay_cli.core.identity.thresholds import Thresholds
from amp_replay_cli.core.jsvalues import show
from amp_replay_cli.core.wire import is_blocked_id
from tests.oracle.model import Event, id_text
from tests.oracle.reporter import Reporter

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


class EventRules:
    def __init__(self, thresholds: Thresholds, reporter: Reporter, export: AmplitudeExport | None):
        self._thresholds = thresholds
        self._reporter = reporter
        self._export = export

    def check(self, event: Event) -> None:
        if event.undelivered is not None:
            # What Amplitude would do with its ids is moot; the browser's side still counts.
            self._undelivered(event, event.undelivered)
            if event.has_replay_property:
                self._replay_property(event)
            self._timing(event)
            return
        if event.type in ID_SENDING_TYPES:
            self._ids(event)
            self._context_device(event)
        if event.has_replay_property:
            self._replay_property(event)
        self._session_id(event)
        self._timing(event)
        if self._export is not None and event.type in AMPLITUDE_EVENT_TYPES:
            self._against_export(event, self._export)

    def _ids(self, event: Event) -> None:
        checks = [(DEVICE_ID, event.dest_device), (USER_ID, event.dest_user)]
        if event.replay_id is not None:
            checks.append((REPLAY_DEVICE, event.rp_device))
        min_length = self._thresholds.min_id_length
        for id_field, value in checks:
            if value is None:
                continue
            text = id_text(value)
            if is_blocked_id(text):
                message = (
                    f"{id_field.label} {show(text)} is on Amplitude's invalid-id list: "
                    f"{id_field.blocked_effect}"
                )
                self._reporter.about_event(
                    "ID_BLOCKED", ERROR, message, event, _id_evidence(id_field, text), id_field.name
                )
            elif len(text) < min_length:
                message = (
                    f"{id_field.label} {show(text)} has {len(text)} characters, fewer than "
                    f"min_id_length {min_length}: {id_field.short_effect}"
                )
                self._reporter.about_event(
                    "ID_TOO_SHORT",
                    id_field.short_severity,
                    message,
                    event,
                    _id_evidence(id_field, text),
                    id_field.name,
                )

    def _undelivered(self, event: Event, undelivered: Undelivered) -> None:
        """The one error about an event that never reaches Amplitude; it is in no session."""
        if undelivered is SESSION_REFUSED:
            subject = f"session_id {show(event.session_raw)}"
            evidence = {"session_id_raw": event.session_raw}
        else:
            subject = 'context.device.id ""'
            evidence = {"context_device_id": event.context_device_id}
        self._reporter.undelivered_event(
            undelivered.code,
            f"{subject}: {undelivered.reason}; the event is never delivered",
            event,
            evidence,
        )

    def _context_device(self, event: Event) -> None:
        if not (event.is_browser and event.has_context_device_id):
            return
        if event.context_device_id == "":
            self._reporter.about_event(
                "CONTEXT_DEVICE_ID_OVERRIDE",
                ERROR,
                'context.device.id "" is deleted before sending, so the event has no device_id: '
                f"Amplitude derives one from userId {show(event.user_id)}, which no replay "
                "device id matches",
                event,
                {"context_device_id": ""},
            )
            return
        replay_device = event.rp_device if event.replay_id is not None else None
        compared = replay_device if replay_device is not None else event.anonymous_id
        if event.context_device_id != compared:
            other = "the replay device id" if replay_device is not None else "the anonymousId"
            self._reporter.about_event(
                "CONTEXT_DEVICE_ID_OVERRIDE",
                ERROR,
                f"context.device.id {show(event.context_device_id)} becomes Amplitude's "
                f"device_id, while {other} is {show(compared)}",
                event,
                {"context_device_id": event.context_device_id},
            )

    def _replay_property(self, event: Event) -> None:
        value = event.replay_value
        if event.replay_problem is not None:
            self._reporter.about_event(
                "RPL_PROPERTY_MALFORMED",
                ERROR,
                f"[Amplitude] Session Replay ID {show(value)} cannot be resolved: "
                f"{event.replay_problem}",
                event,
                {"value": value if isinstance(value, (str, type(None))) else show(value)},
            )
            return
        device = event.rp_device
        user = id_text(event.user_id) if event.user_id is not None else None
        if user is not None and device == user and device != id_text(event.dest_device):
            self._reporter.about_event(
                "RPL_DEVICE_IS_USERID",
                ERROR,
                f"the replay device id {show(device)} is the Segment userId; Amplitude's "
                f"device_id for this event is {show(event.dest_device)}",
                event,
                {"replay_id": value},
            )
        elif device != user and not _is_a_browser_id(device, event):
            self._reporter.about_event(
                "RPL_DEVICE_STALE",
                ERROR,
                f"the replay device id {show(device)} is none of this event's ids (userId "
                f"{show(event.user_id)}, anonymousId {show(event.anonymous_id)}): an earlier "
                "identity labels this browsing, a privacy problem too",
                event,
                {"replay_id": value},
            )

    def _session_id(self, event: Event) -> None:
        if not event.has_session:
            if event.is_browser and event.type in ("track", "page", "identify"):
                why = why_no_session_id(event.library_version, event.integrations_all_false)
                self._reporter.about_event(
                    "SESSION_ID_MISSING",
                    ERROR,
                    'no integrations["Actions Amplitude"].session_id, so Amplitude gets '
                    f"session_id -1: {why}",
                    event,
                )
            return
        problem = format_problem(event.session_raw, event.dest_session)
        if problem:
            self._reporter.about_event(
                "SESSION_ID_BAD_FORMAT",
                ERROR,
                f"session_id {show(event.session_raw)} {problem}",
                event,
                {"session_id_raw": event.session_raw},
            )
            return
        session = event.dest_session
        if (
            event.type in AMPLITUDE_EVENT_TYPES
            and event.timestamp_ms is not None
            and session != NO_SESSION
            and event.timestamp_ms < session - self._thresholds.session_start_tolerance_ms
        ):
            ahead = (session - event.timestamp_ms) / 1000
            self._reporter.about_event(
                "EVENT_BEFORE_SESSION_START",
                WARNING,
                f"the event is dated {ahead:.1f} s before its session {session} started "
                "(session ids use the uncorrected client clock)",
                event,
                {"seconds": round(ahead, 1)},
            )

    def _timing(self, event: Event) -> None:
        if event.sent_ms is not None and event.received_ms is not None:
            skew = event.sent_ms - event.received_ms
            if abs(skew) > self._thresholds.skew_threshold_ms:
                direction = "fast" if skew > 0 else "slow"
                self._reporter.about_event(
                    "CLOCK_SKEW",
                    WARNING,
                    f"the client clock is {abs(skew) / 1000:.1f} s {direction} "
                    "(sentAt - receivedAt)",
                    event,
                    {"skew_ms": skew},
                )
        if event.sent_ms is not None and event.client_ms is not None:
            delay = event.sent_ms - event.client_ms
            if delay > self._thresholds.late_delivery_ms:
                self._reporter.about_event(
                    "LATE_DELIVERY",
                    INFO,
                    f"sent {delay / 60000:.1f} min after it happened (offline queue or retries)",
                    event,
                    {"delay_ms": delay},
                )

    def _against_export(self, event: Event, export: AmplitudeExport) -> None:
        """Compare with the Amplitude events the destination made of this call: the main one,
        and for Order Completed the "Product Purchased" ones (their event_properties are the
        product, so they never carry the replay property)."""
        main, *products = event.amplitude_event_types
        row = _match(export, main, event.timestamp_ms, event.dest_user, event.replay_id)
        if row is not None:
            self._exported(event, row, main=True)
        if products:
            row = _match(export, products[0], event.timestamp_ms, event.dest_user, None)
            if row is not None:
                self._exported(event, row, main=False)

    def _exported(self, event: Event, row: ExportRow, main: bool) -> None:
        if row.device_id != event.dest_device:
            self._reporter.about_event(
                "DEVICE_MAPPING_CUSTOMIZED",
                ERROR,
                f"Amplitude stored device_id {show(row.device_id)} where the default mapping "
                f"gives {show(event.dest_device)}",
                event,
                {"export_line": row.line, "export_device_id": row.device_id},
            )
        if main and event.has_replay_property and not row.has_replay_property:
            self._reporter.about_event(
                "RPL_PROPERTY_DROPPED",
                ERROR,
                "[Amplitude] Session Replay ID is on the Segment event but not on the Amplitude "
                f"event ({row.file} line {row.line})",
                event,
                {"export_line": row.line},
            )


def _match(
    export: AmplitudeExport,
    event_type: Any,
    time_ms: int | None,
    user_id: Any,
    replay_id: str | None,
) -> ExportRow | None:
    """The export row of an Amplitude event: by (event type, time, user), else by replay id."""
    if time_ms is not None:
        # A track's event name may be any JSON value: keyed as the export's fields are.
        row = export.by_key.get((key_text(event_type), time_ms, user_id))
        if row is not None:
            return row
    return export.by_replay_id.get(replay_id) if replay_id else None


def _id_evidence(id_field: IdField, text: str) -> dict[str, str]:
    return {"field": id_field.name, "value": text}


def _is_a_browser_id(device: str | None, event: Event) -> bool:
    """Whether `device` is one of the ids the browser had when it sent the event."""
    anonymous, context_device = event.anonymous_id, event.context_device_id
    return (anonymous is not None and id_text(anonymous) == device) or (
        context_device is not None and id_text(context_device) == device
    )
