"""Every sessionReplayOptions key of the three SDK lines, read from the published packages.

Standalone is @amplitude/session-replay-browser 1.51.x (its SessionReplayOptions type, which
includes analytics-core's IConfig); plugin is @amplitude/plugin-session-replay-browser 1.35.x
(its own option type, forwarded to a bundled SDK 1.50.2); segment-wrapper is
@amplitude/segment-session-replay-wrapper 0.4.0, which runs SDK 1.13.6 with that version's
option type. One table serves the validator, the did-you-mean and the editor JSON Schema.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from amp_replay_cli.core.wire import DEFAULT_SERVER_ZONE, SERVER_ZONES


class SdkLine(str, enum.Enum):
    STANDALONE = "standalone"
    PLUGIN = "plugin"
    SEGMENT_WRAPPER = "segment-wrapper"

    @property
    def label(self) -> str:
        return _SDK_LINE_LABELS[self]


_SDK_LINE_LABELS = {
    SdkLine.STANDALONE: "@amplitude/session-replay-browser 1.51",
    SdkLine.PLUGIN: "@amplitude/plugin-session-replay-browser 1.35",
    SdkLine.SEGMENT_WRAPPER: "@amplitude/segment-session-replay-wrapper 0.4.0 (SDK 1.13.6)",
}

ALL_SDK_LINES = frozenset(SdkLine)
MODERN = frozenset({SdkLine.STANDALONE, SdkLine.PLUGIN})
S, P, W = SdkLine.STANDALONE, SdkLine.PLUGIN, SdkLine.SEGMENT_WRAPPER


class Effect(str, enum.Enum):
    """What an SDK line does with a key that is present."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"  # still read, with a better replacement
    NO_EFFECT = "no-effect"  # accepted by the type, never read by Session Replay
    IGNORED = "ignored"  # read but overridden, or taken from elsewhere
    UNSUPPORTED = "unsupported"  # not an option of this line


@dataclass(frozen=True)
class Availability:
    effect: Effect
    reason: str = ""


ACTIVE = Availability(Effect.ACTIVE)
NO_DEFAULT = object()


@dataclass(frozen=True)
class Option:
    name: str
    types: tuple[str, ...]  # JSON-ish: number, string, boolean, object, array, function, any
    description: str
    availability: dict[SdkLine, Availability]
    default: Any = NO_DEFAULT
    enum: tuple[Any, ...] | None = None
    children: dict[str, Option] = field(default_factory=dict)
    items: Option | None = None
    open_object: bool = False  # an object whose keys are the user's own (userProperties)
    credential: bool = False  # its value is never printed
    # What the SDK does with a value of another type when it still records and uploads: a wrong
    # type is then a warning that says so. None: it stops recording or uploading (or is not
    # known to be harmless), an error.
    misfit: str | None = None

    def on(self, sdk_line: SdkLine) -> Availability:
        return self.availability[sdk_line]


def option(
    name: str,
    types: str,
    description: str,
    *,
    lines: frozenset[SdkLine] = ALL_SDK_LINES,
    special: dict[SdkLine, Availability] | None = None,
    default: Any = NO_DEFAULT,
    enum: tuple[Any, ...] | None = None,
    children: tuple[Option, ...] = (),
    items: Option | None = None,
    open_object: bool = False,
    credential: bool = False,
    misfit: str | None = None,
) -> Option:
    """An option active on `lines`, unsupported elsewhere unless `special` says otherwise."""
    availability: dict[SdkLine, Availability] = {}
    for sdk_line in SdkLine:
        if special and sdk_line in special:
            availability[sdk_line] = special[sdk_line]
        elif sdk_line in lines:
            availability[sdk_line] = ACTIVE
        else:
            availability[sdk_line] = Availability(
                Effect.UNSUPPORTED, f"not an option of {sdk_line.label}"
            )
    return Option(
        name=name,
        types=tuple(types.split("|")),
        description=description,
        availability=availability,
        default=default,
        enum=enum,
        children={child.name: child for child in children},
        items=items,
        open_object=open_object,
        credential=credential,
        misfit=misfit,
    )


