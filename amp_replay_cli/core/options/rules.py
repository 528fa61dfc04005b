"""What each option's value does in the SDK, as findings.

Two kinds of rule, keyed by an option's path with list indexes written `[]`:
- a *before* rule sees the raw value first and returns True when it has said all there is
  (the option has its own idea of types, like sampleRate, which JavaScript coerces);
- an *after* rule runs once the value has the catalog's type and its children were checked.
Every message states what the SDK does with the value, from the behaviour of the published code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from amp_replay_cli.core.documents.nodes import (
    Mapping,
    Mark,
    Node,
    PathPart,
    Scalar,
    Sequence,
    kind_name,
)
from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.jsvalues import js_string_to_number, js_to_number, js_truthy, show
from amp_replay_cli.core.options.catalog import MASK_LEVELS, SdkLine
from amp_replay_cli.core.sampling import BUCKETS, effective_rate

if TYPE_CHECKING:
    from amp_replay_cli.core.options.checker import Checker

Path = tuple[PathPart, ...]
BeforeRule = Callable[["Checker", Node, Path], bool]
AfterRule = Callable[["Checker", Node, Path], None]

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_BEFORE: dict[str, BeforeRule] = {}
_AFTER: dict[str, AfterRule] = {}

REMOTE_OVERRIDE = (
    "a sample_rate in the project's remote configuration (Session Replay settings) "
    "overrides this value"
)


def schema_key(path: Path) -> str:
    return "".join(
        "[]" if isinstance(part, int) else (f".{part}" if i else part)
        for i, part in enumerate(path)
    )


def rules_for(path: Path) -> tuple[BeforeRule | None, AfterRule | None]:
    key = schema_key(path)
    return _BEFORE.get(key), _AFTER.get(key)


def registered_keys() -> frozenset[str]:
    """Every option path some rule is registered for."""
    return frozenset(_BEFORE) | frozenset(_AFTER)


def before(*keys: str) -> Callable[[BeforeRule], BeforeRule]:
    def register(function: BeforeRule) -> BeforeRule:
        for key in keys:
            _BEFORE[key] = function
        return function

    return register


def after(*keys: str) -> Callable[[AfterRule], AfterRule]:
    def register(function: AfterRule) -> AfterRule:
        for key in keys:
            _AFTER[key] = function
        return function

    return register


def _value(node: Node) -> Any:
    return node.value if isinstance(node, Scalar) else None


def _is_true(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is True


def _number(node: Node) -> float | None:
    value = _value(node)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


# -- the options object as a whole ------------------------------------------------------------
def check_options_root(check: Checker, options: Mapping, anchor: Mark) -> None:
    if "sampleRate" not in options.entries:
        check.emit(
            "AR101",
            ERROR,
            "sampleRate is not set: the SDK defaults to 0 and records no session",
            anchor,
            ("sampleRate",),
            hint=f"set sampleRate to the share of sessions to record, e.g. 0.05; {REMOTE_OVERRIDE}",
        )
    if check.sdk_line is SdkLine.SEGMENT_WRAPPER:
        wrapper_identity_note(check, anchor)
    if check.sdk_line is SdkLine.STANDALONE:
        for name in ("deviceId", "sessionId"):
            if name not in options.entries:
                check.emit(
                    "AR170",
                    INFO,
                    f"{name} is not set here: pass it to init() or setSessionId() at run time, "
                    "or the SDK records nothing",
                    anchor,
                    (name,),
                )


def wrapper_identity_note(check: Checker, anchor: Mark) -> None:
    """What every Segment wrapper 0.4.0 set-up should know, whatever its options say."""
    check.emit(
        "AR172",
        INFO,
        "the Segment wrapper 0.4.0 runs SDK 1.13.6: it samples with the legacy hash, "
        "and after identify it records under the Segment userId as device id "
        "while Amplitude (Actions) events keep the anonymousId, "
        "so replays of logged-in users stop linking to their events",
        anchor,
        None,
        hint="keep the replay device id equal to the anonymousId "
        "(patch the wrapper, or use the standalone SDK with the destination's device id)",
    )


# -- sampling ---------------------------------------------------------------------------------
@before("sampleRate")
def sample_rate(check: Checker, node: Node, path: Path) -> bool:
    if not isinstance(node, Scalar):
        check.emit(
            "AR102",
            ERROR,
            f"sampleRate must be a number between 0 and 1, not {kind_name(node)}",
            node,
            path,
        )
        return True
    value = node.value
    if value is None or value is False or value == "":
        check.emit(
            "AR101",
            ERROR,
            f"sampleRate is {show(value)}: the SDK replaces it with 0 and records no session",
            node,
            path,
            hint=f"write the share of sessions to record, e.g. 0.05; {REMOTE_OVERRIDE}",
        )
        return True
    if value is True:
        check.emit(
            "AR102",
            ERROR,
            "sampleRate is true: JavaScript compares it as 1, so every session is recorded",
            node,
            path,
            hint="write a number between 0 and 1",
        )
        return True
    if isinstance(value, str):
        number = js_string_to_number(value)
        if math.isnan(number):
            check.emit(
                "AR102",
                ERROR,
                f"sampleRate is the string {show(value)}, which is not a number: "
                "no session is ever recorded",
                node,
                path,
                hint="write a number between 0 and 1, without quotes",
            )
            return True
        check.emit(
            "AR103",
            WARNING,
            f"sampleRate is the string {show(value)}: "
            "the SDK keeps the string and records only because "
            "JavaScript converts it at each comparison",
            node,
            path,
            hint=f"write the number {show(number)} without quotes",
        )
        value = number
    _check_rate(check, node, path, js_to_number(value))
    return True


def _check_rate(check: Checker, node: Node, path: Path, rate: float) -> None:
    if math.isnan(rate):
        check.emit("AR102", ERROR, "sampleRate is NaN: no session is ever recorded", node, path)
    elif rate == 0:
        check.emit(
            "AR101",
            ERROR,
            "sampleRate is 0: no session is recorded",
            node,
            path,
            hint=f"set the share of sessions to record, e.g. 0.05; {REMOTE_OVERRIDE}",
        )
    elif rate < 0:
        check.emit(
            "AR102",
            ERROR,
            f"sampleRate is negative ({show(rate)}): no session is ever recorded",
            node,
            path,
            hint="write a number between 0 and 1",
        )
    elif rate > 1:
        check.emit(
            "AR104",
            WARNING,
            f"sampleRate {show(rate)} is above 1 and behaves like 1: every session is recorded",
            node,
            path,
            hint="write a number between 0 and 1",
        )
    elif rate == 1:
        if check.production:
            check.emit(
                "AR104",
                WARNING,
                "sampleRate 1 records every session in production",
                node,
                path,
                hint="fine for a test project; in production record the share you need, e.g. 0.05 "
                "(or run with --env development)",
            )
    elif rate < 1 / BUCKETS or round(rate, 6) != rate:
        effective = effective_rate(rate)
        check.emit(
            "AR105",
            WARNING,
            f"sampleRate {show(rate)} is finer than the SDK's steps of 0.000001: "
            f"it behaves like {show(effective)}",
            node,
            path,
            hint=f"write {show(effective)}",
        )


# -- uploads ----------------------------------------------------------------------------------
@before("flushMaxRetries")
def flush_max_retries(check: Checker, node: Node, path: Path) -> bool:
    value = _value(node)
    if isinstance(node, Scalar) and value is None:
        check.emit(
            "AR130",
            ERROR,
            "flushMaxRetries is null: the SDK keeps null and drops every batch unsent",
            node,
            path,
            hint="leave it out (2 attempts) or write 1 or 2",
        )
        return True
    number = _number(node)
    if number is None:
        return False  # the type check reports it
    if math.isnan(number):
        check.emit(
            "AR130",
            WARNING,
            "flushMaxRetries is NaN: the SDK uses 2",
            node,
            path,
            hint="leave it out",
        )
    elif number <= 0:
        check.emit(
            "AR130",
            ERROR,
            f"flushMaxRetries is {show(value)}: "
            "every batch is dropped before a request is sent, nothing is uploaded",
            node,
            path,
            hint="leave it out (2 attempts) or write 1 (a single attempt)",
        )
    elif number > 2:
        check.emit(
            "AR130",
            WARNING,
            f"flushMaxRetries {show(value)} silently becomes 2 (one attempt and one retry): "
            "the SDK allows no more",
            node,
            path,
            hint="write 2 or leave it out",
        )
    elif not number.is_integer():
        check.emit(
            "AR130",
            WARNING,
            f"flushMaxRetries {show(value)} is not a whole number of attempts",
            node,
            path,
            hint="write 1 or 2",
        )
    return True


@after("enableTransportCompression")
def transport_compression(check: Checker, node: Node, path: Path) -> None:
    if _value(node) is False:
        check.emit(
            "AR181",
            WARNING,
            "enableTransportCompression is false: uploads are sent uncompressed, "
            "several times larger (the SDK documents this as a debugging switch)",
            node,
            path,
            hint="leave it out in production",
        )


@after("sendTimeoutMs")
def send_timeout(check: Checker, node: Node, path: Path) -> None:
    number = _number(node)
    if number is not None and number <= 0:
        check.emit(
            "AR181",
            WARNING,
            f"sendTimeoutMs {show(_value(node))} turns the upload timeout off: one stuck "
            "request blocks every later upload",
            node,
            path,
            hint="leave it out (10000 ms)",
        )


@after("flushIntervalConfig")
def flush_interval(check: Checker, node: Node, path: Path) -> None:
    assert isinstance(node, Mapping)
    if not node.entries:
        check.emit(
            "AR183",
            WARNING,
            "flushIntervalConfig is empty: the SDK then splits every 500 ms up to 10 s, "
            "not its 1 s default",
            node,
            path,
            hint="leave it out, or set minIntervalMs and maxIntervalMs",
        )
        return
    minimum = _interval(check, node, path, "minIntervalMs", allow_infinity=False)
    maximum = _interval(check, node, path, "maxIntervalMs", allow_infinity=True)
    if minimum is not None and maximum is not None and maximum < minimum:
        check.emit(
            "AR183",
            WARNING,
            f"flushIntervalConfig.maxIntervalMs ({show(maximum)}) is below minIntervalMs "
            f"({show(minimum)}): the SDK raises the maximum to the minimum",
            node.entries["maxIntervalMs"].value,
            (*path, "maxIntervalMs"),
        )
    elif (
        minimum is not None
        and maximum is None
        and "maxIntervalMs" not in node.entries
        and minimum > 10000
    ):
        check.emit(
            "AR183",
            WARNING,
            f"flushIntervalConfig.minIntervalMs {show(minimum)} exceeds the default maximum of "
            "10000 ms: the SDK raises the maximum to match",
            node.entries["minIntervalMs"].value,
            (*path, "minIntervalMs"),
            hint="set maxIntervalMs too",
        )
    elif (
        maximum is not None
        and minimum is None
        and "minIntervalMs" not in node.entries
        and maximum < 500
    ):
        check.emit(
            "AR183",
            WARNING,
            f"flushIntervalConfig.maxIntervalMs {show(maximum)} is below the 500 ms minimum: "
            "the SDK lowers the minimum to match",
            node.entries["maxIntervalMs"].value,
            (*path, "maxIntervalMs"),
            hint="set minIntervalMs too",
        )


def _interval(
    check: Checker, mapping: Mapping, path: Path, name: str, allow_infinity: bool
) -> float | None:
    entry = mapping.entries.get(name)
    if entry is None:
        return None
    number = _number(entry.value)
    if number is None:
        return None
    bad = math.isnan(number) or number < 100 or (not allow_infinity and math.isinf(number))
    if bad:
        check.emit(
            "AR183",
            WARNING,
            f"flushIntervalConfig.{name} {show(number)} is below the 100 ms floor: "
            "the SDK clamps it to 100 ms",
            entry.value,
            (*path, name),
        )
        return 100.0
    return number


@after("maxPersistedEventsSizeBytes", "maxSingleEventSizeBytes")
def byte_size(check: Checker, node: Node, path: Path) -> None:
    name = str(path[-1])
    ceiling = 8_000_000 if name == "maxPersistedEventsSizeBytes" else 10_000_000
    number = _number(node)
    assert number is not None
    if not math.isfinite(number):
        check.emit(
            "AR184",
            WARNING,
            f"{name} is not a finite number: the SDK ignores it",
            node,
            path,
            hint="leave it out",
        )
    elif number < 1000:
        check.emit(
            "AR184",
            WARNING,
            f"{name} {show(number)} is below 1000: the SDK clamps it to 1000",
            node,
            path,
        )
    elif number > ceiling:
        check.emit(
            "AR184",
            WARNING,
            f"{name} {show(number)} is above {ceiling}: the SDK clamps it to {ceiling}",
            node,
            path,
        )


# -- snapshots and payload --------------------------------------------------------------------
@after("fullSnapshotIntervalMs")
def full_snapshot_interval(check: Checker, node: Node, path: Path) -> None:
    number = _number(node)
    assert number is not None
    if number <= 0:
        check.emit(
            "AR185",
            WARNING,
            f"fullSnapshotIntervalMs {show(number)} turns periodic full snapshots off",
            node,
            path,
            hint="leave it out to mean off, or use 300000 (5 minutes)",
        )
    elif number < 60_000:
        check.emit(
            "AR185",
            WARNING,
            f"fullSnapshotIntervalMs {show(number)} takes a full DOM snapshot every "
            f"{number / 1000:g} s: large uploads and CPU on every page",
            node,
            path,
            hint="the SDK recommends 300000 (5 minutes)",
        )


@after("captureFullSnapshotOnFocus", "eagerFullSnapshotSend")
def snapshot_volume(check: Checker, node: Node, path: Path) -> None:
    if _is_true(node):
        what = (
            "a new full snapshot every time the window gains focus"
            if path[-1] == "captureFullSnapshotOnFocus"
            else "an upload request for every full snapshot"
        )
        check.emit(
            "AR185",
            WARNING,
            f"{path[-1]} is true: {what}, which multiplies request volume and can get "
            "uploads throttled",
            node,
            path,
            hint="leave it out unless you measured the need",
        )


_PAYLOAD = {
    "captureDocumentTitle": (
        "page titles are recorded, and titles often hold names, emails or order numbers"
    ),
    "inlineImages": (
        "images are inlined as data URLs: much bigger uploads, and pictures of user content"
    ),
    "shouldInlineStylesheet": "stylesheet contents are stored in every snapshot: bigger uploads",
}


@after(*_PAYLOAD)
def payload(check: Checker, node: Node, path: Path) -> None:
    if _is_true(node):
        check.emit("AR182", WARNING, f"{path[-1]} is true: {_PAYLOAD[str(path[-1])]}", node, path)


@after("crossOriginIframes")
def cross_origin_iframes(check: Checker, node: Node, path: Path) -> None:
    assert isinstance(node, Mapping)
    enabled = node.get("enabled")
    if enabled is not None and _is_true(enabled):
        check.emit(
            "AR182",
            WARNING,
            "crossOriginIframes is enabled: each child page records with its own privacy "
            "config, this one does not apply inside the iframes",
            enabled,
            (*path, "enabled"),
            hint="give every child page the same masking options",
        )


@after("performanceConfig")
def performance_config(check: Checker, node: Node, path: Path) -> None:
    assert isinstance(node, Mapping)
    if "enabled" not in node.entries:
        check.emit(
            "AR186",
            WARNING,
            "performanceConfig without `enabled` replaces the default {enabled: true}: "
            "idle-time compression is off",
            node,
            path,
            hint="add enabled: true",
        )


@after("storeType")
def store_type(check: Checker, node: Node, path: Path) -> None:
    value = _value(node)
    if value not in ("memory", "idb"):
        check.emit(
            "AR187",
            WARNING,
            f"storeType {show(value)} is neither memory nor idb: the SDK uses memory",
            node,
            path,
            hint="write memory or idb",
        )


# -- logging and debugging --------------------------------------------------------------------
@after("debugMode")
def debug_mode(check: Checker, node: Node, path: Path) -> None:
    if _is_true(node) and check.production:
        check.emit(
            "AR180",
            WARNING,
            "debugMode is on in production: every event gets a debug property and the "
            "SDK logs storage details",
            node,
            path,
            hint="turn it off, or run with --env development",
        )


@after("logLevel")
def log_level(check: Checker, node: Node, path: Path) -> None:
    number = _number(node)
    assert number is not None
    if not number.is_integer() or not 0 <= number <= 4:
        check.emit(
            "AR180",
            WARNING,
            f"logLevel {show(number)} is not a LogLevel (0 None … 4 Debug): the logger "
            "compares it numerically",
            node,
            path,
            hint="write 0, 1, 2, 3 or 4",
        )
    elif number >= 3 and check.production:
        check.emit(
            "AR180",
            WARNING,
            f"logLevel {show(number)} ({'Verbose' if number == 3 else 'Debug'}) logs every "
            "step to users' consoles in production",
            node,
            path,
            hint="use 2 (Warn) or less",
        )


@after("optOut")
def opt_out(check: Checker, node: Node, path: Path) -> None:
    if _is_true(node):
        check.emit(
            "AR171",
            WARNING,
            "optOut is true: nothing is recorded for anyone using this config",
            node,
            path,
        )


# -- identifiers ------------------------------------------------------------------------------
@before("deviceId", "sessionId")
def runtime_id(check: Checker, node: Node, path: Path) -> bool:
    name = str(path[-1])
    if not isinstance(node, Scalar) or js_truthy(node.value):
        return False
    if check.sdk_line is SdkLine.PLUGIN and node.value is None:
        # `options.deviceId ?? config.deviceId`: null falls back to the Browser SDK's device id.
        return True
    check.emit(
        "AR170",
        ERROR,
        f"{name} is {show(node.value)}: the SDK records nothing without a "
        f"{'device' if name == 'deviceId' else 'session'} id",
        node,
        path,
        hint=f"leave {name} out of the file and pass the real value at run time",
    )
    return True


@after("amplitudeApiKey")
def amplitude_api_key(check: Checker, node: Node, path: Path) -> None:
    if not str(_value(node)).strip():
        check.emit(
            "AR190",
            ERROR,
            "amplitudeApiKey is empty: the SDK cannot upload anything",
            node,
            path,
            hint="set it to the project's API key (from Amplitude's project settings)",
        )


_FUNCTION_OPTIONS = {
    "handleSendEvents": ERROR,
    "handleFetchConfig": ERROR,
    "customSessionId": ERROR,
    "loggerProvider": WARNING,
}


@before(*_FUNCTION_OPTIONS)
def function_option(check: Checker, node: Node, path: Path) -> bool:
    if isinstance(node, Scalar) and node.value is None:
        return True
    name = str(path[-1])
    if name == "loggerProvider":
        message = (
            "loggerProvider needs an object with log/warn/error/debug functions; "
            "read from a data file it has none, "
            "and the SDK turns each missing method into a no-op, so its messages are lost"
        )
    else:
        message = (
            f"{name} must be a function; "
            f"a config file can only hold {kind_name(node)} here, "
            "and the SDK fails when it calls it"
        )
    check.emit(
        "AR191",
        _FUNCTION_OPTIONS[name],
        message,
        node,
        path,
        hint="set it in code, not in the config file",
    )
    return True


# -- endpoints --------------------------------------------------------------------------------
@after("serverZone")
def server_zone(check: Checker, node: Node, path: Path) -> None:
    value = _value(node)
    if value in ("US", "EU"):
        return
    if value == "STAGING":
        check.emit(
            "AR160",
            WARNING,
            "serverZone STAGING is Amplitude's internal staging environment"
            + (
                " (replays go to staging, remote config is read from the EU)"
                if check.sdk_line is not SdkLine.SEGMENT_WRAPPER
                else ""
            ),
            node,
            path,
            hint="use US or EU",
        )
        return
    upper = str(value).strip().upper()
    suggestion = f"write {upper}" if upper in ("US", "EU") else "write US or EU, in capitals"
    if value == "":
        consequence = "the SDK falls back to US"
    elif check.sdk_line is SdkLine.SEGMENT_WRAPPER:
        consequence = "SDK 1.13.6 sends replays and reads remote config in the US"
    else:
        consequence = (
            "the SDK sends replays to the US endpoint but reads remote config from the EU endpoint"
        )
    check.emit(
        "AR160",
        ERROR,
        f"serverZone {show(value)} is not exactly US or EU: {consequence}",
        node,
        path,
        hint=f"{suggestion} (the zone of the Amplitude project)",
    )


@after("trackServerUrl", "configServerUrl")
def server_url(check: Checker, node: Node, path: Path) -> None:
    name = str(path[-1])
    url = str(_value(node))
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        check.emit(
            "AR161",
            ERROR,
            f"{name} is not an absolute http(s) URL: the SDK uses it verbatim, so requests go "
            "to a path of the page's own site",
            node,
            path,
            hint="write the full URL, https://…",
        )
        return
    if "?" in url:
        appended = "?device_id=…" if name == "trackServerUrl" else "/<apiKey>?config_group=browser"
        check.emit(
            "AR161",
            WARNING,
            f"{name} contains '?': the SDK appends {appended} and the URL breaks",
            node,
            path,
            hint="move the query into a proxy rule, or drop it",
        )
    if parts.scheme == "http" and check.production:
        check.emit(
            "AR161",
            WARNING,
            f"{name} uses plain http in production: replays travel unencrypted",
            node,
            path,
            hint="use https",
        )
    if name == "configServerUrl":
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if last and (last == check.api_key or re.fullmatch(r"[0-9a-f]{32}", last)):
            check.emit(
                "AR161",
                WARNING,
                "configServerUrl ends with what looks like the API key: the SDK appends "
                "/<apiKey> itself, so the key would appear twice",
                node,
                path,
                hint="end the URL before the key, e.g. https://proxy.example.com/config",
            )


# -- privacy ----------------------------------------------------------------------------------
@before("privacyConfig.maskSelector", "privacyConfig.unmaskSelector")
def selector_string(check: Checker, node: Node, path: Path) -> bool:
    value = _value(node)
    if not isinstance(value, str):
        return False
    name = str(path[-1])
    if check.sdk_line is SdkLine.SEGMENT_WRAPPER:
        effect = (
            "SDK 1.13.6 calls .some() on it and throws whenever it checks an element, "
            "which breaks recording"
        )
    else:
        pieces = list(dict.fromkeys(value))
        tags = sorted({piece for piece in pieces if piece.isalpha()})
        shown = ", ".join(show(piece) for piece in pieces)
        effect = f"the SDK splits it into single characters ({shown})"
        if tags and name == "maskSelector":
            effect += f", which masks every {', '.join(f'<{tag}>' for tag in tags)} element"
        elif tags:
            effect += (
                f", which records every {', '.join(f'<{tag}>' for tag in tags)} element in clear"
            )
        if any(not piece.isalpha() and not piece.isspace() and piece != "*" for piece in pieces):
            effect += " and includes invalid selectors"
    check.emit(
        "AR140",
        ERROR,
        f"privacyConfig.{name} is a string: {effect}",
        node,
        path,
        hint=f"write a list: [{show(value)}]",
    )
    return True


_BROAD_UNMASK = frozenset(
    {
        "*",
        "html",
        "body",
        ":root",
        "main",
        "div",
        "span",
        "p",
        "input",
        "textarea",
        "select",
        "form",
        "label",
        "td",
        "li",
        "a",
        "section",
        "article",
    }
)


@after("privacyConfig.unmaskSelector")
def unmask_selector(check: Checker, node: Node, path: Path) -> None:
    assert isinstance(node, Sequence)
    selectors = [
        str(item.value)
        for item in node.items
        if isinstance(item, Scalar) and isinstance(item.value, str)
    ]
    extra = [selector for selector in selectors if selector.strip() != ".amp-unmask"]
    if not extra:
        return
    broad = [
        s for s in extra if any(part.strip().lower() in _BROAD_UNMASK for part in s.split(","))
    ]
    if broad:
        message = (
            f"privacyConfig.unmaskSelector records the text of broad selectors in clear "
            f"({', '.join(show(s) for s in broad)}): most of the page, possibly personal data"
        )
    else:
        message = (
            f"privacyConfig.unmaskSelector records the text of {len(extra)} selector(s) in clear"
        )
    check.emit(
        "AR142",
        WARNING,
        message,
        node,
        path,
        hint="unmask only elements that can never hold personal data",
    )


@after(
    "privacyConfig.blockSelector",
    "privacyConfig.blockSelector[]",
    "privacyConfig.maskSelector[]",
    "privacyConfig.unmaskSelector[]",
)
def css_selector(check: Checker, node: Node, path: Path) -> None:
    value = _value(node)
    if not isinstance(value, str):
        return
    problem = selector_problem(value)
    if problem:
        check.emit(
            "AR141",
            ERROR,
            f"{show(value)} is not a valid CSS selector ({problem}): the browser throws when "
            "the SDK matches it",
            node,
            path,
            hint="fix or remove the selector",
        )


def selector_problem(selector: str) -> str | None:
    """A structural flaw that makes `Element.matches()` throw; None when none is evident."""
    text = selector.strip()
    if not text:
        return "it is empty"
    pairs = {"]": "[", ")": "("}
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[(":
            stack.append(char)
        elif char in "])" and (not stack or stack.pop() != pairs[char]):
            return f"unbalanced {char!r}"
    if quote:
        return "an unclosed quote"
    if stack:
        return f"unclosed {stack[-1]!r}"
    if text[-1] in ">+~,":
        return f"it ends with {text[-1]!r}"
    if text[0] in ">+~,":
        return f"it starts with {text[0]!r}"
    if re.search(r",\s*,", text):
        return "an empty item between commas"
    return None


@after("privacyConfig.defaultMaskLevel", "privacyConfig.urlMaskLevels[].maskLevel")
def mask_level(check: Checker, node: Node, path: Path) -> None:
    value = _value(node)
    if value not in MASK_LEVELS:
        check.emit(
            "AR143",
            ERROR,
            f"mask level {show(value)} is not light, medium or conservative: the SDK treats it as "
            "medium",
            node,
            path,
            hint="write light, medium or conservative",
        )
    elif value == "light" and path[-1] == "defaultMaskLevel":
        check.emit(
            "AR143",
            WARNING,
            "defaultMaskLevel light masks only passwords, emails, phone numbers and card "
            "fields: every other input is recorded in clear",
            node,
            path,
            hint="use medium (the default) unless the inputs never hold personal data",
        )


@after("privacyConfig.urlMaskLevels[]")
def url_mask_rule(check: Checker, node: Node, path: Path) -> None:
    assert isinstance(node, Mapping)
    match = node.get("match")
    if match is None:
        check.emit(
            "AR144",
            ERROR,
            "urlMaskLevels rule has no `match` glob: it can never apply",
            node,
            path,
            hint="add match: 'https://example.com/checkout/*'",
        )
    elif isinstance(_value(match), str) and not str(_value(match)).strip():
        check.emit(
            "AR144", ERROR, "urlMaskLevels rule has an empty `match` glob", match, (*path, "match")
        )
    if "maskLevel" not in node.entries:
        check.emit(
            "AR143",
            ERROR,
            "urlMaskLevels rule has no maskLevel: the SDK treats it as medium",
            node,
            path,
            hint="add maskLevel: conservative (or light, medium)",
        )


@after("privacyConfig.maskAttributes[]")
def mask_attribute(check: Checker, node: Node, path: Path) -> None:
    if str(_value(node)).strip().lower() == "style":
        check.emit(
            "AR145",
            WARNING,
            "maskAttributes lists style, which the SDK never masks",
            node,
            path,
            hint="remove it",
        )


# -- interaction ------------------------------------------------------------------------------
_UGC_SHAPE = "init() throws: ugcFilterRules must be a list of {selector, replacement} strings"


@before("interactionConfig.ugcFilterRules")
def ugc_filter_rules(check: Checker, node: Node, path: Path) -> bool:
    if isinstance(node, Sequence):
        return False
    check.emit("AR150", ERROR, f"{_UGC_SHAPE}, not {kind_name(node)}", node, path)
    return True


@before("interactionConfig.ugcFilterRules[]")
def ugc_filter_rule(check: Checker, node: Node, path: Path) -> bool:
    if isinstance(node, Mapping):
        return False
    check.emit("AR150", ERROR, f"{_UGC_SHAPE}; this rule is {kind_name(node)}", node, path)
    return True


@before(
    "interactionConfig.ugcFilterRules[].selector", "interactionConfig.ugcFilterRules[].replacement"
)
def ugc_filter_field(check: Checker, node: Node, path: Path) -> bool:
    if isinstance(_value(node), str):
        return False
    check.emit("AR150", ERROR, f"{_UGC_SHAPE}; {path[-1]} is {kind_name(node)}", node, path)
    return True


@after("interactionConfig.ugcFilterRules[]")
def ugc_filter_rule_fields(check: Checker, node: Node, path: Path) -> None:
    assert isinstance(node, Mapping)
    for name in ("selector", "replacement"):
        if name not in node.entries:
            check.emit("AR150", ERROR, f"{_UGC_SHAPE}; this rule has no {name}", node, path)


_VALID_GLOB = re.compile(r"^/|^https?://\S+$")


@after("interactionConfig.ugcFilterRules[].selector")
def ugc_filter_selector(check: Checker, node: Node, path: Path) -> None:
    value = str(_value(node))
    if not value.strip() or not _VALID_GLOB.search(value):
        check.emit(
            "AR150",
            ERROR,
            f"init() throws: ugcFilterRules selector {show(value)} is not a URL glob starting "
            "with / or http(s)://",
            node,
            path,
            hint="write e.g. https://example.com/users/*",
        )
