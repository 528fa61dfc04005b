"""Inputs that used to end as exit 5 ("internal error"): each is now a finding or a one-line
input error naming the file."""

import json
import os

import pytest

from tests.test_recordings import RECORDINGS

RECORDING = RECORDINGS / "pricing-tabs.json"
SEGMENT_EVENT = {
    "type": "track",
    "event": "Clicked",
    "anonymousId": "anon-12345",
    "messageId": "m-1",
    "timestamp": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sampleRate: !!int abc\n", "'abc' is not a valid int"),
        ("sampleRate: !!float x\n", "'x' is not a valid float"),
        ("debugMode: !!bool maybe\n", "'maybe' is not a valid bool"),
    ],
)
def test_a_yaml_tag_on_text_it_cannot_hold_is_an_input_error(run, write, text, message):
    path = write("options.yaml", text)
    result = run("validate", path, expect=2)
    assert f"{path}:1:" in result.stderr and message in result.stderr


def test_a_400_digit_sample_rate_is_infinity_as_javascript_reads_it(run, write):
    path = write("options.yaml", "sampleRate: " + "9" * 400 + "\n")
    findings = json.loads(run("validate", path, "-f", "json", expect=0).stdout)["findings"]
    assert any(f["code"] == "AR104" and "Infinity" in f["message"] for f in findings)


@pytest.mark.parametrize(
    ("field", "value"), [("anonymousId", {}), ("userId", []), ("messageId", {})]
)
def test_an_id_that_is_an_object_or_a_list_is_reported_and_skipped(run, write, field, value):
    bad = {**SEGMENT_EVENT, field: value}
    path = write("events.ndjson", json.dumps(bad) + "\n" + json.dumps(SEGMENT_EVENT) + "\n")
    document = json.loads(run("diagnose", path, "-f", "json").stdout)
    assert document["summary"]["events"] == 1  # the good line is still diagnosed
    malformed = [f for f in document["findings"] if f["code"] == "AR501"]
    assert malformed[0]["line"] == 1 and f"{field} is a JSON" in malformed[0]["message"]


def test_superscript_digits_in_session_and_replay_ids_are_findings(run, write):
    event = {
        **SEGMENT_EVENT,
        "properties": {"[Amplitude] Session Replay ID": "anon-12345/²"},
        "integrations": {"Actions Amplitude": {"session_id": "²"}},
    }
    path = write("events.ndjson", json.dumps(event) + "\n")
    document = json.loads(run("diagnose", path, "-f", "json", expect=1).stdout)
    codes = {finding["code"] for finding in document["findings"]}
    assert {"SESSION_ID_BAD_FORMAT", "RPL_PROPERTY_MALFORMED"} <= codes


@pytest.mark.parametrize("command", [["diagnose"], ["upload", "--dry-run"], ["simulate"]])
def test_a_corrupt_gzip_header_is_one_line(run, write, command):
    path = write("input.json.gz", b"\x1f\x8b\x08\x04garbage")
    if command == ["simulate"]:
        command = ["simulate", "--sample-rate", "1", "--sessions-file"]
    result = run(*command, path)
    assert result.exit_code in (1, 2)
    assert "truncated or corrupt gzip data" in result.stdout + result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("command", [["diagnose"], ["upload", "--dry-run"], ["validate"]])
def test_a_symlink_loop_is_one_line(run, tmp_path, command):
    os.symlink(tmp_path / "b.json", tmp_path / "a.json")
    os.symlink(tmp_path / "a.json", tmp_path / "b.json")
    result = run(*command, tmp_path / "a.json", expect=2)
    assert "internal error" not in result.stderr and "a.json" in result.stderr


def test_a_journal_that_is_an_input_file_is_refused_and_left_untouched(run, write, monkeypatch):
    recording = write("rec.json", (RECORDING).read_text())
    before = recording.read_bytes()
    monkeypatch.setenv("AMPLITUDE_API_KEY", "0123456789abcdef0123456789abcdef")
    result = run(
        "upload", recording, "--journal", recording, "--server-url", "http://127.0.0.1:9", expect=2
    )
    assert "is not an amp-replay upload journal" in result.stderr
    assert recording.read_bytes() == before
