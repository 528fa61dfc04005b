"""Reading rrweb recordings in every layout, and the verdict for each kind of broken file.

The recordings in tests/data/recordings are the real ones of spec/rrweb/recordings; their
manifest says what an uploader must do with each, and these tests hold us to it.
"""

import gzip
import json
import zlib
from pathlib import Path

import pytest

from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.replay.recordings import Layout, Verdict, inspect, sent_events
from amp_replay_cli.core.replay.rrweb import pack
from tests.conftest import DATA

RECORDINGS = DATA / "recordings"
T0 = 1_795_985_000_000


def check(path: Path, split_sessions=False):
    return inspect(Source(str(path), path), split_sessions)


def sent(recording, split_sessions=False):
    return [
        json.loads(json.loads(event.literal)) for event in sent_events(recording, split_sessions)
    ]


def codes(recording):
    return [finding.code for finding in recording.findings]


def recording(*events, meta=True):
    """A small valid recording: Meta, FullSnapshot, then the given events."""
    opening = [
        {
            "type": 4,
            "data": {"href": "https://shop.example/", "width": 1280, "height": 800},
            "timestamp": T0,
        }
    ]
    opening = opening if meta else []
    snapshot = {
        "type": 2,
        "data": {
            "node": {"type": 0, "id": 1, "childNodes": []},
            "initialOffset": {"left": 0, "top": 0},
        },
        "timestamp": T0 + 1,
    }
    return [*opening, snapshot, *events]


def incremental(offset, source=2, **data):
    return {"type": 3, "data": {"source": source, "id": 1, **data}, "timestamp": T0 + offset}


@pytest.mark.parametrize(
    "name, layout, events, types",
    [
        ("amplitude-settings-modal.json", Layout.ARRAY, 413, {4: 1, 2: 1, 6: 12, 3: 399}),
        ("amplitude-settings-track-body.json", Layout.TRACK_BODY, 413, {4: 1, 2: 1, 6: 12, 3: 399}),
        ("kanban-board.ndjson", Layout.NDJSON, 214, {4: 1, 2: 1, 3: 212}),
        ("packed-orders-table.json", Layout.ARRAY, 107, {4: 1, 2: 1, 3: 105}),
        ("pricing-tabs.json", Layout.ARRAY, 165, {4: 1, 2: 1, 5: 5, 3: 158}),
        ("pricing-tabs.json.gz", Layout.ARRAY, 165, {4: 1, 2: 1, 5: 5, 3: 158}),
        ("search-autocomplete.json", Layout.ARRAY, 133, {4: 1, 2: 1, 3: 131}),
        ("signup-wizard-wrapper.json", Layout.OBJECT, 267, {0: 3, 1: 3, 4: 3, 2: 3, 3: 255}),
    ],
)
def test_valid_recordings_are_accepted_with_every_event(name, layout, events, types):
    found = check(RECORDINGS / name)
    assert found.verdict is Verdict.ACCEPT, found.findings
    assert found.layout is layout
    assert found.events == events
    histogram = {}
    for event in sent(found):
        histogram[event["type"]] = histogram.get(event["type"], 0) + 1
    assert histogram == types


def test_layouts_unwrap_to_the_same_events():
    modal = json.loads((RECORDINGS / "amplitude-settings-modal.json").read_text())
    assert sent(check(RECORDINGS / "amplitude-settings-track-body.json")) == modal
    assert sent(check(RECORDINGS / "amplitude-settings-modal.json")) == modal
    assert sent(check(RECORDINGS / "pricing-tabs.json.gz")) == json.loads(
        (RECORDINGS / "pricing-tabs.json").read_text()
    )
    lines = (RECORDINGS / "kanban-board.ndjson").read_text().splitlines()
    assert sent(check(RECORDINGS / "kanban-board.ndjson")) == [json.loads(line) for line in lines]


def test_packed_events_are_unpacked_without_their_marker():
    found = check(RECORDINGS / "packed-orders-table.json")
    assert found.packed == 107
    strings = json.loads((RECORDINGS / "packed-orders-table.json").read_text())
    expected = []
    for text in strings:
        event = json.loads(zlib.decompress(text.encode("latin-1")))
        assert event.pop("v") == "v1"
        expected.append(event)
    assert sent(found) == expected


def test_the_wrapper_gives_device_and_session_ids():
    found = check(RECORDINGS / "signup-wizard-wrapper.json")
    document = json.loads((RECORDINGS / "signup-wizard-wrapper.json").read_text())
    assert found.device_id == document["device_id"]
    assert found.session_id == document["session_id"] != document["events"][0]["timestamp"]
    assert found.parts[0].metas == 3 and found.parts[0].full_snapshots == 3


