"""`upload` end to end against the project's emulator: every event arrives intact, exactly once."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from freezegun import freeze_time

from amp_replay_cli.core import upload as upload_command
from amp_replay_cli.core.amplitude import Endpoints
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.replay.recordings import inspect, sent_events
from amp_replay_cli.core.replay.uploads import UploadStatus
from amp_replay_cli.core.upload import UploadSettings, upload
from amp_replay_cli.emulator import FaultPlan
from tests.conftest import REPO, start_emulator
from tests.test_recordings import RECORDINGS, T0, incremental, recording

VALID = sorted(path for path in RECORDINGS.iterdir() if path.is_file())
REAL_NOW = upload_command._now  # the conftest holds the clock at the recordings' time


def settings_for(emulator, tmp_path, **overrides):
    options = dict(
        api_key=emulator.api_key,
        endpoints=Endpoints.resolve("US", emulator.base_url),
        journal_path=tmp_path / "journal.jsonl",
    )
    options.update(overrides)
    return UploadSettings(**options)


def run_upload(emulator, tmp_path, paths, sleeps=None, **overrides):
    return upload(
        [str(path) for path in paths],
        settings_for(emulator, tmp_path, **overrides),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def read_back(emulator, replay_id):
    device, session = replay_id.split("/")
    reply = emulator.client.get(
        f"/_emulator/replays/{device}/{session}", params={"type": "replay", "unpack": "1"}
    )
    return reply.json()


def expected_events(path):
    found = inspect(Source(str(path), Path(path)))
    return [json.loads(json.loads(event.literal)) for event in sent_events(found)]


def rows(report):
    return {Path(row["file"]).name: row for row in report.result["uploads"]}


def test_the_output_schema_knows_every_status():
    from amp_replay_cli.output.schema import output_schema

    text = json.dumps(output_schema())
    assert all(f'"{status.value}"' in text for status in UploadStatus)


def test_statuses_are_the_words_of_the_report():
    assert [status.value for status in UploadStatus] == [
        "planned",
        "sending",
        "uploaded",
        "already uploaded",
        "rejected",
        "failed",
        "skipped",
        "partly skipped",
        "partly sent",
        "not sent",
    ]


def test_every_real_recording_reads_back_event_for_event(emulator, tmp_path):
    report = run_upload(emulator, tmp_path, VALID, journal_path=None)
    assert report.exit_code == 0, report.findings
    for path in VALID:
        row = rows(report)[path.name]
        assert row["status"] in ("uploaded", "already uploaded") and row["verdict"] == "accept"
    uploaded = {row["replay_id"] for row in report.result["uploads"]}
    for path in VALID:
        row = rows(report)[path.name]
        assert read_back(emulator, row["replay_id"]) == expected_events(path), path.name
    # Files that unwrap to the same events are the same replay, sent once.
    assert len(uploaded) == 6
    assert rows(report)["pricing-tabs.json.gz"]["status"] == "already uploaded"


def test_ids_come_from_the_file_then_the_options(emulator, tmp_path):
    wrapper = RECORDINGS / "signup-wizard-wrapper.json"
    document = json.loads(wrapper.read_text())
    report = run_upload(emulator, tmp_path, [wrapper])
    assert (
        rows(report)[wrapper.name]["replay_id"]
        == f"{document['device_id']}/{document['session_id']}"
    )
    report = run_upload(
        emulator, tmp_path, [wrapper], device_id="my-device-01", session_id=1795985000001
    )
    assert rows(report)[wrapper.name]["replay_id"] == "my-device-01/1795985000001"
    plain = RECORDINGS / "kanban-board.ndjson"
    first = json.loads(plain.read_text().splitlines()[0])
    assert (
        rows(run_upload(emulator, tmp_path, [plain]))[plain.name]["session_id"]
        == first["timestamp"]
    )


def test_rejected_files_send_nothing(emulator, tmp_path):
    broken = sorted((RECORDINGS / "broken").iterdir())
    report = run_upload(emulator, tmp_path, broken)
    assert report.exit_code == 1
    statuses = {name: row["status"] for name, row in rows(report).items()}
    assert statuses == {
        "duplicate-events.json": "uploaded",
        "incrementals-before-fullsnapshot.json": "uploaded",
        "empty-array.json": "rejected",
        "missing-timestamp.json": "rejected",
        "no-fullsnapshot.json": "rejected",
        "not-json.json": "rejected",
        "timestamps-in-seconds.ndjson": "rejected",
        "truncated.json": "rejected",
    }
    assert len(emulator.client.get("/_emulator/replays").json()["replays"]) == 2


def test_batches_are_cut_as_configured_and_arrive_in_order(emulator, tmp_path):
    path = RECORDINGS / "amplitude-settings-modal.json"
    report = run_upload(emulator, tmp_path, [path], max_batch_bytes=5000)
    row = rows(report)[path.name]
    assert row["batches"] == row["batches_sent"] >= 10
    assert read_back(emulator, row["replay_id"]) == expected_events(path)
    replay = emulator.client.get("/_emulator/replays").json()["replays"][0]
    assert replay["batches"] == row["batches"] and replay["wire_bytes"] == row["wire_bytes"]
    assert replay["raw_bytes"] == row["raw_bytes"]


def test_thirty_percent_faults_still_deliver_every_event_exactly_once(tmp_path):
    faulty = start_emulator(faults=FaultPlan(rate=0.3, seed=7, slow_seconds=0.01))
    try:
        sleeps = []
        report = run_upload(
            faulty, tmp_path, VALID, sleeps=sleeps, max_batch_bytes=8000, concurrency=4
        )
        assert report.exit_code == 0, (report.fatal, report.findings)
        assert report.summary["retries"] > 10 and sleeps
        for path in VALID:
            row = rows(report)[path.name]
            assert read_back(faulty, row["replay_id"]) == expected_events(path), path.name
    finally:
        faulty.close()


def test_a_rerun_sends_nothing_already_acknowledged(emulator, tmp_path):
    path = RECORDINGS / "kanban-board.ndjson"
    first = run_upload(emulator, tmp_path, [path], max_batch_bytes=4000)
    again = run_upload(emulator, tmp_path, [path], max_batch_bytes=4000)
    assert rows(again)[path.name]["status"] == "already uploaded"
    assert rows(again)[path.name]["batches_already_sent"] == rows(first)[path.name]["batches_sent"]
    assert [finding.code for finding in again.findings] == ["AR634"]
    assert read_back(emulator, rows(first)[path.name]["replay_id"]) == expected_events(path)


def test_the_journal_survives_a_line_torn_by_a_crash(emulator, tmp_path):
    path = RECORDINGS / "pricing-tabs.json"
    run_upload(emulator, tmp_path, [path], max_batch_bytes=20000)
    journal = tmp_path / "journal.jsonl"
    journal.write_text(journal.read_text() + '{"key": "abc')  # killed mid-write
    report = run_upload(emulator, tmp_path, [path], max_batch_bytes=20000)
    assert rows(report)[path.name]["status"] == "already uploaded"
    assert all(json.loads(line) for line in journal.read_text().splitlines()[:-1])


def test_waf_refusals_split_the_batch_until_it_fits(tmp_path):
    waf = start_emulator(faults=FaultPlan(rate=0.5, seed=3, kinds=("413",)))
    try:
        path = RECORDINGS / "search-autocomplete.json"
        report = run_upload(waf, tmp_path, [path])
        assert report.exit_code == 0, report.findings
        assert read_back(waf, rows(report)[path.name]["replay_id"]) == expected_events(path)
        assert rows(report)[path.name]["batches_sent"] > 1
    finally:
        waf.close()


def transport_answering(answers, seen):
    replies = iter(answers)

    def handler(request):
        seen.append(request)
        return next(replies)

    return httpx.MockTransport(handler)


def test_a_throttled_batch_is_never_sent_again_and_the_next_one_waits(tmp_path):
    """As SDK 1.51.6: a 200 with X-Session-Replay-Event-Skipped: 429 is done (Amplitude chose to
    drop it); the replay's next batch waits 60 s, and the loss is a warning."""
    seen, sleeps = [], []
    transport = transport_answering(
        [httpx.Response(200, headers={"X-Session-Replay-Event-Skipped": "429"})]
        + [httpx.Response(200)] * 10,
        seen,
    )
    settings = UploadSettings("k" * 32, Endpoints("US"), journal_path=None, max_batch_bytes=20000)
    files = [str(RECORDINGS / "pricing-tabs.json")]
    report = upload(files, settings, transport=transport, sleep=sleeps.append)
    planned = report.result["uploads"][0]["batches"]
    assert planned >= 3 and len(seen) == planned  # every batch once, the throttled one too
    assert sleeps == [60.0]  # one pause, before the batch after the throttled one
    row = report.result["uploads"][0]
    assert row["status"] == "partly skipped" and row["batches_sent"] == planned - 1
    assert row["events_skipped"] > 0
    (finding,) = report.findings
    assert finding.code == "AR633" and finding.severity.value == "warning"
    assert f"skipped {row['events_skipped']:,} event" in finding.message
    assert report.exit_code == 0
    strict = UploadSettings(
        "k" * 32, Endpoints("US"), journal_path=None, max_batch_bytes=20000, strict=True
    )
    transport = transport_answering(
        [httpx.Response(200, headers={"X-Session-Replay-Event-Skipped": "429"})]
        + [httpx.Response(200)] * 10,
        [],
    )
    assert upload(files, strict, transport=transport, sleep=lambda _: None).exit_code == 1


