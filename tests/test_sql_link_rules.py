"""The link and set-up rules in SQL, and the session rows, give what the Python rules give:
on the example files, on the scenario logs of the diagnose tests and on generated events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.findings import Finding
from amp_replay_cli.core.identity.inputs import (
    AmplitudeExport,
    ReplayList,
    Setup,
    read_export,
    read_replays,
    read_setup,
)
from amp_replay_cli.core.identity.sql.link_inputs import key_hash
from amp_replay_cli.core.identity.sql.link_rules import LINK_RULES, WITHOUT_SAMPLING
from amp_replay_cli.core.identity.sql.link_wordings import WORDINGS
from amp_replay_cli.core.identity.thresholds import Thresholds
from amp_replay_cli.core.sampling import Algorithm
from amp_replay_cli.core.wire import DEBUG_PROPERTY
from tests.sql_differential import Both, Inputs, Raw, both_engines, companions, read_file
from tests.test_diagnose import ANON, EXAMPLES, SESSION, event, iso, test_each_code
from tests.test_diagnose_destination import churn_events, order, refused_events

CODES = {code for code, _ in WORDINGS}
MINUTE = 60_000
OTHER_ANON = "f03a7d59-2e6c-4b18-a4f0-91c5d3e7b2a6"
DESTINATION_KEY = "aaaaaaaaaaaa"
SESSION_OF_LATER = {"Actions Amplitude": {"session_id": SESSION + 50 * MINUTE}}


def mine(finding: Finding, inputs: Inputs) -> bool:
    """A Python finding these rules give: DEVICE_MAPPING_CUSTOMIZED only from the set-up (the
    export's proof of it is an event rule)."""
    if finding.code == "DEVICE_MAPPING_CUSTOMIZED":
        return inputs.setup is not None and finding.file == inputs.setup.name
    return finding.code in CODES


def same(
    raws: list[Raw], inputs: Inputs | None = None, thresholds: Thresholds | None = None
) -> Both:
    both = both_engines(
        raws, thresholds or Thresholds(), inputs or Inputs(), LINK_RULES, WORDINGS, mine
    )
    assert both.sql == both.python
    assert both.sql_sessions == both.python_sessions  # the rows' device_id and session_id
    assert both.sql_rows == both.python_rows
    return both


def log(events: list[dict], name: str = "events.ndjson") -> list[Raw]:
    """Events as diagnose reads them from a file: JSON text parsed again, one per line."""
    return [(name, line, json.loads(json.dumps(raw))) for line, raw in enumerate(events, 1)]


def codes(both: Both) -> set[str]:
    return {finding[0] for finding in both.sql}


# -- the example files ------------------------------------------------------------------------
LOGS = sorted(
    path for path in EXAMPLES.glob("*.ndjson") if not path.name.endswith(".amplitude_export.ndjson")
)


@pytest.mark.parametrize("path", LOGS, ids=lambda path: path.name)
def test_every_example_gives_the_python_findings_and_sessions(path: Path) -> None:
    same(read_file(path), companions(path))


def test_the_examples_hold_findings_of_these_rules() -> None:
    found = set()
    for path in LOGS:
        found |= codes(same(read_file(path), companions(path)))
    assert found == {
        "RPL_ORPHANED",
        "RPL_PROPERTY_MISSING",
        "API_KEY_MISMATCH",
        "SERVER_ZONE_MISMATCH",
    }


def test_without_a_sample_rate_the_rule_without_sampling_gives_the_same_findings() -> None:
    # diagnose runs it when no set-up gives a sample rate (sql/catalog.py), the warehouse always.
    rules = [WITHOUT_SAMPLING if rule.name == "replay_properties" else rule for rule in LINK_RULES]
    logs = [(read_file(path), companions(path)) for path in LOGS]
    logs += [(log(events), Inputs()) for events in SCENARIOS]
    found = set()
    for raws, inputs in logs:
        if inputs.setup is not None and inputs.setup.has_sample_rate:
            continue
        both = both_engines(raws, Thresholds(), inputs, rules, WORDINGS, mine)
        assert both.sql == both.python
        found |= {finding[0] for finding in both.sql}
    assert "RPL_PROPERTY_MISSING" in found


# -- the scenario logs of the diagnose tests --------------------------------------------------
SCENARIOS = [events for events, _ in test_each_code.pytestmark[0].args[1]]


@pytest.mark.parametrize("events", SCENARIOS)
def test_each_code_scenario(events: list[dict]) -> None:
    same(log(events))


def write_input(tmp_path: Path, name: str, text: str) -> Source:
    path = tmp_path / name
    path.write_text(text)
    return Source(name, path)


def server_event(offset_ms: int, **fields: Any) -> dict:
    return {
        "type": "track",
        "event": "Invoice Paid",
        "userId": "usr_12345",
        "messageId": f"srv-{offset_ms}",
        "timestamp": iso(SESSION + 3 + offset_ms),
        "context": {"library": {"name": "analytics-node", "version": "2"}},
        **fields,
    }


def test_non_browser_events_inside_and_outside_web_sessions() -> None:
    later = SESSION + 50 * MINUTE
    both = same(
        log(
            [
                event("track", user="usr_12345"),
                server_event(2000),
                server_event(40 * MINUTE),  # past the session's end + 30 min
                event(
                    "track", 50 * MINUTE + 10, anon=OTHER_ANON, user="usr_12345", session=later + 1
                ),
                event("page", 50 * MINUTE, user="usr_12345", session=later),
                server_event(51 * MINUTE),  # inside two sessions: the first one read wins
                server_event(52 * MINUTE, userId=12345678),
                server_event(53 * MINUTE, anonymousId=ANON),  # the browser's id, but no session
                server_event(54 * MINUTE, anonymousId=ANON, integrations=SESSION_OF_LATER),
            ]
        )
    )
    assert [(finding[4], json.loads(finding[6])["web_session_id"]) for finding in both.sql] == [
        (2, SESSION),
        (6, later + 1),
        (8, later + 1),
    ]
    same(
        log([event("track", user="usr_12345"), server_event(2000)]),
        thresholds=Thresholds(session_timeout_ms=1),
    )


def test_session_timeout_decides_non_browser_windows() -> None:
    events = log([event("track", user="usr_12345"), server_event(20 * MINUTE)])
    assert codes(same(events)) == {"NON_BROWSER_SOURCE"}
    assert codes(same(events, thresholds=Thresholds(session_timeout_ms=MINUTE))) == set()


def config(tmp_path: Path, text: str, name: str = "setup.yaml") -> Inputs:
    return Inputs(setup=read_setup(write_input(tmp_path, name, text)))


@pytest.mark.parametrize(
    "text",
    [
        # the set-up test of test_diagnose: every set-up code
        "segment_destination:\n  settings: {apiKey: aaaaaaaaaaaa, endpoint: europe}\n"
        "  mappings: {logEventV2: {device_id: $.userId}}\n"
        "replay:\n  amplitudeApiKey: bbbbbbbbbbbb\n  sessionReplayOptions: {serverZone: eu}\n"
        "amplitude_project: {region: EU}\n",
        "replay:\n  sessionReplayOptions: {serverZone: STAGING}\namplitude_project: {region: us}\n",
        "replay:\n  sessionReplayOptions: {serverZone: EU}\n"
        "segment_destination:\n  settings: {endpoint: north_america}\n",
        "replay:\n  sessionReplayOptions: {serverZone: EU}\namplitude_project: {region: EU}\n"
        "segment_destination:\n  settings: {endpoint: Europe}\n"
        "  mappings: {logEventV2: {device_id: default}}\n",
        "segment_destination:\n  mappings: {logEventV2: {device_id: {'@path': '$.userId'}}}\n",
        "segment_destination:\n  settings: {apiKey: aaaaaaaaaaaa}\n"
        "replay:\n  amplitudeApiKey: aaaaaaaaaaaa\n",
        "replay:\n  sessionReplayOptions: {serverZone: 5}\namplitude_project: {region: EU}\n",
    ],
)
def test_setup_rules(tmp_path: Path, text: str) -> None:
    same(log([event("track")]), config(tmp_path, text))


def debug_event(offset_ms: int, app_hash: Any, raw_text: str | None = None) -> dict:
    raw = event("track", offset_ms)
    raw["properties"][DEBUG_PROPERTY] = (
        raw_text if raw_text is not None else json.dumps({"appHash": app_hash})
    )
    return raw


def test_app_hashes_are_checked_against_the_destination_key(tmp_path: Path) -> None:
    inputs = config(tmp_path, "segment_destination:\n  settings: {apiKey: aaaaaaaaaaaa}\n")
    expected = key_hash(DESTINATION_KEY)
    events = [
        debug_event(0, "123"),
        debug_event(10, int(expected)),  # the right project
        debug_event(20, 456),
        debug_event(30, "123"),  # named once, at its first sighting
        debug_event(40, True),
        debug_event(50, None),
        debug_event(60, None, "{not json"),
        debug_event(70, None, '["appHash"]'),
        debug_event(80, None, json.dumps({"other": 1})),
        {**debug_event(90, "789"), "integrations": {"Actions Amplitude": {"session_id": "abc"}}},
    ]
    both = same(log(events), inputs)
    [(_, _, message, *_)] = both.sql
    assert message.count("appHash") == 3 and message.index("123") < message.index("456")
    assert codes(same(log(events[1:2]), inputs)) == set()


@pytest.mark.parametrize(
    ("replay", "rate", "package"),
    [
        (None, 0.000001, "@amplitude/segment-session-replay-wrapper"),
        (None, 0.000001, "@amplitude/plugin-session-replay-browser"),
        (None, 1, "@amplitude/plugin-session-replay-browser"),
        (None, "0.5", "@amplitude/plugin-session-replay-browser"),
        ("default", 0.000001, "@amplitude/segment-session-replay-wrapper"),
    ],
)
def test_sampling_explains_sessions_without_replay_ids(
    tmp_path: Path, replay: str | None, rate: Any, package: str
) -> None:
    setup = {"replay": {"package": package, "sessionReplayOptions": {"sampleRate": rate}}}
    inputs = config(tmp_path, json.dumps(setup), "setup.json")
    sessions = [SESSION, -SESSION, SESSION + 1, 7, 1234567890123456, 12345678901234567]
    events = [
        event("track", index, session=session, replay=replay)
        for index, session in enumerate(sessions)
    ]
    same(log(events), inputs)
    unset = config(tmp_path, json.dumps({"replay": {"package": package}}), "unset.json")
    same(log(events), unset)


def test_sampling_applies_to_the_sessions_no_event_of_has_the_property(tmp_path: Path) -> None:
    setup = {"replay": {"sessionReplayOptions": {"sampleRate": 0.000001}}}
    inputs = config(tmp_path, json.dumps(setup), "setup.json")
    events = [
        event("track"),
        event("track", 10, replay=None),
        event("track", 20, session=None, replay=None),
    ]
    assert codes(same(log(events), inputs)) == {"RPL_PROPERTY_MISSING"}


def test_replay_lists_and_exports(tmp_path: Path) -> None:
    replays = [
        {"replay_id": "ghost-device/123"},
        {"replay_id": f"{ANON}/{SESSION}"},
        {"device_id": "usr_12345", "session_id": SESSION},
        {"replay_id": "no-slash"},
        {"replay_id": "dev/--5"},  # once a traceback: int("--5")
        {"replay_id": "dev/²"},
        {"replay_id": f"exported/{SESSION}"},
        {"replay_id": f"{ANON}/00{SESSION}"},
        {"replay_id": "a/b/1"},
    ]
    listing = write_input(tmp_path, "replays.json", json.dumps({"session_replays": replays}))
    rows = [
        {"device_id": device, "session_id": SESSION, "event_type": "x"}
        for device in ("exported", "usr_12345", 12345678, ["x"])
    ]
    exported = write_input(tmp_path, "export.ndjson", "\n".join(map(json.dumps, rows)) + "\n")
    events = [
        event("track", user="usr_12345", replay=f"usr_12345/{SESSION}"),
        event("track", 10, replay=f"12345678/{SESSION}"),
        event("track", 20, replay=f'["x"]/{SESSION}'),
        event(
            "identify", 30, user="usr_12345", properties={"[Amplitude] Session Replay ID": "id/1"}
        ),
        event("track", 40, session="abc", replay="refused/1"),
        {**event("track", 50, replay=f"12345678/{SESSION}"), "anonymousId": 12345678},
        event("track", 60, anon="abc", replay=f"abc/{SESSION}"),
    ]
    replay_list = read_replays(listing)
    export = read_export(exported)
    both = same(log(events), Inputs(replays=replay_list))
    assert {"RPL_NOT_FOUND", "RPL_ORPHANED"} <= codes(both)
    same(log(events), Inputs(export=export))
    same(log(events), Inputs(export=export, replays=replay_list))
    same(log(events), Inputs(replays=ReplayList("empty.json")))
    same(log(events), Inputs(replays=replay_list), Thresholds(min_id_length=1))


def test_the_destination_tests_scenarios() -> None:
    same(log(churn_events()))
    same(log([event("page"), *refused_events()]))
    same(log([order([{"productId": "p1"}])]))
    same(log([event("track", index * 25 * MINUTE) for index in range(63)]))
    same(
        log(
            [
                event("track", device="", user="usr_12345", replay=None),
                event("track", 10, device="", replay=None),
                event("page", 20),
            ]
        )
    )


def test_duplicates_and_shuffled_lines() -> None:
    lines = (EXAMPLES / "01_login_replay_device_is_userid.ndjson").read_text().splitlines()
    order_ = [3, 0, 5, 1, 7, 2, 4, 6, 3, 0]
    raws = [
        ("noisy.ndjson", line, json.loads(lines[index])) for line, index in enumerate(order_, 1)
    ]
    same(raws, companions(EXAMPLES / "01_login_replay_device_is_userid.ndjson"))


def test_missing_properties_list_the_first_fifty_events() -> None:
    events = [event("track", index, replay=None) for index in range(60)]
    events += [event("page", 100 + index, session=None, replay=None) for index in range(3)]
    events += [
        event("track", 200, session=SESSION + 1),
        *[event("track", 300 + index, session=SESSION + 1, replay=None) for index in range(2)],
    ]
    events[5]["messageId"] = events[4]["messageId"]  # a duplicate delivery counts once
    both = same(log(events))
    assert {finding[1] for finding in both.sql} == {"error", "warning", "info"}
    evidence = json.loads(both.sql[0][6])
    assert len(evidence["events"]) == 50


def test_every_code_and_wording_is_exercised(tmp_path: Path) -> None:
    """The scenarios above reach every wording: a rule the differential tests never fire
    would pass them vacuously."""
    seen = set()
    for events in SCENARIOS:
        seen |= codes(same(log(events)))
    assert CODES - seen == {
        "API_KEY_MISMATCH",
        "SERVER_ZONE_MISMATCH",
        "DEVICE_MAPPING_CUSTOMIZED",
        "NON_BROWSER_SOURCE",
        "RPL_NOT_SAMPLED",
        "RPL_NOT_FOUND",
    }


# -- generated events -------------------------------------------------------------------------
DEVICES = [ANON, OTHER_ANON, "abc", "null", 12345678, None]
USERS = [None, None, "usr_12345", "usr_67890", "x1", 12345678]
SESSIONS = [
    SESSION,
    SESSION + 5 * MINUTE,
    SESSION + 40 * MINUTE,
    SESSION // 1000,  # seconds
    None,
    0,
    "abc",
    str(SESSION),
    -5,
]


@st.composite
def generated_event(draw: st.DrawFn, index: int) -> dict:
    anon = draw(st.sampled_from(DEVICES))
    session = draw(st.sampled_from(SESSIONS))
    kind = draw(st.sampled_from(["track", "track", "page", "screen", "identify", "group"]))
    replay = draw(
        st.sampled_from(
            [
                "default",
                "default",
                None,
                f"usr_12345/{SESSION}",
                f"{ANON}/{SESSION + 5 * MINUTE}",
                f"{OTHER_ANON}/{SESSION}",
                f"ghost/{SESSION}",
                "no-slash",
            ]
        )
    )
    browser = draw(st.booleans()) or draw(st.booleans())
    raw = event(
        kind,
        draw(st.sampled_from([0, 10, 2 * MINUTE, 20 * MINUTE, 45 * MINUTE, 3 * 60 * MINUTE]))
        + index,
        anon=anon if isinstance(anon, str) else "none",
        user=draw(st.sampled_from(USERS)),
        session=session,
        replay=replay,
        device=draw(st.sampled_from([None, None, None, "custom-device-1", ""])),
        library=("analytics.js", "npm:next-1.84.3") if browser else ("analytics-node", "2"),
        skew_ms=draw(st.sampled_from([0, 0, 120_000, -2 * 86_400_000])),
        message=draw(st.sampled_from([None, None, None, "dup-1", "dup-2"])),
    )
    if anon is None:
        del raw["anonymousId"]
    elif not isinstance(anon, str):
        raw["anonymousId"] = anon
    if draw(st.booleans()) and "properties" in raw:
        raw["properties"][DEBUG_PROPERTY] = json.dumps(
            {"appHash": draw(st.sampled_from(["123", key_hash(DESTINATION_KEY), 456]))}
        )
    return raw


@st.composite
def generated_log(draw: st.DrawFn) -> list[Raw]:
    count = draw(st.integers(min_value=0, max_value=14))
    events = [draw(generated_event(index * 1000)) for index in range(count)]
    return log(draw(st.permutations(events)))


@st.composite
def generated_inputs(draw: st.DrawFn) -> Inputs:
    setup = None
    if draw(st.booleans()):
        rate = draw(st.sampled_from([None, 0.000001, 0.5, 1, 0, "0.3"]))
        setup = Setup(
            "setup.json",
            destination_api_key=draw(st.sampled_from([None, DESTINATION_KEY])),
            endpoint=draw(st.sampled_from([None, "europe", "north_america", "mars"])),
            device_mapping=draw(st.sampled_from([None, "default", "$.userId", {"a": [1]}])),
            replay_api_key=draw(st.sampled_from([None, DESTINATION_KEY, "bbbbbbbbbbbb"])),
            server_zone=draw(st.sampled_from([None, "US", "EU", "eu", "STAGING"])),
            sample_rate=rate,
            has_sample_rate=rate is not None,
            algorithm=draw(st.sampled_from(Algorithm)),
            region=draw(st.sampled_from([None, "US", "EU"])),
            lines=draw(st.sampled_from([{}, {"replay.apiKey": 3, "project.region": 9}])),
        )
    replays = None
    if draw(st.booleans()):
        ids = draw(
            st.sets(
                st.sampled_from(
                    [f"{ANON}/{SESSION}", f"usr_12345/{SESSION}", "ghost/1", "abc/-5", "x/--1"]
                )
            )
        )
        replays = ReplayList("replays.json", set(ids), {replay_id: 2 for replay_id in ids})
    export = None
    if draw(st.booleans()):
        pairs = draw(st.sets(st.sampled_from([("usr_12345", SESSION), ("ghost", 1), (7, 1)])))
        export = AmplitudeExport("export.ndjson", pairs=set(pairs))
    return Inputs(export, replays, setup)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    generated_log(),
    generated_inputs(),
    st.sampled_from([Thresholds(), Thresholds(min_id_length=1, session_timeout_ms=MINUTE)]),
)
def test_generated_events(raws: list[Raw], inputs: Inputs, thresholds: Thresholds) -> None:
    same(raws, inputs, thresholds)


def test_session_rows_do_not_depend_on_the_order_of_the_lines() -> None:
    """A finding about a session counts in its row even when it comes before the session's
    first Amplitude event (the Python reporter once dropped it: a bug these tests found)."""
    events = [
        event("identify", anon="abcdef", session=0, user="usr_12345"),  # SESSION_ID_BAD_FORMAT
        event("page", 10, anon="abcdef", session=None, replay=None),
    ]
    rows = [same(log(ordered)).python_rows for ordered in (events, events[::-1])]
    assert [row["codes"] for row in rows[0]] == [row["codes"] for row in rows[1]]
    assert "SESSION_ID_BAD_FORMAT" in rows[0][0]["codes"]
