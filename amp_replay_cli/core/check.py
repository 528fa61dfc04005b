"""`check`: does Amplitude have `[Amplitude] Replay Captured` for this user, device or session?

Amplitude creates that event server-side when a replay arrives (spec/api/APIS.md §3.3); the
Dashboard REST API finds it (§2). For a user: usersearch (exact user_id, filtered here, as the
API also returns prefix matches), then useractivity paged with `offset` until the time window
is covered — which also shows whether the session's analytics events carry the replay id. For a
device or a session: event segmentation filtered on `[Amplitude] Session Replay ID`, grouped by
it, and a second count per replay of the events carrying it. `--wait` polls until found or the
deadline passes; sleep and clock are injected so tests never wait.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from amp_replay_cli.core.amplitude import (
    Client,
    Endpoints,
    Reply,
    RetryBudget,
    RetryPolicy,
    auth_failure,
    check_key,
    secret_forms,
)
from amp_replay_cli.core.errors import AuthError, NetworkError, UsageError
from amp_replay_cli.core.findings import Finding, Report, Severity
from amp_replay_cli.core.times import epoch_ms, parse_instant
from amp_replay_cli.core.wire import REPLAY_CAPTURED, REPLAY_ID_PROPERTY, REST_QUERIES_PER_HOUR

ACTIVITY_PAGE = 1000
MAX_ACTIVITY_PAGES = 50  # 50,000 events of one user: beyond that, say the window was not covered
MAX_LINK_CHECKS = 20
KEY_NAMES = "AMPLITUDE_API_KEY and AMPLITUDE_SECRET_KEY"


@dataclass(frozen=True)
class CheckSettings:
    api_key: str
    secret_key: str
    endpoints: Endpoints
    user_id: str | None = None
    device_id: str | None = None
    session_id: int | None = None
    start: dt.datetime | None = None  # UTC; None: `since` before now
    end: dt.datetime | None = None
    since: dt.timedelta = dt.timedelta(days=7)
    wait: float = 0.0  # seconds to keep polling
    interval: float = 10.0


@dataclass
class Replay:
    replay_id: str
    device_id: str
    session_id: str
    # UTC, as Amplitude gives it: a time from useractivity, a day from segmentation.
    event_time: str | None
    user_id: str | None = None
    amplitude_id: int | None = None
    linked: bool | None = None  # None: no analytics events of the session to judge by
    linked_events: int = 0
    session_events: int = 0

    def row(self) -> dict[str, Any]:
        return {
            "replay_id": self.replay_id,
            "device_id": self.device_id,
            "session_id": self.session_id,
            "event_time": self.event_time,
            "user_id": self.user_id,
            "amplitude_id": self.amplitude_id,
            "linked": self.linked,
            "linked_events": self.linked_events,
            "session_events": self.session_events,
        }


@dataclass
class _Search:
    """What one attempt found."""

    replays: list[Replay] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    covered: bool = True


def check(
    settings: CheckSettings,
    transport: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_wait: Callable[[int, float, float], None] | None = None,
) -> Report:
    report = Report(command="check")
    report.secrets.update(secret_forms(settings.api_key, settings.secret_key))
    check_key(settings.api_key, "the API key")
    check_key(settings.secret_key, "the secret key")
    _check_sendable(settings.user_id, "--user-id")
    _check_sendable(settings.device_id, "--device-id")
    start, end = _window(settings)
    subject = _subject(settings)
    report.subjects = [subject]
    try:
        search, attempts = _poll(settings, start, end, transport, sleep, clock, on_wait)
    except (AuthError, NetworkError) as error:
        report.fatal = error  # the report keeps the secrets, to mask them in what servers echo
        return report
    report.findings.extend(search.findings)
    window = f"between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC"
    if search.replays:
        for replay in search.replays:
            if replay.linked is False:
                report.findings.append(
                    Finding(
                        "AR703",
                        Severity.WARNING,
                        f"replay {replay.replay_id}: none of the session's "
                        f"{replay.session_events} analytics events carries {REPLAY_ID_PROPERTY}, "
                        "so they do not link to the replay",
                        hint="run amp-replay diagnose on the Segment events of this session",
                    )
                )
        report.headline = (
            f"found {len(search.replays)} replay{'s' if len(search.replays) != 1 else ''} for "
            f"{subject} {window}"
        )
    else:
        waited = f" after {attempts} attempts over {settings.wait:.0f} s" if attempts > 1 else ""
        if not any(finding.code == "AR702" for finding in search.findings):
            report.findings.append(
                Finding(
                    "AR701",
                    Severity.ERROR,
                    f"no {REPLAY_CAPTURED} event for {subject} {window}{waited}",
                    hint=_not_found_hint(settings),
                )
            )
        report.headline = f"no replay found for {subject}"
    report.result = {
        "query": {
            "user_id": settings.user_id,
            "device_id": settings.device_id,
            "session_id": settings.session_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "server": settings.endpoints.describe(),
        },
        "attempts": attempts,
        "window_covered": search.covered,
        "replays": [replay.row() for replay in search.replays],
    }
    report.summary = {
        "replays": len(search.replays),
        "linked": sum(replay.linked is True for replay in search.replays),
        "not_linked": sum(replay.linked is False for replay in search.replays),
        "attempts": attempts,
    }
    return report


def _check_sendable(value: str | None, option: str) -> None:
    """An id goes into a query string as UTF-8, which cannot hold a lone surrogate (JavaScript's
    encodeURIComponent throws on one too): no request can ask Amplitude about such an id."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UsageError(
            f"{option} holds the lone surrogate U+{ord(value[error.start]):04X} at character "
            f"{error.start + 1}, which no request to Amplitude can carry",
            hint="pass the id as Amplitude stores it (a lone surrogate is half of a character)",
        ) from None