@pytest.mark.parametrize(
    "code, words", [("4005", "capture is disabled"), ("4004", "outside the range")]
)
def test_skipped_sessions_stop_with_an_error(tmp_path, code, words):
    seen = []
    transport = transport_answering(
        [httpx.Response(200, headers={"X-Session-Replay-Event-Skipped": code})] * 3, seen
    )
    settings = UploadSettings("k" * 32, Endpoints("US"), journal_path=None, max_batch_bytes=20000)
    report = upload(
        [str(RECORDINGS / "pricing-tabs.json")], settings, transport=transport, sleep=lambda _: None
    )
    assert report.exit_code == 1 and len(seen) == 1
    assert report.findings[0].code == "AR631" and words in report.findings[0].message
    assert report.result["uploads"][0]["status"] == "skipped"


def test_capture_disabled_in_the_emulator_is_reported(emulator, tmp_path):
    emulator.client.post("/_emulator/config", json={"capture_enabled": False})
    report = run_upload(emulator, tmp_path, [RECORDINGS / "pricing-tabs.json"])
    assert [finding.code for finding in report.findings] == ["AR631"]


def test_a_refused_batch_stops_its_replay_but_not_the_others(tmp_path):
    seen = []
    answers = [httpx.Response(400, json={"error": "bad body"}), httpx.Response(200)]
    transport = transport_answering(answers, seen)
    settings = UploadSettings("k" * 32, Endpoints("US"), journal_path=None, concurrency=1)
    files = [str(RECORDINGS / "pricing-tabs.json"), str(RECORDINGS / "kanban-board.ndjson")]
    report = upload(files, settings, transport=transport, sleep=lambda _: None)
    assert [row["status"] for row in report.result["uploads"]] == ["failed", "uploaded"]
    assert report.findings[0].code == "AR630" and "HTTP 400" in report.findings[0].message
    assert report.exit_code == 1


