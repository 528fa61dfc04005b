"""DuckDB reading a whole NDJSON file in one parallel query against today's reading (chunks cut
in Python, or Python's readers): for every input, the same events, every column, in the same
reading order (line numbers, batch items in their order), the same malformed lines with their
AR501 messages, the same counts (duplicates, malformed) and the same inputs refused."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import NUL_SNIFF_BYTES, Source
from amp_replay_cli.core.identity.sql import engine, reading
from tests.test_diagnose import event
from tests.test_sql_normalise import LINES

DATA = Path(__file__).parent / "data"


class Spy:
    """How many files the whole-file query read to the end."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read = 0
        load = reading._load_whole_file

        def counting(*arguments):
            load(*arguments)
            self.read += 1

        monkeypatch.setattr(reading, "_load_whole_file", counting)


def loaded(paths, scratch, limit=LOG_LINE):
    """Every event row, in reading order, and what load reported and counted besides (load
    drops its items once the events and malformed lines are taken from them)."""
    scratch.mkdir(exist_ok=True)
    connection = engine.connect(scratch)
    result = engine.load(connection, paths, scratch, limit=limit)
    rows = connection.execute("SELECT * FROM events ORDER BY seq").fetchall()
    counts = engine.summary(connection)
    connection.close()
    problems = [str(problem) for problem in result.problems]
    return rows, result.malformed, problems, result.skipped, counts


def assert_same_as_today(paths, tmp_path, monkeypatch, limit=LOG_LINE):
    """The whole-file query's events, malformed lines and counts equal today's path's; the
    number of files it read."""
    with monkeypatch.context() as patched:
        spy = Spy(patched)
        fast = loaded(paths, tmp_path / "fast", limit)
    with monkeypatch.context() as today:
        today.setattr(reading, "_whole_file_reads", lambda source: False)
        reference = loaded(paths, tmp_path / "today", limit)
    assert fast[1:] == reference[1:]
    assert len(fast[0]) == len(reference[0])
    for got, expected in zip(fast[0], reference[0], strict=True):
        assert got == expected
    return spy.read


def _data_files():
    return sorted(str(path.relative_to(DATA)) for path in DATA.rglob("*") if path.is_file())


@pytest.mark.parametrize("name", _data_files())
def test_every_test_data_file_loads_as_today(tmp_path, monkeypatch, name):
    assert_same_as_today([str(DATA / name)], tmp_path, monkeypatch)


def test_the_example_directory_is_read_whole_file_by_file(tmp_path, monkeypatch):
    examples = DATA / "identity"
    read = assert_same_as_today([str(examples)], tmp_path, monkeypatch)
    logs = [path for path in examples.glob("*.ndjson") if "amplitude_export" not in path.name]
    assert read == len(logs)  # the export is skipped: no Segment events


def _write(tmp_path, data: bytes, name="events.ndjson") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


