"""Hostile and absurd inputs (issue 17): every reader holds at most its limit, refuses what is
past it in one line naming the file, the place, the limit and the option that raises it (exit 2),
reads devices and pipes as streams, and takes every JSON value shape without a traceback."""

import gzip
import json
import os
import threading
import zlib
from pathlib import Path

import pytest

from amp_replay_cli.core.documents import limits as limits_module
from amp_replay_cli.core.documents.streams import _Reader
from amp_replay_cli.core.replay.rrweb import PackedEventTooLarge, pack, unpack
from tests.test_bad_inputs import SEGMENT_EVENT
from tests.test_recordings import RECORDINGS

RECORDING = RECORDINGS / "pricing-tabs.json"
SIMULATE = ("simulate", "--sample-rate", "0.5")
LONG = "x" * 5000  # past the 1,000-byte limits these tests set


def one_line(result) -> str:
    """The error line, checked to be the only line that says error and to hold no traceback."""
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    return errors[0]


def event(**extra):
    return {**SEGMENT_EVENT, **extra}


# -- the longest line or item held -------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "where", "what"),
    [
        ("events.ndjson", json.dumps(event()) + "\n" + LONG, ":2: ", "line 2 is longer"),
        ("events.json", json.dumps([event(), {"long": LONG}]), ":1: ", "a JSON value is longer"),
        ("events.json", '{\n"batch": [\n' + '"x",\n' * 500 + "1]}", ":1: ", "JSON document"),
    ],
)
def test_diagnose_refuses_a_line_or_item_past_its_limit(run, write, name, content, where, what):
    path = write(name, content)
    result = run("diagnose", path, "--max-line-bytes", "1000", expect=2)
    line = one_line(result)
    assert f"{path}{where}" in line and what in line
    assert "1000 B limit (--max-line-bytes raises it)" in line


def test_the_limit_is_raised_by_its_option(run, write):
    path = write("events.ndjson", json.dumps(event(properties={"long": LONG})) + "\n")
    run("diagnose", path, "--max-line-bytes", "1000", expect=2)
    assert json.loads(run("diagnose", path, "-f", "json").stdout)["summary"]["events"] == 1


@pytest.mark.parametrize("option", ["--amplitude-export", "--replays"])
def test_diagnose_evidence_files_have_the_same_limit(run, write, option):
    events = write("events.ndjson", json.dumps(event()) + "\n")
    evidence = write("evidence.ndjson", '{"a": 1}\n' + LONG + "\n")
    result = run("diagnose", events, option, evidence, "--max-line-bytes", "1000", expect=2)
    assert f"{evidence}:2: line 2 is longer than the 1000 B limit" in one_line(result)


def test_an_evidence_file_may_be_one_pretty_printed_document(run, write):
    events = write("events.ndjson", json.dumps(event()) + "\n")
    replays = write(
        "replays.json", '\n{\n  "session_replays": [\n    {"replay_id": "d/1"}\n  ]\n}\n'
    )
    document = json.loads(run("diagnose", events, "--replays", replays, "-f", "json").stdout)
    assert document["status"] != "error"


def test_an_evidence_line_that_is_not_json_after_good_ones_is_named(run, write):
    events = write("events.ndjson", json.dumps(event()) + "\n")
    export = write("export.ndjson", '{"event_type": "a"}\n{"broken\n')
    result = run("diagnose", events, "--amplitude-export", export, expect=2)
    assert f"{export}:2:" in one_line(result) and "not JSON or NDJSON" in result.stderr


@pytest.mark.parametrize(
    ("option", "content", "what"),
    [
        ("--sessions-file", "1767225600000\n" + LONG, "line 2 is longer"),
        ("--sessions-file", f'[1767225600000, "{LONG}"]', "a JSON value is longer"),
        ("--segment", LONG, "line 1 is longer"),
        ("--sessions-file", " " * 5000 + "\n" * 5000, "blank text longer"),
    ],
)
def test_simulate_refuses_a_line_or_item_past_its_limit(run, write, option, content, what):
    path = write("ids.txt", content)
    result = run(*SIMULATE, option, path, "--max-line-bytes", "1000", expect=2)
    line = one_line(result)
    assert str(path) in line and what in line and "--max-line-bytes raises it" in line


@pytest.mark.parametrize(
    "content",
    [
        '[{"type": 4, "data": "' + LONG + '"}]',
        '{"events": [{"type": 4, "data": "' + LONG + '"}]}',
        '{"type": 4, "timestamp": 1, "data": {"href": "' + LONG + '"}}\n',
    ],
)
def test_upload_refuses_an_item_past_its_limit(run, write, content):
    path = write("recording.json", content)
    result = run("upload", "--dry-run", path, "--max-item-bytes", "1000", expect=2)
    line = one_line(result)
    assert str(path) in line and "1000 B limit (--max-item-bytes raises it)" in line