def test_a_wrong_key_exits_3_with_a_zone_hint(emulator, tmp_path, run):
    result = run(
        "upload",
        RECORDINGS / "pricing-tabs.json",
        "--server-url",
        emulator.base_url,
        "--no-journal",
        env={"AMPLITUDE_API_KEY": "wrong0key0000000000000000000000"},
        expect=3,
    )
    assert "Amplitude refused the API key (HTTP 401)" in result.stderr
    assert "wrong0key" not in result.stdout + result.stderr


def test_link_events_make_the_replay_linkable_once(emulator, tmp_path):
    path = RECORDINGS / "signup-wizard-wrapper.json"
    for _ in range(2):
        report = run_upload(
            emulator, tmp_path, [path], link_event="Recording Uploaded", user_id="user-12345"
        )
        assert report.exit_code == 0, report.findings
    row = rows(report)[path.name]
    assert row["linked"] is True
    events = emulator.client.get(
        "/_emulator/events", params={"event_type": "Recording Uploaded"}
    ).json()["events"]
    assert len(events) == 1
    event = events[0]
    assert event["event_properties"]["[Amplitude] Session Replay ID"] == row["replay_id"]
    assert (event["user_id"], event["device_id"], event["session_id"]) == (
        "user-12345",
        row["device_id"],
        row["session_id"],
    )
    assert row["first_timestamp"] <= event["time"] <= row["last_timestamp"]