GOOD = json.dumps(event("page")).encode()
LATER = (GOOD + b"\n") * (NUL_SNIFF_BYTES // len(GOOD) + 1)  # past where NUL bytes are refused


@pytest.mark.parametrize(
    ("data", "whole_file"),
    [
        (GOOD + b"\n" + GOOD, True),  # no final line break
        (b"\xef\xbb\xbf" + GOOD + b"\n\n  \n\t\n", True),  # byte-order mark, blank lines
        (b"\xef\xbb\xbf" + GOOD, True),
        (GOOD + b"\n\n", True),
        (GOOD + b"\r\n" + GOOD + b"\r\n", False),  # the CSV reader takes \r for a line break
        (GOOD + b'\n{"type": "track",\r"messageId": "cr"}\n', False),
        (GOOD + b'\n{"type": "track", "x": "\x01"}\n', False),  # the reader's delimiter
        (GOOD + b'\n{"type": "track", "name": "caf\xe9"}\n' + GOOD, False),  # not UTF-8
        (LATER + b'{"type": "track", "x": "\x00"}\n{"a": "\\\\x01"}\n', True),
        (GOOD + b'\n{"x": "\xed\xa0\x80"}\n', False),  # a surrogate in UTF-8
    ],
)
def test_awkward_bytes_are_read_as_today_or_left_to_it(
    tmp_path, monkeypatch, data: bytes, whole_file: bool
):
    read = assert_same_as_today([_write(tmp_path, data)], tmp_path, monkeypatch)
    assert read == int(whole_file)


def test_gzip_single_multi_member_and_broken_streams(tmp_path, monkeypatch):
    lines = b"\n".join(json.dumps(event("track", n, message=f"z-{n}")).encode() for n in range(300))
    whole = gzip.compress(lines)
    paths = [
        _write(tmp_path, whole, "one.ndjson.gz"),
        _write(tmp_path, gzip.compress(lines[:5000]) + gzip.compress(lines[5000:]), "two.gz"),
        _write(tmp_path, whole, "no-suffix.ndjson"),
        _write(tmp_path, whole[:-20], "truncated.ndjson.gz"),
        _write(tmp_path, whole + b"trailing", "garbage.ndjson.gz"),
    ]
    assert assert_same_as_today(paths, tmp_path, monkeypatch) == 3


def test_lines_past_what_duckdb_buffers_or_the_limit_are_left_to_today(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_LINE_BYTES", 4096)
    long = json.dumps(event("track", properties={"long": "z" * 5000})).encode()
    path = _write(tmp_path, GOOD + b"\n" + long + b"\n" + GOOD + b"\n")
    assert assert_same_as_today([path], tmp_path, monkeypatch) == 0
    wide = json.dumps(event("track", properties={"x": "é" * 600})).encode()  # 1200 bytes
    small = ItemLimit(1000, "--max-line-bytes")
    path = _write(tmp_path, GOOD + b"\n" + wide + b"\n", "wide.ndjson")
    assert assert_same_as_today([path], tmp_path, monkeypatch, limit=small) == 0
    path = _write(tmp_path, GOOD + b"\n" + b"y" * 1001 + b"\n", "past.ndjson")
    assert assert_same_as_today([path], tmp_path, monkeypatch, limit=small) == 0


def test_a_path_duckdb_would_read_as_a_pattern_is_left_to_today(tmp_path, monkeypatch):
    path = _write(tmp_path, GOOD + b"\n", "events[1].ndjson")
    assert assert_same_as_today([path], tmp_path, monkeypatch) == 0


def test_a_relative_path_duckdb_would_read_from_home_is_read_where_python_reads_it(
    tmp_path, monkeypatch
):
    (tmp_path / "~").mkdir()
    _write(tmp_path / "~", GOOD + b"\n")
    monkeypatch.chdir(tmp_path)
    assert assert_same_as_today(["~/events.ndjson"], tmp_path, monkeypatch) == 1


def test_batches_and_malformed_lines_keep_their_numbers(tmp_path, monkeypatch):
    lines = [json.dumps(event("track", n, message=f"s-{n % 20}")).encode() for n in range(60)]
    lines[9] = b'{"batch": [' + lines[9] + b", 1, " + lines[10] + b"]}"
    lines[12] = b'{"batch": []}'
    lines[30] = b"oops"
    path = _write(tmp_path, b"\n".join(lines) + b"\n")
    assert assert_same_as_today([path], tmp_path, monkeypatch) == 1


def test_lines_that_do_not_add_up_to_the_file_are_refused(tmp_path):
    connection = duckdb.connect()
    connection.execute(
        "CREATE TEMP TABLE line_values AS SELECT * FROM (VALUES (3), (2)) AS t(line)"
    )
    path = Path(_write(tmp_path, b"abc\nde\n"))
    source = Source(str(path), path)
    reading._check_line_count(connection, source, False, 10)
    path.write_bytes(b"abc\nd\re\n")  # as if a byte were dropped
    with pytest.raises(reading._NotNative):
        reading._check_line_count(connection, source, False, 10)
    with pytest.raises(reading._NotNative):  # a line longer than DuckDB was told to take
        reading._check_line_count(connection, source, True, 2)
    reading._check_line_count(connection, source, True, 3)


# -- generated files: awkward lines, line breaks, byte-order marks, gzip ------------------------

AWKWARD = st.one_of(
    LINES.map(str.encode),
    st.sampled_from(
        [
            b"",
            b"   ",
            b"\t",
            b'{"type": "track", "a": [1,],}',
            b'{"type": "track", "n": NaN}',
            b'{"type": "track", "n": -Infinity}',
            b"nan",
            b'{"type": "track", "s": "\\ud800"}',
            b'{"type": "track", "s": "caf\xc3\xa9 \xe2\x80\xa8"}',
            b'{"batch": [{"type": "track", "messageId": "b-1"}, 2, []]}',
            b'{"events": []}',
            b"[1, 2]",
            b'"text"',
            b'{"type": "track", "x": "' + b"w" * 3000 + b'"}',
        ]
    ),
)
# Bytes that only some files have: each leaves its file to today's path.
RARE = st.sampled_from([b"\r", b"\xe9", b"\x01", b"\xed\xa0\x80"])


@st.composite
def ndjson_files(draw):
    lines = draw(st.lists(AWKWARD, min_size=1, max_size=10))
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] += draw(RARE)
    data = b"\n".join(lines) + draw(st.sampled_from([b"", b"\n", b"\n\n"]))
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return gzip.compress(data) if draw(st.booleans()) else data


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=ndjson_files())
def test_generated_files_load_as_today(tmp_path, monkeypatch, data):
    path = _write(tmp_path, GOOD + b"\n" + data if data[:2] != b"\x1f\x8b" else data)
    assert_same_as_today([path], tmp_path, monkeypatch)
