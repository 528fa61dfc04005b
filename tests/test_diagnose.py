"""diagnose: the public examples give exactly their expected findings, and every code has its
own test."""

import gzip
import json
from pathlib import Path

import jsonschema
import pytest

from amp_replay_cli.output.schema import output_schema
from tests.oracle.model import from_segment

EXAMPLES = Path(__file__).parent / "data" / "identity"
EXPECTED = json.loads((EXAMPLES / "expected_findings.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(output_schema())


def diagnose_json(run, *args, expect=None):
    result = run("diagnose", *args, "-f", "json")
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    if expect is not None:
        assert result.exit_code == expect, result.stdout
    return document


def by_code(document):
    found = {}
    for finding in document["findings"]:
        found.setdefault(finding["code"], []).append(finding)
    return found


# -- the public examples ----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(name for name in EXPECTED if not name.startswith("_")))
def test_examples_give_exactly_the_expected_findings(run, name):
    extra = ["--config", EXAMPLES / "05_setup.config.json"] if name.startswith("05") else []
    document = diagnose_json(run, EXAMPLES / name, *extra)
    found = by_code(document)
    expected = EXPECTED[name]["findings"]
    assert set(found) == {item["code"] for item in expected}
    for item in expected:
        findings = found[item["code"]]
        if item["scope"] == "event":
            wanted = {(event["line"], event["messageId"]) for event in item["events"]}
            field = item.get("field")
            got = {
                (f["line"], f["evidence"]["message_id"])
                for f in findings
                if field is None or f["evidence"].get("field") == field
            }
            assert wanted <= got, item["code"]
        elif item["code"] == "RPL_DEVICE_SWITCH_IN_SESSION":
            match = next(f for f in findings if f["evidence"]["session_id"] == item["session_id"])
            assert match["evidence"]["replay_devices"] == item["replay_devices"]
            assert [point["line"] for point in match["evidence"]["switch_points"]] == [
                point["line"] for point in item["switch_points"]
            ]
            assert match["line"] == item["switch_points"][0]["line"]
        elif item["code"] == "ANON_ID_CHANGED_IN_SESSION":
            [match] = findings
            assert match["line"] == item["at"][0]["line"]
            assert (match["evidence"]["from_anonymousId"], match["evidence"]["to_anonymousId"]) == (
                item["from_anonymousId"],
                item["to_anonymousId"],
            )
            assert "reset" in match["evidence"]["cause"]
        elif item["scope"] == "replay":
            wanted = set(item.get("replay_ids") or [item["replay_id"]])
            assert {f["evidence"]["replay_id"] for f in findings} == wanted
        elif item["scope"] == "session":
            [match] = findings
            assert [event["line"] for event in match["evidence"]["events"]] == [
                e["line"] for e in item["events"]
            ]
            assert match["severity"] == {"warn": "warning"}.get(
                item.get("severity"), item.get("severity")
            )
        else:
            assert len(findings) == 1 and findings[0]["file"].endswith("05_setup.config.json")
    # Event-scope codes flag no line they should not.
    expected_lines = {
        (item["code"], event["line"])
        for item in expected
        if item["scope"] == "event"
        for event in item["events"]
    }
    flagged = {
        (f["code"], f["line"])
        for f in document["findings"]
        if f["code"] in {item["code"] for item in expected if item["scope"] == "event"}
    }
    assert flagged == expected_lines


def test_the_clean_example_reports_its_one_linked_session(run):
    document = diagnose_json(run, EXAMPLES / "00_clean.ndjson", expect=0)
    assert document["findings"] == []
    [session] = document["result"]["sessions"]
    assert session["device_id"].startswith("5b0e6a44") and session["session_id"] == 1741083302121
    assert (session["events"], session["events_with_replay_id"], session["linked"]) == (6, 6, True)


def test_export_and_replay_list_confirm_example_01(run):
    document = diagnose_json(
        run,
        EXAMPLES / "01_login_replay_device_is_userid.ndjson",
        "--amplitude-export",
        EXAMPLES / "01_login_replay_device_is_userid.amplitude_export.ndjson",
        "--replays",
        EXAMPLES / "01_login_replay_device_is_userid.replays.json",
        expect=1,
    )
    assert set(by_code(document)) == {
        "RPL_DEVICE_IS_USERID",
        "RPL_DEVICE_SWITCH_IN_SESSION",
        "RPL_ORPHANED",
    }
    [session] = document["result"]["sessions"]
    assert session["linked"] is True


def test_config_keys_never_appear_in_output(run, write):
    # Events that carry the keys as user ids, so that findings and session rows would print them.
    keys = ("0123456789abcdef0123456789abcdef", "a1b2c3d4e5f60718293a4b5c6d7e8f90")
    events = write_events(
        write,
        [
            event("track", index, user=key, replay=f"{key}/{SESSION}")
            for index, key in enumerate(keys)
        ],
    )
    for output_format in ("json", "text", "github", "junit"):
        result = run(
            "diagnose", events, "--config", EXAMPLES / "05_setup.config.json", "-f", output_format
        )
        output = result.stdout + result.stderr
        assert "****" in output, output_format  # the keys were there, and were masked
        assert not any(key in output for key in keys), output_format


# -- synthetic events, one code at a time -----------------------------------------------------
ANON = "5b0e6a44-3c1f-4f7e-9d4a-2a9e8f1c7b21"
SESSION = 1741083302121
BASE_MS = SESSION + 3


def iso(ms):
    from datetime import datetime, timezone

    return (
        datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{ms % 1000:03d}Z"
    )


def event(
    kind="track",
    offset_ms=0,
    *,
    anon=ANON,
    user=None,
    session=SESSION,
    replay="default",
    device=None,
    library=("analytics.js", "npm:next-1.84.3"),
    skew_ms=0,
    send_delay_ms=5,
    message=None,
    **extra,
):
    moment = BASE_MS + offset_ms
    client = moment + skew_ms
    sent = client + send_delay_ms
    received = sent - skew_ms + 100
    raw = {
        "type": kind,
        "anonymousId": anon,
        "userId": user,
        "messageId": message or f"ajs-next-{moment}-{kind}-{offset_ms}-{anon[:4]}",
        "originalTimestamp": iso(client),
        "sentAt": iso(sent),
        "receivedAt": iso(received),
        "timestamp": iso(received - (sent - client)),
        "context": {
            "library": {"name": library[0], "version": library[1]},
            "page": {"url": "https://a.example/"},
            "ip": "203.0.113.1",
            "userAgent": "UA",
        },
        "integrations": {"Actions Amplitude": {"session_id": session}}
        if session is not None
        else {},
    }
    if device is not None:
        raw["context"]["device"] = {"id": device}
    if kind == "track":
        raw["event"] = "Clicked"
    if kind in ("track", "page"):
        raw["properties"] = {}
        if replay == "default":
            replay = f"{anon}/{session}"
        if replay is not None:
            raw["properties"]["[Amplitude] Session Replay ID"] = replay
    raw.update(extra)
    return raw


def write_events(write, events, name="events.ndjson"):
    return write(name, "\n".join(json.dumps(item) for item in events) + "\n")


def codes_of(run, write, events, *args):
    document = diagnose_json(run, write_events(write, events), *args)
    return {(f["code"], f["line"]) for f in document["findings"]}, document


def test_a_synthetic_clean_session_stays_clean(run, write):
    found, document = codes_of(
        run,
        write,
        [
            event("page"),
            event("track", 1000),
            event("identify", 2000, user="usr_1234"),
            event("track", 3000, user="usr_1234"),
        ],
    )
    assert found == set()
    assert document["result"]["sessions"][0]["linked"] is True


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (
            [event("track", user="usr_12345", replay=f"usr_12345/{SESSION}")],
            {("RPL_DEVICE_IS_USERID", 1), ("RPL_ORPHANED", 1)},
        ),
        (
            [
                event("track"),
                event("track", 10, user="usr_12345", replay=f"usr_12345/{SESSION}"),
                event("track", 20),
            ],
            {("RPL_DEVICE_IS_USERID", 2), ("RPL_ORPHANED", 2), ("RPL_DEVICE_SWITCH_IN_SESSION", 2)},
        ),
        (
            [event("track", replay=f"someone-else/{SESSION}")],
            {("RPL_DEVICE_STALE", 1), ("RPL_ORPHANED", 1)},
        ),
        (
            [event("track", device="custom-device-1")],
            {("CONTEXT_DEVICE_ID_OVERRIDE", 1), ("RPL_ORPHANED", 1)},
        ),
        (
            [event("track", session=None, replay=None)],
            {("SESSION_ID_MISSING", 1), ("RPL_PROPERTY_MISSING", 1)},
        ),
        (
            [
                event("track", replay=f"{ANON}/{SESSION - 5000}"),
                event("track", 5, replay=f"{ANON}/{SESSION - 5000}"),
            ],
            {("RPL_SESSION_MISMATCH", 1), ("RPL_SESSION_MISMATCH", 2), ("RPL_ORPHANED", 1)},
        ),
        (
            [event("track", session=1741083302, replay=f"{ANON}/1741083302")],
            {("SESSION_ID_BAD_FORMAT", 1)},
        ),
        (
            [
                event(
                    "track",
                    session="2025-03-04T10:15:02.121Z",
                    replay=f"{ANON}/2025-03-04T10:15:02.121Z",
                )
            ],
            {("SESSION_ID_BAD_FORMAT", 1), ("RPL_PROPERTY_MALFORMED", 1)},
        ),
        ([event("track", replay=None)], {("RPL_PROPERTY_MISSING", 1)}),
        ([event("track"), event("track", 10, replay=None)], {("RPL_PROPERTY_MISSING", 2)}),
        ([event("track", replay="no-slash")], {("RPL_PROPERTY_MALFORMED", 1)}),
        (
            [event("track", replay=None, properties={"[Amplitude] Session Replay ID": None})],
            {("RPL_PROPERTY_MALFORMED", 1)},
        ),
        ([event("identify", user="x1")], {("ID_TOO_SHORT", 1)}),
        (
            [event("track", anon="abc", replay=f"abc/{SESSION}")],
            {("ID_TOO_SHORT", 1), ("RPL_ORPHANED", 1)},
        ),
        ([event("identify", user="null")], {("ID_BLOCKED", 1)}),
        ([event("track", skew_ms=120_000)], {("CLOCK_SKEW", 1)}),
        ([event("track", offset_ms=-60_000)], {("EVENT_BEFORE_SESSION_START", 1)}),
        ([event("track", send_delay_ms=600_000)], {("LATE_DELIVERY", 1)}),
    ],
)
def test_each_code(run, write, events, expected):
    found, _ = codes_of(run, write, events)
    assert found == expected


