"""Every finding code: AR1xx validate, AR2xx simulate, AR5xx diagnose input, AR6xx upload, AR7xx
check, and the identity mismatch codes of diagnose, named exactly as in
spec/identity/IDENTITY.md §5. Stable: a code is never reused for another meaning.

This is the one catalog that rule documentation, SARIF rules and `amp-replay rule CODE` read.
"""

from __future__ import annotations

from dataclasses import dataclass

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.wire import REPLAY_RETENTION_DAYS

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Code:
    """A finding code and what to do about it.

    `severity` is the default: the most serious severity the code is emitted at. Where some
    cases of a code are milder, `severity_note` says which. `fix` is the general remedy; a
    finding's own hint may be more specific.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    fix: str
    severity_note: str = ""


def _identity(
    name: str, severity: Severity, summary: str, fix: str, severity_note: str = ""
) -> Code:
    """An identity mismatch code: its code is its name, as spec/identity/IDENTITY.md writes it."""
    return Code(name, name.lower().replace("_", "-"), severity, summary, fix, severity_note)


_REMOTE_RATE = (
    "a sample_rate in the project's remote configuration (Session Replay settings) overrides it"
)

# For codes about many input lines, only the first ones are listed (CappedFindings).
_CAPPED_NOTE = "past the cap, one info finding counts the ones not listed"

_CODES = (
    # -- validate: sampling ----------------------------------------------------------------------
    Code(
        "AR101",
        "sample-rate-records-nothing",
        ERROR,
        "sampleRate is missing, 0, null or otherwise falsy: the SDK records nothing",
        f"set sampleRate to the share of sessions to record, e.g. 0.05; {_REMOTE_RATE}",
    ),
    Code(
        "AR102",
        "sample-rate-invalid",
        ERROR,
        "sampleRate is negative, NaN, not a number, or a non-numeric string",
        "write sampleRate as a number between 0 and 1, without quotes",
    ),
    Code(
        "AR103",
        "sample-rate-string",
        WARNING,
        "sampleRate is a numeric string that works only by JavaScript coercion",
        "write the number without quotes",
    ),
    Code(
        "AR104",
        "sample-rate-everything",
        WARNING,
        "sampleRate of 1 in production, or above 1 (same as 1)",
        "in production record the share of sessions you need, e.g. 0.05; 1 is fine for a test "
        "project (--env development)",
    ),
    Code(
        "AR105",
        "sample-rate-precision",
        WARNING,
        "sampleRate finer than the SDK's 0.000001 steps",
        "round sampleRate to six decimal places, the value the SDK actually uses",
    ),
    # -- validate: keys and values ---------------------------------------------------------------
    Code(
        "AR110",
        "unknown-option",
        WARNING,
        "a key the SDK does not know and ignores silently",
        "fix the spelling (the finding suggests the nearest option) or remove the key",
    ),
    Code(
        "AR111",
        "no-effect-option",
        WARNING,
        "an analytics-core setting that Session Replay never reads",
        "remove it, or move it to the analytics SDK's options where it has effect",
    ),
    Code(
        "AR112",
        "ignored-option",
        WARNING,
        "an option this SDK line overrides or takes from elsewhere",
        "remove it, or set it where this SDK line takes it from",
    ),
    Code(
        "AR113",
        "deprecated-option",
        WARNING,
        "a deprecated option with a replacement",
        "use the replacement the finding names",
    ),
    Code(
        "AR114",
        "unsupported-option",
        WARNING,
        "an option of another SDK line that this one does not read",
        "remove it, or check that --sdk names the SDK line you use",
    ),
    Code(
        "AR120",
        "wrong-type",
        ERROR,
        "a value of the wrong type (or null where the key should be left out)",
        "write a value of the type the SDK expects, or leave the key out to get its default",
        "warning when the value is null, or where the SDK only loses this option's effect (the "
        "message says what it does instead)",
    ),
    Code(
        "AR121",
        "duplicate-key",
        ERROR,
        "a key written twice: YAML and JSON loaders keep the last one silently",
        "keep one of the two",
    ),
    Code(
        "AR122",
        "yaml-ambiguous-scalar",
        WARNING,
        "text that YAML 1.1 (PyYAML) and YAML 1.2 / JavaScript read differently",
        "write the value the way the finding suggests, or quote it if it is meant as text",
    ),
    Code(
        "AR130",
        "flush-max-retries",
        ERROR,
        "flushMaxRetries of 0 or less (nothing uploaded), above 2 or fractional",
        "leave flushMaxRetries out (2 attempts) or write 1 or 2",
        "warning above 2 or fractional, which the SDK turns into 2",
    ),
    # -- validate: privacy -----------------------------------------------------------------------
    Code(
        "AR140",
        "selector-string",
        ERROR,
        "maskSelector / unmaskSelector given as a string instead of a list",
        "write a list of selectors, e.g. ['.secret']",
    ),
    Code(
        "AR141",
        "invalid-selector",
        ERROR,
        "an empty or malformed CSS selector",
        "fix or remove the selector",
    ),
    Code(
        "AR142",
        "unmask-selector",
        WARNING,
        "text recorded in clear through unmaskSelector",
        "unmask only elements that can never hold personal data",
    ),
    Code(
        "AR143",
        "mask-level",
        ERROR,
        "an unknown mask level, or the light level",
        "write light, medium or conservative; keep medium (the default) unless the inputs never "
        "hold personal data",
        "warning for the light level",
    ),
    Code(
        "AR144",
        "url-mask-rule",
        ERROR,
        "a urlMaskLevels rule without a usable match glob",
        "give every urlMaskLevels rule a match glob, e.g. 'https://example.com/checkout/*'",
    ),
    Code(
        "AR145",
        "mask-attributes-style",
        WARNING,
        "style in maskAttributes, which is never masked",
        "remove style from maskAttributes",
    ),
    Code(
        "AR150",
        "ugc-filter-rules",
        ERROR,
        "ugcFilterRules that make init() throw",
        "give every rule a string selector that is a URL glob (e.g. https://example.com/users/*) "
        "and a string replacement",
    ),
    # -- validate: endpoints, identity, runtime ---------------------------------------------------
    Code(
        "AR160",
        "server-zone",
        ERROR,
        "serverZone that is not exactly US or EU",
        "write US or EU, in capitals: the zone of the Amplitude project",
        "warning for STAGING, Amplitude's internal environment",
    ),
    Code(
        "AR161",
        "server-url",
        ERROR,
        "trackServerUrl / configServerUrl that the SDK will use wrongly",
        "write the full https:// URL of the endpoint or proxy, without a query and without the "
        "API key",
        "warning for a query, plain http or a trailing API key; error when it is not an absolute "
        "URL",
    ),
    Code(
        "AR170",
        "runtime-id",
        ERROR,
        "deviceId / sessionId explicitly falsy, or absent from a standalone config",
        "leave deviceId and sessionId out of the file and pass the real values to init() or "
        "setSessionId() at run time",
        "info when they are only absent from a standalone config",
    ),
    Code(
        "AR171",
        "opt-out",
        WARNING,
        "optOut: true records nothing",
        "remove optOut from the shared config; opt users out at run time",
    ),
    Code(
        "AR172",
        "wrapper-identity",
        INFO,
        "the Segment wrapper's legacy SDK and its userId-as-device-id switch",
        "keep the replay device id equal to the anonymousId (patch the wrapper, or use the "
        "standalone SDK with the destination's device id)",
    ),
    Code(
        "AR180",
        "debug-in-production",
        WARNING,
        "debugMode or verbose logLevel in production, or logLevel out of range",
        "turn debugMode off in production and keep logLevel between 0 and 2 (Warn)",
    ),
    Code(
        "AR181",
        "transport",
        WARNING,
        "transport compression off, or the upload timeout disabled",
        "leave enableTransportCompression and sendTimeoutMs out in production",
    ),
    Code(
        "AR182",
        "payload-privacy",
        WARNING,
        "options that grow payloads or record more than the page text",
        "turn them on only where needed, and give iframe child pages the same masking options",
    ),
    Code(
        "AR183",
        "flush-interval",
        WARNING,
        "flushIntervalConfig values the SDK clamps or adjusts",
        "leave flushIntervalConfig out, or set both minIntervalMs and maxIntervalMs to 100 or more",
    ),
    Code(
        "AR184",
        "byte-size-clamp",
        WARNING,
        "byte-size limits the SDK clamps or ignores",
        "leave the byte-size limits out, or keep them within the range the SDK accepts",
    ),
    Code(
        "AR185",
        "snapshot-volume",
        WARNING,
        "full-snapshot settings that multiply request volume",
        "leave them out unless you measured the need; for periodic snapshots the SDK recommends "
        "fullSnapshotIntervalMs 300000 (5 minutes)",
    ),
    Code(
        "AR186",
        "performance-config",
        WARNING,
        "performanceConfig without enabled (idle-time compression off)",
        "add enabled: true to performanceConfig",
    ),
    Code(
        "AR187",
        "store-type",
        WARNING,
        "storeType other than memory or idb",
        "write memory or idb",
    ),
    Code(
        "AR190",
        "credential",
        ERROR,
        "an API key that cannot work, or a secret key in browser configuration",
        "set the project's API key; never ship a secret key to the browser (remove it and "
        "rotate it in Amplitude's project settings)",
    ),
    Code(
        "AR191",
        "function-in-config",
        ERROR,
        "a function-valued option written as data",
        "set it in code, not in the config file",
        "warning for loggerProvider, whose messages are only lost",
    ),
    Code(
        "AR192",
        "exclude-unused",
        WARNING,
        "an --exclude pattern that matches no file the scan found: a typo, or a stale pattern",
        "correct the pattern (it is matched against paths relative to the working directory and "
        "against each name in them), or remove it",
    ),
    # -- validate: suppression comments ----------------------------------------------------------
    Code(
        "AR193",
        "unused-suppression",
        WARNING,
        "an `# amp-replay: ignore` comment that suppresses no finding",
        "remove the comment, or name the code the finding on that line has",
    ),
    Code(
        "AR194",
        "malformed-suppression",
        WARNING,
        "an `# amp-replay:` comment that is not `ignore` or `ignore[CODE,...]` with known codes",
        "write `# amp-replay: ignore[AR104]` (codes as `amp-replay rule --all` lists them)",
    ),
    # -- simulate --------------------------------------------------------------------------------
    Code(
        "AR201",
        "capture-disabled",
        WARNING,
        "the remote configuration turns capture off: nothing is recorded",
        "turn capture on in Amplitude's Session Replay settings",
    ),
    Code(
        "AR202",
        "remote-rate-wins",
        INFO,
        "the remote sample_rate overrides the local sampleRate",
        "change the sample rate in Amplitude's Session Replay settings, where it takes effect",
    ),
    Code(
        "AR203",
        "targeting",
        WARNING,
        "remote targeting, not the sample rate, decides what is recorded",
        "read the simulated decisions as what sampling alone would do; review the targeting in "
        "Amplitude's Session Replay settings",
    ),
    Code(
        "AR204",
        "rate-records-nothing",
        WARNING,
        "the sample rate in effect records no session",
        "set sampleRate, e.g. 0.05",
    ),
    Code(
        "AR205",
        "falsy-session-id",
        WARNING,
        "a session id the SDK ignores (0, empty, null)",
        "pass a real session id, epoch milliseconds of the session start",
        _CAPPED_NOTE,
    ),
    Code(
        "AR206",
        "not-a-session",
        WARNING,
        "an input line or item that is not a session id or event; skipped",
        "give session ids as numbers or strings, one a line or in a JSON array",
        _CAPPED_NOTE,
    ),
    Code(
        "AR207",
        "no-session-id",
        INFO,
        "Segment events without an Actions Amplitude session_id",
        "enable the Browser Session Tracking mapping of the Amplitude (Actions) destination",
    ),
    # -- diagnose input --------------------------------------------------------------------------
    Code(
        "AR501",
        "malformed-input",
        WARNING,
        "a line or item of an input that is not an event; skipped",
        "fix or remove the line; the other lines are still diagnosed",
        _CAPPED_NOTE,
    ),
    # -- upload ----------------------------------------------------------------------------------
    Code(
        "AR601",
        "recording-not-json",
        ERROR,
        "a recording that is not JSON, is cut short, or cannot be decoded",
        "export the recording again, complete (an error page saved under a .json name is a "
        "common cause)",
    ),
    Code(
        "AR602",
        "too-few-events",
        ERROR,
        "a recording with no events, or a replay with fewer than the 2 the player needs",
        "export the whole recording, with at least its Meta and FullSnapshot events",
    ),
    Code(
        "AR603",
        "not-rrweb-events",
        ERROR,
        "items that are not rrweb events, bad packed strings, or bad device/session keys",
        'give a JSON array of rrweb events, {"events": [...]}, NDJSON or the SDK\'s track body, '
        "with device and session keys as non-empty strings",
    ),
    Code(
        "AR604",
        "event-type",
        ERROR,
        "an event without an integer type",
        "export the recording again: every rrweb event has an integer type",
    ),
    Code(
        "AR605",
        "event-timestamp",
        ERROR,
        "an event without a numeric epoch-milliseconds timestamp",
        "export the recording again; do not guess timestamps",
    ),
    Code(
        "AR606",
        "timestamp-unit",
        ERROR,
        "timestamps too small or too large for epoch milliseconds (seconds, milliseconds from "
        "another start, micro- or nanoseconds)",
        "convert the timestamps to epoch milliseconds",
    ),
    Code(
        "AR607",
        "no-full-snapshot",
        ERROR,
        "no FullSnapshot event: nothing can be replayed",
        "export the recording from its start, so that it holds the first FullSnapshot",
    ),
    Code(
        "AR608",
        "several-sessions",
        ERROR,
        "several sessions in one file: more than 30 minutes without events, time jumping back "
        "to a new recording, or the events' own session ids changing",
        "upload each part as its own session with --split-sessions, or export each session on "
        "its own",
    ),
    Code(
        "AR609",
        "event-too-large",
        ERROR,
        "an event over the SDK's 9,000,000-byte limit",
        "record with smaller snapshots (blockSelector for huge elements, no inline images)",
    ),
    Code(
        "AR610",
        "nesting-too-deep",
        ERROR,
        "JSON nested too deeply to read",
        "check how the file was made (rrweb events are not nested this deeply) and export the "
        "recording again",
    ),
    Code(
        "AR611",
        "replay-id-characters",
        ERROR,
        "a device id with characters replay ids do not allow",
        "choose a device id of a-z A-Z 0-9 _ - . | @ : = with --device-id",
        "warning for characters other than '/', which splits the replay id",
    ),
    Code(
        "AR620",
        "no-meta",
        WARNING,
        "no Meta event: the replay has no viewport size or page URL",
        "export the recording with its Meta event",
    ),
    Code(
        "AR621",
        "leading-incrementals",
        WARNING,
        "incremental events before the first FullSnapshot, dropped",
        "start the recording at a FullSnapshot",
    ),
    Code(
        "AR622",
        "timestamps-backwards",
        WARNING,
        "timestamps that go backwards",
        "order the events by timestamp, or check the clock of the recording device",
    ),
    Code(
        "AR623",
        "duplicate-events",
        WARNING,
        "exact duplicate events, dropped",
        "nothing to send again; look for a retried flush that wrote a batch twice",
    ),
    Code(
        "AR624",
        "unknown-event-kinds",
        WARNING,
        "event types or incremental sources Amplitude's player ignores",
        "check the recorder and its plugins if these events should show: the player skips them",
    ),
    Code(
        "AR625",
        "past-retention",
        WARNING,
        f"a recording older than the {REPLAY_RETENTION_DAYS} days Amplitude keeps replays",
        "upload recordings while they are recent: retention counts from when the session was "
        "recorded, whatever the upload's time",
    ),
    Code(
        "AR630",
        "batch-refused",
        ERROR,
        "Amplitude refused a batch; the rest of that replay was not sent",
        "fix what the HTTP status and body say, then run again: delivered batches are in the "
        "journal and are not sent twice",
    ),
    Code(
        "AR631",
        "events-skipped",
        ERROR,
        "Amplitude accepted a batch but skipped its events (4004, 4005)",
        "check the session id (4004: out of the range Amplitude accepts) and that Session Replay "
        "capture is enabled for the project (4005)",
    ),
    Code(
        "AR632",
        "link-event-refused",
        ERROR,
        "the --link-event analytics event was refused",
        "fix what the HTTP status and body say, then run again",
    ),
    Code(
        "AR633",
        "throttled",
        WARNING,
        "Amplitude throttled a replay and dropped some of its batches (skip header 429)",
        "upload again later under another session id, or lower --concurrency; like the SDK, "
        "amp-replay never resends a batch Amplitude chose to drop",
    ),
    Code(
        "AR634",
        "already-delivered",
        INFO,
        "batches an earlier run delivered (journal), not sent again",
        "nothing to do; use --no-journal to send everything again",
    ),
    Code(
        "AR635",
        "journal-unreadable",
        WARNING,
        "lines of the upload journal that cannot be read (damaged by hand or by a disk fault)",
        "batches those lines recorded may be sent again; move the journal aside if it keeps "
        "happening",
    ),
    Code(
        "AR636",
        "replay-id-taken",
        WARNING,
        "another recording was already uploaded under this replay id (journal); not sent, so "
        "that the two are not mixed in one replay",
        "upload it as its own replay with another --session-id (or --device-id); --no-journal "
        "sends it anyway, into the same replay",
    ),
    # -- check -----------------------------------------------------------------------------------
    Code(
        "AR701",
        "replay-not-found",
        ERROR,
        "no [Amplitude] Replay Captured event in the time window",
        "replays appear some minutes after upload (use --wait); check the server zone and that "
        "the session was sampled (amp-replay simulate)",
    ),
    Code(
        "AR702",
        "user-not-found",
        ERROR,
        "Amplitude has no user with this exact user_id",
        "events with this user id may not have arrived yet (--wait), or the id differs in "
        "Amplitude",
    ),
    Code(
        "AR703",
        "replay-not-linked",
        WARNING,
        "the session's analytics events do not carry the replay id",
        "run amp-replay diagnose on the Segment events of this session",
    ),
    Code(
        "AR704",
        "several-users",
        INFO,
        "several Amplitude users share the user_id; all are checked",
        "nothing to do; search by --device-id to check one of them",
    ),
    Code(
        "AR705",
        "window-not-covered",
        WARNING,
        "the user's activity was too long to page through the whole window",
        "narrow the window with --start/--end",
    ),
    # -- diagnose: identity mismatches (spec/identity/IDENTITY.md §5) ------------------------------
    _identity(
        "RPL_DEVICE_IS_USERID",
        ERROR,
        "the replay's device id is the Segment userId, not Amplitude's device_id",
        "keep the replay device id equal to the anonymousId: patch the Segment wrapper (it "
        "switches to the userId on identify) or use the standalone SDK with the destination's "
        "device id",
    ),
    _identity(
        "RPL_DEVICE_SWITCH_IN_SESSION",
        WARNING,
        "one Amplitude session is recorded under several replay device ids",
        "keep one replay device id for the whole session (the anonymousId), and call identify "
        "before the first track or page",
    ),
    _identity(
        "ANON_ID_CHANGED_IN_SESSION",
        ERROR,
        "one session id spans two anonymousIds",
        "start a new session when the anonymousId changes: on reset clear analytics_session_id "
        "and the amp_session_id cookie and call setSessionId(newSession, newAnonymousId); do not "
        "override the anonymousId",
    ),
    _identity(
        "RPL_DEVICE_STALE",
        ERROR,
        "the replay device id belongs to none of the event's ids",
        "tell the replay SDK about analytics.reset(): on reset call setSessionId with the new "
        "anonymousId",
    ),
    _identity(
        "CONTEXT_DEVICE_ID_OVERRIDE",
        ERROR,
        "context.device.id becomes device_id while the replay uses another id; an empty one "
        "leaves the event without device_id",
        "remove the custom context.device.id (an empty one too), or give the replay SDK the same "
        "value",
        _CAPPED_NOTE + " (events never delivered)",
    ),
    _identity(
        "DEVICE_MAPPING_CUSTOMIZED",
        ERROR,
        "Amplitude's device_id is not the default mapping",
        "restore the default Device ID mapping coalesce(context.device.id, anonymousId), or make "
        "the replay SDK use the same expression",
    ),
    _identity(
        "SESSION_ID_MISSING",
        ERROR,
        'a browser event without integrations["Actions Amplitude"].session_id',
        "enable the Browser Session Tracking mapping of Amplitude (Actions) on Analytics 2.0, and "
        "never send integrations.All=false without 'Actions Amplitude': true",
    ),
    _identity(
        "RPL_SESSION_MISMATCH",
        ERROR,
        "the replay's session id is not the event's session id",
        "use one session source: compare the new session id with the replay's own "
        "(getSessionId()), not with the shared amp_session_id cookie",
    ),
    _identity(
        "SESSION_ID_BAD_FORMAT",
        ERROR,
        "a session id that is not epoch milliseconds; one that is not 'date-like' stops the "
        "event in Segment",
        "send the session id as epoch milliseconds, the same value to the replay SDK and on the "
        "events",
        _CAPPED_NOTE + " (events never delivered)",
    ),
    _identity(
        "SESSION_CHURN",
        WARNING,
        "a new session id after less inactivity than the session length",
        "let Segment's storage persist across page loads (no disableClientPersistence, a consent "
        "tool that allows it)",
    ),
    _identity(
        "SESSION_INTERLEAVED",
        WARNING,
        "one browser alternating between session ids",
        "share the session keys across subdomains (cookie storage) or serve the app from one host",
    ),
    _identity(
        "RPL_PROPERTY_MISSING",
        ERROR,
        "track/page events without [Amplitude] Session Replay ID",
        "install and start the replay SDK, check its sampleRate and capture settings, and allow "
        "the property in the tracking plan",
        "warning when the session id is -1; info when only some events of the session lack it",
    ),
    _identity(
        "RPL_PROPERTY_MALFORMED",
        ERROR,
        "an [Amplitude] Session Replay ID that cannot be parsed",
        "give the replay SDK a device id and a session id before events are sent",
    ),
    _identity(
        "RPL_PROPERTY_DROPPED",
        ERROR,
        "the replay property is in Segment but not on the Amplitude event",
        "add [Amplitude] Session Replay ID to the Protocols tracking plan; check destination "
        "filters and the event_properties mapping",
    ),
    _identity(
        "ID_TOO_SHORT",
        ERROR,
        "an id shorter than min_id_length: Amplitude refuses the request (400; its docs say it "
        "removes the id)",
        "map min_id_length in the destination (e.g. 1), or use ids of at least 5 characters; keep "
        "the replay device id equal to the anonymousId",
        "warning for a userId, as IDENTITY.md §5 grades it",
    ),
    _identity(
        "ID_BLOCKED",
        ERROR,
        "an id on Amplitude's invalid list",
        "identify only once the real id is known, and never send placeholder ids",
    ),
    _identity(
        "RPL_ORPHANED",
        ERROR,
        "a replay id that no event reaching Amplitude can link to",
        "fix what the events carrying this replay id report; the replay itself needs no action",
    ),
    _identity(
        "RPL_NOT_FOUND",
        WARNING,
        "a replay id that the Session Replay API does not list",
        "check the browser's requests to api-sr*.amplitude.com: region, API key, ad blockers, "
        "CSP, very short sessions",
    ),
    _identity(
        "RPL_NOT_SAMPLED",
        INFO,
        "a session outside the sample, so it has no replay",
        "raise sampleRate, or the project's remote sampling, if this session should be recorded",
    ),
    _identity(
        "SERVER_ZONE_MISMATCH",
        ERROR,
        "replays go to another region than the project and the destination",
        "set the replay serverZone to the project's region (EU with the destination endpoint "
        "'europe', US with 'north_america')",
    ),
    _identity(
        "API_KEY_MISMATCH",
        ERROR,
        "the replay SDK and the destination use different projects",
        "use the same Amplitude project API key for the replay SDK and the destination",
    ),
    _identity(
        "CLOCK_SKEW",
        WARNING,
        "the client clock is off by more than the threshold",
        "informational: times inside the replay follow the client clock; link replays by session "
        "id, not by time",
    ),
    _identity(
        "EVENT_BEFORE_SESSION_START",
        WARNING,
        "an event dated before its session started",
        "informational: session ids use the uncorrected client clock; link replays by session "
        "id, not by time",
    ),
    _identity(
        "LATE_DELIVERY",
        INFO,
        "an event sent more than 5 minutes after it happened",
        "informational: only time-based replay matching is affected",
    ),
    _identity(
        "NON_BROWSER_SOURCE",
        INFO,
        "a server or mobile event of a web user, without the browser's ids",
        "forward the browser's anonymousId and session_id to server-side calls",
    ),
)

CODES: dict[str, Code] = {code.code: code for code in _CODES}
