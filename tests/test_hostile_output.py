"""Input text that would act instead of showing comes out escaped, in every command and format.

A lone surrogate cannot be written as UTF-8; a control character splits a line or drives a
terminal; a bidi override reorders what is read. Each command here gets them in every id, key,
value and file name it reads, and each output format must still be written, parse, and show
them as visible escapes.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from amp_replay_cli.output.escape import json_text, printable, xml_text
from tests.conftest import DATA

# Everything at once: a lone surrogate, an ANSI escape, CR/LF, NUL, DEL, a C1 control (CSI),
# a right-to-left override and a line separator.
HOSTILE = "a\ud800\x1b[31m\r\n\x00\x7f\x9b\u202e\u2028z"
FORMATS = ("text", "json", "github", "junit", "sarif", "gitlab")
# Any character that acts instead of showing; text-like output may hold only its own newlines.
ACTIVE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u202e\ud800-\udfff]")
# The ESC as this project shows it: printable's \x1b, or a JavaScript/JSON string's \u001b.
ESCAPED = re.compile(r"\\x1b|\\u001b")


def _segment_events(path):
    events = []
    for line in (DATA / "identity" / "00_clean.ndjson").read_text().splitlines():
        event = json.loads(line)
        event["userId"] = HOSTILE
        event["anonymousId"] = HOSTILE + "-anonymous"
        events.append(json.dumps(event))
    path.write_text("\n".join(events) + "\n")
    return path


def _arguments(command, tmp_path):
    """The command line of each case, and the exit codes its documentation allows."""
    if command == "validate":
        options = {"sessionReplayOptions": {HOSTILE: 1, "sampleRate": HOSTILE, "logLevel": 3}}
        path = tmp_path / "options.json"
        path.write_text(json.dumps(options))
        return ["validate", path], {1}
    if command == "validate-yaml":
        # YAML's own escapes: a lone surrogate (libyaml refuses it, YAML and js-yaml allow it),
        # ESC, NUL, a C1 control and a right-to-left override.
        path = tmp_path / "options.yaml"
        path.write_text('"\\ud800\\e[31m\\0": 1\nsampleRate: "\\ud800\\x9b\\u202e"\n')
        return ["validate", path], {1}
    if command == "validate-file-name":
        path = tmp_path / "\x1b[2Jopts\n.json"
        path.write_text('{"sessionReplayOptions": {"sampleRate": "x"}}')
        return ["validate", path], {1}
    if command == "simulate":
        path = tmp_path / "ids.json"
        path.write_text(json.dumps([HOSTILE, 1767225600123]))
        return ["simulate", "--sessions-file", path, "--sample-rate", "0.5", "-v"], {0}
    if command == "simulate-argument":
        return ["simulate", "--session-id", HOSTILE, "--sample-rate", "0.5", "-v"], {0}
    if command == "simulate explain":
        return ["simulate", "explain", json.dumps(HOSTILE), "--sample-rate", "0.5"], {0}
    if command == "upload":
        recording = DATA / "recordings" / "pricing-tabs.json"
        return ["upload", "--dry-run", recording, "--device-id", HOSTILE], {0}
    if command == "diagnose":
        return ["diagnose", _segment_events(tmp_path / "events.ndjson"), "-v"], {1}
    if command == "rule":
        return ["rule", HOSTILE], {2}
    raise AssertionError(command)


COMMANDS = (
    "validate",
    "validate-yaml",
    "validate-file-name",
    "simulate",
    "simulate-argument",
    "simulate explain",
    "upload",
    "diagnose",
    "rule",
)


# Where the github and junit formats show the hostile text: in findings (the others show it in
# result tables, which only text and github's log show).
SHOWN = {"validate", "validate-yaml", "validate-file-name", "diagnose", "rule"}


def _check_output(output_format, stdout, stderr):
    if output_format in ("json", "sarif", "gitlab"):
        json.loads(stdout)
        assert not ACTIVE.search(stdout.replace("\n", ""))
    elif output_format == "junit":
        ET.fromstring(stdout.encode("utf-8"))
    else:
        assert not ACTIVE.search(stdout)
    assert not ACTIVE.search(stderr)
    assert "Traceback" not in stderr
    assert "internal error" not in stderr


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("command", COMMANDS)
def test_hostile_text_never_breaks_an_output(run, tmp_path, command, output_format):
    arguments, exit_codes = _arguments(command, tmp_path)
    summary = tmp_path / "step-summary.md"
    result = run(*arguments, "-f", output_format, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code in exit_codes, (result.exit_code, result.stdout, result.stderr)
    _check_output(output_format, result.stdout, result.stderr)
    if output_format == "github":
        assert not ACTIVE.search(summary.read_text(encoding="utf-8"))
    if output_format == "text" or (output_format in ("github", "junit") and command in SHOWN):
        assert ESCAPED.search(result.stdout + result.stderr), (result.stdout, result.stderr)


def test_check_refuses_an_id_no_request_can_carry_and_shows_the_rest(emulator, run):
    """A lone surrogate cannot be sent in a URL: a usage error. Control characters can."""
    keys = ["--api-key", emulator.api_key, "--server-url", emulator.base_url]
    secret = {"AMPLITUDE_SECRET_KEY": emulator.secret_key}
    for output_format in FORMATS:
        arguments = ["check", "--user-id", HOSTILE, *keys, "-f", output_format]
        result = run(*arguments, env=secret, expect=2)
        assert "--user-id holds the lone surrogate U+D800 at character 2" in result.stderr
        _check_output(output_format, result.stdout, result.stderr)
    for output_format in FORMATS:
        result = run(
            "check",
            "--user-id",
            HOSTILE.replace("\ud800", ""),
            *keys,
            "-f",
            output_format,
            env=secret,
        )
        assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
        _check_output(output_format, result.stdout, result.stderr)


def test_the_json_report_keeps_the_value_a_lone_surrogate_and_all(run, tmp_path):
    path = tmp_path / "ids.json"
    path.write_text(json.dumps([HOSTILE]))
    result = run("simulate", "--sessions-file", path, "--sample-rate", "1", "-f", "json", expect=0)
    assert "\\ud800" in result.stdout
    assert json.loads(result.stdout)["result"]["sessions"][0]["id_string"] == HOSTILE


def test_text_shows_one_line_per_session_with_the_characters_named(run, tmp_path):
    path = tmp_path / "ids.json"
    path.write_text(json.dumps([HOSTILE]))
    result = run("simulate", "--sessions-file", path, "--sample-rate", "1", "-v", expect=0)
    (row,) = [line for line in result.stdout.splitlines() if "\\ud800" in line]
    shown = row.lstrip().split()[0]  # cut in the middle to fit 80 columns
    assert shown.startswith("a\\ud800\\x1b") and shown.endswith("\\u2028z")
    result = run("simulate", "explain", json.dumps(HOSTILE), "--sample-rate", "1", expect=0)
    assert ESCAPED.search(result.stdout)


def test_printable_names_each_active_character_and_leaves_text_alone():
    assert printable("tab\there") == "tab\\x09here"
    assert printable("\u061c\u200e\u200f\u2066\u2069\u2029") == (
        "\\u061c\\u200e\\u200f\\u2066\\u2069\\u2029"
    )
    assert printable("plain, ünïcödé, 日本, 😀") == "plain, ünïcödé, 日本, 😀"
    assert printable(printable(HOSTILE)) == printable(HOSTILE)


def test_json_text_escapes_only_what_may_not_be_raw():
    encoded = json.dumps({"k": HOSTILE + "日本"}, ensure_ascii=False)
    escaped = json_text(encoded)
    assert escaped.isascii() is False  # 日本 stays raw
    assert json.loads(escaped) == {"k": HOSTILE + "日本"}
    escaped.encode("utf-8")


def test_xml_text_keeps_the_whitespace_xml_allows():
    assert xml_text("a\tb\nc\rd\x0be\ufffe") == "a\tb\nc\rd\\x0be\\ufffe"


def test_the_progress_line_names_a_file_printably_and_not_as_markup():
    from amp_replay_cli.cli.progress import TransferProgress

    progress = TransferProgress()
    progress.checking("[bold]a\x1b[2J.json")
    (task,) = progress._progress.tasks
    assert task.description == "checking [bold]a\\x1b[2J.json"
    assert progress._progress.columns[0].markup is False


def test_upload_sends_a_lone_surrogate_as_the_browser_does(emulator, run, tmp_path):
    """URLSearchParams sends a lone surrogate as U+FFFD; UTF-8 cannot encode it at all."""
    recording = DATA / "recordings" / "pricing-tabs.json"
    for output_format in FORMATS:
        result = run(
            "upload",
            recording,
            "--device-id",
            f"dev\ud800ice-{output_format}",
            "--session-id",
            "1767225600123",
            "--journal",
            tmp_path / f"{output_format}.jsonl",
            "--api-key",
            emulator.api_key,
            "--server-url",
            emulator.base_url,
            "-f",
            output_format,
        )
        assert result.exit_code == 0, (result.stdout, result.stderr)
        _check_output(output_format, result.stdout, result.stderr)
    stored = emulator.client.get("/_emulator/replays").json()["replays"]
    assert {replay["device_id"] for replay in stored} == {
        f"dev\ufffdice-{output_format}" for output_format in FORMATS
    }


def test_json_text_escapes_del_in_ascii_text_too():
    assert json_text('["a\x7fb"]') == '["a\\u007fb"]'
    assert json_text('["ab"]') == '["ab"]'