def test_ids_beside_the_events_are_read_and_checked(write):
    events = recording(incremental(5))
    document = {"deviceId": "d-12345", "sessionId": " 1795985000000 ", "events": events}
    found = check(write("ids.json", json.dumps(document)))
    assert (found.device_id, found.session_id) == ("d-12345", 1795985000000)
    zero = check(write("zero.json", json.dumps({"session_id": "0", "events": events})))
    assert codes(zero) == ["AR603"]
    assert zero.findings[0].message.endswith('positive integer (epoch milliseconds), not "0"')


@pytest.mark.parametrize(
    "name, code, words",
    [
        ("empty-array.json", "AR602", "no events in file"),
        ("missing-timestamp.json", "AR605", "item 9: no timestamp (3 items in all)"),
        (
            "no-fullsnapshot.json",
            "AR607",
            "no FullSnapshot (type 2) event; nothing can be replayed",
        ),
        ("not-json.json", "AR601", "not JSON (starts with <!DOCTYPE html>)"),
        (
            "timestamps-in-seconds.ndjson",
            "AR606",
            "timestamp 1795985201.335 is too small for epoch milliseconds",
        ),
        (
            "truncated.json",
            "AR601",
            "invalid JSON: unexpected end of file at byte 29067 (truncated?)",
        ),
    ],
)
def test_broken_recordings_are_rejected_with_their_cause(name, code, words):
    found = check(RECORDINGS / "broken" / name)
    assert found.verdict is Verdict.REJECT
    assert codes(found) == [code]
    assert words in found.findings[0].message
    assert found.findings[0].file.endswith(name)


def test_duplicates_are_dropped_and_counted():
    found = check(RECORDINGS / "broken" / "duplicate-events.json")
    assert found.verdict is Verdict.WARN and codes(found) == ["AR623"]
    assert "25 exact duplicate events" in found.findings[0].message
    assert sent(found) == json.loads((RECORDINGS / "search-autocomplete.json").read_text())


def test_leading_incrementals_are_dropped_and_counted():
    found = check(RECORDINGS / "broken" / "incrementals-before-fullsnapshot.json")
    assert found.verdict is Verdict.WARN and codes(found) == ["AR621"]
    assert "147 IncrementalSnapshot events" in found.findings[0].message
    wrapper = json.loads((RECORDINGS / "signup-wizard-wrapper.json").read_text())
    page_two = next(
        index for index, event in enumerate(wrapper["events"]) if event["type"] == 0 and index > 0
    )
    assert sent(found) == wrapper["events"][page_two:]


def test_utf16_and_bom_files_decode(write):
    events = recording(incremental(5))
    text = json.dumps(events, ensure_ascii=False)
    for name, data in (
        ("utf16.json", text.encode("utf-16")),
        ("bom.json", b"\xef\xbb\xbf" + text.encode()),
        ("utf16.json.gz", gzip.compress(text.encode("utf-16"))),
    ):
        found = check(write(name, data))
        assert found.verdict is Verdict.ACCEPT, (name, found.findings)
        assert sent(found) == events


def test_truncation_in_a_bom_file_names_the_byte_of_the_file(write):
    text = json.dumps(recording(incremental(5)))[:-20]
    found = check(write("cut.json", b"\xef\xbb\xbf" + text.encode()))
    assert f"at byte {len(text) + 3}" in found.findings[0].message


