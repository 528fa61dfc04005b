"""Property-based robustness (issue 17): generated and mutated inputs for every command that reads
files, in-process, in every output format. Whatever the input, no exception escapes, the exit
code is one DESIGN.md documents for offline input (0 ok, 1 findings, 2 usage or input error),
and json, sarif and gitlab output parses as JSON, junit as XML.

Seeded (derandomize) and small, so CI stays fast. For a longer run:
`AMP_REPLAY_FUZZ=long pytest tests/test_robustness.py` (the `amp-replay-long` profile).
"""

import gzip
import json
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from amp_replay_cli.cli.app import app
from tests.conftest import DATA

settings.register_profile(
    "amp-replay-ci",
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "amp-replay-long",
    max_examples=2000,
    derandomize=False,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile(f"amp-replay-{os.environ.get('AMP_REPLAY_FUZZ', 'ci')}")

FORMATS = ("text", "json", "github", "junit", "sarif", "gitlab")
DOCUMENTED_EXIT_CODES = {0, 1, 2}  # 3 auth, 4 network, 5 bug, 130 interrupt: not offline input
SEGMENT_EVENT = {
    "type": "track",
    "event": "Clicked",
    "anonymousId": "6f1c2b1e-3d4a-4c55-9f0e-2b7f3f1f9a10",
    "userId": "user-12345",
    "messageId": "ajs-next-1767225600123-4f9d",
    "timestamp": "2026-01-01T00:00:00.123Z",
    "integrations": {"Actions Amplitude": {"session_id": 1767225600123}},
    "properties": {"[Amplitude] Session Replay ID": "6f1c2b1e/1767225600123"},
    "context": {"device": {"id": "device-12345"}, "page": {"url": "https://example.com/"}},
}
OPTIONS = {"sampleRate": 0.5, "privacyConfig": {"defaultMaskLevel": "medium"}, "debugMode": False}
EXPORT_ROW = {
    "event_type": "Clicked",
    "event_time": "2026-01-01 00:00:00.123000",
    "user_id": "user-12345",
    "device_id": "device-12345",
    "session_id": 1767225600123,
    "event_properties": {"[Amplitude] Session Replay ID": "device-12345/1767225600123"},
}
REPLAY = {"replay_id": "device-12345/1767225600123", "device_id": "d", "session_id": 1}
SETUP = json.loads((DATA / "identity" / "05_setup.config.json").read_text())
RECORDING = (DATA / "recordings" / "pricing-tabs.json").read_bytes()

# -- values of every shape ---------------------------------------------------------------------
_TEXT = st.text(st.characters(max_codepoint=0xFFFF), max_size=12)  # lone surrogates included
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**53 + 1, 10**400, -(10**400), 1767225600123]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(-0.0),
    _TEXT,
    st.sampled_from(["", "\x00", "\ufeff", "\x1b[31m", "\u202e", "²", "0x10", "1e3", " 5 "]),
)
VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_TEXT, children, max_size=3),
    max_leaves=6,
)
# Literal text that JSON encoders never write but hostile files hold (lone surrogates: SURROGATES).
RAW_TOKENS = [
    b"9" * 400,
    b"-0",
    b"NaN",
    b"-Infinity",
    b'"\\u0000"',
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"[" * 3000,
    b"{" * 3000,
    b'"' + b"\x01\x1f" + b'"',
    b"\r\n",
]


