"""Each rule of spec §1/§6, per SDK line: the exact findings a config gives, and nothing more."""

import pytest

from amp_replay_cli.core.documents import parse_documents
from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.options.catalog import (
    SEGMENT_CALL_OPTIONS,
    SESSION_REPLAY_OPTIONS,
    Effect,
    SdkLine,
)
from amp_replay_cli.core.options.checker import Checker, infer_sdk_line
from amp_replay_cli.core.options.rules import registered_keys, selector_problem
from amp_replay_cli.core.sampling import effective_rate

E, W, INFO = "error", "warning", "info"
S, P, SW = SdkLine.STANDALONE, SdkLine.PLUGIN, SdkLine.SEGMENT_WRAPPER
IDS_ABSENT = {(INFO, "AR170", "deviceId"), (INFO, "AR170", "sessionId")}
WRAPPER_NOTE = (INFO, "AR172", None)


def findings(text, sdk_line=None, production=True, suffix=".yaml"):
    [document] = parse_documents(text, f"c{suffix}", suffix)
    checker = Checker(document, sdk_line or infer_sdk_line(document.root), production)
    checker.run()
    return checker


def triples(text, sdk_line=None, production=True, suffix=".yaml"):
    return {
        (f.severity.value, f.code, f.path)
        for f in findings(text, sdk_line, production, suffix).findings
    }


CLEAN_STANDALONE = """
sampleRate: 0.05
privacyConfig:
  defaultMaskLevel: conservative
  blockSelector: ".ad-slot"
  maskSelector: [".pii", "[data-secret]"]
  maskAttributes: [title, alt]
  urlMaskLevels:
    - {match: "https://shop.example.com/checkout/*", maskLevel: conservative}
serverZone: EU
flushMaxRetries: 2
logLevel: 2
storeType: idb
useWebWorker: true
performanceConfig: {enabled: true, timeout: 500}
flushIntervalConfig: {minIntervalMs: 1000, maxIntervalMs: 10000}
maxPersistedEventsSizeBytes: 6000000
maxSingleEventSizeBytes: 9000000
sendTimeoutMs: 15000
fullSnapshotIntervalMs: 300000
trackServerUrl: https://replay-proxy.example.com/sessions/v2/track
configServerUrl: https://replay-proxy.example.com/config
interactionConfig:
  ugcFilterRules:
    - {selector: "https://example.com/users/*", replacement: "https://example.com/users/ID"}
    - {selector: "/orders/*", replacement: "/orders/ID"}
crossOriginIframes: {enabled: false}
captureAdoptedStyleSheets: true
enableUrlChangePolling: true
urlChangePollingInterval: 1000
instanceName: main
optOut: false
userProperties: {plan: pro}
"""


def test_a_clean_standalone_config_has_only_the_runtime_id_notes():
    assert triples(CLEAN_STANDALONE) == IDS_ABSENT


def test_runtime_ids_given_in_the_file_are_fine():
    assert triples("sampleRate: 0.1\ndeviceId: device-1\nsessionId: 1767225600123\n") == set()


def test_a_clean_plugin_config_has_no_findings():
    text = (
        "sampleRate: 0.1\nforceSessionTracking: true\n"
        "privacyConfig: {defaultMaskLevel: medium}\nuseWebWorker: true\n"
    )
    assert infer_sdk_line(parse_documents(text, "p.yaml", ".yaml")[0].root) is P
    assert triples(text) == set()


def test_a_clean_segment_wrapper_call_has_no_findings():
    text = (
        '{"amplitudeApiKey": "0123456789abcdef0123456789abcdef", "segmentInstance": "analytics", '
        '"sessionReplayOptions": {"sampleRate": 0.2, "privacyConfig": {"maskSelector": [".pii"]}, '
        '"serverZone": "EU", "logLevel": 1}}'
    )
    assert triples(text, suffix=".json") == {WRAPPER_NOTE}