@pytest.mark.parametrize(
    "content, code, words",
    [
        ('[{"type": 4, "data": {}, "timestamp": NaN}]', "AR601", "NaN is not valid JSON"),
        ("", "AR602", "empty"),
        ("42", "AR603", "not rrweb events: the file holds 42"),
        ("null\n", "AR603", "not rrweb events: the file holds null"),
        (
            "<!DOCTYPE html><title>401</title>",
            "AR601",
            "not JSON (starts with <!DOCTYPE html><title>401</title>)",
        ),
        ('{"device_id": "d-12345", "session_id": 1}', "AR603", 'without an "events" array'),
        ('{"events": {"type": 2}}', "AR603", '"events" is a JSON object'),
        (
            '{"events": [], "session_id": "yesterday"}',
            "AR603",
            'session_id" must be a positive integer',
        ),
        (
            "[1, 2, 3]",
            "AR603",
            "item 0: not rrweb events: a JSON number, not an event object (3 items in all)",
        ),
        ('["not packed", "x"]', "AR603", "neither an event's JSON nor an rrweb-packer"),
        ('[{"type": "2", "data": {}, "timestamp": 1795985000000}]', "AR604", "type is a string"),
        (
            '[{"type": 2, "data": {}, "timestamp": "1795985000000"}]',
            "AR605",
            "timestamp is a string",
        ),
        (
            '[{"type": 2, "data": {}, "timestamp": 1795985000000000}]',
            "AR606",
            "timestamp 1795985000000000 is too large for epoch milliseconds",
        ),
        (
            '[{"type": 2, "data": {}, "timestamp": 12}]',
            "AR605",
            "timestamp 12 is not epoch milliseconds",
        ),
        ('[{"type": 2, "timestamp": 1795985000000}]', "AR603", "no data object"),
        (
            '[{"type": 2, "data": {"node": {}}, "timestamp": 1795985000000}]',
            "AR602",
            "1 event; a replay needs at least 2",
        ),
        (
            '[{"type": 2, "data": {}, "timestamp": 1795985000000}, '
            '{"type": 3, "data": {"source": 2}, "timestamp": 1e400}]',
            "AR605",
            "not a finite number",
        ),
    ],
)
def test_bad_inputs_are_rejected(write, content, code, words):
    found = check(write("bad.json", content))
    assert found.verdict is Verdict.REJECT
    assert code in codes(found), found.findings
    assert any(words in finding.message for finding in found.findings), found.findings


def test_ndjson_errors_name_the_line(write):
    lines = [json.dumps(event) for event in recording(incremental(5))]
    lines.insert(2, '{"type": 3, "data": ')
    found = check(write("log.ndjson", "\n".join(lines)))
    assert codes(found) == ["AR601"] and found.findings[0].line == 3


def test_an_unknown_packer_marker_is_refused(write):
    other = zlib.compress(json.dumps({**incremental(5), "v": "v2"}).encode()).decode("latin-1")
    found = check(
        write("packed.json", json.dumps([pack(event) for event in recording()] + [other]))
    )
    assert found.verdict is Verdict.REJECT
    assert "packer marker is 'v2'" in found.findings[0].message


def test_legacy_sdk_bodies_of_packed_strings_are_read(write):
    """SDK 1.13.6 (the Segment wrapper) sends JSON.stringify(pack(event)) for each event."""
    events = recording(incremental(5))
    body = {"version": 1, "events": [json.dumps(pack(event)) for event in events]}
    found = check(write("legacy.json", json.dumps(body)))
    assert found.verdict is Verdict.ACCEPT and sent(found) == events


def test_an_event_over_the_sdk_limit_is_rejected_by_index_type_and_size(write):
    huge = {
        "type": 2,
        "data": {"node": {"type": 3, "textContent": "x" * 9_000_000}},
        "timestamp": T0 + 2,
    }
    found = check(write("huge.json", json.dumps([*recording(), huge])))
    assert codes(found) == ["AR609"]
    assert found.findings[0].message.startswith("event 2 (FullSnapshot) is 9,000,0")
    assert "over 9,000,000 bytes" in found.findings[0].message


def test_nesting_too_deep_is_rejected(write):
    deep = "[" * 100_000 + "]" * 100_000
    found = check(
        write("deep.json", f'[{{"type": 2, "data": {{"n": {deep}}}, "timestamp": {T0}}}]')
    )
    assert codes(found) == ["AR610"]


def test_warnings_for_what_the_player_silently_ignores(write):
    events = recording(
        incremental(10),
        incremental(5),
        {"type": 7, "data": {}, "timestamp": T0 + 20},
        incremental(30, source=42),
        meta=False,
    )
    found = check(write("odd.json", json.dumps(events)))
    assert found.verdict is Verdict.WARN
    messages = {
        finding.code: finding.message for finding in found.findings if finding.code != "AR624"
    }
    assert "no Meta (type 4) event" in messages["AR620"]
    assert "timestamps go backwards 1 time, first at event 2" in messages["AR622"]
    ignored = [finding.message for finding in found.findings if finding.code == "AR624"]
    times = "\N{MULTIPLICATION SIGN}"
    assert ignored == [
        f"event types Amplitude's player ignores: Asset {times}1",
        f"unknown IncrementalSnapshot sources: 42 {times}1",
    ]
    assert len(sent(found)) == len(events)


