"""The upload journal: exclusive, written before a batch goes out, and never fooled by a file
that is not one of its own."""

import errno
import json
import os
import threading

import pytest

from amp_replay_cli.core.errors import ExitCode
from amp_replay_cli.core.replay.journal import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Journal,
    JournalError,
)
from tests.test_recordings import RECORDINGS
from tests.test_upload import run_upload

RECORDING = RECORDINGS / "amplitude-settings-modal.json"


def stored_batches(emulator) -> int:
    replays = emulator.client.get("/_emulator/replays").json()["replays"]
    return sum(replay["batches"] for replay in replays)


def planned_batches(report) -> int:
    return sum(row["batches"] for row in report.result["uploads"])


def test_two_runs_sharing_a_journal_take_turns_and_store_each_batch_once(emulator, tmp_path):
    reports = []
    runs = [
        threading.Thread(
            target=lambda: reports.append(
                run_upload(emulator, tmp_path, [RECORDING], max_batch_bytes=2000)
            )
        )
        for _ in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    planned = planned_batches(reports[0])
    assert planned > 5
    assert stored_batches(emulator) == planned
    assert sorted(report.summary["batches"] for report in reports) == [0, planned]


def test_a_second_run_waits_with_a_message_or_stops_with_no_wait(tmp_path):
    path = tmp_path / "journal.jsonl"
    first = Journal(path)
    with pytest.raises(JournalError, match="another amp-replay upload is using the journal"):
        Journal(path, wait=False)
    heard = []
    opened = threading.Event()

    def second() -> None:
        Journal(path, on_busy=heard.append).close()
        opened.set()

    waiting = threading.Thread(target=second)
    waiting.start()
    assert not opened.wait(0.3)  # still waiting for the first run
    first.close()
    waiting.join(5)
    assert opened.is_set()
    assert heard == [f"another amp-replay upload is using the journal {path}; waiting for it"]


def test_a_full_disk_stops_before_sending_keeps_the_report_and_the_rerun_sends_no_twice(
    emulator, tmp_path, monkeypatch
):
    real_pwrite, growths = os.pwrite, []

    def pwrite(fd, data, offset):
        """A disk that fills up after a few lines: writes that grow the file fail, overwrites
        of bytes already there (an acknowledgement) do not need new space."""
        if offset + len(data) > os.fstat(fd).st_size:
            growths.append(data)
            if len(growths) > 4:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    report = run_upload(emulator, tmp_path, [RECORDING], max_batch_bytes=2000, concurrency=1)
    assert report.exit_code == ExitCode.USAGE
    assert "No space left on device" in report.fatal.message
    assert "nothing more was sent" in report.fatal.hint
    sent_before_the_disk_filled = report.summary["batches"]
    assert 0 < sent_before_the_disk_filled == stored_batches(emulator)
    assert report.result["uploads"][0]["status"] == "partly sent"

    monkeypatch.setattr(os, "pwrite", real_pwrite)
    rerun = run_upload(emulator, tmp_path, [RECORDING], max_batch_bytes=2000, concurrency=1)
    assert rerun.exit_code == 0
    assert stored_batches(emulator) == planned_batches(rerun)  # nothing stored twice
    assert rerun.summary["batches_already_sent"] == sent_before_the_disk_filled


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbf" + b'{"key": "abc"}\n',  # a UTF-8 BOM in front
        b"\x00\x00\x00\x00garbage\n",
        '{"key": "abc"}\n'.encode("utf-16"),
        b"key,replay_id\nabc,device/1\n",
        os.urandom(64).replace(b"\n", b"") + b"\n",
    ],
)
def test_a_foreign_file_is_refused_not_skipped(tmp_path, content):
    path = tmp_path / "journal.jsonl"
    path.write_bytes(content)
    with pytest.raises(JournalError, match="is not an amp-replay upload journal"):
        Journal(path)
    assert path.read_bytes() == content  # left as it was


def test_devices_and_directories_are_refused_as_journals(tmp_path):
    with pytest.raises(JournalError, match="not a regular file"):
        Journal(tmp_path)
    if os.path.exists("/dev/null"):
        with pytest.raises(JournalError, match="not a regular file"):
            Journal(type(tmp_path)("/dev/null"))


def test_a_newer_format_is_refused(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION + 1}) + "\n")
    with pytest.raises(JournalError, match="newer than this amp-replay reads"):
        Journal(path)


def test_a_torn_tail_is_cut_and_in_flight_entries_are_not_delivered(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.acknowledge(journal.begin("a" * 64, "device/1", "batch 0"))
    journal.begin("b" * 64, "device/1", "batch 1")  # sent, never acknowledged: a crash
    journal.close()
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"key": "cccc')  # a line the crash cut short
    reopened = Journal(path)
    assert "a" * 64 in reopened and "b" * 64 not in reopened and "cccc" not in reopened
    assert reopened.unreadable_lines == 0
    reopened.close()
    assert path.read_bytes() == whole


def test_journals_of_earlier_releases_are_read_as_delivered(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps({"key": "d" * 64, "replay_id": "x/1", "what": "batch 0"}) + "\n")
    journal = Journal(path)
    assert "d" * 64 in journal
    journal.close()


def test_unreadable_lines_are_counted_and_reported(emulator, tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(
        json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION}) + "\n"
        "not json\n"
        '{"no": "key"}\n'
    )
    report = run_upload(emulator, tmp_path, [RECORDING])
    warning = next(finding for finding in report.findings if finding.code == "AR635")
    assert "has 2 unreadable lines" in warning.message
    assert report.exit_code == 0


def test_a_replay_keeps_the_content_it_was_first_sent_with(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    assert journal.claim("k", "d/1", "aaaa") is None
    assert journal.claim("k", "d/1", "aaaa") is None  # the same content again: resumed
    assert journal.claim("k", "d/1", "bbbb") == "aaaa"
    journal.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 2  # the header, and one record: a refused claim writes nothing
    record = json.loads(lines[1])
    assert (record["key"], record["state"], record["content"]) == ("k", "recorded", "aaaa")
    reopened = Journal(path)
    assert reopened.claim("k", "d/1", "bbbb") == "aaaa"
    assert "k" not in reopened  # a content record is no delivered batch
    reopened.close()
    in_memory = Journal(None)
    assert in_memory.claim("k", "d/1", "aaaa") is None
    assert in_memory.claim("k", "d/1", "bbbb") == "aaaa"