def test_a_gzip_bomb_is_refused_after_the_limit_not_after_its_size(run, write, monkeypatch):
    inflated = 0
    original = _Reader.read

    def counting(self, size=1 << 16):
        nonlocal inflated
        text = original(self, size)
        inflated += len(text)
        return text

    monkeypatch.setattr(_Reader, "read", counting)
    bomb = gzip.compress(b'[{"type": 4, "data": "' + b"a" * 50_000_000 + b'"}]', 9)
    path = write("bomb.json.gz", bomb)
    result = run("upload", "--dry-run", path, "--max-item-bytes", "100000", expect=2)
    assert "100000" not in one_line(result) and "97.7 KiB limit" in result.stderr
    assert inflated < 1_000_000  # the 50 MB event was inflated only up to the limit


def test_a_packed_event_that_inflates_past_the_limit_is_refused(run, write):
    packed = pack({"type": 3, "timestamp": 1767225600000, "data": {"pad": "a" * 200_000}})
    path = write("recording.json", json.dumps([packed]))
    result = run("upload", "--dry-run", path, "--max-item-bytes", "100000", expect=2)
    assert f"{path}:1: item 1 inflates to an event longer than" in one_line(result)


def test_unpack_stops_inflating_at_its_limit():
    bomb = zlib.compress(b'{"v": "v1", "pad": "' + b"a" * 1_000_000 + b'"}').decode("latin-1")
    with pytest.raises(PackedEventTooLarge, match="more than 1,000 bytes"):
        unpack(bomb, 1000)
    with pytest.raises(ValueError, match="truncated"):
        unpack(bomb[:50])
    with pytest.raises(ValueError, match="not JSON"):
        unpack(zlib.compress(b"{not json").decode("latin-1"))
    with pytest.raises(ValueError, match="not an object"):
        unpack(zlib.compress(b"[1]").decode("latin-1"))


# -- devices, pipes, sparse files, stdin -------------------------------------------------------
def zero_device() -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this platform")
    return Path("/dev/zero")


@pytest.mark.parametrize(
    "command",
    [
        ["diagnose", "{path}"],
        ["diagnose", str(RECORDING), "--amplitude-export", "{path}"],
        ["diagnose", str(RECORDING), "--replays", "{path}"],
        [*SIMULATE, "--sessions-file", "{path}"],
        [*SIMULATE, "--segment", "{path}"],
        ["upload", "--dry-run", "{path}"],
    ],
)
def test_a_device_of_nul_bytes_is_refused_at_once(run, command):
    path = str(zero_device())
    result = run(*(word.replace("{path}", path) for word in command), expect=2)
    assert f"{path}: contains NUL bytes" in one_line(result)


@pytest.mark.parametrize(
    "command",
    [["diagnose"], [*SIMULATE, "--sessions-file"], ["upload", "--dry-run"]],
)
def test_a_sparse_file_of_nul_bytes_is_refused_at_once(run, tmp_path, command):
    path = tmp_path / "sparse.json"
    with path.open("wb") as sparse:
        sparse.truncate(4 << 30)  # 4 GiB, no blocks on disk: reading it would take minutes
    result = run(*command, path, expect=2)
    assert f"{path}: contains NUL bytes" in one_line(result)


@pytest.mark.parametrize("command", [["diagnose", "-"], ["upload", "--dry-run", "-"]])
def test_nul_bytes_on_stdin_are_refused_before_they_are_copied(run, command):
    result = run(*command, input=b"\0" * 100_000, expect=2)
    assert "<stdin>: contains NUL bytes" in one_line(result)


def writer(fifo: Path, content: bytes) -> threading.Thread:
    def write() -> None:
        with fifo.open("wb") as pipe:
            pipe.write(content)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_read_as_a_stream_by_upload_and_diagnose(run, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    thread = writer(fifo, RECORDING.read_bytes())
    document = json.loads(run("upload", "--dry-run", fifo, "-f", "json", expect=0).stdout)
    thread.join(5)
    assert document["summary"]["accepted"] == 1
    thread = writer(fifo, (json.dumps(event()) + "\n").encode())
    document = json.loads(run("diagnose", fifo, "-f", "json").stdout)
    thread.join(5)
    assert document["summary"]["events"] == 1


def test_an_unreadable_pipe_is_one_line(run, tmp_path, monkeypatch):
    from amp_replay_cli.core.documents import streams

    def broken(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(streams.shutil, "copyfileobj", broken)
    result = run("upload", "--dry-run", "-", input=RECORDING.read_bytes(), expect=2)
    assert "<stdin>: cannot read: Input/output error" in one_line(result)


# -- running out of memory anyway --------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["diagnose", "{path}"], "--max-line-bytes"),
        ([*SIMULATE, "--sessions-file", "{path}"], "--max-line-bytes"),
        (["upload", "--dry-run", "{path}"], "--max-item-bytes"),
    ],
)
def test_memory_error_while_reading_is_an_input_error_naming_the_file(
    run, write, monkeypatch, command, option
):
    # A string id: simulate decodes a file of integer ids whole, without the streaming reader.
    path = write("input.json", '["1767225600000"]')

    def exhausted(self, size=0):
        raise MemoryError

    monkeypatch.setattr(_Reader, "read", exhausted)
    result = run(*(word.replace("{path}", str(path)) for word in command), expect=2)
    line = one_line(result)
    assert f"{path}: ran out of memory reading this input" in line and f"{option} lowers" in line