def test_id_severities_differ_for_users_and_devices(run, write):
    document = diagnose_json(
        run,
        write_events(
            write, [event("identify", user="x1"), event("track", 5, anon="abc", replay=None)]
        ),
    )
    severities = {
        (f["evidence"]["field"], f["severity"])
        for f in document["findings"]
        if f["code"] == "ID_TOO_SHORT"
    }
    assert severities == {("userId", "warning"), ("device_id", "error")}


def test_min_id_length_can_be_lowered(run, write):
    found, _ = codes_of(run, write, [event("identify", user="x1")], "--min-id-length", "1")
    assert found == set()


def test_anonymous_id_change_needs_confirmation(run, write):
    other = "f03a7d59-2e6c-4b18-a4f0-91c5d3e7b2a6"
    confirmed = [
        event("track", user="usr_12345", replay=f"usr_12345/{SESSION}"),
        event("track", 1000, anon=other, replay=f"usr_12345/{SESSION}"),
    ]
    found, _ = codes_of(run, write, confirmed)
    assert ("ANON_ID_CHANGED_IN_SESSION", 2) in found
    coincidence = [
        event("track"),
        event(
            "track",
            1000,
            anon=other,
            context={
                "library": {"name": "analytics.js", "version": "npm:next-1.84.3"},
                "ip": "198.51.100.9",
                "userAgent": "other",
            },
            replay=f"{other}/{SESSION}",
        ),
    ]
    found, _ = codes_of(run, write, coincidence)
    assert not any(code == "ANON_ID_CHANGED_IN_SESSION" for code, _ in found)


