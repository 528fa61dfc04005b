"""Requests as SDK 1.51.6 builds them, compared with requests captured from the real SDK in
Chromium."""

import gzip
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from amp_replay_cli import __version__
from amp_replay_cli.core.replay.track import (
    BODY_OVERHEAD,
    Batch,
    BatchPlanner,
    batches,
    build_request,
    clamp_batch_bytes,
    event_literal,
    event_string,
    literal_size,
)
from tests.conftest import DATA

CAPTURES = DATA / "captures"


def captured_post(name):
    capture = json.loads((CAPTURES / name).read_text())
    post = next(
        request
        for request in capture["requests"]
        if request["method"] == "POST" and request["path"] == "/sessions/v2/track"
    )
    return capture, post


@pytest.mark.parametrize(
    "name", ["captured-track-1-default-worker-gzip.json", "captured-track-4-retry-on-500.json"]
)
def test_a_built_request_matches_the_captured_one_field_by_field(name):
    capture, post = captured_post(name)
    options = capture["init_options_passed"]
    sent_body = post["body_text_after_decoding"]
    events = [json.loads(text) for text in json.loads(sent_body)["events"]]
    batch = Batch(0, 0, [event_literal(event)[0].encode() for event in events])
    headers = dict(post["headers_in_wire_order"])
    request = build_request(
        options["trackServerUrl"],
        "test-api-key-0123456789abcdef",
        options["deviceId"],
        options["sessionId"],
        batch.raw_body,
        page_url=headers["X-Client-Url"],
    )

    url = urlsplit(request.url)
    assert f"{url.path}?{url.query}" == post["url_path_and_query"]
    assert dict(parse_qsl(url.query)) == post["query"]
    assert gzip.decompress(request.body).decode() == sent_body  # the body, byte for byte
    assert request.raw_bytes == len(sent_body.encode())
    built = dict(request.headers)
    sdk_headers = [
        "Authorization",
        "Content-Encoding",
        "X-Sampling-Hash-Alg",
        "X-Client-Url",
        "Accept",
        "X-Client-Version",
        "Content-Type",
        "X-Client-Sample-Rate",
        "X-Client-Library",
    ]
    assert set(built) == set(sdk_headers)
    for header in sdk_headers:
        if header == "X-Client-Library":
            assert built[header] == f"amp-replay/{__version__}"  # named honestly, not as the SDK
            assert headers[header] == "standalone/1.51.6"
        else:
            assert built[header] == headers[header], header


def test_request_headers_are_in_the_order_the_sdk_builds_them():
    request = build_request(
        "http://127.0.0.1:1/sessions/v2/track", "key", "device", 1, Batch(0, 0, [b'"{}"']).raw_body
    )
    assert [name for name, _ in request.headers] == [
        "Content-Type",
        "Accept",
        "Authorization",
        "X-Client-Version",
        "X-Client-Library",
        "X-Client-Url",
        "X-Client-Sample-Rate",
        "X-Sampling-Hash-Alg",
        "Content-Encoding",
    ]


def test_the_page_url_header_is_truncated_and_ascii():
    batch = Batch(0, 0, [b'"{}"'])
    request = build_request(
        "http://h/t", "key", "d", 1, batch.raw_body, page_url="https://shop.example/ü?" + "a" * 2000
    )
    value = dict(request.headers)["X-Client-Url"]
    assert value.startswith("https://shop.example/%C3%BC?") and value.isascii()
    assert len(value) == 1000 + len("%C3%BC") - 1


@pytest.mark.parametrize(
    "data, written",
    [
        ({"x": 2.0}, '{"x":2}'),
        ({"x": 1e16}, '{"x":10000000000000000}'),
        ({"x": 1e21}, '{"x":1e+21}'),
        ({"x": 0.00001}, '{"x":0.00001}'),
        ({"x": 1e-7}, '{"x":1e-7}'),
        ({"x": -0.0}, '{"x":0}'),
        ({"x": 9007199254740993}, '{"x":9007199254740992}'),
        ({"x": "\ud800"}, '{"x":"\\ud800"}'),
        ({"x": "é\u2028"}, '{"x":"é\u2028"}'),
        ({"x": "v2.0]"}, '{"x":"v2.0]"}'),
    ],
)
def test_event_strings_are_what_json_stringify_writes(data, written):
    assert (
        event_string({"data": data, "timestamp": 5, "type": 3})
        == '{"type":3,"timestamp":5,"data":' + written + "}"
    )


def test_delay_is_kept_in_its_place_and_other_keys_dropped():
    event = {"data": {}, "delay": 12, "timestamp": 5, "type": 3, "v": "v1", "extra": True}
    assert event_string(event) == '{"type":3,"timestamp":5,"delay":12,"data":{}}'


def test_event_size_is_counted_in_utf8_bytes():
    literal, size = event_literal({"type": 3, "timestamp": 5, "data": {"t": "é"}})
    assert size == len('{"type":3,"timestamp":5,"data":{"t":"é"}}'.encode())
    assert literal_size(literal.encode()) == len(literal.encode()) + 1


def test_batches_never_exceed_the_limit_and_the_planner_agrees():
    literals = [(index, json.dumps("x" * (index * 37 % 900)).encode()) for index in range(400)]
    made = list(batches(literals, 5000))
    assert all(len(batch.raw_body) <= 5000 for batch in made)
    assert [literal for batch in made for literal in batch.literals] == [
        literal for _, literal in literals
    ]
    assert [batch.first_event for batch in made] == [
        sum(len(b.literals) for b in made[:i]) for i in range(len(made))
    ]
    planner = BatchPlanner(5000)
    assert sum(planner.starts_batch(literal_size(literal)) for _, literal in literals) == len(made)


def test_an_event_bigger_than_a_batch_goes_alone():
    literals = [(0, b'"a"'), (1, json.dumps("y" * 3000).encode()), (2, b'"b"')]
    assert [len(batch.literals) for batch in batches(literals, 1000)] == [1, 1, 1]


def test_batch_limits_are_clamped_as_the_sdk_clamps_them():
    assert clamp_batch_bytes(10) == 1000
    assert clamp_batch_bytes(50_000_000) == 8_000_000
    assert clamp_batch_bytes(6_000_000) == 6_000_000


def test_split_halves_keep_order_and_positions():
    batch = Batch(3, 10, [b'"a"', b'"b"', b'"c"', b'"d"', b'"e"'])
    first, second = batch.split()
    assert (first.first_event, first.literals, second.first_event, second.literals) == (
        10,
        [b'"a"', b'"b"'],
        12,
        [b'"c"', b'"d"', b'"e"'],
    )
    assert len(Batch(0, 0, []).raw_body) == BODY_OVERHEAD


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_a_raw_body_is_the_version_and_the_literals_joined(count):
    literals = [b'"{\\"n\\":%d}"' % number for number in range(count)]
    expected = b'{"version":1,"events":[' + b",".join(literals) + b"]}"
    assert Batch(0, 0, literals).raw_body == expected
