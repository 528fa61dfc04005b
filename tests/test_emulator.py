"""The emulator against spec/api/APIS.md and the real SDK's captured requests."""

import base64
import datetime as dt
import gzip
import json
import threading
from pathlib import Path

import httpx
import pytest

from amp_replay_cli.core.replay.rrweb import pack, unpack
from amp_replay_cli.emulator import FaultPlan, Project, Store
from tests.conftest import start_emulator

CAPTURES = sorted((Path(__file__).parent / "data" / "captures").glob("captured-track-*.json"))
DEVICE, SESSION = "device-00001", "1767225600123"


def replay_body(events, version=1):
    return json.dumps(
        {"version": version, "events": [json.dumps(event) for event in events]}
    ).encode()


def post_replay(emulator, events, device=DEVICE, session=SESSION, gzipped=True, **extra):
    body = replay_body(events)
    headers = {"Authorization": f"Bearer {emulator.api_key}", "Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    params = {"device_id": device, "session_id": session, "type": "replay", **extra}
    return emulator.client.post("/sessions/v2/track", params=params, content=body, headers=headers)


EVENTS = [
    {
        "type": 4,
        "timestamp": 1767225600200,
        "data": {"href": "https://a.example/", "width": 800, "height": 600},
    },
    {
        "type": 2,
        "timestamp": 1767225600300,
        "data": {"node": {"type": 0, "childNodes": [], "id": 1}},
    },
    {
        "type": 3,
        "timestamp": 1767225600400,
        "data": {"source": 2, "type": 2, "id": 1, "x": 1, "y": 2},
    },
]


# -- the real SDK's requests ------------------------------------------------------------------
def captured_posts(path):
    document = json.loads(path.read_text())
    for request in document["requests"]:
        if request["method"] != "POST" or "track" not in request.get(
            "path", request.get("url", "")
        ):
            continue
        if "body_base64" in request:
            headers = {
                name: value
                for name, value in request["headers_in_wire_order"]
                if name.lower() not in ("host", "content-length", "connection")
            }
            yield (
                request["query"],
                headers,
                base64.b64decode(request["body_base64"]),
                json.loads(request["body_text_after_decoding"]),
            )
        else:  # the legacy capture records the body text, uncompressed
            from urllib.parse import parse_qsl, urlsplit

            url = urlsplit(request["url"])
            headers = {
                name.title(): value
                for name, value in request["headers_as_seen_by_interception_lowercased"].items()
                if name in ("authorization", "content-type", "x-client-library")
            }
            body = request["body_text"].encode("utf-8")
            yield dict(parse_qsl(url.query)), headers, body, json.loads(request["body_text"])


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda path: path.name)
def test_captured_sdk_requests_are_accepted_and_read_back_event_for_event(emulator, capture):
    sent: dict[tuple, list] = {}
    for query, headers, body, decoded in captured_posts(capture):
        query = {**query, **({"api_key": emulator.api_key} if "api_key" in query else {})}
        if "Authorization" in headers:
            headers["Authorization"] = f"Bearer {emulator.api_key}"
        response = emulator.client.post(
            "/sessions/v2/track", params=query, headers=headers, content=body
        )
        assert response.status_code == 200, response.text
        key = (query["device_id"], query["session_id"], query["type"])
        sent.setdefault(key, []).extend(
            json.loads(e) if isinstance(e, str) else e for e in decoded["events"]
        )
    assert sent
    for (device, session, kind), events in sent.items():
        back = emulator.client.get(
            f"/_emulator/replays/{device}/{session}", params={"type": kind}
        ).json()
        assert back == events


def test_legacy_packed_events_unpack_on_request(emulator):
    [legacy] = [path for path in CAPTURES if "legacy" in path.name]
    query, headers, body, decoded = next(captured_posts(legacy))
    headers["Authorization"] = f"Bearer {emulator.api_key}"
    assert (
        emulator.client.post(
            "/sessions/v2/track", params=query, headers=headers, content=body
        ).status_code
        == 200
    )
    back = emulator.client.get(
        f"/_emulator/replays/{query['device_id']}/{query['session_id']}", params={"unpack": "1"}
    ).json()
    assert back == [unpack(json.loads(element)) for element in decoded["events"]]
    assert back[0]["type"] == 4 and "v" not in back[0]