def _window(settings: CheckSettings) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc)
    end = settings.end or now
    start = settings.start or end - settings.since
    return start, end


def _subject(settings: CheckSettings) -> str:
    if settings.user_id is not None:
        subject = f"user {settings.user_id!r}"
    else:
        subject = f"device {settings.device_id!r}"
    return subject + (
        f" in session {settings.session_id}" if settings.session_id is not None else ""
    )


def _series_label(label: Any) -> str:
    """A group's label: Amplitude writes it as a string, or as an `[index, label]` pair."""
    if isinstance(label, list) and label:
        label = label[-1]
    return label if isinstance(label, str) else str(label)


def _poll(
    settings: CheckSettings,
    start: dt.datetime,
    end: dt.datetime,
    transport: Any,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    on_wait: Callable[[int, float, float], None] | None,
) -> tuple[_Search, int]:
    """Search until a replay is found or `--wait` runs out; the last search and the attempts.

    Polls are spaced so that a long wait stays inside Amplitude's REST limit: an attempt that
    made N queries waits at least N * 10 s (360 an hour), whatever `--interval` says."""
    deadline = clock() + settings.wait
    attempts = 0
    with Client(
        settings.endpoints, RetryBudget(50), RetryPolicy(timeout=30.0), transport, sleep=sleep
    ) as client:
        finder = _Finder(client, settings, start, end)
        while True:
            attempts += 1
            before = finder.queries
            search = finder.search()
            floor = (finder.queries - before) * 3600 / REST_QUERIES_PER_HOUR
            interval = max(settings.interval, floor)
            if search.replays or clock() + interval > deadline:
                return search, attempts
            if on_wait is not None:
                on_wait(attempts, deadline - clock(), interval)
            sleep(interval)


def _not_found_hint(settings: CheckSettings) -> str:
    return (
        "replays appear some minutes after upload (use --wait); check the zone "
        f"({settings.endpoints.describe()}) and that the session was sampled (amp-replay simulate)"
    )