def test_session_churn_and_interleaving(run, write):
    minute = 60_000
    churn = [
        event("page", 0),
        event(
            "page",
            2 * minute,
            session=SESSION + 2 * minute,
            replay=f"{ANON}/{SESSION + 2 * minute}",
        ),
    ]
    found, _ = codes_of(run, write, churn)
    assert found == {("SESSION_CHURN", 2)}
    later = [
        event("page", 0),
        event(
            "page",
            40 * minute,
            session=SESSION + 40 * minute,
            replay=f"{ANON}/{SESSION + 40 * minute}",
        ),
    ]
    assert codes_of(run, write, later)[0] == set()
    second = SESSION + 5 * minute
    interleaved = [
        event("page", 0),
        event("page", 5 * minute, session=second, replay=f"{ANON}/{second}"),
        event("page", 6 * minute),
        event("page", 7 * minute, session=second, replay=f"{ANON}/{second}"),
    ]
    found, _ = codes_of(run, write, interleaved)
    assert ("SESSION_INTERLEAVED", 3) in found


def test_non_browser_source_inside_a_web_session(run, write):
    server = {
        "type": "track",
        "event": "Invoice Paid",
        "userId": "usr_12345",
        "messageId": "srv-1",
        "timestamp": iso(BASE_MS + 2000),
        "context": {"library": {"name": "analytics-node", "version": "2"}},
    }
    found, _ = codes_of(run, write, [event("track", user="usr_12345"), server])
    assert ("NON_BROWSER_SOURCE", 2) in found