# What the SDK does with a value of the wrong type, where recording and uploading go on (the
# SDK checks no types: local-config.ts passes options through as they are).
_GOES_ON = "recording and uploading go on"
_TRUTHY = (
    "the SDK does not check the type and reads it by JavaScript truthiness, so the string "
    f'"false" acts as true and 0 or "" as false; {_GOES_ON}'
)
_MERGE_MUTATIONS = f"the SDK merges mutations unless the value is exactly false; {_GOES_ON}"
_LOG_LEVEL = (
    "the logger compares it numerically, so a numeric string acts as its number and any other "
    f'value (e.g. "debug") logs nothing at all; {_GOES_ON}'
)
_STORE_TYPE = f"any value other than 'idb' keeps unsent events in memory; {_GOES_ON}"
_BYTE_SIZE = (
    f"the SDK ignores a value that is not a finite number, warns, and uses its default; {_GOES_ON}"
)
_INTERVAL = f"the SDK replaces a value that is not a finite number by 100 ms and warns; {_GOES_ON}"
_INTERVAL_CONFIG = f"the SDK reads no interval from it and uploads every 500 ms to 10 s; {_GOES_ON}"
_FULL_SNAPSHOT_INTERVAL = (
    "rrweb compares it as a number: a value that is not numeric never triggers the extra "
    f"full snapshots; {_GOES_ON}"
)
_PERFORMANCE = (
    f"without an `enabled` key the SDK compresses events at once, not at idle time; {_GOES_ON}"
)
_CROSS_ORIGIN = f"without an `enabled` key cross-origin iframes are not recorded; {_GOES_ON}"
_INTERACTION = (
    f"the remote configuration replaces it and no ugcFilterRules are read from it; {_GOES_ON}"
)


def _from_browser_sdk(name: str) -> Availability:
    return Availability(
        Effect.IGNORED,
        f"the plugin takes {name} from the Browser SDK's amplitude.init() options; "
        "this value is ignored",
    )


def _not_forwarded(name: str) -> Availability:
    return Availability(
        Effect.UNSUPPORTED, f"plugin 1.35.2 does not forward {name} to Session Replay"
    )


_NO_EFFECT = Availability(
    Effect.NO_EFFECT, "an analytics-core setting that Session Replay never reads"
)
_BROWSER_SDK_SETTING = Availability(
    Effect.UNSUPPORTED,
    "not a plugin option: it is an analytics setting of the Browser SDK's amplitude.init()",
)
_DEPRECATED_WORKER = Availability(
    Effect.DEPRECATED, "experimental.useWebWorker is deprecated: use the top-level useWebWorker"
)
_REMOTE_ONLY = Availability(
    Effect.IGNORED,
    "interaction tracking settings come only from the remote configuration; "
    "the local value is ignored",
)
_WRAPPER_SETS_DEVICE = Availability(
    Effect.IGNORED,
    "the Segment wrapper sets deviceId itself: the Segment anonymousId, "
    "then the userId after identify",
)
_WRAPPER_SETS_SESSION = Availability(
    Effect.IGNORED,
    "the Segment wrapper sets sessionId itself, from the amp_session_id cookie and the "
    "Actions Amplitude session_id of each event",
)
_WRAPPER_SETS_VERSION = Availability(Effect.IGNORED, "the Segment wrapper sets version itself")

MASK_LEVELS = ("light", "medium", "conservative")
LOG_LEVELS = (0, 1, 2, 3, 4)

_selector_list = option("selector", "string", "A CSS selector.")

PRIVACY_CONFIG = option(
    "privacyConfig",
    "object",
    "Masking and blocking rules. `.amp-unmask` is always added to unmaskSelector.",
    children=(
        option(
            "blockSelector",
            "string|array",
            "CSS selector(s) of elements replaced by a placeholder.",
            items=_selector_list,
        ),
        option(
            "defaultMaskLevel",
            "string",
            "How much is masked by default.",
            default="medium",
            enum=MASK_LEVELS,
        ),
        option(
            "maskSelector",
            "array",
            "CSS selectors whose text is masked. Must be a list.",
            items=_selector_list,
        ),
        option(
            "unmaskSelector",
            "array",
            "CSS selectors whose text is recorded in clear. Must be a list.",
            items=_selector_list,
        ),
        option(
            "maskAttributes",
            "array",
            "Attribute names whose values are masked (never `style`).",
            lines=frozenset({S}),
            special={P: _not_forwarded("privacyConfig.maskAttributes")},
            items=option("attribute", "string", "An attribute name."),
        ),
        option(
            "urlMaskLevels",
            "array",
            "Per-URL overrides of defaultMaskLevel; the first matching glob wins.",
            lines=frozenset({S}),
            special={P: _not_forwarded("privacyConfig.urlMaskLevels")},
            items=option(
                "rule",
                "object",
                "A URL glob and the mask level for pages matching it.",
                children=(
                    option("match", "string", "URL glob (`*`, `**`, `?`)."),
                    option(
                        "maskLevel", "string", "Mask level for matching pages.", enum=MASK_LEVELS
                    ),
                ),
            ),
        ),
    ),
)