def test_pack_and_unpack_are_inverse():
    assert unpack(pack(EVENTS[1])) == EVENTS[1]


# -- /sessions/v2/track -----------------------------------------------------------------------
def test_a_replay_batch_is_stored_and_creates_replay_captured_once(emulator):
    assert post_replay(emulator, EVENTS[:2]).status_code == 200
    assert post_replay(emulator, EVENTS[2:], gzipped=False).status_code == 200
    [row] = emulator.client.get("/_emulator/replays").json()["replays"]
    assert (row["events"], row["batches"], row["first_timestamp"], row["last_timestamp"]) == (
        3,
        2,
        1767225600200,
        1767225600400,
    )
    assert emulator.client.get(f"/_emulator/replays/{DEVICE}/{SESSION}").json() == EVENTS
    [captured] = emulator.client.get(
        "/_emulator/events", params={"event_type": "[Amplitude] Replay Captured"}
    ).json()["events"]
    assert captured["event_properties"] == {"[Amplitude] Session Replay ID": f"{DEVICE}/{SESSION}"}
    assert (captured["device_id"], captured["session_id"], captured["time"]) == (
        DEVICE,
        int(SESSION),
        1767225600200,
    )


def test_page_exit_beacons_authenticate_with_the_query(emulator):
    response = emulator.client.post(
        "/sessions/v2/track",
        params={
            "device_id": DEVICE,
            "session_id": SESSION,
            "type": "replay",
            "api_key": emulator.api_key,
        },
        content=replay_body(EVENTS, version=2),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200


def test_cors_preflight_allows_credentials_and_the_sdk_headers(emulator):
    response = emulator.client.options(
        "/sessions/v2/track",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": (
                "authorization,content-encoding,content-type,x-client-library"
            ),
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "x-client-library" in response.headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    ("params", "body", "headers", "status"),
    [
        ({"session_id": SESSION, "type": "replay"}, replay_body(EVENTS), None, 400),
        (
            {"device_id": DEVICE, "session_id": SESSION, "type": "video"},
            replay_body(EVENTS),
            None,
            400,
        ),
        (
            {"device_id": DEVICE, "session_id": SESSION, "type": "replay"},
            b'{"version": 1, "events": [{}]}',
            None,
            400,
        ),
        ({"device_id": DEVICE, "session_id": SESSION, "type": "replay"}, b"not json", None, 400),
        (
            {"device_id": DEVICE, "session_id": SESSION, "type": "replay"},
            b"\x1f\x8b\x08\x00broken",
            None,
            400,
        ),
        (
            {"device_id": DEVICE, "session_id": SESSION, "type": "replay"},
            replay_body(EVENTS),
            {"Authorization": "Bearer nope"},
            401,
        ),
    ],
)
def test_track_refuses_what_the_service_refuses(emulator, params, body, headers, status):
    headers = headers or {"Authorization": f"Bearer {emulator.api_key}"}
    assert (
        emulator.client.post(
            "/sessions/v2/track", params=params, content=body, headers=headers
        ).status_code
        == status
    )
    assert emulator.client.get("/_emulator/replays").json()["replays"] == []