def test_split_sessions_upload_each_part_as_its_own_replay(emulator, tmp_path, write):
    later = 86_400_000
    second = [
        {**event, "timestamp": event["timestamp"] + later} for event in recording(incremental(5))
    ]
    path = write("two.json", json.dumps(recording(incremental(5)) + second))
    report = run_upload(emulator, tmp_path, [path], split_sessions=True)
    first, other = report.result["uploads"]
    assert (
        first["device_id"] == other["device_id"]
        and other["session_id"] - first["session_id"] == later
    )
    assert (
        len(read_back(emulator, first["replay_id"]))
        == len(read_back(emulator, other["replay_id"]))
        == 3
    )


def test_recordings_with_the_same_opening_are_never_one_replay(emulator, tmp_path, write):
    """A longer re-export of the same opening is another recording: another replay id, and both
    replays hold exactly their own events."""
    short = write("short.json", json.dumps(recording(incremental(5))))
    longer = write("longer.json", json.dumps(recording(incremental(5), incremental(9))))
    run_upload(emulator, tmp_path, [short])
    report = run_upload(emulator, tmp_path, [longer])
    first, second = rows(run_upload(emulator, tmp_path, [short, longer])).values()
    assert first["session_id"] == second["session_id"]  # the same first timestamp
    assert first["replay_id"] != second["replay_id"]
    assert report.exit_code == 0 and rows(report)["longer.json"]["status"] == "uploaded"
    assert len(read_back(emulator, first["replay_id"])) == 3
    assert len(read_back(emulator, second["replay_id"])) == 4


def test_other_content_under_a_known_replay_id_is_not_appended(emulator, tmp_path, write):
    short = write("short.json", json.dumps(recording(incremental(5))))
    longer = write("longer.json", json.dumps(recording(incremental(5), incremental(9))))
    ids = dict(device_id="test-device")  # both take the session id of their first event
    assert run_upload(emulator, tmp_path, [short], **ids).exit_code == 0
    report = run_upload(emulator, tmp_path, [longer], **ids)
    row = rows(report)["longer.json"]
    assert row["status"] == "rejected" and row["batches_sent"] == 0
    (finding,) = [finding for finding in report.findings if finding.code == "AR636"]
    assert finding.severity.value == "warning" and finding.file == str(longer)
    assert finding.message.startswith(f"{row['replay_id']}: another recording was already")
    assert "--session-id" in finding.hint
    assert len(read_back(emulator, row["replay_id"])) == 3  # the first recording's, alone
    assert report.exit_code == 0
    assert run_upload(emulator, tmp_path, [longer], strict=True, **ids).exit_code == 1
    # The same file again is the same replay: resumed, not refused.
    again = run_upload(emulator, tmp_path, [short], **ids)
    assert rows(again)["short.json"]["status"] == "already uploaded"
    # In one run, without a journal file: the second file is refused all the same.
    both = run_upload(
        emulator, tmp_path, [short, longer], journal_path=None, device_id="other-device"
    )
    assert [row["status"] for row in both.result["uploads"]] == ["uploaded", "rejected"]
    # Its own session id makes it its own replay.
    own = run_upload(emulator, tmp_path, [longer], session_id=T0 + 100, **ids)
    assert rows(own)["longer.json"]["status"] == "uploaded"


def test_a_recording_older_than_amplitude_keeps_replays_is_a_warning(
    emulator, tmp_path, write, monkeypatch
):
    monkeypatch.setattr(upload_command, "_now", REAL_NOW)
    path = write("old.json", json.dumps(recording(incremental(5))))
    ended = T0 + 5
    with freeze_time(datetime.fromtimestamp(ended / 1000, timezone.utc) + timedelta(days=90)):
        report = upload([str(path)], settings_for(emulator, tmp_path, dry_run=True))
    assert [finding.code for finding in report.findings] == []
    with freeze_time(datetime.fromtimestamp(ended / 1000, timezone.utc) + timedelta(days=91)):
        report = upload([str(path)], settings_for(emulator, tmp_path, dry_run=True))
    (finding,) = report.findings
    assert (finding.code, finding.severity.value) == ("AR625", "warning")
    assert finding.message.startswith("the recording ended 91 days ago (2026-11-29): older than")
    assert "90 days Amplitude keeps replays" in finding.message
    assert rows(report)["old.json"]["verdict"] == "warn"