_UGC_FILTER_RULES = option(
    "ugcFilterRules",
    "array",
    "Rewrites of page URLs in interaction events: `{selector: glob, replacement: string}`; "
    "init() rejects invalid rules.",
    lines=MODERN,
    items=option(
        "rule",
        "object",
        "A URL glob (starting with `/` or `http(s)://`) and its replacement.",
        children=(
            option(
                "selector",
                "string",
                "URL glob starting with `/` or `http://` / `https://`.",
                lines=MODERN,
            ),
            option("replacement", "string", "Text that replaces the matched URL.", lines=MODERN),
        ),
    ),
)

_PERFORMANCE_CONFIG = option(
    "performanceConfig",
    "object",
    "Idle-time compression. Replaced wholesale when given: include `enabled`.",
    lines=MODERN,
    default={"enabled": True},
    children=(
        option(
            "enabled",
            "boolean",
            "Defer event compression to browser idle periods.",
            lines=MODERN,
            misfit=_TRUTHY,
        ),
        option("timeout", "number", "requestIdleCallback timeout in ms.", lines=MODERN),
        option(
            "mergeMutations",
            "boolean",
            "Merge consecutive mutation events.",
            lines=MODERN,
            default=True,
            misfit=_MERGE_MUTATIONS,
        ),
        option(
            "interaction",
            "object",
            "CSS selector generation limits for interaction tracking.",
            lines=MODERN,
            children=(
                option(
                    "timeoutMs", "number", "Selector generation time limit in ms.", lines=MODERN
                ),
                option(
                    "maxNumberOfTries",
                    "number",
                    "Selector simplification attempts.",
                    lines=MODERN,
                    default=10000,
                ),
                option(
                    "threshold",
                    "number",
                    "Selector combinations tested for uniqueness.",
                    lines=MODERN,
                    default=1000,
                ),
            ),
        ),
    ),
    misfit=_PERFORMANCE,
)

