"""`check` against the emulator (upload, then find)
and against scripted replies for what it cannot stage."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from freezegun import freeze_time

from amp_replay_cli.core.amplitude import Endpoints
from amp_replay_cli.core.check import CheckSettings, check
from amp_replay_cli.core.upload import UploadSettings, upload
from tests.test_recordings import RECORDINGS

WRAPPER = RECORDINGS / "signup-wizard-wrapper.json"
DOCUMENT = json.loads(WRAPPER.read_text())
DEVICE, SESSION = DOCUMENT["device_id"], DOCUMENT["session_id"]
REPLAY_ID = f"{DEVICE}/{SESSION}"
RECORDED = dt.datetime.fromtimestamp(DOCUMENT["events"][0]["timestamp"] / 1000, dt.timezone.utc)


def uploaded(emulator, tmp_path, **options):
    settings = UploadSettings(
        emulator.api_key, Endpoints.resolve("US", emulator.base_url), journal_path=None, **options
    )
    report = upload([str(WRAPPER)], settings, sleep=lambda _: None)
    assert report.exit_code == 0, report.findings


def settings_for(emulator, **options):
    options.setdefault("start", RECORDED - dt.timedelta(days=1))
    options.setdefault("end", RECORDED + dt.timedelta(days=1))
    return CheckSettings(
        emulator.api_key, emulator.secret_key, Endpoints.resolve("US", emulator.base_url), **options
    )


def codes(report):
    return [finding.code for finding in report.findings]


def test_an_uploaded_replay_is_found_by_user_device_and_session(emulator, tmp_path):
    uploaded(emulator, tmp_path, link_event="Recording Uploaded", user_id="user-12345")
    for query in (
        {"user_id": "user-12345"},
        {"device_id": DEVICE},
        {"device_id": DEVICE, "session_id": SESSION},
    ):
        report = check(settings_for(emulator, **query))
        assert report.exit_code == 0, (query, report.findings)
        (replay,) = report.result["replays"]
        assert (replay["replay_id"], replay["device_id"], replay["session_id"]) == (
            REPLAY_ID,
            DEVICE,
            str(SESSION),
        )
        assert replay["linked"] is True and replay["linked_events"] == 1
    by_user = check(settings_for(emulator, user_id="user-12345")).result["replays"][0]
    assert by_user["user_id"] == "user-12345" and by_user["event_time"].startswith(
        f"{RECORDED:%Y-%m-%d %H:%M}"
    )


def test_another_user_device_or_session_finds_nothing(emulator, tmp_path):
    uploaded(emulator, tmp_path, link_event="Recording Uploaded", user_id="user-12345")
    assert codes(check(settings_for(emulator, user_id="user-99999"))) == ["AR702"]
    # A prefix is not a match.
    assert codes(check(settings_for(emulator, user_id="user-1234"))) == ["AR702"]
    other_device = check(settings_for(emulator, device_id=DEVICE[:-1] + "0"))
    assert other_device.exit_code == 1 and codes(other_device) == ["AR701"]
    assert codes(check(settings_for(emulator, device_id=DEVICE, session_id=SESSION + 1))) == [
        "AR701"
    ]


def test_a_session_whose_events_lack_the_replay_id_is_not_linked(emulator, tmp_path):
    event = {
        "event_type": "Page Viewed",
        "user_id": "user-12345",
        "device_id": DEVICE,
        "session_id": SESSION,
        "time": DOCUMENT["events"][5]["timestamp"],
        "insert_id": "page-1",
    }
    assert (
        emulator.client.post(
            "/2/httpapi", json={"api_key": emulator.api_key, "events": [event]}
        ).status_code
        == 200
    )
    uploaded(emulator, tmp_path)
    report = check(settings_for(emulator, user_id="user-12345"))
    assert report.exit_code == 0 and codes(report) == ["AR703"]
    replay = report.result["replays"][0]
    assert (replay["linked"], replay["session_events"], replay["linked_events"]) == (False, 1, 0)


def test_the_time_window_follows_the_clock(emulator, tmp_path):
    uploaded(emulator, tmp_path, link_event="Recording Uploaded", user_id="user-12345")
    base = CheckSettings(
        emulator.api_key,
        emulator.secret_key,
        Endpoints.resolve("US", emulator.base_url),
        user_id="user-12345",
    )
    with freeze_time(RECORDED + dt.timedelta(days=10)):
        assert check(base).exit_code == 1  # 7 days back from now: too late
        found = check(CheckSettings(**{**base.__dict__, "since": dt.timedelta(days=14)}))
        assert found.exit_code == 0
        assert found.result["query"]["start"] == (RECORDED - dt.timedelta(days=4)).isoformat()


def test_wait_returns_as_soon_as_the_replay_appears(emulator, tmp_path):
    moments, slept, waits = [0.0], [], []

    def sleep(seconds):
        slept.append(seconds)
        moments[0] += seconds
        if len(slept) == 2:
            uploaded(emulator, tmp_path)  # the replay arrives during the second pause

    report = check(
        settings_for(emulator, device_id=DEVICE, wait=300, interval=20),
        sleep=sleep,
        clock=lambda: moments[0],
        on_wait=lambda attempt, left, interval: waits.append((attempt, left, interval)),
    )
    assert report.exit_code == 0 and report.result["attempts"] == 3
    assert slept == [20, 20] and waits == [(1, 300, 20), (2, 280, 20)]


def test_polls_stay_inside_amplitudes_360_queries_an_hour(emulator):
    """A poll by user makes one usersearch query: it waits at least 10 s, whatever --interval."""
    moments, slept, waits = [0.0], [], []

    def sleep(seconds):
        slept.append(seconds)
        moments[0] += seconds

    report = check(
        settings_for(emulator, user_id="nobody-yet", wait=35, interval=1),
        sleep=sleep,
        clock=lambda: moments[0],
        on_wait=lambda attempt, left, interval: waits.append(interval),
    )
    assert report.exit_code == 1
    assert slept == [10.0, 10.0, 10.0] and waits == [10.0, 10.0, 10.0]


def test_wait_gives_up_at_the_deadline(emulator):
    moments, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        moments[0] += seconds

    report = check(
        settings_for(emulator, device_id=DEVICE, wait=60, interval=25),
        sleep=sleep,
        clock=lambda: moments[0],
    )
    assert report.exit_code == 1 and report.result["attempts"] == 3 and slept == [25, 25]
    assert "after 3 attempts over 60 s" in report.findings[0].message


def scripted(routes):
    """A transport answering GETs by (host, path) from `routes`,
    which may be callables of the query."""
    seen = []

    def handler(request):
        seen.append(request)
        answer = routes[(request.url.host, request.url.path)]
        query = {
            key: values[0] for key, values in parse_qs(urlsplit(str(request.url)).query).items()
        }
        status, body = answer(query) if callable(answer) else answer
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler), seen


def zone_settings(zone="US", **options):
    return CheckSettings("k" * 32, "s" * 32, Endpoints.resolve(zone, None), **options)


def test_keys_of_the_other_zone_are_recognised_in_one_try():
    transport, seen = scripted(
        {
            ("amplitude.com", "/api/2/usersearch"): (401, {"error": "Invalid API key"}),
            ("analytics.eu.amplitude.com", "/api/2/usersearch"): (
                200,
                {"type": "nomatch", "matches": []},
            ),
        }
    )
    from amp_replay_cli.core.errors import AuthError

    fatal = check(zone_settings(user_id="u-12345"), transport=transport).fatal
    assert isinstance(fatal, AuthError)
    assert fatal.message == "the keys belong to a project in zone EU, not US"
    assert fatal.hint is not None and fatal.hint.startswith("add --server-zone EU")
    assert len(seen) == 2 and all("k" * 32 not in str(request.url) for request in seen)


def test_keys_that_work_nowhere_get_the_zone_hint():
    transport, _ = scripted(
        {
            ("analytics.eu.amplitude.com", "/api/2/usersearch"): (403, {}),
            ("amplitude.com", "/api/2/usersearch"): (403, {}),
        }
    )
    from amp_replay_cli.core.errors import AuthError

    fatal = check(zone_settings("EU", user_id="u-12345"), transport=transport).fatal
    assert isinstance(fatal, AuthError) and fatal.hint is not None
    assert "(HTTP 403) at zone EU" in fatal.message
    assert "AMPLITUDE_API_KEY and AMPLITUDE_SECRET_KEY belong to a project in zone EU" in fatal.hint


def activity_event(moment, event_type="Page Viewed", session=1, **properties):
    return {
        "event_type": event_type,
        "event_time": f"{moment:%Y-%m-%d %H:%M:%S.%f}",
        "session_id": session,
        "uuid": f"{event_type}-{moment.timestamp()}",
        "event_properties": properties,
        "user_id": "u-12345",
    }


def test_user_activity_is_paged_until_the_window_is_covered():
    end = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
    events = [activity_event(end - dt.timedelta(minutes=index)) for index in range(2500)]
    events[1200] = activity_event(
        end - dt.timedelta(minutes=1200),
        "[Amplitude] Replay Captured",
        session=7,
        **{"[Amplitude] Session Replay ID": "dev-1/7"},
    )
    offsets = []

    def page(query):
        offsets.append(int(query["offset"]))
        start = int(query["offset"])
        return 200, {"events": events[start : start + int(query["limit"])]}

    transport, _ = scripted(
        {
            ("amplitude.com", "/api/2/usersearch"): (
                200,
                {
                    "type": "match_user_or_device_id",
                    "matches": [
                        {"user_id": "u-12345", "amplitude_id": 1},
                        {"user_id": "u-123456", "amplitude_id": 2},
                    ],
                },
            ),
            ("amplitude.com", "/api/2/useractivity"): page,
        }
    )
    report = check(
        zone_settings(user_id="u-12345", start=end - dt.timedelta(days=1), end=end),
        transport=transport,
    )
    assert offsets == [0, 1000]  # the second page reaches past the window's start
    assert [replay["replay_id"] for replay in report.result["replays"]] == ["dev-1/7"]
    assert report.result["replays"][0]["linked"] is None  # no analytics event in session 7


def test_several_users_with_the_id_are_all_checked_and_a_long_history_is_flagged(monkeypatch):
    monkeypatch.setattr("amp_replay_cli.core.check.MAX_ACTIVITY_PAGES", 2)
    end = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
    busy = [activity_event(end - dt.timedelta(seconds=index)) for index in range(3000)]
    transport, seen = scripted(
        {
            ("amplitude.com", "/api/2/usersearch"): (
                200,
                {
                    "type": "match_user_or_device_id",
                    "matches": [
                        {"user_id": "u-12345", "amplitude_id": 1},
                        {"user_id": "u-12345", "amplitude_id": 2},
                    ],
                },
            ),
            ("amplitude.com", "/api/2/useractivity"): lambda query: (
                200,
                {"events": busy[int(query["offset"]) :][:1000]},
            ),
        }
    )
    report = check(
        zone_settings(user_id="u-12345", start=end - dt.timedelta(days=3), end=end),
        transport=transport,
    )
    assert codes(report) == ["AR704", "AR705", "AR701"]
    users = {
        parse_qs(request.url.query.decode())["user"][0]
        for request in seen
        if "useractivity" in str(request.url)
    }
    assert users == {"1", "2"}


def test_a_segmentation_reply_is_read_as_far_as_its_lists_go():
    """Amplitude's reply is not ours: fewer series than labels, or fewer counts than days,
    still give the replays it does describe, and no crash."""

    def segmentation(query):
        if "group_by" not in json.loads(query["e"]):  # the count of events carrying a replay id
            return 200, {"data": {"series": [[1]], "seriesCollapsed": [[{"value": 1}]]}}
        return 200, {
            "data": {
                "seriesLabels": ["dev-1/7", "dev-1/8"],
                "series": [[0, 2]],
                "xValues": ["2026-11-27", "2026-11-28", "2026-11-29"],
            }
        }

    transport, _ = scripted({("amplitude.com", "/api/2/events/segmentation"): segmentation})
    end = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
    report = check(
        zone_settings(device_id="dev-1", start=end - dt.timedelta(days=2), end=end),
        transport=transport,
    )
    [replay] = report.result["replays"]
    assert (replay["replay_id"], replay["session_id"], replay["event_time"]) == (
        "dev-1/7",
        "7",
        "2026-11-28",
    )


def test_labels_may_be_index_pairs_and_linked_events_are_summed_from_series():
    """seriesLabels come as strings or as [index, label] pairs; seriesCollapsed counts unique
    users, so the events carrying the replay id are the sum of `series`."""

    def segmentation(query):
        if "group_by" not in json.loads(query["e"]):
            return 200, {"data": {"series": [[3, 4]], "seriesCollapsed": [[{"value": 1}]]}}
        return 200, {
            "data": {
                "seriesLabels": [[0, "dev-1/7"]],
                "series": [[1, 0]],
                "xValues": ["2026-11-28", "2026-11-29"],
            }
        }

    transport, _ = scripted({("amplitude.com", "/api/2/events/segmentation"): segmentation})
    end = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
    report = check(
        zone_settings(device_id="dev-1", start=end - dt.timedelta(days=1), end=end),
        transport=transport,
    )
    [replay] = report.result["replays"]
    assert replay["replay_id"] == "dev-1/7"
    assert replay["linked_events"] == 6  # 3 + 4 events, less the Replay Captured event itself


# -- the command line -------------------------------------------------------------------------


def keys(emulator):
    return {
        "AMPLITUDE_API_KEY": emulator.api_key,
        "AMPLITUDE_SECRET_KEY": emulator.secret_key,
        "AMPLITUDE_SERVER_URL": emulator.base_url,
    }


def test_the_command_finds_and_reports_replays(emulator, tmp_path, run):
    uploaded(emulator, tmp_path, link_event="Recording Uploaded", user_id="user-12345")
    window = ["--start", f"{RECORDED:%Y-%m-%d}", "--end", f"{RECORDED:%Y-%m-%d}"]
    result = run("check", "--user-id", "user-12345", *window, "-v", env=keys(emulator), expect=0)
    [row] = [line for line in result.stdout.splitlines() if REPLAY_ID in line]  # -v: ids whole
    # event time (two words), linked, events carrying the id, replay id, user
    assert row.split()[2:] == ["linked", "1", REPLAY_ID, "user-12345"]
    assert "found 1 replay for user 'user-12345'" in result.stderr
    document = json.loads(
        run(
            "check", "--device-id", DEVICE, *window, "-f", "json", env=keys(emulator), expect=0
        ).stdout
    )
    assert document["summary"] == {"replays": 1, "linked": 1, "not_linked": 0, "attempts": 1}
    assert emulator.secret_key not in json.dumps(document)
    missing = run("check", "--user-id", "nobody-at-all", *window, env=keys(emulator), expect=1)
    assert "error AR702 Amplitude has no user with user_id 'nobody-at-all'" in missing.stdout


def test_a_wrong_secret_exits_3_with_a_hint(emulator, run):
    result = run(
        "check",
        "--user-id",
        "user-12345",
        env={**keys(emulator), "AMPLITUDE_SECRET_KEY": "wrong-secret"},
        expect=3,
    )
    assert "Amplitude refused the API key and secret key (HTTP 401)" in result.stderr
    assert (
        "hint: check AMPLITUDE_API_KEY and AMPLITUDE_SECRET_KEY belong to a project"
        in result.stderr
    )
    assert "wrong-secret" not in result.stdout + result.stderr


def test_the_secret_can_come_from_a_file_or_stdin(emulator, tmp_path, run):
    secret = tmp_path / "secret"
    secret.write_text(emulator.secret_key + "\n")
    environment = {**keys(emulator), "AMPLITUDE_SECRET_KEY": ""}
    run("check", "--device-id", DEVICE, "--secret-key-file", secret, env=environment, expect=1)
    run(
        "check",
        "--device-id",
        DEVICE,
        "--secret-key-file",
        "-",
        input=emulator.secret_key,
        env=environment,
        expect=1,
    )


@pytest.mark.parametrize(
    "args, words",
    [
        ([], "give --user-id or --device-id"),
        (["--user-id", "u", "--device-id", "d"], "give --user-id or --device-id"),
        (["--user-id", "u-12345", "--session-id", "5"], "--session-id goes with --device-id"),
        (["--device-id", "d-12345", "--start", "yesterday"], "is not a date"),
        (
            ["--device-id", "d-12345", "--start", "2026-11-29", "--end", "2026-11-01"],
            "--end is before --start",
        ),
        (["--device-id", "d-12345", "--wait", "soon"], "is not a duration"),
        (
            ["--device-id", "d-12345", "--secret-key-file", "/nonexistent/secret"],
            "cannot read the secret key file",
        ),
    ],
)
def test_usage_errors_exit_2(run, args, words):
    environment = {
        "AMPLITUDE_API_KEY": "k" * 32,
        "AMPLITUDE_SECRET_KEY": "s" * 32,
        "AMPLITUDE_SERVER_URL": "http://127.0.0.1:9",
    }
    assert words in run("check", *args, env=environment, expect=2).stderr


def test_missing_keys_exit_2(run):
    assert "no API key" in run("check", "--device-id", "d-12345", expect=2).stderr
    assert (
        "no secret key"
        in run(
            "check", "--device-id", "d-12345", env={"AMPLITUDE_API_KEY": "k" * 32}, expect=2
        ).stderr
    )