def test_several_sessions_are_rejected_unless_split(write):
    later = 3 * 86_400_000
    second = [
        {**event, "timestamp": event["timestamp"] + later} for event in recording(incremental(5))
    ]
    path = write("two.json", json.dumps(recording(incremental(5)) + second))
    found = check(path)
    assert codes(found) == ["AR608"]
    assert found.findings[0].message == (
        "2 sessions in one file (events 0-2 and 3-5): 3 days without events before event 3 "
        "(Amplitude starts a new session after 30 minutes)"
    )
    assert found.findings[0].hint == "upload each part as its own session with --split-sessions"
    split = check(path, split_sessions=True)
    assert split.verdict is Verdict.ACCEPT
    assert [(part.first_index, part.events, part.default_session_id) for part in split.parts] == [
        (0, 3, T0),
        (3, 3, T0 + later),
    ]
    assert [event.part for event in sent_events(split, True)] == [0, 0, 0, 1, 1, 1]


def test_a_part_without_a_full_snapshot_rejects_the_file(write):
    events = [*recording(incremental(5)), incremental(40 * 60_000), incremental(40 * 60_000 + 5)]
    found = check(write("tail.json", json.dumps(events)), split_sessions=True)
    assert codes(found) == ["AR607"] and "session starting at event 3" in found.findings[0].message


def test_the_default_device_id_is_stable_and_content_derived(write):
    first = check(write("a.json", json.dumps(recording(incremental(5)))))
    again = check(write("b.json", json.dumps(recording(incremental(5)))))
    assert first.default_device_id() == again.default_device_id()
    assert len(first.default_device_id()) == 36
    # The same opening, one event more (a longer re-export): another recording, another replay.
    longer = check(write("c.json", json.dumps(recording(incremental(5), incremental(6)))))
    assert longer.default_device_id() != first.default_device_id()
    later = recording(incremental(5))
    later[-1]["data"]["id"] = 2
    assert check(write("d.json", json.dumps(later))).default_device_id() not in (
        first.default_device_id(),
        longer.default_device_id(),
    )
    # The same events in another layout are the same recording.
    ndjson = "\n".join(json.dumps(event) for event in recording(incremental(5)))
    assert check(write("e.ndjson", ndjson)).default_device_id() == first.default_device_id()


def test_timestamps_too_small_are_not_called_seconds(write):
    """1.9e9 may be epoch seconds (2030) or milliseconds from another start (4 s of events would
    read as 66 minutes as seconds): the message says only what is known, the hint offers both."""
    base = 1_900_000_000
    events = [{"type": 4, "data": {}, "timestamp": base}, *recording(incremental(5))]
    for index, event in enumerate(events):
        event["timestamp"] = base + index * 1000
    (finding,) = check(write("base.json", json.dumps(events))).findings
    assert finding.code == "AR606"
    assert finding.message == (
        "item 0: timestamp 1900000000 is too small for epoch milliseconds (it would be before "
        "1973) (4 items in all)"
    )
    assert " seconds" not in finding.message
    assert finding.hint is not None and "if these are epoch seconds (2030-03-17" in finding.hint
    assert "milliseconds from another start" in finding.hint


def test_backward_steps_are_counted_not_events_below_the_latest(write):
    # One step back (10 -> 5), then forward again: 6 and 7 are below 10 but are no new step.
    events = recording(incremental(10), incremental(5), incremental(6), incremental(7))
    (finding,) = check(write("steps.json", json.dumps(events))).findings
    assert finding.code == "AR622"
    assert finding.message.startswith("timestamps go backwards 1 time, first at event 3;")
    events = recording(incremental(10), incremental(5), incremental(9), incremental(8))
    (finding,) = check(write("two.json", json.dumps(events))).findings
    assert finding.message.startswith("timestamps go backwards 2 times, first at event 3;")


def test_two_recordings_joined_are_two_sessions(write):
    """Time jumping back more than the session gap to a new Meta: a concatenation."""
    later = 3 * 3_600_000
    first = [
        {**event, "timestamp": event["timestamp"] + later} for event in recording(incremental(5))
    ]
    path = write("joined.json", json.dumps(first + recording(incremental(5))))
    found = check(path)
    assert codes(found) == ["AR608"]
    assert found.findings[0].message == (
        "2 sessions in one file (events 0-2 and 3-5): time goes back 3 hours at event 3, a "
        "Meta as a recording starts with: two recordings joined"
    )
    assert found.findings[0].hint == "upload each part as its own session with --split-sessions"
    split = check(path, split_sessions=True)
    assert split.verdict is Verdict.ACCEPT
    assert [(part.first_index, part.events, part.default_session_id) for part in split.parts] == [
        (0, 3, T0 + later),
        (3, 3, T0),
    ]
    assert [event.part for event in sent_events(split, True)] == [0, 0, 0, 1, 1, 1]