def test_not_sampled_sessions_are_explained_with_the_config(run, write):
    config = write(
        "setup.json",
        json.dumps(
            {
                "replay": {
                    "package": "@amplitude/segment-session-replay-wrapper",
                    "sessionReplayOptions": {"sampleRate": 0.000001},
                }
            }
        ),
    )
    found, _ = codes_of(run, write, [event("track", replay=None)], "--config", config)
    assert found == {("RPL_NOT_SAMPLED", 1)}


def test_export_proves_customised_mapping_and_dropped_property(run, write):
    segment_event = event("track", user="usr_12345")
    row = {
        "device_id": "usr_12345",
        "user_id": "usr_12345",
        "session_id": SESSION,
        "event_type": "Clicked",
        "event_time": segment_event["timestamp"].replace("T", " ").replace("Z", "000"),
        "event_properties": {},
    }
    export = write("export.ndjson", json.dumps(row) + "\n")
    found, _ = codes_of(run, write, [segment_event], "--amplitude-export", export)
    assert {"DEVICE_MAPPING_CUSTOMIZED", "RPL_PROPERTY_DROPPED"} <= {code for code, _ in found}


def test_replay_list_finds_missing_and_orphaned_replays(run, write):
    replays = write(
        "replays.json", json.dumps({"session_replays": [{"replay_id": "ghost-device/123"}]})
    )
    found, _ = codes_of(run, write, [event("track")], "--replays", replays)
    assert found == {("RPL_NOT_FOUND", 1), ("RPL_ORPHANED", 1)}