SESSION_REPLAY_OPTIONS: dict[str, Option] = {
    opt.name: opt
    for opt in (
        option(
            "sampleRate",
            "number",
            "Share of sessions recorded, 0 to 1 in steps of 0.000001. Remote sample_rate wins.",
            default=0,
        ),
        PRIVACY_CONFIG,
        option(
            "debugMode",
            "boolean",
            "Adds a debug event property; not for production.",
            misfit=_TRUTHY,
        ),
        option(
            "configServerUrl",
            "string",
            "Base URL of the remote config; the SDK appends /<apiKey>?config_group=browser.",
            lines=MODERN,
        ),
        option(
            "trackServerUrl",
            "string",
            "Upload URL; the SDK appends ?device_id=…&session_id=…&type=…",
            lines=MODERN,
        ),
        option(
            "shouldInlineStylesheet",
            "boolean",
            "Store stylesheet contents in the recording.",
            misfit=_TRUTHY,
        ),
        option(
            "inlineImages",
            "boolean",
            "Inline images as data URLs (bigger payloads).",
            lines=MODERN,
            misfit=_TRUTHY,
        ),
        option(
            "version",
            "object",
            "Set by the plugin or wrapper to name itself in X-Client-Library.",
            special={
                S: Availability(
                    Effect.IGNORED,
                    "internal: set by the plugin and the Segment wrapper, not by users",
                ),
                W: _WRAPPER_SETS_VERSION,
            },
            lines=frozenset(),
        ),
        _PERFORMANCE_CONFIG,
        option(
            "storeType",
            "string",
            "Where unsent events wait: memory or idb (IndexedDB).",
            lines=MODERN,
            default="memory",
            enum=("memory", "idb"),
            misfit=_STORE_TYPE,
        ),
        option(
            "useWebWorker",
            "boolean",
            "Compress and upload in a web worker.",
            lines=MODERN,
            default=True,
            misfit=_TRUTHY,
        ),
        option(
            "experimental",
            "object",
            "Legacy container of useWebWorker.",
            lines=MODERN,
            children=(
                option(
                    "useWebWorker",
                    "boolean",
                    "Deprecated: use the top-level useWebWorker.",
                    lines=frozenset(),
                    special={S: _DEPRECATED_WORKER, P: _DEPRECATED_WORKER},
                    misfit=_TRUTHY,
                ),
            ),
        ),
        option(
            "enableTransportCompression",
            "boolean",
            "gzip upload bodies; false is for debugging only.",
            lines=frozenset({S}),
            special={P: _not_forwarded("enableTransportCompression")},
            default=True,
            misfit=_TRUTHY,
        ),
        option(
            "sendTimeoutMs",
            "number",
            "Abort an upload after this many ms; 0 or less disables the timeout.",
            lines=MODERN,
            default=10000,
        ),
        option(
            "userProperties",
            "object",
            "User properties used as targeting input at init.",
            lines=frozenset({S}),
            special={P: _not_forwarded("userProperties")},
            open_object=True,
        ),
        option(
            "applyBackgroundColorToBlockedElements",
            "boolean",
            "Colour blocked elements in the replay.",
            lines=MODERN,
            default=False,
            misfit=_TRUTHY,
        ),
        option(
            "enableUrlChangePolling",
            "boolean",
            "Poll for SPA URL changes.",
            lines=MODERN,
            default=False,
            misfit=_TRUTHY,
        ),
        option(
            "urlChangePollingInterval",
            "number",
            "URL polling interval in ms.",
            lines=MODERN,
            default=1000,
        ),
        option(
            "captureDocumentTitle",
            "boolean",
            "Record document titles in URL-change events.",
            lines=MODERN,
            default=False,
            misfit=_TRUTHY,
        ),
        option(
            "interactionConfig",
            "object",
            "Interaction tracking; only ugcFilterRules is read locally, "
            "the rest comes from remote config.",
            lines=MODERN,
            children=(
                option(
                    "enabled",
                    "boolean",
                    "Remote-only: ignored locally.",
                    lines=frozenset(),
                    special={S: _REMOTE_ONLY, P: _REMOTE_ONLY},
                ),
                option(
                    "batch",
                    "boolean",
                    "Remote-only: ignored locally.",
                    lines=frozenset(),
                    special={S: _REMOTE_ONLY, P: _REMOTE_ONLY},
                ),
                option(
                    "trackEveryNms",
                    "number",
                    "Remote-only: ignored locally.",
                    lines=frozenset(),
                    special={S: _REMOTE_ONLY, P: _REMOTE_ONLY},
                ),
                _UGC_FILTER_RULES,
            ),
            misfit=_INTERACTION,
        ),
        option(
            "captureAdoptedStyleSheets",
            "boolean",
            "Serialise adoptedStyleSheets inline.",
            lines=MODERN,
            default=True,
            misfit=_TRUTHY,
        ),
        option(
            "crossOriginIframes",
            "object",
            "Record cross-origin iframes that load the SDK too.",
            lines=MODERN,
            children=(
                option(
                    "enabled",
                    "boolean",
                    "Turn cross-origin iframe recording on.",
                    lines=MODERN,
                    misfit=_TRUTHY,
                ),
                option(
                    "coordinateChildren",
                    "boolean",
                    "Send start/stop to child iframes.",
                    lines=MODERN,
                    default=True,
                ),
            ),
            misfit=_CROSS_ORIGIN,
        ),
        option(
            "fullSnapshotIntervalMs",
            "number",
            "Take a full snapshot every N ms (recommended 300000).",
            lines=frozenset({S}),
            special={P: _not_forwarded("fullSnapshotIntervalMs")},
            misfit=_FULL_SNAPSHOT_INTERVAL,
        ),
        option(
            "flushIntervalConfig",
            "object",
            "Upload cadence: starts at minIntervalMs, grows to maxIntervalMs.",
            lines=MODERN,
            default={"minIntervalMs": 1000, "maxIntervalMs": 10000},
            children=(
                option(
                    "minIntervalMs",
                    "number",
                    "First and incremental split interval in ms (floor 100).",
                    lines=MODERN,
                    default=1000,
                    misfit=_INTERVAL,
                ),
                option(
                    "maxIntervalMs",
                    "number",
                    "Largest split interval in ms (floor 100).",
                    lines=MODERN,
                    default=10000,
                    misfit=_INTERVAL,
                ),
            ),
            misfit=_INTERVAL_CONFIG,
        ),
        option(
            "eagerFullSnapshotSend",
            "boolean",
            "Upload every full snapshot at once.",
            lines=MODERN,
            default=False,
            misfit=_TRUTHY,
        ),
        option(
            "captureFullSnapshotOnFocus",
            "boolean",
            "New full snapshot whenever the window gains focus.",
            lines=MODERN,
            default=False,
            misfit=_TRUTHY,
        ),
        option(
            "maxPersistedEventsSizeBytes",
            "number",
            "Raw bytes per upload batch (clamped to 1000-8000000).",
            lines=MODERN,
            default=6000000,
            misfit=_BYTE_SIZE,
        ),
        option(
            "maxSingleEventSizeBytes",
            "number",
            "Larger events are dropped (clamped to 1000-10000000).",
            lines=MODERN,
            default=9000000,
            misfit=_BYTE_SIZE,
        ),
        option(
            "handleSendEvents",
            "function",
            "Custom upload transport (a function, set in code).",
            lines=MODERN,
        ),
        option(
            "handleFetchConfig",
            "function",
            "Custom remote-config transport (a function, set in code).",
            lines=MODERN,
        ),
        option(
            "loggerProvider",
            "object",
            "A logger object with log/warn/error/debug functions (set in code).",
            special={P: _from_browser_sdk("loggerProvider")},
        ),
        option(
            "logLevel",
            "number",
            "0 None, 1 Error, 2 Warn, 3 Verbose, 4 Debug.",
            default=2,
            enum=LOG_LEVELS,
            special={P: _from_browser_sdk("logLevel")},
            misfit=_LOG_LEVEL,
        ),
        option(
            "flushMaxRetries",
            "number",
            "Upload attempts per batch; at most 2, and 0 or less sends nothing.",
            default=2,
            special={P: _from_browser_sdk("flushMaxRetries")},
        ),
        option(
            "serverZone",
            "string",
            "Data centre: exactly US or EU.",
            default=DEFAULT_SERVER_ZONE,
            enum=SERVER_ZONES,
            special={P: _from_browser_sdk("serverZone")},
        ),
        option(
            "optOut",
            "boolean",
            "Record nothing for this device.",
            default=False,
            special={P: _from_browser_sdk("optOut")},
        ),
        option(
            "instanceName",
            "string",
            "Analytics instance whose opt-out setting applies.",
            special={P: _from_browser_sdk("instanceName")},
        ),
        option(
            "deviceId",
            "string",
            "Device id of the replay; must match the analytics device id.",
            special={W: _WRAPPER_SETS_DEVICE},
        ),
        option(
            "sessionId",
            "number|string",
            "Session id (ms since epoch); must match the analytics session id.",
            special={P: _from_browser_sdk("sessionId"), W: _WRAPPER_SETS_SESSION},
        ),
        option(
            "sessionReplayId",
            "string",
            "Computed by the SDK as <deviceId>/<sessionId>.",
            special={
                S: Availability(
                    Effect.IGNORED, "the SDK computes the replay id itself (<deviceId>/<sessionId>)"
                ),
                W: Availability(
                    Effect.IGNORED, "the SDK computes the replay id itself (<deviceId>/<sessionId>)"
                ),
            },
            lines=frozenset(),
        ),
        option(
            "apiKey",
            "string",
            "Ignored: the API key is init()'s first argument.",
            credential=True,
            lines=frozenset(),
            special={
                S: Availability(
                    Effect.IGNORED, "the SDK uses init()'s first argument as the API key"
                ),
                P: Availability(Effect.IGNORED, "the plugin uses the Browser SDK's API key"),
                W: Availability(Effect.IGNORED, "the wrapper uses amplitudeApiKey as the API key"),
            },
        ),
        option(
            "configEndpointUrl",
            "string",
            "SDK 1.13 option that was stored but never used.",
            lines=frozenset(),
            special={
                W: Availability(
                    Effect.IGNORED, "SDK 1.13.6 stores configEndpointUrl but never uses it"
                ),
                S: Availability(
                    Effect.UNSUPPORTED,
                    "a legacy SDK 1.13 option that 1.51 does not read; use configServerUrl",
                ),
            },
        ),
        option(
            "forceSessionTracking",
            "boolean",
            "Make the Browser SDK send session start/end events.",
            lines=frozenset({P}),
            default=False,
            misfit=_TRUTHY,
        ),
        option(
            "customSessionId",
            "function",
            "Derive the replay session id from each event (a function, set in code).",
            lines=frozenset({P}),
        ),
        *(
            option(
                name,
                types,
                "Accepted by the options type; Session Replay never reads it.",
                lines=frozenset(),
                special={S: _NO_EFFECT, W: _NO_EFFECT, P: _BROWSER_SDK_SETTING},
            )
            for name, types in (
                ("serverUrl", "string"),
                ("flushIntervalMillis", "number"),
                ("flushQueueSize", "number"),
                ("useBatch", "boolean"),
                ("offline", "boolean|string"),
                ("minIdLength", "number"),
                ("storageProvider", "object"),
                ("transportProvider", "object"),
                ("plan", "object"),
                ("ingestionMetadata", "object"),
                ("requestMetadata", "object"),
            )
        ),
        *(
            option(
                name,
                types,
                "Accepted by the options type; Session Replay never reads it.",
                lines=frozenset(),
                special={S: _NO_EFFECT, P: _BROWSER_SDK_SETTING},
            )
            for name, types in (("enableRequestBodyCompression", "boolean"), ("identify", "object"))
        ),
    )
}