# -- the command line ------------------------------------------------------------------------------


def test_dry_run_checks_and_plans_without_a_key_or_a_request(run):
    result = run("upload", *VALID, "--dry-run", "-f", "json", expect=0)
    document = json.loads(result.stdout)
    assert document["status"] == "ok" and document["summary"]["replays"] == 8
    assert {row["status"] for row in document["result"]["uploads"]} == {"planned"}
    text = run("upload", *VALID, "--dry-run", expect=0)
    assert "dry run: 8 replays ready to upload from 8 of 8 files; nothing sent" in text.stderr
    assert text.stdout.splitlines()[1].startswith("planned          accept      413       1")


def test_the_text_report_has_a_line_for_each_replay(emulator, run):
    result = run(
        "upload",
        RECORDINGS / "pricing-tabs.json",
        RECORDINGS / "broken" / "not-json.json",
        "--server-url",
        emulator.base_url,
        "--no-journal",
        env={"AMPLITUDE_API_KEY": emulator.api_key},
        expect=1,
    )
    lines = result.stdout.splitlines()
    assert lines[1].startswith("uploaded         accept      165     1/1")
    assert lines[3].startswith("rejected         reject        0     0/0")  # ids on lines[2]


def test_the_json_report_matches_the_published_schema(emulator, run):
    import jsonschema

    result = run(
        "upload",
        RECORDINGS / "broken",
        "--server-url",
        emulator.base_url,
        "-f",
        "json",
        env={"AMPLITUDE_API_KEY": emulator.api_key},
        expect=1,
    )
    document = json.loads(result.stdout)
    schema = json.loads((REPO / "amp_replay_cli" / "schemas" / "output-v1.json").read_text())
    jsonschema.validate(document, schema)
    assert emulator.api_key not in result.stdout


def test_stdin_is_read_twice_through_a_spool(emulator, run):
    data = (RECORDINGS / "pricing-tabs.json.gz").read_bytes()
    result = run(
        "upload",
        "-",
        "--server-url",
        emulator.base_url,
        "-f",
        "json",
        input=data,
        env={"AMPLITUDE_API_KEY": emulator.api_key},
        expect=0,
    )
    assert json.loads(result.stdout)["result"]["uploads"][0]["events"] == 165


@pytest.mark.parametrize(
    "args, words",
    [
        (["--user-id", "u-12345"], "--user-id goes with --link-event"),
        (["--journal", "j.jsonl", "--no-journal"], "exclude each other"),
        (["--session-id", "5", "--split-sessions"], "exclude each other"),
        (["--server-zone", "moon"], "unknown server zone"),
        (["--server-url", "http://example.com"], "plain http is allowed only"),
    ],
)
def test_usage_errors_exit_2(run, args, words):
    result = run("upload", RECORDINGS / "pricing-tabs.json", *args, expect=2)
    assert words in result.stderr


def test_a_missing_key_or_file_exits_2(run):
    assert "no API key" in run("upload", RECORDINGS / "pricing-tabs.json", expect=2).stderr
    assert "no such file" in run("upload", "nowhere.json", "--dry-run", expect=2).stderr


