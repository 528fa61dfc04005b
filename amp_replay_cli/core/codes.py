"""Every finding code: AR1xx validate, AR2xx simulate, AR5xx diagnose input, AR6xx upload, AR7xx check, and the identity
mismatch codes of diagnose, named exactly as in spec/identity/IDENTITY.md §5.
Stable: a code is never reused for another meaning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    summary: str


_CODES = (
    Code(
        "AR101",
        "sample-rate-records-nothing",
        "sampleRate is missing, 0, null or otherwise falsy: the SDK records nothing",
    ),
    Code(
        "AR102",
        "sample-rate-invalid",
        "sampleRate is negative, NaN, not a number, or a non-numeric string",
    ),
    Code(
        "AR103",
        "sample-rate-string",
        "sampleRate is a numeric string that works only by JavaScript coercion",
    ),
    Code(
        "AR104", "sample-rate-everything", "sampleRate of 1 in production, or above 1 (same as 1)"
    ),
    Code("AR105", "sample-rate-precision", "sampleRate finer than the SDK's 0.000001 steps"),
    Code("AR110", "unknown-option", "a key the SDK does not know and ignores silently"),
    Code("AR111", "no-effect-option", "an analytics-core setting that Session Replay never reads"),
    Code("AR112", "ignored-option", "an option this SDK line overrides or takes from elsewhere"),
    Code("AR113", "deprecated-option", "a deprecated option with a replacement"),
    Code(
        "AR114", "unsupported-option", "an option of another SDK line that this one does not read"
    ),
    Code(
        "AR120",
        "wrong-type",
        "a value of the wrong type (or null where the key should be left out)",
    ),
    Code(
        "AR121",
        "duplicate-key",
        "a key written twice: YAML and JSON loaders keep the last one silently",
    ),
    Code(
        "AR122",
        "yaml-ambiguous-scalar",
        "text that YAML 1.1 (PyYAML) and YAML 1.2 / JavaScript read differently",
    ),
    Code(
        "AR130",
        "flush-max-retries",
        "flushMaxRetries of 0 or less (nothing uploaded), above 2 or fractional",
    ),
    Code(
        "AR140",
        "selector-string",
        "maskSelector / unmaskSelector given as a string instead of a list",
    ),
    Code("AR141", "invalid-selector", "an empty or malformed CSS selector"),
    Code("AR142", "unmask-selector", "text recorded in clear through unmaskSelector"),
    Code("AR143", "mask-level", "an unknown mask level, or the light level"),
    Code("AR144", "url-mask-rule", "a urlMaskLevels rule without a usable match glob"),
    Code("AR145", "mask-attributes-style", "style in maskAttributes, which is never masked"),
    Code("AR150", "ugc-filter-rules", "ugcFilterRules that make init() throw"),
    Code("AR160", "server-zone", "serverZone that is not exactly US or EU"),
    Code("AR161", "server-url", "trackServerUrl / configServerUrl that the SDK will use wrongly"),
    Code(
        "AR170",
        "runtime-id",
        "deviceId / sessionId explicitly falsy, or absent from a standalone config",
    ),
    Code("AR171", "opt-out", "optOut: true records nothing"),
    Code(
        "AR172",
        "wrapper-identity",
        "the Segment wrapper's legacy SDK and its userId-as-device-id switch",
    ),
    Code(
        "AR180",
        "debug-in-production",
        "debugMode or verbose logLevel in production, or logLevel out of range",
    ),
    Code("AR181", "transport", "transport compression off, or the upload timeout disabled"),
    Code(
        "AR182", "payload-privacy", "options that grow payloads or record more than the page text"
    ),
    Code("AR183", "flush-interval", "flushIntervalConfig values the SDK clamps or adjusts"),
    Code("AR184", "byte-size-clamp", "byte-size limits the SDK clamps or ignores"),
    Code("AR185", "snapshot-volume", "full-snapshot settings that multiply request volume"),
    Code(
        "AR186",
        "performance-config",
        "performanceConfig without enabled (idle-time compression off)",
    ),
    Code("AR187", "store-type", "storeType other than memory or idb"),
    Code(
        "AR190",
        "credential",
        "an API key that cannot work, or a secret key in browser configuration",
    ),
    Code("AR191", "function-in-config", "a function-valued option written as data"),
    Code(
        "AR201",
        "capture-disabled",
        "the remote configuration turns capture off: nothing is recorded",
    ),
    Code("AR202", "remote-rate-wins", "the remote sample_rate overrides the local sampleRate"),
    Code("AR203", "targeting", "remote targeting, not the sample rate, decides what is recorded"),
    Code("AR204", "rate-records-nothing", "the sample rate in effect records no session"),
    Code("AR205", "falsy-session-id", "a session id the SDK ignores (0, empty, null)"),
    Code(
        "AR206", "not-a-session", "an input line or item that is not a session id or event; skipped"
    ),
    Code("AR207", "no-session-id", "Segment events without an Actions Amplitude session_id"),
    Code(
        "AR601",
        "recording-not-json",
        "a recording that is not JSON, is cut short, or cannot be decoded",
    ),
    Code(
        "AR602",
        "too-few-events",
        "a recording with no events, or a replay with fewer than the 2 the player needs",
    ),
    Code(
        "AR603",
        "not-rrweb-events",
        "items that are not rrweb events, bad packed strings, or bad device/session keys",
    ),
    Code("AR604", "event-type", "an event without an integer type"),
    Code("AR605", "event-timestamp", "an event without a numeric epoch-milliseconds timestamp"),
    Code(
        "AR606", "timestamp-unit", "timestamps in seconds or microseconds instead of milliseconds"
    ),
    Code("AR607", "no-full-snapshot", "no FullSnapshot event: nothing can be replayed"),
    Code(
        "AR608",
        "several-sessions",
        "more than 30 minutes without events: several sessions in one file",
    ),
    Code("AR609", "event-too-large", "an event over the SDK's 9,000,000-byte limit"),
    Code("AR610", "nesting-too-deep", "JSON nested too deeply to read"),
    Code("AR611", "replay-id-characters", "a device id with characters replay ids do not allow"),
    Code("AR620", "no-meta", "no Meta event: the replay has no viewport size or page URL"),
    Code(
        "AR621", "leading-incrementals", "incremental events before the first FullSnapshot, dropped"
    ),
    Code("AR622", "timestamps-backwards", "timestamps that go backwards"),
    Code("AR623", "duplicate-events", "exact duplicate events, dropped"),
    Code(
        "AR624",
        "unknown-event-kinds",
        "event types or incremental sources Amplitude's player ignores",
    ),
    Code(
        "AR630", "batch-refused", "Amplitude refused a batch; the rest of that replay was not sent"
    ),
    Code(
        "AR631", "events-skipped", "Amplitude accepted a batch but skipped its events (4004, 4005)"
    ),
    Code("AR632", "link-event-refused", "the --link-event analytics event was refused"),
    Code(
        "AR633",
        "throttled",
        "Amplitude throttled a replay; its batches were sent again after a pause",
    ),
    Code(
        "AR634", "already-delivered", "batches an earlier run delivered (journal), not sent again"
    ),
    Code("AR701", "replay-not-found", "no [Amplitude] Replay Captured event in the time window"),
    Code("AR702", "user-not-found", "Amplitude has no user with this exact user_id"),
    Code("AR703", "replay-not-linked", "the session's analytics events do not carry the replay id"),
    Code("AR704", "several-users", "several Amplitude users share the user_id; all are checked"),
    Code(
        "AR705",
        "window-not-covered",
        "the user's activity was too long to page through the whole window",
    ),
    Code("AR501", "malformed-input", "a line or item of an input that is not an event; skipped"),
    *(
        Code(name, name.lower().replace("_", "-"), summary)
        for name, summary in (
            (
                "RPL_DEVICE_IS_USERID",
                "the replay's device id is the Segment userId, not Amplitude's device_id",
            ),
            (
                "RPL_DEVICE_SWITCH_IN_SESSION",
                "one Amplitude session is recorded under several replay device ids",
            ),
            ("ANON_ID_CHANGED_IN_SESSION", "one session id spans two anonymousIds"),
            ("RPL_DEVICE_STALE", "the replay device id belongs to none of the event's ids"),
            (
                "CONTEXT_DEVICE_ID_OVERRIDE",
                "context.device.id becomes device_id while the replay uses another id",
            ),
            ("DEVICE_MAPPING_CUSTOMIZED", "Amplitude's device_id is not the default mapping"),
            (
                "SESSION_ID_MISSING",
                'a browser event without integrations["Actions Amplitude"].session_id',
            ),
            ("RPL_SESSION_MISMATCH", "the replay's session id is not the event's session id"),
            (
                "SESSION_ID_BAD_FORMAT",
                "a session id that is not epoch milliseconds near the event time",
            ),
            ("SESSION_CHURN", "a new session id after less inactivity than the session length"),
            ("SESSION_INTERLEAVED", "one browser alternating between session ids"),
            ("RPL_PROPERTY_MISSING", "track/page events without [Amplitude] Session Replay ID"),
            ("RPL_PROPERTY_MALFORMED", "an [Amplitude] Session Replay ID that cannot be parsed"),
            (
                "RPL_PROPERTY_DROPPED",
                "the replay property is in Segment but not on the Amplitude event",
            ),
            ("ID_TOO_SHORT", "an id shorter than min_id_length, which Amplitude removes"),
            ("ID_BLOCKED", "an id on Amplitude's invalid list"),
            ("RPL_ORPHANED", "a replay id that no event reaching Amplitude can link to"),
            ("RPL_NOT_FOUND", "a replay id that the Session Replay API does not list"),
            ("RPL_NOT_SAMPLED", "a session outside the sample, so it has no replay"),
            (
                "SERVER_ZONE_MISMATCH",
                "replays go to another region than the project and the destination",
            ),
            ("API_KEY_MISMATCH", "the replay SDK and the destination use different projects"),
            ("CLOCK_SKEW", "the client clock is off by more than the threshold"),
            ("EVENT_BEFORE_SESSION_START", "an event dated before its session started"),
            ("LATE_DELIVERY", "an event sent more than 5 minutes after it happened"),
            (
                "NON_BROWSER_SOURCE",
                "a server or mobile event of a web user, without the browser's ids",
            ),
        )
    ),
)

CODES: dict[str, Code] = {code.code: code for code in _CODES}
