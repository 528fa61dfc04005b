"""`amp-replay demo`: every command in turn, offline, on the bundled examples."""

import gzip
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from amp_replay_cli.cli import demo as cli_demo
from amp_replay_cli.core import demo

STEPS = ("validate", "simulate", "upload", "check", "diagnose")
AMP_REPLAY = Path(sys.executable).parent / ("amp-replay.exe" if os.name == "nt" else "amp-replay")


@pytest.fixture
def empty_cwd(tmp_path, monkeypatch):
    directory = tmp_path / "empty"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def _envelopes(text):
    decoder, envelopes, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        envelope, index = decoder.raw_decode(text, index)
        envelopes.append(envelope)
    return envelopes


def test_the_demo_runs_every_step_and_leaves_no_file(run, empty_cwd, tmp_path):
    result = run("demo", expect=0)
    for number, name in enumerate(STEPS, 1):
        assert f"== {number}/5 {name}: " in result.stdout
    assert "$ amp-replay validate " in result.stdout
    assert "error AR140" in result.stdout and "warning AR103" in result.stdout
    assert "$ amp-replay simulate explain " in result.stdout
    assert "1 of 1 replay uploaded" in result.stdout
    assert "found 1 replay for user 'demo-user-42'" in result.stdout
    assert " linked " in result.stdout
    assert "error RPL_DEVICE_IS_USERID" in result.stdout
    assert "hint: keep the replay device id equal to the anonymousId" in result.stdout
    assert list(empty_cwd.iterdir()) == []
    assert not (tmp_path / "cache").exists()  # no journal, no database in the user cache
    directory = result.stdout.split("example files in ")[1].split(".\n")[0]
    assert not (tmp_path / directory).exists()


def test_the_demo_reads_no_amplitude_variable(run, empty_cwd):
    """Credentials and a server of the user's own would send the demo's data elsewhere."""
    environment = {
        "AMPLITUDE_SERVER_URL": "http://127.0.0.1:9",
        "AMPLITUDE_API_KEY": "a" * 32,
        "AMPLITUDE_SECRET_KEY": "b" * 32,
        "AMPLITUDE_SERVER_ZONE": "EU",
    }
    result = run("demo", env=environment, expect=0)
    assert "127.0.0.1:9/" not in result.stdout


def test_the_demo_connects_to_loopback_only(run, empty_cwd, monkeypatch):
    peers = []
    connect = socket.socket.connect

    def recording(self, address):
        peers.append(address[0])
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    run("demo", expect=0)
    assert peers
    assert all(ipaddress.ip_address(peer).is_loopback for peer in peers), peers


def test_json_gives_one_envelope_per_command(run, empty_cwd):
    result = run("demo", "-f", "json", expect=0)
    envelopes = _envelopes(result.stdout)
    assert [envelope["command"] for envelope in envelopes] == [
        "validate",
        "simulate",
        "simulate explain",
        "upload",
        "check",
        "diagnose",
    ]
    assert [envelope["status"] for envelope in envelopes] == [
        "findings",
        "ok",
        "ok",
        "ok",
        "ok",
        "findings",
    ]
    assert envelopes[4]["summary"]["replays"] == 1


def test_keep_prints_the_exports_and_serves_until_ctrl_c(run, empty_cwd, monkeypatch):
    served = []

    def interrupted():
        served.append(True)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_demo, "wait_forever", interrupted)
    result = run("demo", "--keep", expect=0)
    assert served
    tail = result.stdout.split("until Ctrl-C")[1]
    assert "export AMPLITUDE_SERVER_URL=http://127.0.0.1:" in tail
    assert "export AMPLITUDE_SECRET_KEY=" in tail
    assert "stopped" in tail


def test_a_step_that_goes_wrong_is_a_bug(run, empty_cwd, monkeypatch):
    monkeypatch.setattr(demo, "USER_ID", "x")  # too short: Amplitude refuses the link event
    result = run("demo", expect=5)
    assert "a step did not end as it should" in result.stderr
    assert "upload" in result.stderr


def test_the_recording_is_moved_to_now_keeping_its_pace():
    events = [{"type": 4, "timestamp": 1000}, {"type": 2, "timestamp": 1500, "data": {}}]
    moved = demo.moved_to(events, 2_000_000)
    assert [event["timestamp"] for event in moved] == [2_000_000, 2_000_500]
    assert moved[1]["data"] == {}


def test_the_examples_ship_inside_the_package():
    bundled = resources.files("amp_replay_cli") / "demo"
    events = json.loads(gzip.decompress((bundled / "recording.json.gz").read_bytes()))
    assert events[0]["type"] == 4
    assert (bundled / demo.OPTIONS_FILE).is_file()
    assert (bundled / demo.SEGMENT_FILE).is_file()


def test_the_upload_draws_its_progress_bar_on_a_terminal():
    with demo.workspace() as space:
        steps = list(cli_demo._steps(space, progress_bar=True))
    assert [step.name for step in steps] == list(STEPS)
    assert all(run.as_expected for step in steps for run in step.runs)


def test_keep_in_json_mode_leaves_stdout_to_the_envelopes(run, empty_cwd, monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_demo, "wait_forever", interrupted)
    result = run("demo", "--keep", "-f", "json", expect=0)
    assert len(_envelopes(result.stdout)) == 6
    assert "export AMPLITUDE_SERVER_URL=http://127.0.0.1:" in result.stderr


def test_the_envelopes_follow_the_published_schema(run, empty_cwd):
    import jsonschema

    from amp_replay_cli.output.schema import output_schema

    schema = output_schema()
    for envelope in _envelopes(run("demo", "-f", "json", expect=0).stdout):
        jsonschema.validate(envelope, schema)


def test_ctrl_c_during_the_upload_ends_the_demo_with_130(run, empty_cwd, monkeypatch):
    from amp_replay_cli.core.errors import Interrupted
    from amp_replay_cli.core.findings import Report

    def interrupted(*args, **kwargs):
        return Report(command="upload", fatal=Interrupted("interrupted"))

    monkeypatch.setattr(demo, "upload", interrupted)
    result = run("demo", expect=130)
    assert "== 4/5" not in result.stdout


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM")
def test_keep_stops_on_sigterm_and_removes_its_files(empty_cwd):
    process = subprocess.Popen(
        [str(AMP_REPLAY), "demo", "--keep"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("then try any command above"):
                break
        directory = Path("".join(lines).split("example files in ")[1].split(".\n")[0])
        assert directory.is_dir()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not directory.exists()
    finally:
        process.kill()
        process.wait()
    assert list(empty_cwd.iterdir()) == []