@pytest.mark.parametrize(
    ("text", "sdk_line", "expected"),
    [
        # sampleRate
        ("debugMode: false", S, {(E, "AR101", "sampleRate")}),
        ("sampleRate: 0", S, {(E, "AR101", "sampleRate")}),
        ("sampleRate: null", S, {(E, "AR101", "sampleRate")}),
        ("sampleRate: ''", S, {(E, "AR101", "sampleRate")}),
        ("sampleRate: false", S, {(E, "AR101", "sampleRate")}),
        ("sampleRate: true", S, {(E, "AR102", "sampleRate")}),
        ("sampleRate: .nan", S, {(E, "AR102", "sampleRate")}),
        ("sampleRate: -0.5", S, {(E, "AR102", "sampleRate")}),
        ("sampleRate: 'half'", S, {(E, "AR102", "sampleRate")}),
        ("sampleRate: [0.5]", S, {(E, "AR102", "sampleRate")}),
        ("sampleRate: '0.5'", S, {(W, "AR103", "sampleRate")}),
        ("sampleRate: '0'", S, {(W, "AR103", "sampleRate"), (E, "AR101", "sampleRate")}),
        ("sampleRate: 1", S, {(W, "AR104", "sampleRate")}),
        ("sampleRate: 2", S, {(W, "AR104", "sampleRate")}),
        ("sampleRate: 0.0000005", S, {(W, "AR105", "sampleRate")}),
        ("sampleRate: 0.1234567", S, {(W, "AR105", "sampleRate")}),
        ("sampleRate: 0.000001", S, set()),
        ("sampleRate: 1e-2", S, {(W, "AR122", "sampleRate")}),
        # flushMaxRetries
        ("sampleRate: 0.1\nflushMaxRetries: 0", S, {(E, "AR130", "flushMaxRetries")}),
        ("sampleRate: 0.1\nflushMaxRetries: -1", SW, {(E, "AR130", "flushMaxRetries")}),
        ("sampleRate: 0.1\nflushMaxRetries: null", S, {(E, "AR130", "flushMaxRetries")}),
        ("sampleRate: 0.1\nflushMaxRetries: 5", S, {(W, "AR130", "flushMaxRetries")}),
        ("sampleRate: 0.1\nflushMaxRetries: 1.5", S, {(W, "AR130", "flushMaxRetries")}),
        ("sampleRate: 0.1\nflushMaxRetries: '3'", S, {(E, "AR120", "flushMaxRetries")}),
        ("sampleRate: 0.1\nflushMaxRetries: 1", S, set()),
        # selectors and masking
        (
            "sampleRate: 0.1\nprivacyConfig: {maskSelector: '.pii'}",
            S,
            {(E, "AR140", "privacyConfig.maskSelector")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {unmaskSelector: '.ok'}",
            S,
            {(E, "AR140", "privacyConfig.unmaskSelector")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {maskSelector: '.pii'}",
            SW,
            {(E, "AR140", "privacyConfig.maskSelector")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {maskSelector: ['']}",
            S,
            {(E, "AR141", "privacyConfig.maskSelector[0]")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {blockSelector: 'div['}",
            S,
            {(E, "AR141", "privacyConfig.blockSelector")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {maskSelector: [3]}",
            S,
            {(E, "AR120", "privacyConfig.maskSelector[0]")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {unmaskSelector: ['.public-price']}",
            S,
            {(W, "AR142", "privacyConfig.unmaskSelector")},
        ),
        ("sampleRate: 0.1\nprivacyConfig: {unmaskSelector: ['.amp-unmask']}", S, set()),
        (
            "sampleRate: 0.1\nprivacyConfig: {defaultMaskLevel: light}",
            S,
            {(W, "AR143", "privacyConfig.defaultMaskLevel")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {defaultMaskLevel: strict}",
            S,
            {(E, "AR143", "privacyConfig.defaultMaskLevel")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {urlMaskLevels: [{match: '', maskLevel: light}]}",
            S,
            {(E, "AR144", "privacyConfig.urlMaskLevels[0].match")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {urlMaskLevels: [{maskLevel: light}]}",
            S,
            {(E, "AR144", "privacyConfig.urlMaskLevels[0]")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {urlMaskLevels: [{match: '/a/*', maskLevel: high}]}",
            S,
            {(E, "AR143", "privacyConfig.urlMaskLevels[0].maskLevel")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {urlMaskLevels: [{match: '/a/*'}]}",
            S,
            {(E, "AR143", "privacyConfig.urlMaskLevels[0]")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {maskAttributes: [style]}",
            S,
            {(W, "AR145", "privacyConfig.maskAttributes[0]")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {maskAttributes: [title]}",
            P,
            {(W, "AR114", "privacyConfig.maskAttributes")},
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {urlMaskLevels: []}",
            SW,
            {(W, "AR114", "privacyConfig.urlMaskLevels")},
        ),
        # ugcFilterRules and interactionConfig
        (
            "sampleRate: 0.1\ninteractionConfig: {ugcFilterRules: {selector: /a}}",
            S,
            {(E, "AR150", "interactionConfig.ugcFilterRules")},
        ),
        (
            "sampleRate: 0.1\ninteractionConfig: {ugcFilterRules: ['/a']}",
            S,
            {(E, "AR150", "interactionConfig.ugcFilterRules[0]")},
        ),
        (
            "sampleRate: 0.1\n"
            "interactionConfig: {ugcFilterRules: [{selector: '*.html', replacement: x}]}",
            S,
            {(E, "AR150", "interactionConfig.ugcFilterRules[0].selector")},
        ),
        (
            "sampleRate: 0.1\n"
            "interactionConfig: {ugcFilterRules: [{selector: '  ', replacement: x}]}",
            S,
            {(E, "AR150", "interactionConfig.ugcFilterRules[0].selector")},
        ),
        (
            "sampleRate: 0.1\n"
            "interactionConfig: {ugcFilterRules: [{selector: /a, replacement: 1}]}",
            S,
            {(E, "AR150", "interactionConfig.ugcFilterRules[0].replacement")},
        ),
        (
            "sampleRate: 0.1\ninteractionConfig: {ugcFilterRules: [{selector: /a}]}",
            S,
            {(E, "AR150", "interactionConfig.ugcFilterRules[0]")},
        ),
        (
            "sampleRate: 0.1\ninteractionConfig: {enabled: true, batch: true, trackEveryNms: 500}",
            S,
            {
                (W, "AR112", "interactionConfig.enabled"),
                (W, "AR112", "interactionConfig.batch"),
                (W, "AR112", "interactionConfig.trackEveryNms"),
            },
        ),
        (
            "sampleRate: 0.1\ninteractionConfig: {ugcFilterRules: []}",
            SW,
            {(W, "AR114", "interactionConfig")},
        ),
        # zone and URLs
        ("sampleRate: 0.1\nserverZone: eu", S, {(E, "AR160", "serverZone")}),
        ("sampleRate: 0.1\nserverZone: us", SW, {(E, "AR160", "serverZone")}),
        ("sampleRate: 0.1\nserverZone: ''", S, {(E, "AR160", "serverZone")}),
        ("sampleRate: 0.1\nserverZone: STAGING", S, {(W, "AR160", "serverZone")}),
        ("sampleRate: 0.1\nserverZone: EU", P, {(W, "AR112", "serverZone")}),
        ("sampleRate: 0.1\nserverZone: 1", S, {(E, "AR120", "serverZone")}),
        (
            "sampleRate: 0.1\ntrackServerUrl: 'https://p.example.com/t?x=1'",
            S,
            {(W, "AR161", "trackServerUrl")},
        ),
        (
            "sampleRate: 0.1\ntrackServerUrl: 'http://p.example.com/t'",
            S,
            {(W, "AR161", "trackServerUrl")},
        ),
        ("sampleRate: 0.1\ntrackServerUrl: 'p.example.com/t'", S, {(E, "AR161", "trackServerUrl")}),
        (
            "sampleRate: 0.1\ntrackServerUrl: 'https://p.example.com/t'",
            SW,
            {(W, "AR114", "trackServerUrl")},
        ),
        (
            "sampleRate: 0.1\nconfigServerUrl: 'https://p.example.com/config/0123456789abcdef0123456789abcdef'",
            S,
            {(W, "AR161", "configServerUrl")},
        ),
        # ids
        (
            "sampleRate: 0.1\ndeviceId: ''\nsessionId: 0",
            S,
            {(E, "AR170", "deviceId"), (E, "AR170", "sessionId")},
        ),
        ("sampleRate: 0.1\ndeviceId: null\nsessionId: 5", S, {(E, "AR170", "deviceId")}),
        ("sampleRate: 0.1\ndeviceId: null", P, set()),
        ("sampleRate: 0.1\ndeviceId: ''", P, {(E, "AR170", "deviceId")}),
        ("sampleRate: 0.1\nsessionId: 5", P, {(W, "AR112", "sessionId")}),
        (
            "sampleRate: 0.1\ndeviceId: d\nsessionId: 5",
            SW,
            {(W, "AR112", "deviceId"), (W, "AR112", "sessionId")},
        ),
        (
            "sampleRate: 0.1\nsessionId: [1]",
            S,
            {(E, "AR120", "sessionId"), (INFO, "AR170", "deviceId")},
        ),
        # logging, debugging, transport
        (
            "sampleRate: 0.1\ndebugMode: true\nlogLevel: 3",
            P,
            {(W, "AR180", "debugMode"), (W, "AR112", "logLevel")},
        ),
        (
            "sampleRate: 0.1\ndebugMode: true\nlogLevel: 4",
            SW,
            {(W, "AR180", "debugMode"), (W, "AR180", "logLevel")},
        ),
        ("sampleRate: 0.1\nlogLevel: 9", SW, {(W, "AR180", "logLevel")}),
        (
            "sampleRate: 0.1\nenableTransportCompression: false\nsendTimeoutMs: 0",
            S,
            {(W, "AR181", "enableTransportCompression"), (W, "AR181", "sendTimeoutMs")},
        ),
        (
            "sampleRate: 0.1\nenableTransportCompression: false",
            P,
            {(W, "AR114", "enableTransportCompression")},
        ),
        # payload and privacy switches
        (
            "sampleRate: 0.1\ncaptureDocumentTitle: true\ninlineImages: true\n"
            "shouldInlineStylesheet: true\n"
            "crossOriginIframes: {enabled: true}",
            S,
            {
                (W, "AR182", "captureDocumentTitle"),
                (W, "AR182", "inlineImages"),
                (W, "AR182", "shouldInlineStylesheet"),
                (W, "AR182", "crossOriginIframes.enabled"),
            },
        ),
        # flush cadence and sizes
        ("sampleRate: 0.1\nflushIntervalConfig: {}", S, {(W, "AR183", "flushIntervalConfig")}),
        (
            "sampleRate: 0.1\nflushIntervalConfig: {minIntervalMs: 50}",
            S,
            {(W, "AR183", "flushIntervalConfig.minIntervalMs")},
        ),
        (
            "sampleRate: 0.1\nflushIntervalConfig: {minIntervalMs: 5000, maxIntervalMs: 2000}",
            S,
            {(W, "AR183", "flushIntervalConfig.maxIntervalMs")},
        ),
        (
            "sampleRate: 0.1\nflushIntervalConfig: {minIntervalMs: 30000}",
            S,
            {(W, "AR183", "flushIntervalConfig.minIntervalMs")},
        ),
        ("sampleRate: 0.1\nflushIntervalConfig: {maxIntervalMs: .inf}", S, set()),
        (
            "sampleRate: 0.1\nmaxPersistedEventsSizeBytes: 100\nmaxSingleEventSizeBytes: 20000000",
            S,
            {(W, "AR184", "maxPersistedEventsSizeBytes"), (W, "AR184", "maxSingleEventSizeBytes")},
        ),
        (
            "sampleRate: 0.1\nmaxPersistedEventsSizeBytes: .inf",
            S,
            {(W, "AR184", "maxPersistedEventsSizeBytes")},
        ),
        (
            "sampleRate: 0.1\nfullSnapshotIntervalMs: 1000\ncaptureFullSnapshotOnFocus: true\n"
            "eagerFullSnapshotSend: true",
            S,
            {
                (W, "AR185", "fullSnapshotIntervalMs"),
                (W, "AR185", "captureFullSnapshotOnFocus"),
                (W, "AR185", "eagerFullSnapshotSend"),
            },
        ),
        (
            "sampleRate: 0.1\nfullSnapshotIntervalMs: 300000",
            P,
            {(W, "AR114", "fullSnapshotIntervalMs")},
        ),
        (
            "sampleRate: 0.1\nperformanceConfig: {timeout: 500}",
            S,
            {(W, "AR186", "performanceConfig")},
        ),
        ("sampleRate: 0.1\nstoreType: localStorage", S, {(W, "AR187", "storeType")}),
        ("sampleRate: 0.1\noptOut: true", S, {(W, "AR171", "optOut")}),
        # deprecated, internal, no effect, unknown
        (
            "sampleRate: 0.1\nexperimental: {useWebWorker: false}",
            S,
            {(W, "AR113", "experimental.useWebWorker")},
        ),
        (
            "sampleRate: 0.1\nversion: {type: segment, version: '1'}\n"
            "sessionReplayId: a/1\nconfigEndpointUrl: x",
            S,
            {
                (W, "AR112", "version"),
                (W, "AR112", "sessionReplayId"),
                (W, "AR114", "configEndpointUrl"),
            },
        ),
        ("sampleRate: 0.1\nconfigEndpointUrl: https://x", SW, {(W, "AR112", "configEndpointUrl")}),
        (
            "sampleRate: 0.1\nserverUrl: https://x\nflushQueueSize: 30\nuseBatch: true",
            S,
            {(W, "AR111", "serverUrl"), (W, "AR111", "flushQueueSize"), (W, "AR111", "useBatch")},
        ),
        (
            "sampleRate: 0.1\nenableRequestBodyCompression: true",
            SW,
            {(W, "AR114", "enableRequestBodyCompression")},
        ),
        ("sampleRate: 0.1\nflushIntervalMillis: 1000", P, {(W, "AR114", "flushIntervalMillis")}),
        ("sampleRate: 0.1\nforceSessionTracking: true", S, {(W, "AR114", "forceSessionTracking")}),
        (
            "sampleRate: 0.1\nsample_rate: 0.1\nprivacy: {}\nsr_sampling_config: {}",
            S,
            {
                (W, "AR110", "sample_rate"),
                (W, "AR110", "privacy"),
                (W, "AR110", "sr_sampling_config"),
            },
        ),
        (
            "sampleRate: 0.1\nprivacyConfig: {maskLevel: light}",
            S,
            {(W, "AR110", "privacyConfig.maskLevel")},
        ),
        # types, nulls, functions, credentials
        ("sampleRate: 0.1\nuseWebWorker: 'false'", S, {(W, "AR120", "useWebWorker")}),
        ("sampleRate: 0.1\nprivacyConfig: [1]", S, {(E, "AR120", "privacyConfig")}),
        ("sampleRate: 0.1\ninlineImages: null", S, {(W, "AR120", "inlineImages")}),
        ("sampleRate: 0.1\nhandleSendEvents: fetchWithAuth", S, {(E, "AR191", "handleSendEvents")}),
        ("sampleRate: 0.1\nhandleSendEvents: null", S, set()),
        ("sampleRate: 0.1\ncustomSessionId: fn", P, {(E, "AR191", "customSessionId")}),
        ("sampleRate: 0.1\nloggerProvider: {}", S, {(W, "AR191", "loggerProvider")}),
        ("sampleRate: 0.1\nsecretKey: 'abc123abc123'", S, {(E, "AR190", "secretKey")}),
    ],
)
def test_rule(text, sdk_line, expected):
    found = triples(text, sdk_line)
    notes = (
        IDS_ABSENT
        if sdk_line is SdkLine.STANDALONE
        else {WRAPPER_NOTE}
        if sdk_line is SdkLine.SEGMENT_WRAPPER
        else set()
    )
    assert found - (notes - expected) == expected


def catalog_options_by_key():
    """Every option of the catalog under its rule key: dotted, with list items written `[]`."""
    found = {}

    def visit(options, prefix):
        for name, spec in options.items():
            key = f"{prefix}{name}"
            found[key] = spec
            visit(spec.children, f"{key}.")
            if spec.items is not None:
                found[f"{key}[]"] = spec.items
                visit(spec.items.children, f"{key}[].")

    visit(SESSION_REPLAY_OPTIONS, "")
    visit(SEGMENT_CALL_OPTIONS, "")  # the Segment wrapper call's own keys, such as amplitudeApiKey
    return found


@pytest.mark.parametrize("key", sorted(registered_keys()))
def test_every_rule_key_names_an_option_of_some_sdk_line(key):
    # A rule under a misspelt key would never run, and nothing else would notice.
    spec = catalog_options_by_key().get(key)
    assert spec is not None, f"rule key {key!r} is not an option path of the catalog"
    assert any(spec.on(sdk_line).effect is not Effect.UNSUPPORTED for sdk_line in SdkLine)


def test_development_drops_production_only_warnings():
    text = (
        "sampleRate: 1\ndebugMode: true\nlogLevel: 4\ntrackServerUrl: http://localhost:8080/track\n"
    )
    assert {t[1] for t in triples(text, S, production=True)} >= {"AR104", "AR180", "AR161"}
    assert triples(text, S, production=False) == IDS_ABSENT


def test_segment_call_findings_carry_the_full_option_path():
    text = "amplitudeApiKey: key12345\nsessionReplayOptions:\n  serverZone: eu\n"
    assert triples(text) == {
        (E, "AR101", "sessionReplayOptions.sampleRate"),
        (E, "AR160", "sessionReplayOptions.serverZone"),
        WRAPPER_NOTE,
    }


def test_segment_call_without_options_records_nothing():
    assert triples("amplitudeApiKey: key12345\nsegmentInstance: analytics\n") == {
        (E, "AR101", "sessionReplayOptions.sampleRate"),
        WRAPPER_NOTE,
    }


def test_segment_call_checks_its_own_keys():
    text = (
        "amplitudeApiKey: ''\nsessionReplayOptions: {sampleRate: 0.1}\n"
        "enableWrapperDebug: true\nsegment: x\n"
    )
    assert triples(text) == {
        (E, "AR190", "amplitudeApiKey"),
        (W, "AR114", "enableWrapperDebug"),
        (W, "AR110", "segment"),
        WRAPPER_NOTE,
    }


def test_segment_call_with_options_of_the_wrong_type():
    assert triples("amplitudeApiKey: k1234\nsessionReplayOptions: [1]\n") == {
        (E, "AR120", "sessionReplayOptions")
    }


def test_credential_values_are_remembered_as_secrets_and_not_shown():
    checker = findings(
        "amplitudeApiKey: 12345678\nsessionReplayOptions: {sampleRate: 0.1, apiKey: s3cr3t-key}\n"
    )
    assert checker.secrets == {"12345678", "s3cr3t-key"}
    assert all("12345678" not in f.message and "s3cr3t" not in f.message for f in checker.findings)
    assert ("error", "AR120", "amplitudeApiKey") in {
        (f.severity.value, f.code, f.path) for f in checker.findings
    }


def test_schema_key_in_json_files_is_not_an_unknown_option():
    text = '{"$schema": "./schemas/x.json", "sampleRate": 0.1, "deviceId": "d", "sessionId": 1}'
    assert triples(text, suffix=".json") == set()


def test_findings_point_at_the_value_or_the_key():
    checker = findings("sampleRate: 0.1\nserverZone: eu\nsamplerate: 1\n", S)
    by_code = {f.code: f for f in checker.findings}
    assert (by_code["AR160"].line, by_code["AR160"].column) == (2, 13)
    assert (by_code["AR110"].line, by_code["AR110"].column) == (3, 1)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("samplerate", "sampleRate"),
        ("sample_rate", "sampleRate"),
        ("sampleRates", "sampleRate"),
        ("trackServerURL", "trackServerUrl"),
        ("privacy", "privacyConfig"),
        ("maskLevel", "privacyConfig.defaultMaskLevel"),
        ("ugcFilterRules", "interactionConfig.ugcFilterRules"),
        ("flushMaxRetry", "flushMaxRetries"),
    ],
)
def test_unknown_keys_get_a_did_you_mean(key, suggestion):
    [finding] = [
        f for f in findings(f"sampleRate: 0.1\n{key}: 1\n", S).findings if f.code == "AR110"
    ]
    assert finding.hint == f"did you mean `{suggestion}`?"


def test_the_string_mask_selector_message_tells_what_gets_masked():
    [finding] = [
        f
        for f in findings("sampleRate: 0.1\nprivacyConfig: {maskSelector: '.pii'}", S).findings
        if f.code == "AR140"
    ]
    assert "every <i>, <p> element" in finding.message and "invalid selectors" in finding.message


def test_yaml_exponent_is_explained_and_checked_as_the_number():
    checker = findings("sampleRate: 1e-7\n", S)
    codes = {f.code: f for f in checker.findings}
    assert "write 0.0000001" in codes["AR122"].message
    assert "AR105" in codes


def test_severity_and_codes_are_known():
    from amp_replay_cli.core.codes import CODES

    checker = findings("sampleRate: 0\nserverZone: eu\nx: 1\n", S)
    assert all(f.code in CODES and isinstance(f.severity, Severity) for f in checker.findings)


@pytest.mark.parametrize(
    ("rate", "effective"),
    [
        (0.0000005, 0.000001),
        (0.1234567, 0.123457),
        (0.05, 0.05),
        (1.0, 1.0),
        (1e-6, 1e-6),
        (0.3, 0.3),
    ],
)
def test_effective_rate_counts_buckets_the_way_the_sdk_compares(rate, effective):
    assert effective_rate(rate) == effective


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ("", "empty"),
        ("div[", "unclosed"),
        ("a)", "unbalanced"),
        ("div >", "ends with"),
        ("a,,b", "empty item"),
        ("[data-x='a", "quote"),
        (".a, .b", None),
        ('input[type="email"]', None),
        ("div:not(.x) > p", None),
        (".a\\[b", None),
    ],
)
def test_selector_problems(selector, problem):
    found = selector_problem(selector)
    assert (found is None) if problem is None else (problem in found)


def test_yaml_notes_never_quote_a_credential():
    checker = findings(
        "amplitudeApiKey: 0123456701234567\nsessionReplayOptions: {sampleRate: 0.1}\n"
    )
    assert not [f for f in checker.findings if f.code == "AR122"]
    assert checker.secrets == {str(0o123456701234567)}


# A wrong type where the SDK only loses the option's effect: a warning that says what happens.
@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("logLevel", "debug", "logs nothing at all"),
        ("debugMode", "'false'", '"false" acts as true'),
        ("shouldInlineStylesheet", "'yes'", "JavaScript truthiness"),
        ("inlineImages", "1", "JavaScript truthiness"),
        ("useWebWorker", "'no'", "JavaScript truthiness"),
        ("experimental", "{useWebWorker: 'no'}", "JavaScript truthiness"),
        ("enableTransportCompression", "0", "JavaScript truthiness"),
        ("applyBackgroundColorToBlockedElements", "'x'", "JavaScript truthiness"),
        ("enableUrlChangePolling", "'x'", "JavaScript truthiness"),
        ("captureDocumentTitle", "'x'", "JavaScript truthiness"),
        ("captureAdoptedStyleSheets", "'x'", "JavaScript truthiness"),
        ("eagerFullSnapshotSend", "'x'", "JavaScript truthiness"),
        ("captureFullSnapshotOnFocus", "'x'", "JavaScript truthiness"),
        ("performanceConfig", "{enabled: 'x'}", "JavaScript truthiness"),
        ("performanceConfig", "{enabled: true, mergeMutations: 'no'}", "exactly false"),
        ("performanceConfig", "true", "compresses events at once"),
        ("crossOriginIframes", "{enabled: 'x'}", "JavaScript truthiness"),
        ("crossOriginIframes", "true", "cross-origin iframes are not recorded"),
        ("storeType", "1", "in memory"),
        ("maxPersistedEventsSizeBytes", "big", "uses its default"),
        ("maxSingleEventSizeBytes", "[1]", "uses its default"),
        ("flushIntervalConfig", "{minIntervalMs: fast, maxIntervalMs: 5000}", "by 100 ms"),
        ("flushIntervalConfig", "{minIntervalMs: 1000, maxIntervalMs: slow}", "by 100 ms"),
        ("flushIntervalConfig", "5000", "every 500 ms to 10 s"),
        ("fullSnapshotIntervalMs", "often", "never triggers"),
        ("interactionConfig", "true", "remote configuration replaces it"),
    ],
)
def test_a_wrong_type_the_sdk_survives_is_a_warning_saying_what_happens(option, value, says):
    checker = findings(f"sampleRate: 0.1\n{option}: {value}", S, production=False)
    [finding] = [f for f in checker.findings if f.code == "AR120"]
    assert finding.severity is Severity.WARNING
    assert says in finding.message
    assert "recording and uploading go on" in finding.message


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("privacyConfig", "'x'"),
        ("privacyConfig", "{blockSelector: 1}"),
        ("serverZone", "1"),
        ("trackServerUrl", "5"),
        ("configServerUrl", "{}"),
        ("optOut", "'false'"),
        ("flushMaxRetries", "'3'"),
    ],
)
def test_a_wrong_type_that_stops_recording_or_uploading_stays_an_error(option, value):
    checker = findings(f"sampleRate: 0.1\n{option}: {value}", S, production=False)
    [finding] = [f for f in checker.findings if f.code == "AR120"]
    assert finding.severity is Severity.ERROR
