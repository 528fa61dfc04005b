"""A wrong and a right example for every code of the catalog (codes.py), keyed by code.

`amp-replay rule CODE` prints them. They are tested (tests/test_examples.py): every code has
one; validate's option snippets, simulate's and diagnose's inputs and upload's recordings are run
through their command, the wrong one must produce the code and the right one must not.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any


class ExampleKind(str, enum.Enum):
    """What an example is, so that it can be shown (and tested) as that."""

    OPTIONS = "options"
    COMMAND = "command"
    REMOTE_CONFIG = "remote-config"
    SESSIONS = "sessions"
    SEGMENT_EVENTS = "segment-events"
    RECORDING = "recording"
    SITUATION = "situation"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ExampleKind.OPTIONS: "sessionReplayOptions, YAML",
    ExampleKind.COMMAND: "command line",
    ExampleKind.REMOTE_CONFIG: "remote configuration, the GET /config response",
    ExampleKind.SESSIONS: "simulate --sessions-file",
    ExampleKind.SEGMENT_EVENTS: "Segment events, one JSON object a line",
    ExampleKind.RECORDING: "recording, JSON",
    ExampleKind.SITUATION: "situation",
}


@dataclass(frozen=True)
class Example:
    kind: ExampleKind
    wrong: str
    right: str
    sdk: str | None = None  # OPTIONS: the SDK line (validate --sdk) when the shape does not say


def _options(wrong: str, right: str, sdk: str | None = None) -> Example:
    return Example(ExampleKind.OPTIONS, wrong, right, sdk)


def _situation(wrong: str, right: str) -> Example:
    return Example(ExampleKind.SITUATION, wrong, right)


# -- Segment events: one browser, one session; each example changes what it is about ------------
_ANONYMOUS, _USER, _SESSION = "anon-7f3a91", "user-42", 1767261600000
_REPLAY = f"{_ANONYMOUS}/{_SESSION}"
_BROWSER = {"library": {"name": "analytics.js", "version": "npm:next-1.84.3"}}


def _event(**changes: Any) -> dict[str, Any]:
    """A track event of the session; `changes` replace fields (None removes one)."""
    event: dict[str, Any] = {
        "type": "track",
        "event": "Signed Up",
        "anonymousId": _ANONYMOUS,
        "userId": _USER,
        "timestamp": "2026-01-01T10:00:05.000Z",
        "context": _BROWSER,
        "integrations": {"Actions Amplitude": {"session_id": _SESSION}},
        "properties": {"[Amplitude] Session Replay ID": _REPLAY},
    }
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


def _session(value: Any) -> dict[str, Any]:
    return {"Actions Amplitude": {"session_id": value}}


def _replay(value: Any) -> dict[str, Any]:
    return {"[Amplitude] Session Replay ID": value}


def _events(*events: dict[str, Any]) -> str:
    return "\n".join(json.dumps(event, separators=(",", ":")) for event in events)


def _identity(wrong: list[dict[str, Any]], right: list[dict[str, Any]]) -> Example:
    return Example(ExampleKind.SEGMENT_EVENTS, _events(*wrong), _events(*right))


# -- recordings: rrweb events as an export holds them -------------------------------------------
_T = 1767261600000
_META = {"type": 4, "timestamp": _T, "data": {"href": "https://shop.example.com/", "width": 1280}}
_FULL = {"type": 2, "timestamp": _T + 5, "data": {"node": {"type": 0, "childNodes": []}}}


def _incremental(offset: int) -> dict[str, Any]:
    return {"type": 3, "timestamp": _T + offset, "data": {"source": 2, "type": 2, "id": 1}}


def _recording(wrong: Any, right: Any = None) -> Example:
    right = [_META, _FULL, _incremental(900)] if right is None else right
    as_text = [value if isinstance(value, str) else json.dumps(value) for value in (wrong, right)]
    return Example(ExampleKind.RECORDING, *as_text)


EXAMPLES: dict[str, Example] = {
    # -- validate ----------------------------------------------------------------------------
    "AR101": _options("sampleRate: 0\n", "sampleRate: 0.05\n"),
    "AR102": _options("sampleRate: -0.5\n", "sampleRate: 0.5\n"),
    "AR103": _options("sampleRate: '0.05'\n", "sampleRate: 0.05\n"),
    "AR104": _options("sampleRate: 1\n", "sampleRate: 0.05\n"),
    "AR105": _options("sampleRate: 0.1234567\n", "sampleRate: 0.123457\n"),
    "AR110": _options(
        "privacyConfig:\n  maskLevel: conservative\n",
        "privacyConfig:\n  defaultMaskLevel: conservative\n",
    ),
    "AR111": _options("sampleRate: 0.05\nflushQueueSize: 30\n", "sampleRate: 0.05\n"),
    "AR112": _options(
        "sampleRate: 0.05\ninteractionConfig:\n  enabled: true\n", "sampleRate: 0.05\n"
    ),
    "AR113": _options("experimental:\n  useWebWorker: true\n", "useWebWorker: true\n"),
    "AR114": _options(
        "sampleRate: 0.05\nforceSessionTracking: true\n", "sampleRate: 0.05\n", sdk="standalone"
    ),
    "AR120": _options("useWebWorker: 'false'\n", "useWebWorker: false\n"),
    "AR121": _options("sampleRate: 0.05\nsampleRate: 0.5\n", "sampleRate: 0.05\n"),
    "AR122": _options("sampleRate: 1e-2\n", "sampleRate: 0.01\n"),
    "AR130": _options("flushMaxRetries: 0\n", "flushMaxRetries: 2\n"),
    "AR140": _options(
        "privacyConfig:\n  maskSelector: '.pii'\n", "privacyConfig:\n  maskSelector: ['.pii']\n"
    ),
    "AR141": _options(
        "privacyConfig:\n  maskSelector: ['']\n", "privacyConfig:\n  maskSelector: ['.pii']\n"
    ),
    "AR142": _options(
        "privacyConfig:\n  unmaskSelector: ['.customer-name']\n",
        "privacyConfig:\n  unmaskSelector: ['.amp-unmask']\n",
    ),
    "AR143": _options(
        "privacyConfig:\n  defaultMaskLevel: strict\n",
        "privacyConfig:\n  defaultMaskLevel: conservative\n",
    ),
    "AR144": _options(
        "privacyConfig:\n  urlMaskLevels:\n    - maskLevel: conservative\n",
        "privacyConfig:\n  urlMaskLevels:\n    - match: 'https://shop.example.com/checkout/*'\n"
        "      maskLevel: conservative\n",
    ),
    "AR145": _options(
        "privacyConfig:\n  maskAttributes: [style]\n", "privacyConfig:\n  maskAttributes: [title]\n"
    ),
    "AR150": _options(
        "interactionConfig:\n  ugcFilterRules:\n    - selector: 'https://shop.example.com/users/*'\n",
        "interactionConfig:\n  ugcFilterRules:\n    - selector: 'https://shop.example.com/users/*'\n"
        "      replacement: 'https://shop.example.com/users/user'\n",
    ),
    "AR160": _options("serverZone: eu\n", "serverZone: EU\n"),
    "AR161": _options(
        "trackServerUrl: 'replay-proxy.example.com/track'\n",
        "trackServerUrl: 'https://replay-proxy.example.com/track'\n",
    ),
    "AR170": _options("sampleRate: 0.05\ndeviceId: ''\n", "sampleRate: 0.05\n", sdk="plugin"),
    "AR171": _options("sampleRate: 0.05\noptOut: true\n", "sampleRate: 0.05\n"),
    "AR172": _options(
        "amplitudeApiKey: 0123456789abcdef0123456789abcdef\nsegmentInstance: analytics\n"
        "sessionReplayOptions:\n  sampleRate: 0.05\n",
        "sampleRate: 0.05\n",
    ),
    "AR180": _options("debugMode: true\n", "debugMode: false\n"),
    "AR181": _options(
        "sampleRate: 0.05\nenableTransportCompression: false\n", "sampleRate: 0.05\n"
    ),
    "AR182": _options("captureDocumentTitle: true\n", "captureDocumentTitle: false\n"),
    "AR183": _options(
        "flushIntervalConfig:\n  minIntervalMs: 50\n",
        "flushIntervalConfig:\n  minIntervalMs: 1000\n  maxIntervalMs: 10000\n",
    ),
    "AR184": _options("sampleRate: 0.05\nmaxPersistedEventsSizeBytes: 100\n", "sampleRate: 0.05\n"),
    "AR185": _options("sampleRate: 0.05\nfullSnapshotIntervalMs: 1000\n", "sampleRate: 0.05\n"),
    "AR186": _options(
        "performanceConfig:\n  timeout: 500\n",
        "performanceConfig:\n  enabled: true\n  timeout: 500\n",
    ),
    "AR187": _options("storeType: localStorage\n", "storeType: idb\n"),
    "AR190": _options("sampleRate: 0.05\nsecretKey: 0123456789abcdef\n", "sampleRate: 0.05\n"),
    "AR191": _options("sampleRate: 0.05\nhandleSendEvents: fetchWithAuth\n", "sampleRate: 0.05\n"),
    "AR192": Example(
        ExampleKind.COMMAND,
        "amp-replay validate . --exclude 'biuld/**'",
        "amp-replay validate . --exclude 'build/**'",
    ),
    "AR193": _options(
        "sampleRate: 0.05  # amp-replay: ignore[AR104]\n",
        "sampleRate: 1  # amp-replay: ignore[AR104]\n",
    ),
    "AR194": _options(
        "sampleRate: 1  # amp-replay: ignore[AR1O4]\n",
        "sampleRate: 1  # amp-replay: ignore[AR104]\n",
    ),
    # -- simulate ----------------------------------------------------------------------------
    "AR201": Example(
        ExampleKind.REMOTE_CONFIG,
        '{"configs": {"sessionReplay": {"sr_sampling_config": '
        '{"capture_enabled": false, "sample_rate": 0.05}}}}',
        '{"configs": {"sessionReplay": {"sr_sampling_config": '
        '{"capture_enabled": true, "sample_rate": 0.05}}}}',
    ),
    "AR202": Example(
        ExampleKind.COMMAND,
        "amp-replay simulate --generate 100 --sample-rate 0.05 --remote-config remote.json  "
        '# remote.json: {"sr_sampling_config": {"capture_enabled": true, "sample_rate": 0.5}}',
        "amp-replay simulate --generate 100 --remote-config remote.json  "
        "# the rate in effect is the remote one: simulate that",
    ),
    "AR203": Example(
        ExampleKind.REMOTE_CONFIG,
        '{"configs": {"sessionReplay": {"sr_sampling_config": '
        '{"capture_enabled": true, "sample_rate": 0.05}, '
        '"sr_targeting_config": {"key": "sr_targeting"}}}}',
        '{"configs": {"sessionReplay": {"sr_sampling_config": '
        '{"capture_enabled": true, "sample_rate": 0.05}}}}',
    ),
    "AR204": Example(
        ExampleKind.COMMAND,
        "amp-replay simulate --generate 100 --sample-rate 0",
        "amp-replay simulate --generate 100 --sample-rate 0.05",
    ),
    "AR205": Example(
        ExampleKind.COMMAND,
        "amp-replay simulate --sample-rate 0.05 --session-id 0",
        "amp-replay simulate --sample-rate 0.05 --session-id 1767261600000",
    ),
    "AR206": Example(
        ExampleKind.SESSIONS,
        '[1767261600000, {"id": 1767261600456}]',
        "[1767261600000, 1767261600456]",
    ),
    "AR207": Example(
        ExampleKind.COMMAND,
        "amp-replay simulate --sample-rate 0.05 --segment events.ndjson  "
        '# events without integrations["Actions Amplitude"].session_id',
        "amp-replay simulate --sample-rate 0.05 --segment events.ndjson  "
        '# each event with integrations["Actions Amplitude"].session_id',
    ),
    # -- diagnose input ----------------------------------------------------------------------
    "AR501": Example(
        ExampleKind.SEGMENT_EVENTS,
        _events(_event()) + "\n" + "<html>502 Bad Gateway</html>",
        _events(_event()),
    ),
    # -- upload ------------------------------------------------------------------------------
    "AR601": _recording("<!doctype html><title>Sign in</title>"),
    "AR602": _recording([]),
    "AR603": _recording({"events": ["meta", "snapshot"]}),
    "AR604": _recording([_META, {"timestamp": _T + 5, "data": {}}, _incremental(900)]),
    "AR605": _recording([_META, {"type": 2, "data": {}}, _incremental(900)]),
    "AR606": _recording(
        [{**_META, "timestamp": _T // 1000}, {**_FULL, "timestamp": _T // 1000 + 1}]
    ),
    "AR607": _recording([_META, _incremental(900), _incremental(1900)]),
    "AR608": _recording(
        [_META, _FULL, _incremental(900), _incremental(2 * 3600 * 1000)],
    ),
    "AR609": _situation(
        "a FullSnapshot of 12 MB (a page with inline base64 images and inlineImages: true)",
        "blockSelector on the image gallery and inlineImages off: every event under 9,000,000 "
        "bytes",
    ),
    "AR610": _situation(
        "a file whose JSON nests arrays 5,000 levels deep",
        "rrweb events as the recorder exported them: a few dozen levels at most",
    ),
    "AR611": Example(
        ExampleKind.COMMAND,
        "amp-replay upload recording.json --device-id 'user 42'",
        "amp-replay upload recording.json --device-id user-42",
    ),
    "AR620": _recording([_FULL, _incremental(900)]),
    "AR621": _recording([_META, _incremental(2), _FULL, _incremental(900)]),
    "AR622": _recording([_META, _FULL, _incremental(900), _incremental(400)]),
    "AR623": _recording([_META, _FULL, _incremental(900), _incremental(900)]),
    "AR624": _recording([_META, _FULL, {"type": 42, "timestamp": _T + 900, "data": {}}]),
    "AR625": _situation(
        "a recording captured on 2026-01-01, uploaded on 2026-06-01: replays are kept 90 days",
        "a recording uploaded within 90 days of its capture",
    ),
    "AR630": _situation(
        'Amplitude answers a batch with HTTP 400 {"error": "invalid api_key"}',
        "the project's API key in AMPLITUDE_API_KEY: HTTP 200 for every batch",
    ),
    "AR631": _situation(
        'Amplitude answers HTTP 200 {"code": 4004} (session id out of range)',
        "a session id of epoch milliseconds within the range Amplitude accepts",
    ),
    "AR632": _situation(
        "--link-event 'Replay Uploaded' refused with HTTP 400 (missing user or device id)",
        "--link-event 'Replay Uploaded' --user-id user-42, accepted",
    ),
    "AR633": _situation(
        "a batch answered with the skip header 429 while 16 uploads run at once",
        "the same upload later with --concurrency 2",
    ),
    "AR634": Example(
        ExampleKind.COMMAND,
        "amp-replay upload recording.json  # a second time: the journal skips what was delivered",
        "amp-replay upload recording.json --no-journal  # send everything again, on purpose",
    ),
    "AR635": _situation(
        'a journal line cut short by a full disk: \'{"replay": "anon-7f3a91/17672\'',
        "a journal written by amp-replay alone, one JSON object a line",
    ),
    "AR636": Example(
        ExampleKind.COMMAND,
        "amp-replay upload longer-export.json --device-id anon-7f3a91 --session-id 1767261600000"
        "  # the journal sent other content under this replay id",
        "amp-replay upload longer-export.json --device-id anon-7f3a91 --session-id 1767261600001",
    ),
    # -- check -------------------------------------------------------------------------------
    "AR701": Example(
        ExampleKind.COMMAND,
        "amp-replay check --user-id user-42 --since 1m  # right after the upload",
        "amp-replay check --user-id user-42 --since 1h --wait 10m",
    ),
    "AR702": Example(
        ExampleKind.COMMAND,
        "amp-replay check --user-id 'User-42 '  # not the user_id Amplitude has",
        "amp-replay check --user-id user-42",
    ),
    "AR703": _situation(
        "the session's events reach Amplitude without [Amplitude] Session Replay ID",
        "every track and page event of the session carries [Amplitude] Session Replay ID",
    ),
    "AR704": _situation(
        "two Amplitude users share user_id user-42 (one per device before a merge)",
        "amp-replay check --device-id anon-7f3a91 --session-id 1767261600000: one replay",
    ),
    "AR705": Example(
        ExampleKind.COMMAND,
        "amp-replay check --user-id busy-bot --since 30d",
        "amp-replay check --user-id busy-bot --start 2026-01-01 --end 2026-01-02",
    ),
    # -- diagnose: identity ------------------------------------------------------------------
    "RPL_DEVICE_IS_USERID": _identity(
        [_event(properties=_replay(f"{_USER}/{_SESSION}"))], [_event()]
    ),
    "RPL_DEVICE_SWITCH_IN_SESSION": _identity(
        [
            _event(userId=None),
            _event(timestamp="2026-01-01T10:01:00.000Z", properties=_replay(f"{_USER}/{_SESSION}")),
        ],
        [_event(userId=None), _event(timestamp="2026-01-01T10:01:00.000Z")],
    ),
    "ANON_ID_CHANGED_IN_SESSION": _identity(
        [
            _event(),
            _event(
                anonymousId="anon-b2c4d6",
                timestamp="2026-01-01T10:01:00.000Z",
                properties=_replay(f"anon-b2c4d6/{_SESSION}"),
            ),
        ],
        [
            _event(),
            _event(
                anonymousId="anon-b2c4d6",
                timestamp="2026-01-01T10:01:00.000Z",
                integrations=_session(_SESSION + 60000),
                properties=_replay(f"anon-b2c4d6/{_SESSION + 60000}"),
            ),
        ],
    ),
    "RPL_DEVICE_STALE": _identity(
        [_event(properties=_replay(f"anon-0ld0ne/{_SESSION}"))], [_event()]
    ),
    "CONTEXT_DEVICE_ID_OVERRIDE": _identity(
        [_event(context={**_BROWSER, "device": {"id": "custom-device-9"}})], [_event()]
    ),
    "DEVICE_MAPPING_CUSTOMIZED": _situation(
        "the Amplitude export of the event has device_id user-42 (a custom mapping from userId)",
        "the export has device_id anon-7f3a91: coalesce(context.device.id, anonymousId)",
    ),
    "SESSION_ID_MISSING": _identity([_event(integrations=None)], [_event()]),
    "RPL_SESSION_MISMATCH": _identity(
        [_event(properties=_replay(f"{_ANONYMOUS}/{_SESSION - 600000}"))], [_event()]
    ),
    "SESSION_ID_BAD_FORMAT": _identity(
        [_event(integrations=_session(_SESSION // 1000), properties=None)],
        [_event(properties=None)],
    ),
    "SESSION_CHURN": _identity(
        [
            _event(),
            _event(
                timestamp="2026-01-01T10:00:20.000Z",
                integrations=_session(_SESSION + 15000),
                properties=_replay(f"{_ANONYMOUS}/{_SESSION + 15000}"),
            ),
        ],
        [_event(), _event(timestamp="2026-01-01T10:00:20.000Z")],
    ),
    "SESSION_INTERLEAVED": _identity(
        [
            _event(),
            _event(
                timestamp="2026-01-01T10:00:20.000Z",
                integrations=_session(_SESSION + 10000),
                properties=_replay(f"{_ANONYMOUS}/{_SESSION + 10000}"),
            ),
            _event(timestamp="2026-01-01T10:00:40.000Z"),
        ],
        [
            _event(),
            _event(timestamp="2026-01-01T10:00:20.000Z"),
            _event(timestamp="2026-01-01T10:00:40.000Z"),
        ],
    ),
    "RPL_PROPERTY_MISSING": _identity([_event(properties={})], [_event()]),
    "RPL_PROPERTY_MALFORMED": _identity([_event(properties=_replay(f"{_ANONYMOUS}"))], [_event()]),
    "RPL_PROPERTY_DROPPED": _situation(
        "the Segment event carries [Amplitude] Session Replay ID, the Amplitude export's event "
        "does not (a Protocols tracking plan blocks it)",
        "the property in the tracking plan: the export's event carries it too",
    ),
    "ID_TOO_SHORT": _identity(
        [_event(anonymousId="a1", properties=_replay(f"a1/{_SESSION}"))], [_event()]
    ),
    "ID_BLOCKED": _identity([_event(userId="undefined")], [_event()]),
    "RPL_ORPHANED": _identity([_event(properties=_replay(f"{_USER}/{_SESSION}"))], [_event()]),
    "RPL_NOT_FOUND": _situation(
        "the event's replay id anon-7f3a91/1767261600000 is missing from --replays (the "
        "Session Replay API's list): the browser's uploads were blocked",
        "the replay id is in the Session Replay API's list",
    ),
    "RPL_NOT_SAMPLED": _situation(
        "events without a replay id in a session that sampleRate 0.05 (--config) leaves out",
        "nothing to fix: raise sampleRate only if this session should be recorded",
    ),
    "SERVER_ZONE_MISMATCH": _situation(
        "serverZone: US in the replay options while the destination's endpoint is 'europe'",
        "serverZone: EU, the project's region, with the endpoint 'europe'",
    ),
    "API_KEY_MISMATCH": _situation(
        "the replay SDK's apiKey belongs to the staging project, the destination's to production",
        "one project's API key for the replay SDK and the destination",
    ),
    "CLOCK_SKEW": _identity(
        [
            _event(
                sentAt="2026-01-01T10:10:05.000Z",
                receivedAt="2026-01-01T10:00:05.500Z",
            )
        ],
        [_event(sentAt="2026-01-01T10:00:05.200Z", receivedAt="2026-01-01T10:00:05.500Z")],
    ),
    "EVENT_BEFORE_SESSION_START": _identity(
        [_event(timestamp="2026-01-01T09:55:00.000Z")], [_event()]
    ),
    "LATE_DELIVERY": _identity(
        [
            _event(
                originalTimestamp="2026-01-01T09:40:00.000Z",
                sentAt="2026-01-01T10:00:05.000Z",
                receivedAt="2026-01-01T10:00:05.300Z",
            )
        ],
        [
            _event(
                originalTimestamp="2026-01-01T10:00:04.900Z",
                sentAt="2026-01-01T10:00:05.000Z",
                receivedAt="2026-01-01T10:00:05.300Z",
            )
        ],
    ),
    "NON_BROWSER_SOURCE": _identity(
        [
            _event(),
            _event(
                anonymousId=None,
                integrations=None,
                properties={},
                context={"library": {"name": "analytics-node"}},
            ),
        ],
        [_event(), _event(timestamp="2026-01-01T10:00:06.000Z")],
    ),
}
