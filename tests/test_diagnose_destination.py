"""diagnose models Segment's Amplitude (Actions) destination and its session plugin exactly:
which session ids refuse the whole event, what the others become, empty values removed, page
names, the session plugin's sessionLength and logPurchase's extra events.

The expected values were measured in Node 20 with ajv 8.20 (Segment's options: coerceTypes
'array', the 'date-like' format of packages/core/src/schema-validation.ts), ajv-formats 2 and
dayjs 1.11 with its utc plugin, in UTC, running the destination's formatSessionId."""

import json

import pytest

from amp_replay_cli.core.identity.events import NO_SESSION, coerce_session_id
from amp_replay_cli.core.identity.js_dates import dayjs_utc_ms
from tests.oracle.model import from_segment
from tests.test_diagnose import ANON, SESSION, diagnose_json, event, write_events

UUID = "5b0e7b21-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
REFUSED = None


@pytest.mark.parametrize(
    ("raw", "sent"),
    [
        (1719847315013, 1719847315013),
        ("1719847315013", 1719847315013),  # numeric strings become numbers
        ([1719847315013], 1719847315013),  # one element: ajv unwraps it
        (["1719847315013"], 1719847315013),
        (1719847315013.5, 1719847315013),  # Date truncates a fraction
        (-5.5, -5),
        (0.5, 0),
        ("1719847315013.5", -7696285136995),  # dayjs reads it as year 1719, month 84, ...
        ([1719847315013.5], -7696285136995),  # unwrapped to its text
        ("session-123", -58285699200000),  # V8 reads the year 123
        ("2024-07-01T12:00:00Z", 1719835200000),
        ("2024-07-01", 1719792000000),
        ("Jul 1 2024", 1719792000000),
        ("1.5", 978652800000),
        ("0", 0),
        ([0], 0),
        (1719847315, 1719847315),  # seconds pass as they are
        # no session (-1): removed as empty, falsy, or no valid date
        (0, NO_SESSION),
        (None, NO_SESSION),
        ("", NO_SESSION),
        (-1, NO_SESSION),
        (["0"], NO_SESSION),
        (10**16, NO_SESSION),
        # refused: ajv's type or 'date-like' check fails, so the event is never delivered
        ("abc", REFUSED),
        (UUID, REFUSED),
        (True, REFUSED),
        (False, REFUSED),
        ({}, REFUSED),
        ([], REFUSED),
        ([1, 2], REFUSED),
        ([None], REFUSED),
        ([True], REFUSED),
        (["abc"], REFUSED),
        (" 1719847315013", REFUSED),  # leading whitespace
        ("\t1719847315013", REFUSED),
        (" 2024-07-01T12:00:00Z", REFUSED),
        ("1719847315013 ", REFUSED),
        ("1e12", REFUSED),
        ("NaN", REFUSED),
        ("17198473150130000", REFUSED),  # as Unix seconds beyond Date's range
    ],
)
def test_session_ids_as_the_destination_sends_or_refuses_them(raw, sent):
    assert coerce_session_id(raw) == sent


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("00000", -2211667200000),  # dayjs: month "0" - 1 is -1, not 0
        ("\tJul099", 930787200000),  # V8: a named month, then 99 as the year
        (")1July", 993945600000),
        ("+002024Jul", 1719792000000),
        ("2024-07-01T24:00:00Z", 1719878400000),
        ("2024-07-01T24:00:01Z", None),
        ("Sat, 01 Jul 2024 10:00:00 GMT", 1719828000000),
        ("1/2/2024 3:04:05 PM", 1704207845000),
        ("2024-07-01T12:00:00.123456+0530", 1719815400123),
        ("12:30 pm Jul 4 2024 EST", 1720114200000),
        ("(comment) 2024 Jul 4", 1720051200000),
        ("Jul 4 2024 10:00 GMT+0200", 1720080000000),
        ("-000001-01-01T00:00:00Z", -62198755200000),
        ("2024/07/01 10:11:12.5", 1719828672005),  # dayjs keeps "5" as 5 ms
        ("abc 2024", 1704067200000),  # a word before the first number is ignored
        ("abc2024", None),  # ... unless glued to it
        ("2024 abc", None),
        ("Jul", None),
        ("10:00:00 2024-07-01", 1719828000000),
        # the corners of V8's ES and legacy parsers
        ("1 2 3 4", None),
        ("13 45", None),
        ("1:2:3:4:5 Jul 1 2024", 994294923004),
        ("13:00 pm Jul 1 2024", None),
        ("25:00 Jul 1 2024", None),
        ("2024-07-01T12:00:00.5Z", 1719835200500),
        ("2024-07-01T12:00:00.05Z", 1719835200050),
        ("+12 Jul 1 2024", 994896000000),
        ("-000000-01-01T00:00:00Z", None),
        ("2024-13Z", None),
        ("2024-07-32Z", None),
        ("+002024-07-01", 1719792000000),
        ("2024-07-01T25:00Z", None),
        ("2024-07-01T12Z", None),
        ("2024-07-01T12:00:00.Z", None),
        ("2024-07-01T12:00+2500", None),
        ("2024-07-01T12:00+05", None),
        ("2024-07-01T12:00+05:00x", None),
        ("2024-07-01T12:00+0530", 1719815400000),
        ("12:00 GMT+05:30 Jul 1 2024", 1719815400000),
        ("12:00 GMT+5 Jul 1 2024", 1719817200000),
        ("12:00 +12345 Jul 1 2024", None),
        ("2024 Jul 1 )", None),
        ("1::2 3:: Jul 1 2024", None),
        ("1:: Jul 1 2024", 1719795601000),
        ("Jul 1 2024 12:30:.5", 1719837005000),
        ("Jul 1 2024 12:30.5", None),
        ("Jul 1 2024 12:30.x", None),
        ("Jul 1 2024 12:30x", None),
        ("Jul 1 2024 12:30:45.123456789", 1719837045123),
        ("Jul 1 2024 12:30:45 PM", 1719837045000),
        ("Jul 1 2024 00:00 am", 1719792000000),
        ("Jul 1 2024 24:00", 1719878400000),
        ("Jul 1 2024 12:30 EST", 1719855000000),
        ("Jul 1 2024 12:30 -0800", 1719865800000),
        ("utc+1 Jul 1 2024 12:30", 993990600000),
    ],
)
def test_dates_are_read_as_dayjs_utc_reads_them_in_node(text, ms):
    assert dayjs_utc_ms(text) == ms