SEGMENT_CALL_OPTIONS: dict[str, Option] = {
    opt.name: opt
    for opt in (
        option("amplitudeApiKey", "string", "The Amplitude project API key.", credential=True),
        option("segmentInstance", "any", "The AnalyticsBrowser instance (a runtime object)."),
        option("sessionReplayOptions", "object", "Options passed to the Session Replay SDK."),
        option(
            "enableWrapperDebug",
            "boolean",
            "Option of the unpublished segment-session-replay-plugin.",
            lines=frozenset(),
            special={
                W: Availability(
                    Effect.UNSUPPORTED,
                    "not an option of the Segment wrapper 0.4.0 (it belongs "
                    "to the unpublished segment-session-replay-plugin)",
                ),
                S: Availability(Effect.UNSUPPORTED, "not an option of the Segment wrapper 0.4.0"),
                P: Availability(Effect.UNSUPPORTED, "not an option of the Segment wrapper 0.4.0"),
            },
        ),
    )
}

# Keys of the remote configuration that people paste into local options by mistake.
REMOTE_CONFIG_KEYS = frozenset(
    {
        "sr_sampling_config",
        "sr_privacy_config",
        "sr_interaction_config",
        "sr_logging_config",
        "sr_targeting_config",
        "sample_rate",
        "capture_enabled",
        "min_session_duration_ms",
    }
)

SEGMENT_CALL_MARKERS = frozenset({"sessionReplayOptions", "amplitudeApiKey", "segmentInstance"})
PLUGIN_ONLY_MARKERS = frozenset({"forceSessionTracking", "customSessionId"})
FILE_METADATA_KEYS = frozenset({"$schema"})


def all_option_paths() -> dict[str, list[str]]:
    """Every option name (at any depth) mapped to the dotted paths where it lives."""
    paths: dict[str, list[str]] = {}

    def visit(options: dict[str, Option], prefix: str) -> None:
        for name, spec in options.items():
            path = f"{prefix}{name}"
            paths.setdefault(name, []).append(path)
            if spec.children:
                visit(spec.children, path + ".")
            if spec.items is not None and spec.items.children:
                visit(spec.items.children, path + "[].")

    visit(SESSION_REPLAY_OPTIONS, "")
    return paths