def test_setup_checks_zone_key_and_mapping(run, write):
    config = write(
        "setup.yaml",
        "segment_destination:\n  settings: {apiKey: aaaaaaaaaaaa, endpoint: europe}\n"
        "  mappings: {logEventV2: {device_id: $.userId}}\n"
        "replay:\n  amplitudeApiKey: bbbbbbbbbbbb\n  sessionReplayOptions: {serverZone: eu}\n"
        "amplitude_project: {region: EU}\n",
    )
    found, _ = codes_of(run, write, [event("track")], "--config", config)
    assert {code for code, _ in found} == {
        "SERVER_ZONE_MISMATCH",
        "API_KEY_MISMATCH",
        "DEVICE_MAPPING_CUSTOMIZED",
    }


# -- noise ------------------------------------------------------------------------------------
def test_duplicates_and_shuffled_lines_change_nothing(run, write):
    lines = (EXAMPLES / "01_login_replay_device_is_userid.ndjson").read_text().splitlines()
    reference = diagnose_json(run, EXAMPLES / "01_login_replay_device_is_userid.ndjson")
    noisy = [
        lines[3],
        lines[0],
        lines[5],
        lines[1],
        lines[7],
        lines[2],
        lines[4],
        lines[6],
        lines[3],
        lines[0],
    ]
    document = diagnose_json(run, write("noisy.ndjson", "\n".join(noisy) + "\n"))

    def summary(doc):
        return sorted(
            (
                f["code"],
                f["evidence"].get("message_id"),
                json.dumps(f["evidence"].get("replay_devices")),
            )
            for f in doc["findings"]
        )

    assert summary(document) == summary(reference)
    switch = next(f for f in document["findings"] if f["code"] == "RPL_DEVICE_SWITCH_IN_SESSION")
    reference_switch = next(
        f for f in reference["findings"] if f["code"] == "RPL_DEVICE_SWITCH_IN_SESSION"
    )
    assert [p["message_id"] for p in switch["evidence"]["switch_points"]] == [
        p["message_id"] for p in reference_switch["evidence"]["switch_points"]
    ]
    assert document["summary"]["duplicates"] == 2


def test_the_clean_example_stays_clean_with_noise(run, write):
    lines = (EXAMPLES / "00_clean.ndjson").read_text().splitlines()
    noisy = list(reversed(lines)) + lines[:3]
    assert diagnose_json(run, write("noisy.ndjson", "\n".join(noisy)), expect=0)["findings"] == []


def test_malformed_lines_are_reported_and_the_rest_diagnosed(run, write):
    lines = (EXAMPLES / "01_login_replay_device_is_userid.ndjson").read_text().splitlines()
    text = "\n".join([lines[0], "{not json", lines[1], "[1, 2]", *lines[2:]]) + "\n"
    document = diagnose_json(run, write("broken.ndjson", text))
    malformed = [(f["code"], f["line"]) for f in document["findings"] if f["code"] == "AR501"]
    assert malformed == [("AR501", 2), ("AR501", 4)]
    assert "RPL_DEVICE_IS_USERID" in by_code(document)


def test_gzip_json_arrays_and_stdin(run, write):
    events = [event("page"), event("track", 10)]
    packed = write("events.json.gz", gzip.compress(json.dumps(events).encode()))
    assert diagnose_json(run, packed, expect=0)["summary"]["events"] == 2
    result = run("diagnose", "-", "-f", "json", input="\n".join(json.dumps(e) for e in events))
    assert json.loads(result.stdout)["summary"]["events"] == 2


def test_unreadable_inputs_exit_2_with_one_line(run, write):
    result = run("diagnose", "missing.ndjson", expect=2)
    assert result.stderr.startswith("amp-replay: error: missing.ndjson: no such file")
    result = run("diagnose", write("bad.json", "[1, 2"), expect=2)
    assert "JSON syntax error" in result.stderr and "Traceback" not in result.stderr


