"""Session ids beyond 64 bits, or written with digits int() refuses, are stopped before anything
is sent, and the emulator refuses them with a 400, never a 500."""

import gzip
import json

import pytest

from amp_replay_cli.core.wire import MAX_SESSION_ID, parse_session_id
from tests.test_recordings import RECORDINGS

EVENTS = json.loads((RECORDINGS / "pricing-tabs.json").read_text())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1767225600000", 1767225600000),
        (str(MAX_SESSION_ID), MAX_SESSION_ID),
        (str(MAX_SESSION_ID + 1), None),
        ("9" * 400, None),
        ("²", None),
        ("١٢٣", None),  # Arabic-Indic digits
        ("-5", -5),
        ("12a", None),
    ],
)
def test_parse_session_id(text, expected):
    assert parse_session_id(text) == expected


@pytest.mark.parametrize("session_id", [2**63, "9" * 400, "²", "-1", 0])
def test_a_recording_with_an_unstorable_session_id_is_rejected(run, write, session_id):
    path = write(
        "rec.json", json.dumps({"device_id": "d-1", "session_id": session_id, "events": EVENTS})
    )
    result = run("upload", path, "--dry-run", "-f", "json", expect=1)
    findings = json.loads(result.stdout)["findings"]
    assert [finding["code"] for finding in findings] == ["AR603"]
    assert "must be a positive integer" in findings[0]["message"]


def test_a_session_id_flag_beyond_64_bits_is_a_usage_error(run):
    result = run(
        "upload",
        RECORDINGS / "pricing-tabs.json",
        "--dry-run",
        "--session-id",
        str(2**63),
        expect=2,
    )
    assert "outside what Amplitude stores" in result.stderr


@pytest.mark.parametrize("session_id", [str(2**63), "9" * 400, "²"])
def test_the_emulator_answers_400_not_500(emulator, session_id):
    reply = emulator.client.post(
        "/sessions/v2/track",
        params={"device_id": "d-1", "session_id": session_id, "type": "replay"},
        headers={"Authorization": f"Bearer {emulator.api_key}", "Content-Encoding": "gzip"},
        content=gzip.compress(json.dumps({"version": 1, "events": ["{}"]}).encode()),
    )
    assert reply.status_code == 400
    assert "64 bits" in reply.json()["error"]