def test_a_long_step_back_to_an_ordinary_event_is_no_new_session(write):
    events = recording(incremental(5), incremental(-3 * 3_600_000))
    assert codes(check(write("clock.json", json.dumps(events)))) == ["AR622"]


@pytest.mark.parametrize("key", ["sessionId", "session_id"])
def test_events_with_differing_session_ids_are_two_sessions(write, key):
    first = [{**event, key: "s-1"} for event in recording(incremental(5))]
    # The same clock, no gap: only the events' own ids tell the sessions apart.
    second = [
        {**event, key: "s-2", "timestamp": event["timestamp"] + 10}
        for event in recording(incremental(5))
    ]
    path = write("ids.json", json.dumps(first + second))
    found = check(path)
    assert codes(found) == ["AR608"]
    assert found.findings[0].message == (
        f'2 sessions in one file (events 0-2 and 3-5): the events\' {key} changes from "s-1" '
        'to "s-2" at event 3'
    )
    split = check(path, split_sessions=True)
    assert split.verdict is Verdict.ACCEPT and len(split.parts) == 2
    same = [{**event, key: 7} for event in recording(incremental(5), incremental(6))]
    assert check(write("same.json", json.dumps(same))).verdict is Verdict.ACCEPT


def test_the_split_hint_only_when_each_session_would_be_a_replay(write):
    tail = [incremental(40 * 60_000), incremental(40 * 60_000 + 5)]
    found = check(write("tail.json", json.dumps([*recording(incremental(5)), *tail])))
    assert codes(found) == ["AR608"]
    assert "--split-sessions would not make it a replay" in found.findings[0].hint
    assert found.findings[0].hint.startswith("the session starting at event 3 has no FullSnapshot")
    lone = {**recording()[1], "timestamp": T0 + 40 * 60_000}
    found = check(write("lone.json", json.dumps([*recording(incremental(5)), lone])))
    assert found.findings[0].hint.startswith("the session starting at event 3 holds only 1 event")
    three = [
        *recording(incremental(5)),
        *[{**event, "timestamp": event["timestamp"] + 3_600_000} for event in recording()],
        *[{**event, "timestamp": event["timestamp"] + 7_200_000} for event in recording()],
    ]
    found = check(write("three.json", json.dumps(three)))
    assert found.findings[0].message.startswith("3 sessions in one file (events 0-2, 3-4 and 5-6)")


def test_large_values_stream_without_quadratic_rereads(write, monkeypatch):
    """A multi-megabyte event in a file read in 64 KiB chunks is re-parsed only as often as its
    buffer doubles (about 7 times for 5 MB), not once per chunk (about 80 times)."""
    big = {
        "type": 2,
        "data": {"node": {"type": 3, "textContent": "y" * 5_000_000}},
        "timestamp": T0 + 1,
    }
    events = [recording()[0], big, incremental(5)]
    path = write("big.json", json.dumps(events))
    attempts = []
    original = json.JSONDecoder.raw_decode

    def counted(self, text, idx=0):
        attempts.append(idx)
        return original(self, text, idx)

    with monkeypatch.context() as patched:
        patched.setattr(json.JSONDecoder, "raw_decode", counted)
        found = check(path)
    assert len(attempts) <= len(events) + 8
    assert sent(found) == events
    ndjson = write("big.ndjson", "\n".join(json.dumps(event) for event in events))
    assert sent(check(ndjson)) == events


@pytest.mark.parametrize("layout", ["array", "ndjson", "object"])
def test_numbers_are_written_as_javascript_writes_them_in_every_layout(write, layout):
    odd = incremental(5, x=2.0, tiny=1e-7, big=9007199254740993, fine=12.5, id=1795985000000123)
    events = recording(odd)
    text = {
        "array": json.dumps(events),
        "ndjson": "\n".join(json.dumps(event) for event in events),
        "object": json.dumps({"events": events}),
    }[layout]
    found = check(write(f"numbers.{'ndjson' if layout == 'ndjson' else 'json'}", text))
    literal = [event.literal for event in sent_events(found)][-1]
    assert json.loads(literal) == (
        '{"type":3,"timestamp":1795985000005,"data":{"source":2,"id":1795985000000123,'
        '"x":2,"tiny":1e-7,"big":9007199254740992,"fine":12.5}}'
    )