def test_thresholds_from_the_command_line(run, write):
    events = [event("track", skew_ms=90_000)]
    assert codes_of(run, write, events, "--skew-threshold", "2m")[0] == set()
    result = run("diagnose", write_events(write, events), "--session-timeout", "soon", expect=2)
    assert "is not a duration" in result.stderr


def test_text_output_groups_lines_and_lists_sessions(run):
    result = run("diagnose", EXAMPLES / "01_login_replay_device_is_userid.ndjson", expect=1)
    assert (
        "01_login_replay_device_is_userid.ndjson:4,5,8: error RPL_DEVICE_IS_USERID" in result.stdout
    )
    assert "c2d9f1e0-…6e5a4b3c2d 1741176000412" in result.stdout  # 80 columns: -v shows it whole
    assert "8 events, 1 session, 1 linked to a replay" in result.stderr


def test_strict_makes_warnings_fail(run, write):
    path = write_events(write, [event("track", skew_ms=120_000)])
    run("diagnose", path, expect=0)
    run("diagnose", path, "--strict", expect=1)


def test_example_copies_match_the_events_they_describe():
    """The synthetic factory writes what the real files hold (guards the unit tests above):
    its page event is the first event of the clean example, as diagnose reads them."""
    real_raw = json.loads((EXAMPLES / "00_clean.ndjson").read_text().splitlines()[0])
    made_raw = event("page")
    for key in ("anonymousId", "messageId", "originalTimestamp", "sentAt", "receivedAt"):
        assert type(made_raw[key]) is type(real_raw[key]), key
    real, made = from_segment(real_raw, "real", 1), from_segment(made_raw, "made", 1)
    for name in (
        "type",
        "is_browser",
        "library_version",
        "has_session",
        "session_raw",
        "dest_device",
        "dest_session",
        "dest_user",
        "replay_value",
        "rp_device",
        "rp_session",
    ):
        assert getattr(made, name) == getattr(real, name), name
    # Every clock and the network fingerprint are there, in both.
    for name in ("client_ms", "timestamp_ms", "sent_ms", "received_ms", "network_key"):
        assert getattr(real, name) is not None and getattr(made, name) is not None, name
    # The same shape of clocks: sent after it happened, received after it was sent.
    assert made.client_ms <= made.sent_ms <= made.received_ms
    assert real.client_ms <= real.sent_ms <= real.received_ms


HUGE_NUMBER = 123456789012345678901234567890


def test_fast_json_reads_integers_beyond_64_bits_as_javascript_does():
    pytest.importorskip("orjson")
    from amp_replay_cli.core import fastjson

    value = fastjson.loads(f'{{"n": {HUGE_NUMBER}}}')["n"]
    assert type(value) is float and value == float(HUGE_NUMBER)  # a double, not the exact int


def test_fast_json_falls_back_to_the_standard_library(monkeypatch):
    from amp_replay_cli.core import fastjson

    monkeypatch.setattr(fastjson, "orjson", None)
    assert fastjson.loads(f'{{"n": {HUGE_NUMBER}}}') == {"n": HUGE_NUMBER}
    assert fastjson.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(json.JSONDecodeError):
        fastjson.loads("{broken")


def test_malformed_lines_beyond_the_cap_are_counted_in_one_finding(run, write):
    # A Segment log (one real event) whose other lines are all broken.
    path = write("noisy.ndjson", json.dumps(event("page")) + "\n" + "not json\n" * 205)
    document = json.loads(run("diagnose", path, "-f", "json").stdout)
    malformed = [item for item in document["findings"] if item["code"] == "AR501"]
    assert len(malformed) == 201
    assert malformed[-1]["message"] == "5 more AR501 findings not listed"
    assert malformed[-1]["line"] is None
    assert document["summary"]["malformed_lines"] == 205


# -- inputs that are not Segment events ---------------------------------------------------------
RECORDINGS = Path(__file__).parent / "data" / "recordings"