def test_an_unwritable_journal_is_an_input_error(run, emulator, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run(
        "upload",
        RECORDINGS / "pricing-tabs.json",
        "--server-url",
        emulator.base_url,
        "--journal",
        blocker / "journal.jsonl",
        env={"AMPLITUDE_API_KEY": emulator.api_key},
        expect=2,
    )
    assert "cannot use the upload journal" in result.stderr


def delivered(journal: Path) -> int:
    """Batches the journal records as acknowledged."""
    return journal.read_text().count('"state": "delivered"')


def test_a_kill_mid_upload_resends_at_most_what_was_in_flight(tmp_path):
    """SIGKILL during an upload of many small batches; the rerun completes and duplicates nothing
    acknowledged."""
    server = start_emulator()
    try:
        path = RECORDINGS / "amplitude-settings-modal.json"
        journal = tmp_path / "journal.jsonl"
        command = [
            sys.executable,
            "-m",
            "amp_replay_cli",
            "upload",
            str(path),
            "--server-url",
            server.base_url,
            "--journal",
            str(journal),
            "--max-batch-bytes",
            "1000",
            "--concurrency",
            "1",
            "-q",
        ]
        # SIGKILL leaves the process's scratch directory behind: in tmp_path, not in /tmp.
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        environment = {
            **os.environ,
            "AMPLITUDE_API_KEY": server.api_key,
            "TMPDIR": str(scratch),
        }
        process = subprocess.Popen(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if journal.exists() and delivered(journal) >= 20:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        process.wait()
        assert process.returncode == -signal.SIGKILL  # killed mid-upload, not finished first
        assert [path.name for path in scratch.iterdir()]  # the kill left its scratch there
        acknowledged = delivered(journal)
        assert acknowledged >= 20
        assert subprocess.run(command, env=environment, stdout=subprocess.DEVNULL).returncode == 0
        batches = server.client.get("/_emulator/replays").json()["replays"][0]["batches"]
        planned = inspect(Source(str(path), path), max_batch_bytes=1000).parts[0].batches
        assert planned <= batches <= planned + 1  # at most the one batch in flight was sent twice
        assert delivered(journal) == planned >= acknowledged
        events = read_back(
            server, server.client.get("/_emulator/replays").json()["replays"][0]["replay_id"]
        )
        expected = expected_events(path)
        assert [
            event for index, event in enumerate(events) if event not in events[:index]
        ] == expected
    finally:
        server.close()


class CountingProgress:
    def __init__(self):
        self.checked, self.totals, self.bytes, self.batches = [], None, 0, 0

    def checking(self, name):
        self.checked.append(Path(name).name)

    def start(self, total_bytes, total_batches):
        self.totals = (total_bytes, total_batches)

    def advance(self, raw_bytes, batches):
        self.bytes += raw_bytes
        self.batches += batches


def test_progress_reports_every_file_byte_and_batch(emulator, tmp_path):
    progress = CountingProgress()
    files = [RECORDINGS / "amplitude-settings-modal.json", RECORDINGS / "kanban-board.ndjson"]
    report = upload(
        [str(path) for path in files],
        settings_for(emulator, tmp_path, max_batch_bytes=20000),
        progress=progress,
        sleep=lambda _: None,
    )
    assert progress.checked == [path.name for path in files]
    assert (
        progress.totals
        == (report.summary["raw_bytes"], report.summary["batches"])
        == (progress.bytes, progress.batches)
    )


def test_the_progress_bar_moves_from_checking_to_uploading():
    from amp_replay_cli.cli.progress import TransferProgress

    with TransferProgress() as progress:
        progress.checking("a.json")
        progress.checking("b.json")
        bar = progress._progress
        assert [task.description for task in bar.tasks] == ["checking b.json"]
        progress.start(100, 2)
        progress.advance(60, 1)
        progress.advance(40, 1)
        (task,) = bar.tasks
        assert (task.description, task.completed, task.total, task.fields["batches"]) == (
            "uploading",
            100,
            100,
            "2/2 batches",
        )


def test_an_interrupt_keeps_what_was_delivered_in_the_report_and_the_journal(tmp_path):
    seen = []

    def handler(request):
        seen.append(request)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return httpx.Response(200)

    settings = UploadSettings(
        "k" * 32, Endpoints("US"), journal_path=tmp_path / "journal.jsonl", concurrency=1
    )
    files = [str(RECORDINGS / "pricing-tabs.json"), str(RECORDINGS / "kanban-board.ndjson")]
    report = upload(files, settings, transport=httpx.MockTransport(handler), sleep=lambda _: None)
    assert report.exit_code == 130 and "run the same command again" in report.fatal.hint
    assert [row["status"] for row in report.result["uploads"]] == ["uploaded", "not sent"]
    assert delivered(tmp_path / "journal.jsonl") == 1


def test_each_batch_is_compressed_once_while_the_file_is_read(emulator, tmp_path, monkeypatch):
    """The delivery engine sends the bodies compressed during the check: none on the spot."""
    from amp_replay_cli.core.replay import track

    on_the_spot = []
    monkeypatch.setattr(track, "gzip_body", lambda raw: on_the_spot.append(raw) or b"")
    path = RECORDINGS / "amplitude-settings-modal.json"
    report = run_upload(emulator, tmp_path, [path], max_batch_bytes=20000)
    assert report.exit_code == 0, report.findings
    assert rows(report)[path.name]["batches_sent"] > 3 and on_the_spot == []
    assert read_back(emulator, rows(report)[path.name]["replay_id"]) == expected_events(path)