def refused_events():
    values = ("abc", UUID, True, {"id": 1}, " 1719847315013")
    return [
        event("track", 10 * index, session=value, replay=None) for index, value in enumerate(values)
    ]


def test_refused_events_are_in_no_session_and_each_says_it_was_not_delivered(run, write):
    events = [event("page"), *refused_events()]
    document = diagnose_json(run, write_events(write, events), expect=1)
    [session] = document["result"]["sessions"]
    assert (session["session_id"], session["events"]) == (SESSION, 1)
    refused = [f for f in document["findings"] if f["line"] != 1]
    assert [(f["code"], f["line"], f["severity"]) for f in refused] == [
        ("SESSION_ID_BAD_FORMAT", line, "error") for line in range(2, 7)
    ]
    assert all(f["evidence"]["delivered"] is False for f in refused)
    assert all("never delivered" in f["message"] for f in refused)
    assert refused[-1]["evidence"]["session_id_raw"] == " 1719847315013"
    assert document["summary"]["undelivered_events"] == 5
    result = run("diagnose", write_events(write, events))
    assert "; 5 events never reach Amplitude" in result.stdout + result.stderr


def test_a_refused_event_is_not_counted_in_the_no_session_session(run, write):
    events = [event("track", session=0, replay=None), event("track", 10, session="abc")]
    document = diagnose_json(run, write_events(write, events))
    [session] = document["result"]["sessions"]
    assert (session["session_id"], session["events"]) == (NO_SESSION, 1)
    refused = {f["code"]: f for f in document["findings"] if f["line"] == 2}
    assert set(refused) == {"SESSION_ID_BAD_FORMAT", "RPL_PROPERTY_MALFORMED"}  # "…/abc"
    assert "session_id" not in refused["RPL_PROPERTY_MALFORMED"]["evidence"]  # in no session


def test_an_identify_with_a_refused_session_id_is_still_delivered(run, write):
    document = diagnose_json(run, write_events(write, [event("identify", session="abc")]))
    [finding] = document["findings"]
    assert finding["code"] == "SESSION_ID_BAD_FORMAT"
    assert "delivered" not in finding["evidence"]
    assert "refuses a track, page or screen" in finding["message"]


