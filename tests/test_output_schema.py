"""output-v1.json types each command's `result`: real outputs validate, every key the tool
writes is typed there, and a wrong type or a missing key is caught."""

import copy
import json

import jsonschema
import pytest

from amp_replay_cli.output.schema import output_schema
from tests.test_check import RECORDED, WRAPPER, keys, uploaded
from tests.test_diagnose import EXAMPLES, RECORDINGS
from tests.test_simulate import KNOWN_ID

SCHEMA = output_schema()
RESULTS = [name for name in SCHEMA["$defs"] if name.endswith("_result")]


def closed(schema: dict) -> dict:
    """The schema with every object of a result closed: a key the tool writes but the schema
    does not type fails here (the shipped schema stays open, as schema_version 1 promises)."""
    strict = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    for name in [*RESULTS, "sampling"]:
        close(strict["$defs"][name])
    return strict


STRICT = jsonschema.Draft202012Validator(closed(SCHEMA))


def outputs(run, write, emulator, tmp_path) -> dict[str, dict]:
    uploaded(emulator, tmp_path, link_event="Recording Uploaded", user_id="user-12345")
    day = f"{RECORDED:%Y-%m-%d}"
    runs = {
        "validate": ["validate", write("r.json", '{"sampleRate": 0}'), "-v"],
        "simulate": ["simulate", "--session-id", KNOWN_ID, "--sample-rate", "0.5"],
        "simulate explain": ["simulate", "explain", KNOWN_ID, "--sample-rate", "0.5"],
        "upload": ["upload", WRAPPER, "--dry-run"],
        "check": ["check", "--user-id", "user-12345", "--start", day, "--end", day],
        "diagnose": ["diagnose", EXAMPLES],
        "diagnose error": ["diagnose", RECORDINGS / "pricing-tabs.json"],
        "upload error": ["upload", WRAPPER, "--no-dry-run"],  # no API key: ends before a result
    }
    env = {**keys(emulator), "AMPLITUDE_SERVER_URL": emulator.base_url}
    found = {}
    for name, args in runs.items():
        clean = {} if name == "upload error" else env
        result = run(*args, "-f", "json", env=clean)
        found[name] = json.loads(result.stdout)
    return found


def test_every_command_s_result_is_typed_and_validates(run, write, emulator, tmp_path, monkeypatch):
    monkeypatch.delenv("AMPLITUDE_API_KEY", raising=False)
    documents = outputs(run, write, emulator, tmp_path)
    assert documents["check"]["result"]["replays"], documents["check"]
    assert documents["diagnose"]["result"]["skipped"]
    assert documents["upload error"]["status"] == "error"
    for name, document in documents.items():
        errors = [error.message for error in STRICT.iter_errors(document)]
        assert errors == [], (name, errors)
    assert set(RESULTS) == {
        f"{name.replace(' ', '_')}_result" for name in documents if not name.endswith("error")
    }


@pytest.mark.parametrize(
    ("command", "result", "complaint"),
    [
        ("upload", {"uploads": [{"events": "many"}]}, "'many' is not of type 'integer'"),
        ("check", {"replays": [], "attempts": 1, "window_covered": True}, "'query' is a required"),
        (
            "diagnose",
            {"sessions": [], "settings": {}, "skipped": [{"file": 1}]},
            "1 is not of type",
        ),
        ("simulate", {"sampling": {"algorithm": "md5"}}, "'md5' is not one of"),
        ("validate", {"env": "staging", "strict": False, "files": []}, "'staging' is not one of"),
    ],
)
def test_wrong_types_and_missing_keys_are_caught(command, result, complaint):
    document = {
        "schema_version": 1,
        "tool": {"name": "amp-replay", "version": "0"},
        "command": command,
        "status": "ok",
        "exit_code": 0,
        "summary": {},
        "findings": [],
        "result": result,
        "error": None,
    }
    errors = [
        error.message for error in jsonschema.Draft202012Validator(SCHEMA).iter_errors(document)
    ]
    assert any(complaint in message for message in errors), errors