def dotted_set(document, path, value):
    """A copy of `document` with the value at `path` (keys joined by dots) replaced."""
    copy = json.loads(json.dumps(document))
    keys = path.split(".")
    target = copy
    for key in keys[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[keys[-1]] = value
    return copy


def shaped(template, paths):
    """The template with one of its fields given a value of any shape."""
    return st.builds(dotted_set, st.just(template), st.sampled_from(paths), VALUES)


@st.composite
def mutated(draw, documents, layouts=("ndjson", "array")):
    """Documents written in a layout, then perhaps mutated: cut short, bytes flipped, a hostile
    token inserted, wrapped in gzip, given a BOM."""
    items = draw(st.lists(documents, min_size=1, max_size=4))
    layout = draw(st.sampled_from(layouts))
    if layout == "ndjson":
        data = b"".join(json.dumps(item).encode() + b"\n" for item in items)
    elif layout == "array":
        data = json.dumps(items).encode()
    else:  # one document: configuration files
        data = json.dumps(items[0], indent=2).encode()
    for _ in range(draw(st.integers(0, 2))):
        operation = draw(st.sampled_from(["truncate", "flip", "insert", "none"]))
        position = draw(st.integers(0, len(data)))
        if operation == "truncate":
            data = data[:position]
        elif operation == "flip" and data:
            index = min(position, len(data) - 1)
            data = (
                data[:index] + bytes([data[index] ^ draw(st.integers(1, 255))]) + data[index + 1 :]
            )
        elif operation == "insert":
            data = data[:position] + draw(st.sampled_from(RAW_TOKENS)) + data[position:]
    wrapping = draw(st.sampled_from(["none", "none", "gzip", "bom", "gzip-truncated"]))
    if wrapping == "gzip":
        data = gzip.compress(data)
    elif wrapping == "gzip-truncated":
        data = gzip.compress(data)[: draw(st.integers(0, 40))]
    elif wrapping == "bom":
        data = b"\xef\xbb\xbf" + data
    return data


SEGMENT_PATHS = [
    "anonymousId",
    "userId",
    "messageId",
    "timestamp",
    "type",
    "integrations.Actions Amplitude.session_id",
    "integrations.Actions Amplitude",
    "properties.[Amplitude] Session Replay ID",
    "context.device.id",
    "context",
    "integrations",
]
SEGMENT_FILES = mutated(shaped(SEGMENT_EVENT, SEGMENT_PATHS))
CONFIGS = mutated(
    shaped(OPTIONS, ["sampleRate", "privacyConfig", "privacyConfig.defaultMaskLevel", "debugMode"])
    | shaped({"sessionReplayOptions": OPTIONS}, ["sessionReplayOptions.sampleRate"]),
    layouts=("document",),
)
RECORDING_EVENT = json.loads(RECORDING)[0]
RECORDINGS = mutated(
    shaped(RECORDING_EVENT, ["type", "timestamp", "data", "data.href", "data.width"])
    | st.builds(lambda value: {"events": [RECORDING_EVENT], "session_id": value}, VALUES),
)
EXPORTS = mutated(shaped(EXPORT_ROW, ["session_id", "event_time", "device_id", "event_properties"]))
REPLAYS = mutated(shaped(REPLAY, ["replay_id", "device_id", "session_id"]))
SETUPS = mutated(
    shaped(
        SETUP,
        [
            "segment_destination",
            "segment_destination.settings.apiKey",
            "replay.sessionReplayOptions.sampleRate",
            "replay.package",
            "amplitude_project.region",
        ],
    ),
    layouts=("document",),
)
SESSION_FILES = mutated(VALUES, layouts=("array", "ndjson"))


# -- running a command and judging what it did ---------------------------------------------------
def invoke(arguments, files, reports=()):
    """Write `files` (name: bytes) to a fresh folder and run the command there, in-process;
    with `reports`, also write those formats with --report and return their text too."""
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, data in files.items():
            paths[name] = Path(folder) / name
            paths[name].write_bytes(data)
        words = [str(paths.get(word, word)) for word in arguments]
        for output_format in reports:
            words += ["--report", f"{output_format}={Path(folder) / ('report.' + output_format)}"]
        environment = {"XDG_CACHE_HOME": folder, "NO_COLOR": "1", "GITHUB_STEP_SUMMARY": ""}
        here = os.getcwd()
        os.chdir(folder)  # whatever a generated argument makes the command write stays in tmp
        try:
            result = CliRunner().invoke(app, words, env=environment, catch_exceptions=False)
        finally:
            os.chdir(here)
        written = {
            output_format: (Path(folder) / f"report.{output_format}").read_text(encoding="utf-8")
            for output_format in reports
            if (Path(folder) / f"report.{output_format}").exists()
        }
        return result, written


def assert_sound(result, output_format, output=None):
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    output = result.stdout if output is None else output
    if output_format in ("json", "sarif", "gitlab"):
        json.loads(output)
    elif output_format == "junit":
        ElementTree.fromstring(output)


def check(arguments, files, output_format):
    result, _ = invoke([*arguments, "-f", output_format], files)
    assert_sound(result, output_format)


# github goes to stdout only; the other formats can all come from one run (-f and --report).
REPORTED = ("junit", "sarif", "gitlab", "text")


def check_every_format(arguments, files):
    """One run writes json to stdout and the other formats as --report files; one more github."""
    result, written = invoke([*arguments, "-f", "json"], files, REPORTED)
    assert_sound(result, "json")
    if result.exit_code != 2 or written:  # a usage error stops before any report is written
        for output_format in REPORTED:
            assert_sound(result, output_format, written[output_format])
    check(arguments, files, "github")


FORMAT = st.sampled_from(FORMATS)


@PROFILE
@given(SEGMENT_FILES, FORMAT)
def test_diagnose_reads_any_segment_file(data, output_format):
    check(["diagnose", "events.ndjson"], {"events.ndjson": data}, output_format)


@PROFILE
@given(EXPORTS, REPLAYS, SETUPS, FORMAT)
def test_diagnose_reads_any_evidence(export, replays, setup, output_format):
    events = json.dumps(SEGMENT_EVENT).encode() + b"\n"
    files = {"e.ndjson": events, "x.ndjson": export, "r.json": replays, "c.json": setup}
    arguments = ["diagnose", "e.ndjson", "--amplitude-export", "x.ndjson"]
    check([*arguments, "--replays", "r.json", "--config", "c.json"], files, output_format)


@PROFILE
@given(SESSION_FILES, FORMAT)
def test_simulate_reads_any_sessions_file(data, output_format):
    check(
        ["simulate", "--sample-rate", "0.5", "--sessions-file", "ids"], {"ids": data}, output_format
    )


@PROFILE
@given(SEGMENT_FILES, st.sampled_from(["modern", "legacy"]), FORMAT)
def test_simulate_reads_any_segment_file(data, sdk, output_format):
    arguments = ["simulate", "--sample-rate", "0.5", "--sdk", sdk, "--segment", "events.ndjson"]
    check(arguments, {"events.ndjson": data}, output_format)


@PROFILE
@given(CONFIGS, st.sampled_from([".json", ".yaml", ""]), FORMAT)
def test_simulate_and_validate_read_any_configuration(data, suffix, output_format):
    files = {f"options{suffix}": data}
    check(["simulate", "--config", f"options{suffix}", "--generate", "5"], files, output_format)
    check(["validate", f"options{suffix}"], files, output_format)
    check(
        [
            "simulate",
            "--sample-rate",
            "1",
            "--remote-config",
            f"options{suffix}",
            "--session-id",
            "1",
        ],
        files,
        output_format,
    )


@PROFILE
@given(st.lists(st.text(max_size=30), min_size=1, max_size=3), FORMAT)
def test_simulate_takes_any_session_id_argument(values, output_format):
    arguments = ["simulate", "--sample-rate", "0.5"]
    for value in values:
        arguments.append("--session-id=" + value.replace("\x00", ""))  # argv cannot hold NUL
    check(arguments, {}, output_format)
    explain = ["simulate", "explain", "--sample-rate", "0.5", "-f", output_format]
    result, _ = invoke([*explain, "--", values[0].replace("\x00", "")], {})  # `--`: "-o" is an id
    assert_sound(result, output_format)


@PROFILE
@given(RECORDINGS, FORMAT)
def test_upload_dry_run_reads_any_recording(data, output_format):
    check(["upload", "--dry-run", "recording.json"], {"recording.json": data}, output_format)


# -- the value shapes, in every format -----------------------------------------------------------
SHAPES = {
    "400 digits": b"9" * 400,
    "beyond a double": b"1e400",
    "minus zero": b"-0",
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "list": b"[1, [2]]",
    "object": b'{"a": {}}',
    "boolean": b"true",
    "null": b"null",
    "control characters": b'"a\\u0001\\u001b[31mb"',
    "NUL escape": b'"\\u0000"',
    "BOM": b'"\xef\xbb\xbf"',
}
SURROGATES = {"lone surrogate": b'"\\ud800"', "reversed pair": b'"\\udc00\\ud800"'}


def shape_inputs(token):
    """(arguments, file name, content): every input that reads a value, with `token` where a
    session id, sample rate, id or field is expected."""
    event = json.dumps(SEGMENT_EVENT).encode()
    session = event.replace(b"1767225600123}", token + b"}", 1)
    anonymous = event.replace(b'"6f1c2b1e-3d4a-4c55-9f0e-2b7f3f1f9a10"', token, 1)
    options = b'{"sampleRate": ' + token + b', "privacyConfig": {"blockSelector": ' + token + b"}}"
    remote = b'{"configs": {"sessionReplay": {"sr_sampling_config": {"sample_rate": %s}}}}'
    recording = RECORDING.replace(b'"type": 4', b'"type": 4, "x": ' + token, 1)
    wrapped = b'{"device_id": %s, "session_id": %s, "events": %s}' % (token, token, RECORDING)
    simulate = ["simulate", "--sample-rate", "0.5"]
    return [
        ([*simulate, "--sessions-file"], "f.json", b"[" + token + b"]"),
        ([*simulate, "--sessions-file"], "f.txt", token + b"\n"),
        ([*simulate, "--segment"], "f.ndjson", session + b"\n"),
        (["simulate", "--session-id", "1", "--config"], "f.json", options),
        (["simulate", "--session-id", "1", "--config"], "f.yaml", options),
        (
            ["simulate", "--session-id", "1", "--sample-rate", "1", "--remote-config"],
            "f.json",
            remote % token,
        ),
        (["validate"], "f.json", options),
        (["validate"], "f.yaml", options),
        (["diagnose"], "f.ndjson", session + b"\n" + anonymous + b"\n"),
        (
            ["diagnose", "f.ndjson", "--amplitude-export"],
            "x.ndjson",
            json.dumps(EXPORT_ROW).encode().replace(b"1767225600123", token),
        ),
        (["upload", "--dry-run"], "f.json", recording),
        (["upload", "--dry-run"], "f.json", wrapped),
    ]


def shape_runs(token):
    """Each input that reads a value, with `token` in it: (arguments, files)."""
    for arguments, name, data in shape_inputs(token):
        files = {name: data}
        if name == "x.ndjson":
            files["f.ndjson"] = json.dumps(SEGMENT_EVENT).encode()
        yield [*arguments, name], files


@pytest.mark.parametrize("shape", SHAPES)
def test_every_value_shape_is_a_finding_or_one_line_in_every_format(shape):
    for arguments, files in shape_runs(SHAPES[shape]):
        check_every_format(arguments, files)


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("shape", SURROGATES)
def test_lone_surrogates_are_read_and_written_escaped(shape, output_format):
    for arguments, files in shape_runs(SURROGATES[shape]):
        check(arguments, files, output_format)