class _Finder:
    def __init__(
        self, client: Client, settings: CheckSettings, start: dt.datetime, end: dt.datetime
    ):
        self.client = client
        self.settings = settings
        self.start, self.end = start, end
        self.queries = 0  # REST queries made, against Amplitude's hourly limit

    def search(self) -> _Search:
        if self.settings.user_id is not None:
            return self.by_user(self.settings.user_id)
        return self.by_device(self.settings.device_id or "")

    # -- users: usersearch, then useractivity --------------------------------------------------
    def by_user(self, user_id: str) -> _Search:
        search = _Search()
        reply = self.get("/api/2/usersearch", {"user": user_id})
        matches = [
            match
            for match in (reply.get("matches") or [])
            if isinstance(match, dict)
            and match.get("user_id") == user_id
            and isinstance(match.get("amplitude_id"), int)
        ]
        if not matches:
            others = len(reply.get("matches") or [])
            search.findings.append(
                Finding(
                    "AR702",
                    Severity.ERROR,
                    f"Amplitude has no user with user_id {user_id!r}"
                    + (
                        f" ({others} other users match it as a prefix or device id)"
                        if others
                        else ""
                    ),
                    hint=(
                        "events with this user id may not have arrived yet (--wait), "
                        "or the id differs in Amplitude"
                    ),
                )
            )
            return search
        if len(matches) > 1:
            amplitude_ids = ", ".join(str(match["amplitude_id"]) for match in matches)
            search.findings.append(
                Finding(
                    "AR704",
                    Severity.INFO,
                    f"{len(matches)} Amplitude users have user_id {user_id!r} "
                    f"(amplitude_ids {amplitude_ids}); all are checked",
                )
            )
        for match in matches:
            events, covered = self.activity(match["amplitude_id"])
            search.covered = search.covered and covered
            search.replays.extend(self.replays_in(events, match["amplitude_id"], user_id))
        if not search.covered:
            search.findings.append(
                Finding(
                    "AR705",
                    Severity.WARNING,
                    f"stopped after {MAX_ACTIVITY_PAGES * ACTIVITY_PAGE:,} events of the "
                    "user without reaching the start of the window",
                    hint="narrow it with --start/--end",
                )
            )
        return search

    def activity(self, amplitude_id: int) -> tuple[list[dict[str, Any]], bool]:
        """The user's events in the window, most recent first;
        and whether the window was covered."""
        start_ms, end_ms = epoch_ms(self.start), epoch_ms(self.end)
        kept: dict[str, dict[str, Any]] = {}
        offset = 0
        for _ in range(MAX_ACTIVITY_PAGES):
            reply = self.get(
                "/api/2/useractivity",
                {"user": amplitude_id, "offset": offset, "limit": ACTIVITY_PAGE},
            )
            page = [event for event in (reply.get("events") or []) if isinstance(event, dict)]
            for event in page:
                moment = _time_ms(event.get("event_time"))
                if moment is not None and start_ms <= moment <= end_ms:
                    kept.setdefault(
                        str(event.get("uuid") or event.get("$insert_id") or id(event)), event
                    )
            oldest = min(
                (_time_ms(event.get("event_time")) or end_ms for event in page), default=start_ms
            )
            if len(page) < ACTIVITY_PAGE or oldest < start_ms:
                return list(kept.values()), True
            offset += len(page)  # Amplitude may return more than the limit, to keep sessions whole
        return list(kept.values()), False

    def replays_in(
        self, events: list[dict[str, Any]], amplitude_id: int, user_id: str
    ) -> list[Replay]:
        sessions: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            sessions.setdefault(str(event.get("session_id")), []).append(event)
        found: dict[str, Replay] = {}
        for event in events:
            properties = event.get("event_properties") or {}
            replay_id = properties.get(REPLAY_ID_PROPERTY) if isinstance(properties, dict) else None
            if (
                event.get("event_type") != REPLAY_CAPTURED
                or not isinstance(replay_id, str)
                or replay_id in found
            ):
                continue
            device_id, _, session_id = replay_id.rpartition("/")
            if self.settings.session_id is not None and session_id != str(self.settings.session_id):
                continue
            replay = Replay(
                replay_id,
                device_id,
                session_id,
                event.get("event_time"),
                event.get("user_id") or user_id,
                amplitude_id,
            )
            analytics = [
                other
                for other in sessions.get(session_id, [])
                if other.get("event_type") != REPLAY_CAPTURED
            ]
            replay.session_events = len(analytics)
            replay.linked_events = sum(
                1
                for other in analytics
                if (other.get("event_properties") or {}).get(REPLAY_ID_PROPERTY) == replay_id
            )
            replay.linked = None if not analytics else replay.linked_events > 0
            found[replay_id] = replay
        return sorted(found.values(), key=lambda replay: str(replay.event_time), reverse=True)

    # -- devices and sessions: event segmentation ---------------------------------------------
    def by_device(self, device_id: str) -> _Search:
        search = _Search()
        if self.settings.session_id is not None:
            wanted = {
                "subprop_op": "is",
                "subprop_value": [f"{device_id}/{self.settings.session_id}"],
            }
        else:
            wanted = {"subprop_op": "contains", "subprop_value": [f"{device_id}/"]}
        event = {
            "event_type": REPLAY_CAPTURED,
            "group_by": [{"type": "event", "value": REPLAY_ID_PROPERTY}],
            "filters": [{"subprop_type": "event", "subprop_key": REPLAY_ID_PROPERTY, **wanted}],
        }
        data = self.segmentation(event)
        days = data.get("xValues") or []
        labels = data.get("seriesLabels") or []
        series = data.get("series") or []
        # Not strict: the reply is Amplitude's, and one with fewer series than labels, or fewer
        # counts than days, still names the replays it has; a mismatch must not crash `check`.
        for label, counts in zip(labels, series, strict=False):
            replay_id = _series_label(label)
            found_device, _, session_id = replay_id.rpartition("/")
            # `contains` also matches longer device ids that end the same.
            if found_device != device_id:
                continue
            seen = [day for day, count in zip(days, counts, strict=False) if count]
            search.replays.append(
                Replay(replay_id, found_device, session_id, seen[0] if seen else None)
            )
        for replay in search.replays[:MAX_LINK_CHECKS]:
            self.link_counts(replay)
        return search

    def link_counts(self, replay: Replay) -> None:
        """Events of any type carrying the replay id, less the Replay Captured event itself."""
        event = {
            "event_type": "_all",
            "filters": [
                {
                    "subprop_type": "event",
                    "subprop_key": REPLAY_ID_PROPERTY,
                    "subprop_op": "is",
                    "subprop_value": [replay.replay_id],
                }
            ],
        }
        # `series` holds the event totals per day; `seriesCollapsed` counts unique users.
        series = self.segmentation(event).get("series") or []
        total = sum(
            count
            for counts in series
            if isinstance(counts, list)
            for count in counts
            if isinstance(count, (int, float)) and not isinstance(count, bool)
        )
        replay.linked_events = max(0, int(total) - 1)
        # Events without the id are not visible this way.
        replay.linked = True if replay.linked_events else None

    def segmentation(self, event: dict[str, Any]) -> dict[str, Any]:
        reply = self.get(
            "/api/2/events/segmentation",
            {
                "e": json.dumps(event, separators=(",", ":")),
                "m": "totals",
                "i": "1",
                "limit": "1000",
                "start": f"{self.start:%Y%m%d}",
                "end": f"{self.end:%Y%m%d}",
            },
        )
        data = reply.get("data")
        return data if isinstance(data, dict) else {}

    # -- HTTP ----------------------------------------------------------------------------------
    def get(self, path: str, parameters: dict[str, Any]) -> dict[str, Any]:
        settings = self.settings
        self.queries += 1
        url = settings.endpoints.rest(path) + "?" + urlencode(parameters)
        reply = self.client.send("GET", url, [("Accept", "application/json")], auth=self.auth())
        if reply.status in (401, 403):
            raise self.auth_error(reply, path, parameters)
        if reply.status != 200:
            raise NetworkError(
                f"GET {path} at {settings.endpoints.describe()}: HTTP {reply.status}: "
                f"{reply.text() or '(no body)'}"
            )
        body = reply.json()
        if not isinstance(body, dict):
            raise NetworkError(
                f"GET {path} at {settings.endpoints.describe()}: the reply is not a JSON object"
            )
        return body

    def auth(self) -> tuple[str, str]:
        return (self.settings.api_key, self.settings.secret_key)

    def auth_error(self, reply: Reply, path: str, parameters: dict[str, Any]) -> AuthError:
        """401/403: and if the keys work in the other zone (asked once), say so."""
        other = self.settings.endpoints.other_zone()
        if other is not None:
            try:
                probe = self.client.send(
                    "GET",
                    other.rest(path) + "?" + urlencode(parameters),
                    [("Accept", "application/json")],
                    auth=self.auth(),
                )
            except NetworkError:
                probe = None
            if probe is not None and probe.status == 200:
                return AuthError(
                    f"the keys belong to a project in zone {other.zone}, "
                    f"not {self.settings.endpoints.zone}",
                    hint=(
                        f"add --server-zone {other.zone} "
                        f"(or set AMPLITUDE_SERVER_ZONE={other.zone})"
                    ),
                )
        return auth_failure(reply, self.settings.endpoints, "API key and secret key", KEY_NAMES)


def _time_ms(text: Any) -> int | None:
    """Amplitude's "2026-11-29 10:00:00.123456" (UTC) as epoch milliseconds."""
    moment = parse_instant(text) if isinstance(text, str) else None
    return None if moment is None else epoch_ms(moment)


def parse_moment(text: str, option: str, end_of_day: bool = False) -> dt.datetime:
    """A date (YYYY-MM-DD: its start, or with `end_of_day` its last millisecond)
    or an ISO date-time; UTC unless it says otherwise."""
    moment = parse_instant(text)
    if moment is None:
        raise UsageError(
            f"{option} {text!r} is not a date", hint="write 2026-11-29 or 2026-11-29T14:30"
        )
    if end_of_day and len(text.strip()) == 10:
        moment += dt.timedelta(days=1, milliseconds=-1)
    return moment
