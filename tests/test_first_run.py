"""What a first user trips on: a dead endpoint, a forgotten replay, a Ctrl-C, units."""

import socket
from types import SimpleNamespace

import httpx
import pytest

from amp_replay_cli.cli import upload as cli_upload
from amp_replay_cli.cli.progress import _Speed
from amp_replay_cli.core.amplitude import Client, Endpoints, RetryBudget, RetryPolicy
from amp_replay_cli.core.replay.journal import Journal, delivered_on
from amp_replay_cli.core.upload import UploadSettings, upload
from amp_replay_cli.core.wording import format_percent
from tests.test_recordings import RECORDINGS

RECORDING = RECORDINGS / "pricing-tabs.json"


def _refusing(error):
    seen = []

    def handler(request):
        seen.append(request)
        raise error("refused", request=request)

    return httpx.MockTransport(handler), seen


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout])
def test_a_server_that_is_not_there_fails_after_three_quick_tries(tmp_path, error):
    transport, seen = _refusing(error)
    sleeps = []
    settings = UploadSettings("k" * 32, Endpoints("US"), journal_path=tmp_path / "journal.jsonl")
    report = upload([str(RECORDING)], settings, transport=transport, sleep=sleeps.append)
    assert report.exit_code == 4
    assert "after 3 attempts" in report.fatal.message
    assert len(seen) == 3 and sum(sleeps) < 3  # not the minute of backoff a busy server gets


def test_a_busy_server_still_gets_every_retry(tmp_path):
    answers = []

    def handler(request):
        answers.append(request)
        return httpx.Response(503)

    sleeps = []
    policy = RetryPolicy(max_attempts=5)
    settings = UploadSettings("k" * 32, Endpoints("US"), journal_path=None, policy=policy)
    report = upload(
        [str(RECORDING)], settings, transport=httpx.MockTransport(handler), sleep=sleeps.append
    )
    assert report.exit_code == 4 and len(answers) == 5 and len(sleeps) == 4


def test_timeout_bounds_the_request_and_the_connection():
    client = Client(Endpoints("US"), RetryBudget(1), RetryPolicy(timeout=2.0))
    try:
        timeout = client._http.timeout
        assert (timeout.read, timeout.connect) == (2.0, 2.0)
    finally:
        client.close()
    client = Client(Endpoints("US"), RetryBudget(1), RetryPolicy())
    try:
        assert client._http.timeout.connect == RetryPolicy.connect_timeout
    finally:
        client.close()


def test_retries_zero_gives_up_on_a_closed_port_at_once(run):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(
        "upload",
        RECORDING,
        "--no-journal",
        "--retries",
        "0",
        "--timeout",
        "5",
        "--server-url",
        f"http://127.0.0.1:{port}",
        env={"AMPLITUDE_API_KEY": "k" * 32},
        expect=4,
    )
    assert "cannot connect (after 1 attempt)" in result.stderr


def test_the_command_line_defaults_are_the_retry_policy():
    assert RetryPolicy.timeout == cli_upload.DEFAULT_TIMEOUT
    assert RetryPolicy.max_attempts - 1 == cli_upload.DEFAULT_RETRIES


def test_a_replay_the_journal_remembers_is_not_counted_as_uploaded(emulator, tmp_path):
    """An emulator restarted without its database forgot the replay; the journal did not."""
    settings = UploadSettings(
        emulator.api_key,
        Endpoints.resolve("US", emulator.base_url),
        journal_path=tmp_path / "journal.jsonl",
    )
    first = upload([str(RECORDING)], settings)
    assert first.summary["uploaded"] == 1
    emulator.client.post("/_emulator/reset")
    again = upload([str(RECORDING)], settings)
    assert again.exit_code == 0
    assert (again.summary["uploaded"], again.summary["already_uploaded"]) == (0, 1)
    assert again.headline.startswith("0 of 1 replay uploaded; 1 already delivered on 20")
    assert again.headline.endswith("UTC (journal); --no-journal to send again")
    (finding,) = again.findings
    assert finding.code == "AR634" and " already delivered on 20" in finding.message
    assert finding.hint.startswith("--no-journal to send again")
    assert emulator.client.get("/_emulator/replays").json()["replays"] == []


def test_an_identical_file_in_a_run_without_journal_is_sent_once(emulator, tmp_path):
    twin = tmp_path / "twin.json"
    twin.write_bytes(RECORDING.read_bytes())
    settings = UploadSettings(
        emulator.api_key, Endpoints.resolve("US", emulator.base_url), journal_path=None
    )
    report = upload([str(RECORDING), str(twin)], settings)
    assert report.summary["already_uploaded"] == 1
    assert "1 identical to another replay of this run, sent once" in report.headline
    assert "by this run (an identical file)" in report.findings[0].message
    assert report.findings[0].hint is None