def test_every_limit_names_its_own_option():
    options = [limit.option for limit in (limits_module.LOG_LINE, limits_module.RECORDING_ITEM)]
    assert len(set(options)) == len(options)


# -- every value shape where a session id is expected ------------------------------------------
@pytest.mark.parametrize(
    ("item", "code", "words"),
    [
        ("9" * 400, "AR206", "(400 digits) is beyond the range of a double: JavaScript's Number()"),
        ("-" + "9" * 400, "AR206", "reads it as -Infinity; skipped"),
        ("[1, 2]", "AR206", "the item is a JSON array, not a session id"),
        ('{"a": 1}', "AR206", "the item is a JSON object, not a session id"),
        ("-0", "AR205", "is falsy"),
        ("null", "AR205", "is falsy"),
        ("false", "AR205", "is falsy"),
        ('""', "AR205", "is falsy"),
    ],
)
def test_a_sessions_file_item_of_every_shape_is_a_finding(run, write, item, code, words):
    path = write("ids.json", f"[{item}, 1767225600000]")
    document = json.loads(run(*SIMULATE, "--sessions-file", path, "-f", "json").stdout)
    assert document["status"] != "error"
    assert [(f["code"], f["line"]) for f in document["findings"]] == [(code, 1)]
    assert words in document["findings"][0]["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_in_a_sessions_file_are_one_line(run, write, literal):
    path = write("ids.json", f"[1767225600000, {literal}]")
    result = run(*SIMULATE, "--sessions-file", path, expect=2)
    assert f"{path}:1:" in one_line(result) and f"{literal} is not valid JSON" in result.stderr


@pytest.mark.parametrize(("value", "kind"), [([1, 2], "array"), ({"a": 1}, "object")])
def test_a_segment_session_id_that_is_a_list_or_object_is_a_finding(run, write, value, kind):
    good = event(integrations={"Actions Amplitude": {"session_id": 1767225600000}})
    bad = event(integrations={"Actions Amplitude": {"session_id": value}})
    path = write("events.ndjson", json.dumps(bad) + "\n" + json.dumps(good) + "\n")
    document = json.loads(run(*SIMULATE, "--segment", path, "-f", "json").stdout)
    assert document["summary"]["sessions"] == 1
    [finding] = document["findings"]
    assert finding["code"] == "AR206" and finding["line"] == 1
    assert f"session_id is a JSON {kind}, not a session id" in finding["message"]


def test_a_400_digit_session_id_is_explained_as_javascript_reads_it(run):
    document = json.loads(
        run("simulate", "explain", "9" * 400, "--sample-rate", "0.5", "-f", "json").stdout
    )
    assert document["result"]["session"]["id_string"] == "Infinity"
    assert "has 400 digits, beyond the range of a double" in document["result"]["steps"][0]


def test_a_large_integer_within_double_range_is_decided_as_javascript_rounds_it(run):
    document = json.loads(run(*SIMULATE, "--session-id", "1" + "0" * 25, "-f", "json").stdout)
    assert document["findings"] == [] and document["result"]["sessions"][0]["id_string"] == "1e+25"


# -- the upload journal ------------------------------------------------------------------------
def test_a_journal_path_that_is_a_directory_is_one_line(run, tmp_path):
    result = run("upload", "--journal", tmp_path, "--api-key", "k" * 32, RECORDING, expect=2)
    assert "is a directory" in one_line(result)


def test_a_default_journal_that_is_a_directory_is_one_line(run, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "amp-replay" / "upload-journal.jsonl").mkdir(parents=True)
    result = run(
        "upload", "--api-key", "k" * 32, "--server-url", "http://127.0.0.1:9", RECORDING, expect=2
    )
    assert "upload-journal.jsonl is not a regular file" in one_line(result)


# -- diagnose: values of every shape in the fields it reads --------------------------------------
@pytest.mark.parametrize("field", ["anonymousId", "integrations"])
def test_a_double_beyond_range_is_written_as_javascript_writes_it(run, write, field):
    raw = event(integrations={"Actions Amplitude": {"session_id": 1767225600000}})
    text = json.dumps(raw).replace('"anon-12345"', "1e400")
    if field == "integrations":
        text = json.dumps(raw).replace("1767225600000", "1e400")
    path = write("events.ndjson", text + "\n")
    document = json.loads(run("diagnose", path, "-f", "json").stdout)
    assert "Infinity" in json.dumps(document) and "inf" not in json.dumps(document["result"])


def test_nan_in_a_segment_line_is_not_json_as_segment_reads_it(run, write):
    path = write("events.ndjson", json.dumps(event()) + "\n" + '{"type": "track", "x": NaN}\n')
    document = json.loads(run("diagnose", path, "-f", "json").stdout)
    [malformed] = [f for f in document["findings"] if f["code"] == "AR501"]
    assert malformed["line"] == 2 and "NaN is not valid JSON" in malformed["message"]


@pytest.mark.parametrize("kind", [[], {}, 3, None])
def test_an_event_type_of_any_shape_is_not_a_segment_call(run, write, kind):
    path = write("events.ndjson", json.dumps(event(type=kind)) + "\n")
    result = run("diagnose", path)
    assert result.exit_code in (0, 1, 2) and "internal error" not in result.stderr


@pytest.mark.parametrize("field", ["device_id", "user_id", "event_type"])
def test_an_export_row_with_a_list_for_an_id_is_read(run, write, field):
    events = write("events.ndjson", json.dumps(event()) + "\n")
    row = {"event_type": "Clicked", "event_time": "2026-01-01 00:00:00", field: [1]}
    export = write("export.ndjson", json.dumps(row) + "\n")
    result = run("diagnose", events, "--amplitude-export", export, "-f", "json")
    assert result.exit_code in (0, 1) and json.loads(result.stdout)["status"] != "error"


def test_a_sample_rate_list_beyond_double_range_is_written_as_javascript_writes_it(run, write):
    path = write("options.json", '{"sampleRate": [1' + "0" * 400 + "]}")
    document = json.loads(
        run("simulate", "--config", path, "--session-id", "1", "-f", "json").stdout
    )
    assert document["result"]["sampling"]["configured"] == ["Infinity"]


@pytest.mark.parametrize("loader", ["libyaml", "pure Python"])
@pytest.mark.parametrize("text", ['blockSelector: "\\ud800"\n', '"\\udc00x": 1\n'])
def test_a_lone_surrogate_escape_in_yaml_reads_the_same_with_either_loader(
    run, write, monkeypatch, loader, text
):
    # js-yaml, which reads these options in the browser's build, takes "\ud800" as the code unit
    # it names; libyaml refuses it, so the file is read again with PyYAML's own scanner.
    import yaml

    from amp_replay_cli.core.documents import yaml_parser

    if loader == "pure Python":
        monkeypatch.setattr(yaml_parser, "_LOADER", yaml.SafeLoader)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    path = write("options.yaml", "sampleRate: 0.5\n" + text)
    result = run("validate", path, "-f", "json")
    assert result.exit_code in (0, 1)  # read, not refused as a syntax error
    assert json.loads(result.stdout)["status"] != "error"


@pytest.mark.parametrize("option", [None, "--amplitude-export", "--replays"])
def test_a_line_nested_too_deeply_is_one_finding_or_one_line(run, write, option):
    deep = "[" * 100_000 + "]" * 100_000
    good = write("events.ndjson", json.dumps(event()) + "\n")
    path = write("deep.ndjson", json.dumps(event()) + "\n" + deep + "\n")
    arguments = ["diagnose", path] if option is None else ["diagnose", good, option, path]
    result = run(*arguments, "-f", "json")
    if option is None:
        # DuckDB reads any depth: the line is a list, which no Segment event is.
        (finding,) = json.loads(result.stdout)["findings"]
        assert (finding["code"], finding["line"]) == ("AR501", 2)
        assert finding["message"] == "not a Segment event (a JSON list); skipped"
    else:
        assert result.exit_code == 2 and "nested too deeply" in result.stderr


@pytest.mark.parametrize("field", ["timestamp", "originalTimestamp", "sentAt"])
def test_a_400_digit_timestamp_is_no_time(run, write, field):
    text = json.dumps(event())[:-1] + f', "{field}": 1{"0" * 400}}}'
    path = write("events.ndjson", text + "\n")
    result = run("diagnose", path, "-f", "json")
    assert result.exit_code in (0, 1) and json.loads(result.stdout)["summary"]["events"] == 1