def test_oversized_bodies_get_the_waf_413(emulator):
    body = b"x" * (10 * 1024 * 1024 + 1)
    response = emulator.client.post(
        "/sessions/v2/track",
        params={"device_id": DEVICE, "session_id": SESSION, "type": "replay"},
        content=body,
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    assert response.status_code == 413
    assert "payload" in response.text.lower() and "exceed" in response.text.lower()


def post_raw_replay(emulator, body):
    return emulator.client.post(
        "/sessions/v2/track",
        params={"device_id": DEVICE, "session_id": SESSION, "type": "replay"},
        content=body,
        headers={"Authorization": f"Bearer {emulator.api_key}", "Content-Encoding": "gzip"},
    )


def test_a_replay_body_msgspec_refuses_is_read_as_json_loads_reads_it(emulator):
    response = post_raw_replay(emulator, gzip.compress(b'{"version": NaN, "events": []}'))
    assert (response.status_code, response.json()["error"]) == (
        400,
        'body must be {"version": 1|2, "events": [...]}',
    )


def test_a_broken_gzip_body_is_a_400_naming_the_zlib_error(emulator):
    response = post_raw_replay(emulator, gzip.compress(b"{}")[:10] + b"\xff" * 20)
    assert response.status_code == 400
    assert response.json()["error"].startswith("invalid body: Error -3 while decompressing")


def utf8_replay_body(events):
    """A body whose strings hold their characters as UTF-8, not as escapes."""
    strings = [json.dumps(event, ensure_ascii=False) for event in events]
    return json.dumps({"version": 1, "events": strings}, ensure_ascii=False).encode()


@pytest.mark.parametrize(("character", "count"), [("x", 10_000_001), ("\u6771", 3_400_000)])
def test_a_single_event_over_10_mb_of_utf8_is_refused(emulator, character, count):
    body = utf8_replay_body([{"type": 3, "timestamp": 1, "data": {"text": character * count}}])
    response = post_raw_replay(emulator, gzip.compress(body))
    assert (response.status_code, response.json()) == (
        413,
        {"error": "single event larger than 10 MB"},
    )


def test_an_event_of_almost_10_mb_of_utf8_is_stored(emulator):
    events = [{"type": 3, "timestamp": 1, "data": {"text": "\u6771" * 3_300_000}}]
    assert post_raw_replay(emulator, gzip.compress(utf8_replay_body(events))).status_code == 200
    stored = emulator.client.get(
        f"/_emulator/replays/{DEVICE}/{SESSION}", params={"type": "replay"}
    ).json()
    assert stored == events


def test_skip_directives_and_disabled_capture_answer_with_the_header(emulator):
    emulator.client.post(
        "/_emulator/skip", json={"device_id": DEVICE, "session_id": SESSION, "code": 429}
    )
    response = post_replay(emulator, EVENTS)
    assert (response.status_code, response.headers["x-session-replay-event-skipped"]) == (
        200,
        "429",
    )
    emulator.client.post(
        "/_emulator/skip", json={"device_id": DEVICE, "session_id": SESSION, "code": None}
    )
    emulator.client.post("/_emulator/config", json={"capture_enabled": False})
    assert post_replay(emulator, EVENTS).headers["x-session-replay-event-skipped"] == "4005"
    assert emulator.client.get("/_emulator/replays").json()["replays"] == []


# -- remote configuration ---------------------------------------------------------------------
def test_remote_config_for_both_sdk_generations(emulator):
    emulator.client.post("/_emulator/config", json={"sample_rate": 0.25})
    modern = emulator.client.get(
        f"/config/{emulator.api_key}", params={"config_group": "browser"}
    ).json()
    legacy = emulator.client.get(
        "/config", params={"api_key": emulator.api_key, "config_keys": "sessionReplay"}
    ).json()
    expected = {
        "configs": {
            "sessionReplay": {"sr_sampling_config": {"sample_rate": 0.25, "capture_enabled": True}}
        }
    }
    assert modern == legacy == expected
    assert emulator.client.get("/config/unknown-key").status_code == 401


# -- HTTP V2 and Batch ------------------------------------------------------------------------
def send(emulator, events, path="/2/httpapi", **extra):
    return emulator.client.post(path, json={"api_key": emulator.api_key, "events": events, **extra})


def event(**fields):
    return {"event_type": "Clicked", "device_id": DEVICE, "time": 1767225601000, **fields}


def test_httpapi_accepts_and_reports_like_amplitude(emulator):
    response = send(emulator, [event(), event(user_id="usr_12345")])
    body = response.json()
    assert response.status_code == 200
    assert body["code"] == 200 and body["events_ingested"] == 2
    assert set(body) == {"code", "events_ingested", "payload_size_bytes", "server_upload_time"}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"events": []},
            {"code": 400, "error": "Request missing required field", "missing_field": "api_key"},
        ),
        ({"api_key": "k", "events": []}, {"code": 400, "error": "Invalid API key"}),
        (
            {"api_key": None, "events": [event(event_type=None)]},
            {
                "code": 400,
                "error": "Request missing required field",
                "events_with_missing_fields": {"event_type": [0]},
            },
        ),
        (
            {"api_key": None, "events": [event(), event(time="2026-01-01T00:00:00Z")]},
            {
                "code": 400,
                "error": "Invalid field values on some events",
                "events_with_invalid_fields": {"time": [1]},
            },
        ),
        (
            {"api_key": None, "events": [event(device_id="abc")]},
            {
                "code": 400,
                "error": "Invalid id length for user_id or device_id",
                "events_with_invalid_id_lengths": {"device_id": [0]},
            },
        ),
        (
            {"api_key": None, "events": [event(user_id="undefined")]},
            {
                "code": 400,
                "error": "Invalid field values on some events",
                "events_with_invalid_fields": {"user_id": [0]},
            },
        ),
    ],
)
def test_httpapi_rejections_ingest_nothing(emulator, payload, expected):
    if payload.get("api_key", "x") is None:
        payload = {**payload, "api_key": emulator.api_key}
    response = emulator.client.post("/2/httpapi", json=payload)
    assert (response.status_code, response.json()) == (400, expected)
    assert emulator.client.get("/_emulator/events").json()["events"] == []