def test_the_journal_says_when_it_delivered(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    pending = journal.begin("key", "device/1", "batch 0")
    journal.acknowledge(pending)
    journal.close()
    again = Journal(tmp_path / "journal.jsonl")
    try:
        assert again.delivered_at("key") == pending.at
        assert delivered_on("2026-12-03T13:02:03+00:00") == "2026-12-03 13:02 UTC"
    finally:
        again.close()


@pytest.mark.parametrize(
    ("journal", "expected", "absent"),
    [
        (True, "journal and will not be sent twice", "--no-journal"),
        (False, "a rerun sends everything again", "will not be sent twice"),
    ],
)
def test_the_hint_after_ctrl_c_matches_the_journal(tmp_path, journal, expected, absent):
    def handler(request):
        raise KeyboardInterrupt

    settings = UploadSettings(
        "k" * 32, Endpoints("US"), journal_path=tmp_path / "j.jsonl" if journal else None
    )
    report = upload(
        [str(RECORDING)], settings, transport=httpx.MockTransport(handler), sleep=lambda _: None
    )
    assert report.exit_code == 130
    assert expected in report.fatal.hint and absent not in report.fatal.hint


def test_simulate_warns_of_a_sample_rate_above_one_as_validate_does(run):
    result = run("simulate", "--sample-rate", "5", "--session-id", "1767225600123", expect=0)
    assert "warning AR104 the sample rate 5 is above 1 and behaves like 1" in result.stdout


def test_simulate_shows_every_percentage_alike(run):
    result = run("simulate", "--sample-rate", "0.5", "--generate", "4", expect=0)
    assert ".0000%" not in result.stdout + result.stderr
    assert "(50% of buckets)" in result.stdout


@pytest.mark.parametrize(
    ("share", "text"),
    [(1.0, "100%"), (0.5, "50%"), (1 / 3, "33.3333%"), (0.000001, "0.0001%"), (0.0, "0%")],
)
def test_percentages_keep_the_sampling_step_and_drop_trailing_zeros(share, text):
    assert format_percent(share) == text


def test_the_upload_speed_is_in_the_units_of_the_sizes():
    column = _Speed()
    assert column.render(SimpleNamespace(finished_speed=None, speed=2048.0)).plain == "2 KiB/s"
    assert column.render(SimpleNamespace(finished_speed=None, speed=None)).plain == ""


LONG_DEVICE = "c2d9f1e0-7a4b-4c8e-b1d3-0f6e5a4b3c2d-with-a-long-suffix"
LONG_REPLAY = f"{LONG_DEVICE}/1796302923237"
LONG_FILE = "/a/very/long/path/to/the/recordings/of/the/pricing/page/session-42.json"


def _text(command, result, verbosity):
    from amp_replay_cli.core.findings import Report
    from amp_replay_cli.output import OutputSettings
    from amp_replay_cli.output.text import render_text

    report = Report(command=command, result=result)
    return "".join(render_text(report, OutputSettings(verbosity=verbosity)))


TABLES = {
    "upload": {
        "uploads": [
            {
                "file": LONG_FILE,
                "verdict": "accept",
                "status": "already uploaded",
                "replay_id": LONG_REPLAY,
                "events": 165,
                "batches": 12,
                "batches_sent": 12,
                "raw_bytes": 1_000_000,
                "wire_bytes": 100_000,
                "retries": 3,
            }
        ]
    },
    "check": {
        "replays": [
            {
                "event_time": "2026-12-03 13:02:03.237000",
                "linked": True,
                "linked_events": 3,
                "replay_id": LONG_REPLAY,
                "user_id": "a-user-id-that-is-rather-long-too",
            }
        ]
    },
    "diagnose": {
        "sessions": [
            {
                "device_id": LONG_DEVICE,
                "session_id": 1741176000412,
                "events": 6,
                "events_with_replay_id": 6,
                "linked": True,
                "codes": ["RPL_DEVICE_SWITCH_IN_SESSION", "RPL_DEVICE_IS_USERID", "RPL_ORPHANED"],
                "user_ids": ["usr_4c81e2b9"],
                "worst": "error",
            }
        ]
    },
}


@pytest.mark.parametrize("command", sorted(TABLES))
def test_text_tables_fit_80_columns_and_show_ids_whole_with_v(command):
    text = _text(command, TABLES[command], verbosity=1)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert "…" in text  # cut in the middle: both ends stay
    assert ("1741176000412" if command == "diagnose" else "1796302923237") in text
    whole = _text(command, TABLES[command], verbosity=2)
    assert LONG_DEVICE in whole


def test_a_middle_cut_keeps_both_ends():
    from amp_replay_cli.output.views import middle

    assert middle("abcdefghij", 5) == "ab…ij"
    assert middle("abc", 5) == "abc"
    assert middle("abcdef", None) == "abcdef"
    assert middle("abcdef", 1) == "…"


def test_simulate_cuts_a_long_session_id_in_the_middle(run):
    session = '"web-session-0123456789-abcdefghij-end"'
    result = run("simulate", "--sample-rate", "0.5", "--session-id", session, expect=0)
    assert "web-session…cdefghij-end" in result.stdout
    assert "expected 0.5 (50%)" in result.stderr  # as the text above it says, not "0"