def test_refused_events_beyond_the_cap_are_counted_in_one_finding(run, write):
    events = [event("track", index, session="abc", replay=None) for index in range(205)]
    document = diagnose_json(run, write_events(write, events))
    findings = document["findings"]
    assert len(findings) == 201
    assert findings[-1]["message"] == "5 more SESSION_ID_BAD_FORMAT findings not listed"
    assert document["summary"]["undelivered_events"] == 205
    assert document["result"]["sessions"] == []


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (0, "means no session"),
        ("", "means no session"),
        (10**16, "is no valid date"),
        (1741083302121.5, "Date truncates it"),
        ([1741083302121], "unwraps it and sends 1741083302121"),
        ("session-123", "sends dayjs.utc(text) = -58285699200000 (year 123)"),
        ("1", "is below 1e12"),
        (-5, "is 0 or negative"),
    ],
)
def test_bad_session_ids_say_what_the_destination_sends(run, write, raw, words):
    document = diagnose_json(run, write_events(write, [event("track", session=raw, replay=None)]))
    [message] = [f["message"] for f in document["findings"] if f["code"] == "SESSION_ID_BAD_FORMAT"]
    assert words in message


def test_a_26_hour_session_of_an_always_open_tab_is_fine(run, write):
    # The plugin renews the session while events come less than 30 min apart: no maximum.
    events = [event("track", index * 25 * 60_000) for index in range(26 * 60 // 25 + 1)]
    document = diagnose_json(run, write_events(write, events), expect=0)
    assert document["findings"] == []
    [session] = document["result"]["sessions"]
    assert session["events"] == len(events) and session["linked"] is True


def test_a_client_clock_days_off_is_clock_skew_not_a_bad_session_id(run, write):
    days = 2 * 86_400_000
    session = SESSION + days  # the plugin stamps sessions with the client's clock
    skewed = event("track", skew_ms=days, session=session, replay=f"{ANON}/{session}")
    document = diagnose_json(run, write_events(write, [skewed]))
    codes = {f["code"] for f in document["findings"]}
    assert codes == {"CLOCK_SKEW", "EVENT_BEFORE_SESSION_START"}


def test_an_empty_context_device_id_leaves_no_device_id(run, write):
    events = [
        event("track", device="", user="usr_12345", replay=None),
        event("track", 10, device="", replay=None),  # no userId either: Amplitude refuses it
        event("page", 20),
    ]
    document = diagnose_json(run, write_events(write, events), expect=1)
    assert [row["device_id"] for row in document["result"]["sessions"]] == [ANON]
    found = {(f["code"], f["line"]): f for f in document["findings"]}
    assert set(found) == {("CONTEXT_DEVICE_ID_OVERRIDE", 1), ("CONTEXT_DEVICE_ID_OVERRIDE", 2)}
    assert "derives one from userId" in found["CONTEXT_DEVICE_ID_OVERRIDE", 1]["message"]
    assert found["CONTEXT_DEVICE_ID_OVERRIDE", 2]["evidence"]["delivered"] is False
    assert document["summary"]["undelivered_events"] == 1


def test_an_empty_user_id_is_removed_before_sending():
    raw = event("track", user="")
    assert from_segment(raw, "f", 1).dest_user is None


def export_row(segment_event, event_type, device, properties=None):
    return {
        "device_id": device,
        "user_id": segment_event["userId"],
        "session_id": SESSION,
        "event_type": event_type,
        "event_time": segment_event["timestamp"].replace("T", " ").replace("Z", "000"),
        "event_properties": properties or {},
    }


def test_an_unnamed_page_is_viewed_with_a_trailing_space(run, write):
    page = event("page", user="usr_12345")
    assert from_segment(page, "f", 1).amplitude_event_type == "Viewed "
    export = write("export.ndjson", json.dumps(export_row(page, "Viewed ", "usr_12345")) + "\n")
    document = diagnose_json(run, write_events(write, [page]), "--amplitude-export", export)
    assert "DEVICE_MAPPING_CUSTOMIZED" in {f["code"] for f in document["findings"]}


@pytest.mark.parametrize(
    ("name", "event_type"),
    [("Pricing", "Viewed Pricing"), (7, "Viewed 7"), ({"a": 1}, "Viewed [object Object]")],
)
def test_page_names_are_written_as_the_template_writes_them(name, event_type):
    page = event("page", name=name)
    assert from_segment(page, "f", 1).amplitude_event_type == event_type


def order(products):
    return event(
        "track",
        user="usr_12345",
        event="Order Completed",
        properties={"products": products, "[Amplitude] Session Replay ID": f"{ANON}/{SESSION}"},
    )


def test_order_completed_also_makes_one_product_purchased_per_product(run, write):
    segment_event = order([{"productId": "p1"}, {"productId": "p2"}])
    assert from_segment(segment_event, "f", 1).amplitude_event_types == [
        "Order Completed",
        "Product Purchased",
        "Product Purchased",
    ]
    # The export holds only the product events, which never carry the replay property.
    rows = [export_row(segment_event, "Product Purchased", ANON, product) for product in "ab"]
    export = write("export.ndjson", "\n".join(json.dumps(row) for row in rows) + "\n")
    document = diagnose_json(
        run, write_events(write, [segment_event]), "--amplitude-export", export
    )
    assert document["findings"] == []
    rows = [export_row(segment_event, "Product Purchased", "usr_12345")]
    export = write("export2.ndjson", json.dumps(rows[0]) + "\n")
    document = diagnose_json(
        run, write_events(write, [segment_event]), "--amplitude-export", export
    )
    assert {f["code"] for f in document["findings"]} == {"DEVICE_MAPPING_CUSTOMIZED"}


def test_only_order_completed_tracks_have_products():
    other = event("track", properties={"products": [{"productId": "p1"}]})
    assert from_segment(other, "f", 1).amplitude_event_types == ["Clicked"]


def churn_events():
    minute = 60_000
    later = SESSION + 2 * minute
    return [event("page", 0), event("page", 2 * minute, session=later, replay=f"{ANON}/{later}")]


def config_with_session_length(write, length):
    setup = {"segment_destination": {"mappings": {"sessionId": {"sessionLength": length}}}}
    return write("setup.json", json.dumps(setup))


def test_the_configured_session_length_decides_churn(run, write):
    events = write_events(write, churn_events())
    config = config_with_session_length(write, 60_000)
    document = diagnose_json(run, events, "--config", config, expect=0)
    assert document["findings"] == []
    assert document["result"]["settings"]["session_timeout_ms"] == 60_000
    # An explicit --session-timeout still wins over the configuration.
    document = diagnose_json(run, events, "--config", config, "--session-timeout", "30m")
    assert {f["code"] for f in document["findings"]} == {"SESSION_CHURN"}


@pytest.mark.parametrize("length", [None, 0, "1m", True])
def test_an_unusable_session_length_leaves_the_default(run, write, length):
    events = write_events(write, churn_events())
    config = config_with_session_length(write, length)
    document = diagnose_json(run, events, "--config", config)
    assert document["result"]["settings"]["session_timeout_ms"] == 30 * 60_000
    assert {f["code"] for f in document["findings"]} == {"SESSION_CHURN"}


def test_the_export_is_matched_on_the_user_id_amplitude_receives(run, write):
    segment_event = event("track", user="")
    row = export_row(segment_event, "Clicked", "someone-else")
    row["user_id"] = None
    export = write("export.ndjson", json.dumps(row) + "\n")
    document = diagnose_json(
        run, write_events(write, [segment_event]), "--amplitude-export", export
    )
    assert "DEVICE_MAPPING_CUSTOMIZED" in {f["code"] for f in document["findings"]}


def test_a_track_named_by_a_json_object_is_matched_against_the_export_without_a_traceback(
    run, write
):
    # The export is keyed on (event type, time, user); an object as the event name is keyed as
    # its JSON text, as an export row's object would be, instead of failing as unhashable.
    segment_event = event("track", user="usr_12345", replay=None)
    segment_event["event"] = {"name": "Clicked"}
    row = export_row(segment_event, {"name": "Clicked"}, "someone-else")
    export = write("export.ndjson", json.dumps(row) + "\n")
    document = diagnose_json(
        run, write_events(write, [segment_event]), "--amplitude-export", export
    )
    assert "DEVICE_MAPPING_CUSTOMIZED" in {f["code"] for f in document["findings"]}