def test_min_id_length_option_and_size_limits(emulator):
    assert send(emulator, [event(device_id="abc")], options={"min_id_length": 3}).status_code == 200
    assert send(emulator, [event()] * 2001).status_code == 413
    big = [event(event_properties={"blob": "x" * 1000}) for _ in range(1100)]
    assert send(emulator, big).status_code == 413
    assert send(emulator, big, path="/batch").status_code == 200


def test_gzip_bodies_are_accepted(emulator):
    body = gzip.compress(json.dumps({"api_key": emulator.api_key, "events": [event()]}).encode())
    response = emulator.client.post(
        "/2/httpapi",
        content=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200


def test_insert_ids_deduplicate_per_device(emulator):
    send(emulator, [event(insert_id="once")])
    send(emulator, [event(insert_id="once")])
    send(emulator, [event(insert_id="once", device_id="other-device")])
    assert len(emulator.client.get("/_emulator/events").json()["events"]) == 2


def test_insert_ids_without_a_device_deduplicate_per_user(emulator):
    def user_event(user_id):
        return {"event_type": "Bought", "user_id": user_id, "time": 1767225601000, "insert_id": "i"}

    send(emulator, [user_event("usr_12345")])
    send(emulator, [user_event("usr_12345")])  # the same user again: a duplicate
    send(emulator, [user_event("usr_67890")])  # another user: not a duplicate
    events = emulator.client.get("/_emulator/events").json()["events"]
    assert sorted(event["user_id"] for event in events) == ["usr_12345", "usr_67890"]


def test_throttling_rejects_the_whole_request_with_amplitudes_body():
    handle = start_emulator(eps_limits={"httpapi": 1})
    try:
        assert send(handle, [event()] * 30).status_code == 200
        response = send(handle, [event(), event(device_id="another-device")])
        body = response.json()
        assert response.status_code == 429
        assert body["throttled_devices"] == {DEVICE: 1} and body["throttled_events"] == [0]
        assert len(handle.client.get("/_emulator/events").json()["events"]) == 30
    finally:
        handle.close()


# -- identities and the Dashboard REST API ----------------------------------------------------
def test_anonymous_activity_joins_the_user_and_the_replay_follows(emulator):
    post_replay(emulator, EVENTS)
    send(emulator, [event(event_type="Viewed Home")])
    send(emulator, [event(event_type="Signed Up", user_id="usr_12345")])
    search = emulator.client.get(
        "/api/2/usersearch", params={"user": "usr_12345"}, auth=emulator.auth
    ).json()
    assert search["type"] == "match_user_or_device_id"
    [match] = search["matches"]
    activity = emulator.client.get(
        "/api/2/useractivity", params={"user": match["amplitude_id"]}, auth=emulator.auth
    ).json()
    assert {e["event_type"] for e in activity["events"]} == {
        "[Amplitude] Replay Captured",
        "Viewed Home",
        "Signed Up",
    }
    assert activity["userData"]["user_id"] == "usr_12345" and activity["userData"][
        "device_ids"
    ] == [DEVICE]


def test_a_second_user_on_a_device_gets_their_own_amplitude_id(emulator):
    send(emulator, [event(user_id="usr_aaaaa"), event(user_id="usr_bbbbb")])
    search = emulator.client.get(
        "/api/2/usersearch", params={"user": DEVICE}, auth=emulator.auth
    ).json()
    assert (
        len({match["amplitude_id"] for match in search["matches"]}) == 1
    )  # the device maps to its first user
    first = emulator.client.get(
        "/api/2/usersearch", params={"user": "usr_aaaaa"}, auth=emulator.auth
    ).json()
    second = emulator.client.get(
        "/api/2/usersearch", params={"user": "usr_bbbbb"}, auth=emulator.auth
    ).json()
    assert first["matches"][0]["amplitude_id"] != second["matches"][0]["amplitude_id"]


def test_usersearch_prefix_amplitude_id_and_no_match(emulator):
    send(emulator, [event(user_id="usr_12345")])
    prefix = emulator.client.get(
        "/api/2/usersearch", params={"user": "usr_1"}, auth=emulator.auth
    ).json()
    assert prefix["type"] == "match_user_prefix"
    amplitude_id = prefix["matches"][0]["amplitude_id"]
    by_id = emulator.client.get(
        "/api/2/usersearch", params={"user": str(amplitude_id)}, auth=emulator.auth
    ).json()
    assert by_id["type"] == "match_amplitude_id"
    none = emulator.client.get(
        "/api/2/usersearch", params={"user": "nobody"}, auth=emulator.auth
    ).json()
    assert none == {"type": "nomatch", "matches": []}


def test_useractivity_pages_with_offset_and_direction(emulator):
    send(
        emulator,
        [
            event(user_id="usr_12345", time=1767225601000 + index, event_type=f"E{index}")
            for index in range(5)
        ],
    )
    amplitude_id = emulator.client.get(
        "/api/2/usersearch", params={"user": "usr_12345"}, auth=emulator.auth
    ).json()["matches"][0]["amplitude_id"]

    def page(**params):
        return [
            e["event_type"]
            for e in emulator.client.get(
                "/api/2/useractivity", auth=emulator.auth, params={"user": amplitude_id, **params}
            ).json()["events"]
        ]

    assert page(limit=2) == ["E4", "E3"]
    assert page(limit=2, offset=2) == ["E2", "E1"]
    assert page(direction="earliest", limit=1) == ["E0"]
    assert (
        emulator.client.get(
            "/api/2/useractivity", params={"user": "999"}, auth=emulator.auth
        ).status_code
        == 400
    )


def test_segmentation_counts_an_event_for_a_device_or_a_user(emulator):
    post_replay(emulator, EVENTS)
    post_replay(emulator, EVENTS, session="1767225700000")
    send(emulator, [event(user_id="usr_12345")])
    replay_filter = {
        "event_type": "[Amplitude] Replay Captured",
        "filters": [
            {
                "subprop_type": "event",
                "subprop_key": "[Amplitude] Session Replay ID",
                "subprop_op": "contains",
                "subprop_value": [f"{DEVICE}/"],
            }
        ],
        "group_by": [{"type": "event", "value": "[Amplitude] Session Replay ID"}],
    }
    params = {"e": json.dumps(replay_filter), "m": "totals", "start": "20260101", "end": "20260102"}
    data = emulator.client.get(
        "/api/2/events/segmentation", params=params, auth=emulator.auth
    ).json()["data"]
    assert data["seriesLabels"] == [f"{DEVICE}/1767225600123", f"{DEVICE}/1767225700000"]
    assert [collapsed[0]["value"] for collapsed in data["seriesCollapsed"]] == [1, 1]
    assert data["xValues"] == ["2026-01-01", "2026-01-02"]
    by_user = {
        "e": json.dumps({"event_type": "[Amplitude] Replay Captured"}),
        "m": "uniques",
        "start": "20260101",
        "end": "20260101",
        "s": json.dumps([{"prop": "user_id", "op": "is", "values": ["nobody"]}]),
    }
    assert (
        emulator.client.get(
            "/api/2/events/segmentation", params=by_user, auth=emulator.auth
        ).json()["data"]["seriesCollapsed"]
        == []
    )
    bad = emulator.client.get(
        "/api/2/events/segmentation", params={"e": "{}", "start": "x"}, auth=emulator.auth
    )
    assert bad.status_code == 400


def test_rest_needs_the_right_key_pair(emulator):
    for auth in ((emulator.api_key, "wrong"), ("unknown", emulator.secret_key)):
        assert (
            emulator.client.get("/api/2/usersearch", params={"user": "x"}, auth=auth).status_code
            == 401
        )
    assert emulator.client.get("/api/2/usersearch", params={"user": "x"}).status_code == 401


def test_several_projects_are_kept_apart(tmp_path):
    handle = start_emulator(
        projects=[Project("key-one-0000", "secret-one"), Project("key-two-0000", "secret-two")]
    )
    try:
        handle.client.post(
            "/2/httpapi", json={"api_key": "key-one-0000", "events": [event(user_id="usr_12345")]}
        )
        two = handle.client.get(
            "/api/2/usersearch", params={"user": "usr_12345"}, auth=("key-two-0000", "secret-two")
        )
        one = handle.client.get(
            "/api/2/usersearch", params={"user": "usr_12345"}, auth=("key-one-0000", "secret-one")
        )
        assert two.json()["type"] == "nomatch" and one.json()["type"] == "match_user_or_device_id"
    finally:
        handle.close()


# -- storage ----------------------------------------------------------------------------------
def test_data_survives_a_restart(tmp_path):
    database = str(tmp_path / "emulator.sqlite3")
    first = start_emulator(db=database)
    post_replay(first, EVENTS)
    first.close()
    second = start_emulator(db=database)
    try:
        assert second.client.get(f"/_emulator/replays/{DEVICE}/{SESSION}").json() == EVENTS
        assert second.client.post("/_emulator/reset").json() == {"reset": True}
        assert second.client.get("/_emulator/replays").json()["replays"] == []
    finally:
        second.close()


# -- faults -----------------------------------------------------------------------------------
def test_faults_are_deterministic_by_seed_and_apply_nothing():
    def statuses(seed):
        handle = start_emulator(faults=FaultPlan(rate=0.5, seed=seed, kinds=("429", "500", "503")))
        try:
            result = [
                post_replay(handle, EVENTS, session=str(1767225600000 + index)).status_code
                for index in range(20)
            ]
            stored = len(handle.client.get("/_emulator/replays").json()["replays"])
            return result, stored
        finally:
            handle.close()

    first, stored = statuses(7)
    assert first == statuses(7)[0] and first != statuses(8)[0]
    assert 200 in first and set(first) - {200} <= {429, 500, 503} and len(set(first)) >= 3
    assert stored == first.count(200)


def test_429_fault_carries_retry_after():
    handle = start_emulator(faults=FaultPlan(rate=1.0, kinds=("429",), retry_after_seconds=3))
    try:
        response = post_replay(handle, EVENTS)
        assert (response.status_code, response.headers["retry-after"]) == (429, "3")
    finally:
        handle.close()


def test_reset_fault_drops_the_connection():
    handle = start_emulator(faults=FaultPlan(rate=1.0, kinds=("reset",)))
    try:
        with pytest.raises(httpx.TransportError):
            post_replay(handle, EVENTS)
        assert handle.client.get("/_emulator/replays").json()["replays"] == []
    finally:
        handle.close()


def test_slow_fault_waits_through_the_injected_sleep_then_504s():
    waited = []
    handle = start_emulator(
        faults=FaultPlan(rate=1.0, kinds=("slow",), slow_seconds=12.5), sleep=waited.append
    )
    try:
        assert post_replay(handle, EVENTS).status_code == 504
        assert waited == [12.5]
    finally:
        handle.close()


def test_waf_fault_body_matches_what_the_sdk_splits_on():
    import re

    handle = start_emulator(faults=FaultPlan(rate=1.0, kinds=("413",)))
    try:
        response = post_replay(handle, EVENTS)
        assert response.status_code == 413 and re.search(r"payload.*exceed", response.text, re.I)
    finally:
        handle.close()


def test_unknown_fault_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown fault kinds: 418"):
        FaultPlan(kinds=("418",))


# -- concurrency ------------------------------------------------------------------------------
def test_concurrent_clients_lose_no_acknowledged_event(emulator):
    acknowledged = []
    lock = threading.Lock()

    def client(number):
        with httpx.Client(base_url=emulator.base_url, timeout=10) as own:
            for index in range(25):
                events = [{**EVENTS[2], "timestamp": 1767225600000 + index}]
                response = own.post(
                    "/sessions/v2/track",
                    params={
                        "device_id": f"dev-{number:05d}",
                        "session_id": SESSION,
                        "type": "replay",
                    },
                    content=replay_body(events),
                    headers={"Authorization": f"Bearer {emulator.api_key}"},
                )
                if response.status_code == 200:
                    with lock:
                        acknowledged.append((number, index))

    threads = [threading.Thread(target=client, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = sum(
        row["events"] for row in emulator.client.get("/_emulator/replays").json()["replays"]
    )
    assert len(acknowledged) == stored == 200


def test_the_store_is_one_transaction_per_request(tmp_path):
    store = Store(str(tmp_path / "db.sqlite3"))
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute(
            "INSERT INTO replay_batches (project_id, device_id, session_id, type, body_version, "
            "received_ms, wire_bytes, raw_bytes, event_count) "
            "VALUES (1, 'd', 's', 'replay', 1, 0, 0, 0, 0)"
        )
        raise RuntimeError("boom")
    assert store.query("SELECT COUNT(*) AS n FROM replay_batches")[0]["n"] == 0


def serve(host="127.0.0.1", quiet=True):
    from amp_replay_cli.emulator import (
        DEFAULT_API_KEY,
        DEFAULT_SECRET_KEY,
        Emulator,
        RunningEmulator,
        make_server,
    )

    app = Emulator(Store(":memory:"), [Project(DEFAULT_API_KEY, DEFAULT_SECRET_KEY)], FaultPlan())
    server = make_server(app, host, 0, quiet=quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    return RunningEmulator(server, thread)


@pytest.mark.parametrize("quiet", [True, False])
def test_the_server_logs_each_request_to_stderr_unless_quiet(quiet, capfd):
    running = serve(quiet=quiet)
    try:
        assert httpx.get(f"{running.base_url}/_emulator/health", timeout=5).json() == {"ok": True}
    finally:
        running.stop()
    logged = '"GET /_emulator/health HTTP/1.1" 200' in capfd.readouterr().err
    assert logged is not quiet


def test_an_ipv6_loopback_server_has_a_bracketed_base_url():
    try:
        running = serve("::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        assert running.base_url.startswith("http://[::1]:")
        assert httpx.get(f"{running.base_url}/_emulator/health", timeout=5).json() == {"ok": True}
    finally:
        running.stop()


# -- the command ------------------------------------------------------------------------------
@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_the_emulator_command_serves_and_stops_cleanly_on_ctrl_c_or_sigterm(tmp_path, stop):
    import os
    import signal
    import subprocess
    import sys

    database = tmp_path / "emulator.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "amp_replay_cli", "emulator", "--port", "0", "--db", str(database)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("amp-replay emulator listening on http://127.0.0.1:")
        base = first.split()[4]
        exported = [process.stdout.readline() for _ in range(3)]
        assert exported[0].strip() == f"export AMPLITUDE_SERVER_URL={base}"
        assert httpx.get(f"{base}/_emulator/health", timeout=5).json() == {"ok": True}
        process.send_signal(getattr(signal, stop))
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "stopped" in stderr and "Traceback" not in stderr
    assert database.exists()


def test_the_emulator_refuses_a_non_loopback_address_it_was_not_given_explicitly(run):
    result = run("emulator", env={"AMP_REPLAY_EMULATOR_HOST": "192.0.2.10"}, expect=2)
    assert "not a loopback address" in result.stderr and "pass --host 192.0.2.10" in result.stderr


def test_loopback_detection():
    from amp_replay_cli.emulator import is_loopback

    assert all(
        is_loopback(host) for host in ("127.0.0.1", "127.5.5.5", "::1", "localhost", "[::1]")
    )
    assert not any(is_loopback(host) for host in ("0.0.0.0", "192.0.2.10", "example.com", "::"))


@pytest.mark.parametrize("kind", ["directory", "not sqlite", "parent is a file"])
def test_an_unusable_database_is_one_clear_line(run, tmp_path, kind):
    if kind == "directory":
        db = tmp_path
    elif kind == "not sqlite":
        db = tmp_path / "corrupt.sqlite3"
        db.write_bytes(b"this is not a database file at all" * 100)
    else:
        (tmp_path / "file").write_text("x")
        db = tmp_path / "file" / "emulator.sqlite3"
    result = run("emulator", "--db", db, "--port", "0", expect=2)
    assert f"cannot use the database {db}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(("start", "end"), [("20260101", "99991231"), ("99991230", "99991231")])
def test_segmentation_clamps_far_dates_to_today(emulator, start, end):
    params = {"e": json.dumps({"event_type": "_all"}), "m": "totals", "start": start, "end": end}
    reply = emulator.client.get("/api/2/events/segmentation", params=params, auth=emulator.auth)
    assert reply.status_code == 200
    days = reply.json()["data"]["xValues"]
    assert days[-1] <= dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")


def test_idle_connections_are_closed_and_connections_are_capped():
    import socket

    from amp_replay_cli.emulator import Emulator, Project, Store
    from amp_replay_cli.emulator.server import make_server

    # Generous: the answers come in milliseconds, but a loaded CI machine may be slow to schedule.
    patience = 20
    app = Emulator(Store(), [Project("k" * 32, "s" * 32)])
    server = make_server(app)
    server.idle_timeout = 0.3
    server._slots = threading.BoundedSemaphore(2)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        idle = [socket.create_connection(server.server_address[:2]) for _ in range(3)]
        idle[2].settimeout(patience)
        assert idle[2].recv(1) == b""  # the third is over the cap: closed at once
        for connection in idle[:2]:
            connection.settimeout(patience)
            assert connection.recv(1) == b""  # half-open: closed after the idle timeout
        with socket.create_connection(server.server_address[:2]) as fresh:  # slots are free again
            fresh.sendall(b"GET /_emulator/health HTTP/1.0\r\n\r\n")
            fresh.settimeout(patience)
            assert fresh.recv(12).startswith(b"HTTP/1.")
        for connection in idle:
            connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.store.close()


def test_an_ack_lost_fault_applies_the_request_and_drops_the_answer():
    import httpx

    handle = start_emulator(faults=FaultPlan(rate=1.0, kinds=("ack-lost",)))
    try:
        with pytest.raises(httpx.TransportError):
            post_replay(handle, EVENTS)
        replays = handle.client.get("/_emulator/replays").json()["replays"]
        assert [replay["batches"] for replay in replays] == [1]  # stored, though unanswered
    finally:
        handle.close()


def test_upload_over_lost_acknowledgements_is_at_least_once(tmp_path):
    """The window the README documents: a batch applied whose answer was lost is sent again."""
    from tests.test_recordings import RECORDINGS
    from tests.test_upload import run_upload

    handle = start_emulator(faults=FaultPlan(rate=0.3, seed=7, kinds=("ack-lost",)))
    try:
        recording = RECORDINGS / "amplitude-settings-modal.json"
        report = run_upload(handle, tmp_path, [recording], max_batch_bytes=2000)
        assert report.exit_code == 0
        stored = sum(
            r["batches"] for r in handle.client.get("/_emulator/replays").json()["replays"]
        )
        assert stored >= report.summary["batches"]  # every batch at least once
        assert stored > report.summary["batches"]  # and, with lost answers, some twice
    finally:
        handle.close()