@pytest.mark.parametrize(
    ("name", "content", "looks_like"),
    [
        ("recording.json", None, "an rrweb recording, not Segment events"),
        ("options.json", '{"sessionReplayOptions": {"sampleRate": 1}}', "options file"),
        ("expected.json", None, "an expected-findings file"),
        ("replays.json", None, "a Session Replay list (for --replays)"),
        ("export.ndjson", None, "an Amplitude export (for --amplitude-export)"),
        ("setup.json", None, "a set-up description (for --config)"),
        ("packed.json", '["x\\u0001packed", "more"]', "holds strings, as a packed"),
        ("empty.json", "[]", "has no JSON items, so no Segment events"),
        ("numbers.json", "[1, 2]", "holds a JSON int, not Segment events"),
        (
            "other.ndjson",
            '{"type": "track", "name": "no Segment keys"}',
            "no item has a Segment type",
        ),
    ],
)
def test_an_input_that_is_not_segment_events_exits_2_saying_what_it_looks_like(
    run, write, name, content, looks_like
):
    copies = {
        "recording.json": RECORDINGS / "pricing-tabs.json",
        "expected.json": EXAMPLES / "expected_findings.json",
        "replays.json": EXAMPLES / "01_login_replay_device_is_userid.replays.json",
        "export.ndjson": EXAMPLES / "01_login_replay_device_is_userid.amplitude_export.ndjson",
        "setup.json": EXAMPLES / "05_setup.config.json",
    }
    path = copies[name] if content is None else write(name, content)
    result = run("diagnose", path, expect=2)
    assert result.stderr.startswith(f"amp-replay: error: {path}: ")
    assert looks_like in result.stderr.splitlines()[0]
    document = diagnose_json(run, path, expect=2)
    assert document["status"] == "error" and document["result"]["sessions"] == []


def test_rrweb_recordings_gzipped_or_wrapped_are_refused_too(run):
    for name in ("pricing-tabs.json.gz", "signup-wizard-wrapper.json"):
        result = run("diagnose", RECORDINGS / name, expect=2)
        assert "looks like an rrweb recording" in result.stderr


def test_stdin_that_is_not_segment_events_is_refused_by_name(run):
    # stdin is named on the command line, like a file: refused with what it looks like, not
    # skipped like a neighbour in a directory.
    recording = (RECORDINGS / "pricing-tabs.json").read_bytes()
    result = run("diagnose", "-", input=recording, expect=2)
    assert result.stderr.startswith("amp-replay: error: <stdin>: looks like an rrweb recording")
    assert "skipped" not in result.stdout


def test_a_directory_skips_what_is_not_segment_events_with_a_note(run, tmp_path):
    result = run("diagnose", EXAMPLES, expect=1)
    assert "(4 files skipped: not Segment events; -v lists them)" in result.stdout
    assert "4 files skipped: not Segment events" in result.stderr
    verbose = run("diagnose", EXAMPLES, "-v", expect=1)
    assert f"skipped {EXAMPLES / 'expected_findings.json'}: looks like an expected-findings" in (
        verbose.stdout
    )
    document = diagnose_json(run, EXAMPLES, expect=1)
    assert document["summary"]["skipped_files"] == 4
    assert {entry["file"] for entry in document["result"]["skipped"]} == {
        str(EXAMPLES / name)
        for name in (
            "expected_findings.json",
            "05_setup.config.json",
            "01_login_replay_device_is_userid.replays.json",
            "01_login_replay_device_is_userid.amplitude_export.ndjson",
        )
    }
    assert document["summary"]["events"] > 0


def test_a_run_where_nothing_is_segment_events_exits_2(run, write):
    write("logs/recording.json", (RECORDINGS / "pricing-tabs.json").read_text())
    write("logs/options.json", '{"sampleRate": 0.5}')
    result = run("diagnose", write("logs/other.json", "[]").parent, expect=2)
    assert "none of the 3 inputs holds Segment events" in result.stderr
    assert "-v lists what was skipped" in result.stderr
