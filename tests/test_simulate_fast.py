"""simulate's fast paths against its exact ones: the same decisions and the same bytes.

The exact path is the one `simulate explain` takes for one id: String(id), the hash, the
bucket, `bucket / 1e6 < rate`, one row dict, one encoder call per row. The fast paths decode
an id file in C, decide a slice of ids with C-level loops, and write JSON a slice at a time.
"""

import json
import math
import os
from itertools import repeat
from operator import truediv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amp_replay_cli.core import simulate as core
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.findings import ColumnStream, RowStream, StoredSlice
from amp_replay_cli.core.jsvalues import js_string, js_truthy
from amp_replay_cli.core.sampling import (
    BUCKETS,
    Algorithm,
    bucket_of,
    effective_rate,
    hash_of,
    sample_limit,
)
from amp_replay_cli.output.json import _column_lines, _column_texts, _lines
from tests.oracle.sampling import in_sample

DATA = Path(__file__).parent / "data"
VECTORS = [DATA / "sampling" / name for name in sorted(os.listdir(DATA / "sampling"))]
SEGMENT_LOGS = sorted((DATA / "identity").glob("*.ndjson"))
ROW = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
# Millisecond timestamps, the edges of the integers the C decode takes, and what it must not.
AWKWARD = [
    1767225600123,
    1,
    2**53 - 1,
    2**53,
    2**53 + 1,
    -(2**53) + 1,
    0,
    -0.0,
    -5,
    1.0,
    1.5,
    1e21,
    5e-324,
    math.nan,
    math.inf,
    -math.inf,
    2**64,
    -(2**70),
    "",
    "0",
    "001722737089414",
    "会话2796",
    "\ud800",
    "a\x00b",
    "\x1b[31m",
    "}, {",
    None,
    True,
    False,
]


def sampling(rate, algorithm=Algorithm.MODERN, capture=True):
    return core.Sampling(rate, rate, "--sample-rate", capture, algorithm)


def reference_rows(values, rate, algorithm=Algorithm.MODERN, capture=True):
    """The rows as the exact, one-id-at-a-time path makes them."""
    rows = []
    for value in values:
        id_string = js_string(value)
        hashed = hash_of(id_string, algorithm)
        bucket = bucket_of(hashed, algorithm)
        sampled = in_sample(bucket, rate)
        captured = js_truthy(value) and capture and sampled
        rows.append(core._session_row(value, id_string, hashed, bucket, sampled, captured))
    return rows


def fast_stream(sources, rate, algorithm=Algorithm.MODERN, capture=True):
    report = core.simulate(sources, sampling(rate, algorithm, capture), [])
    return report, report.result["sessions"]


def encoded(rows):
    return [ROW.encode(row) for row in rows]  # tells 1 from 1.0 and True, unlike ==


def assert_same_rows_and_bytes(sources, values, rate, algorithm=Algorithm.MODERN, capture=True):
    expected = reference_rows(values, rate, algorithm, capture)
    _, stream = fast_stream(sources, rate, algorithm, capture)
    assert encoded(stream) == encoded(expected)
    _, stream = fast_stream(sources, rate, algorithm, capture)
    fast = "".join(_column_lines(stream, 2))
    assert fast == "".join(_lines(RowStream(core.COLUMNS, expected), 2))


# -- in_sample as bucket < K ------------------------------------------------------------------
RATES = [
    0.0,
    -0.0,
    5e-324,  # the smallest double
    1e-7,
    1e-6,
    0.01,
    0.05,
    0.1,
    1 / 3,
    0.5,
    0.999999,
    math.nextafter(0.999999, 1),
    math.nextafter(1, 0),
    1.0,
    # rates whose product with 1e6 is not exact
    0.07,
    0.000003,
    0.29,
    0.57,
    0.58,
    0.1 + 0.2,
    math.nextafter(0.05, 0),
    math.nextafter(0.05, 1),
    math.nextafter(0.123457, 0),
    -1.0,
    1.5,
    math.inf,
    -math.inf,
    math.nan,
]


@pytest.mark.parametrize("rate", RATES, ids=repr)
def test_the_limit_decides_every_bucket_as_the_sdk_division_does(rate):
    quotients = list(map(truediv, range(BUCKETS), repeat(BUCKETS)))
    sdk = list(map(rate.__gt__, quotients))  # bucket / 1e6 < rate, for all 1,000,000 buckets
    limit = sample_limit(rate)
    assert sdk == list(map(limit.__gt__, range(BUCKETS)))
    assert effective_rate(rate) == sdk.count(True) / BUCKETS


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_the_limit_separates_the_buckets_for_any_rate(rate):
    limit = sample_limit(rate)
    assert 0 <= limit <= BUCKETS
    assert limit == 0 or in_sample(limit - 1, rate)
    assert limit == BUCKETS or not in_sample(limit, rate)


# -- the same rows and bytes ------------------------------------------------------------------
@pytest.mark.parametrize("path", VECTORS, ids=lambda path: path.name)
@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_the_sdk_vectors_give_the_same_rows_and_bytes(path, algorithm, write):
    values = [row["session_id"] for row in json.loads(path.read_text())["rows"]]
    ids = write("ids.json", json.dumps(values))
    sources = core.SessionSources(sessions_file=Source(str(ids), ids))
    for rate in (0.05, 1 / 3):
        assert_same_rows_and_bytes(sources, values, rate, algorithm)


@pytest.mark.parametrize("path", SEGMENT_LOGS, ids=lambda path: path.name)
def test_segment_logs_give_the_same_rows_and_bytes(path):
    sources = core.SessionSources(segment=Source(str(path), path))
    problems = core.CappedFindings([], 100)
    read = core._from_segment(sources.segment, problems, None, sources.line_limit)
    values = [value for _, value in read]
    assert_same_rows_and_bytes(sources, values, 0.5)


@pytest.mark.parametrize("capture", [True, False])
@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_awkward_ids_give_the_same_rows_and_bytes(algorithm, capture):
    sources = core.SessionSources(session_ids=tuple(AWKWARD))
    assert_same_rows_and_bytes(sources, AWKWARD, 0.5, algorithm, capture)


SCALARS = st.one_of(
    st.integers(),
    st.integers(min_value=1, max_value=2**53 - 1),
    st.floats(),
    st.text(),
    st.none(),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(SCALARS, min_size=1, max_size=40),
    st.sampled_from(RATES),
    st.sampled_from(list(Algorithm)),
)
def test_generated_ids_give_the_same_rows_and_bytes(values, rate, algorithm):
    sources = core.SessionSources(session_ids=tuple(values))
    assert_same_rows_and_bytes(sources, values, rate, algorithm)


def test_many_slices_give_the_same_rows_and_bytes(monkeypatch):
    monkeypatch.setattr(core, "SLICE", 7)
    values = [*range(1, 20), "x", 0, *range(10**12, 10**12 + 20)]
    sources = core.SessionSources(session_ids=tuple(values))
    assert_same_rows_and_bytes(sources, values, 0.3)


@pytest.mark.parametrize(
    "values", [[[], [1], {}, {"a": 1}], [[1, 2], "x"], [{"a": 1, "b": [2, 3]}, None]], ids=repr
)
def test_columns_of_arrays_and_objects_are_written_as_in_a_row(values):
    assert _column_texts(values) == [ROW.encode(value) for value in values]


def test_a_streamed_file_comes_in_slices_with_its_lines(monkeypatch, write):
    monkeypatch.setattr(core, "SLICE", 4)
    values = ["a", 1.5, "", 0, *range(5, 15), "z"]
    path = write("ids.json", "[\n" + ",\n".join(map(json.dumps, values)) + "\n]")
    sources = core.SessionSources(sessions_file=Source(str(path), path))
    batches = list(core.id_batches(sources, core.CappedFindings([], 100)))
    assert [len(batch.values) for batch in batches] == [4, 4, 4, 3]
    assert [line for batch in batches for line in batch.lines] == list(range(2, 17))
    assert_same_rows_and_bytes(sources, values, 0.5)
    report, stream = fast_stream(sources, 0.5)
    stream.drain()
    assert [(f.code, f.line) for f in report.findings] == [("AR205", 4), ("AR205", 5)]


def test_a_column_stream_is_read_once():
    stream = ColumnStream(core.COLUMNS, iter([]))
    stream.drain()
    with pytest.raises(RuntimeError):
        list(stream.slices())


def test_empty_slices_write_nothing():
    empty = StoredSlice([[] for _ in core.COLUMNS])
    one = StoredSlice([[1], ["1"], [2], [3], [True], [0.5], [False]])
    stream = ColumnStream(core.COLUMNS, [empty, one, empty])
    expected = _lines(RowStream(core.COLUMNS, list(ColumnStream(core.COLUMNS, [one]))), 2)
    assert "".join(_column_lines(stream, 2)) == "".join(expected)


def test_no_sessions_is_an_empty_array():
    stream = ColumnStream(core.COLUMNS, iter([]))
    assert "".join(_column_lines(stream, 2)) == "".join(_lines(RowStream(core.COLUMNS, []), 2))


# -- the C decode of an id file ---------------------------------------------------------------
def test_an_array_of_safe_positive_integers_is_decoded_whole(write):
    path = write("ids.json", " [1767225600123,\n 1, 9007199254740991]\n")
    assert core.read_integer_ids(Source(str(path), path)) == [1767225600123, 1, 2**53 - 1]


@pytest.mark.parametrize(
    "content",
    [
        b"[1, 2.0]",  # JSON.parse gives 2, but the file says 2.0: the exact reader decides
        b"[1e3]",
        b"[-0]",
        b"[0]",
        b"[-5]",
        b"[9007199254740992]",
        b"[18446744073709551616]",
        b'[1, "2"]',
        b"[1, [2]]",
        b"[1, null]",
        b"[true]",
        b"[1, 2",
        b"[1, 2] 3",
        b"[01]",
        b"[NaN]",
        b"{}",
        b"1767225600123\n",
        b"\xef\xbb\xbf[1]",  # a UTF-8 BOM
        "[1]".encode("utf-16"),
        b"\x1f\x8b",  # gzip
    ],
)
def test_anything_else_is_left_to_the_exact_reader(write, content):
    path = write("ids.json", content)
    assert core.read_integer_ids(Source(str(path), path)) is None


def test_stdin_devices_directories_and_missing_files_are_streamed(tmp_path):
    for path in (Path(os.devnull), tmp_path, tmp_path / "missing.json"):
        assert core.read_integer_ids(Source(str(path), path)) is None
    assert core.read_integer_ids(Source("<stdin>", None)) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_left_unopened_for_the_streaming_reader(run, tmp_path):
    import threading

    pipe = tmp_path / "ids.fifo"
    os.mkfifo(pipe)
    assert core.read_integer_ids(Source(str(pipe), pipe)) is None  # returns: nothing opened

    def writer():
        with pipe.open("w") as stream:
            stream.write("[1767225600123, 2]")

    thread = threading.Thread(target=writer)
    thread.start()
    result = run("simulate", "--sessions-file", pipe, "--sample-rate", "1", expect=0)
    thread.join()
    assert "2 of 2 sessions recorded" in result.stderr


def test_a_file_over_the_limit_is_streamed(write, monkeypatch):
    path = write("ids.json", "[1, 2, 3]")
    monkeypatch.setattr(core, "WHOLE_FILE_LIMIT", 8)
    assert core.read_integer_ids(Source(str(path), path)) is None


@pytest.mark.parametrize("output", ["json", "text"])
def test_the_c_decode_and_the_streaming_reader_write_the_same_bytes(
    run, write, monkeypatch, output
):
    import random

    rng = random.Random(5)
    path = write("ids.json", json.dumps([1 + rng.randrange(2**53 - 1) for _ in range(3000)]))
    args = ["simulate", "--sessions-file", path, "--sample-rate", "0.2", "-f", output]
    fast = run(*args, expect=0).stdout
    monkeypatch.setattr(core, "read_integer_ids", lambda source: None)
    assert run(*args, expect=0).stdout == fast


# -- streaming and what is built --------------------------------------------------------------
def test_generated_ids_come_a_slice_at_a_time_as_before(monkeypatch):
    import random

    monkeypatch.setattr(core, "SLICE", 1000)
    generation = core.Generation(2500, 1_700_000_000_000, 1_700_000_900_000, 3)
    batches = list(core.id_batches(core.SessionSources(generate=generation), None))
    assert [len(batch.values) for batch in batches] == [1000, 1000, 500]
    rng = random.Random(3)
    expected = [1_700_000_000_000 + rng.randrange(900_000) for _ in range(2500)]
    assert [value for batch in batches for value in batch.values] == expected


def test_text_output_builds_the_rows_it_shows_only(run, monkeypatch):
    built = []
    columns = core.SessionSlice.columns

    def counted(self):
        built.append(len(self))
        return columns(self)

    monkeypatch.setattr(core, "SLICE", 1000)
    monkeypatch.setattr(core.SessionSlice, "columns", counted)
    result = run("simulate", "--generate", "5000", "--sample-rate", "0.5", expect=0)
    assert "rows not shown for more than 100 sessions" in result.stdout
    assert built == [1000]  # the first slice, for its first 101 rows
    built.clear()
    run("simulate", "--generate", "5000", "--sample-rate", "0.5", "-f", "json", expect=0)
    assert built == [1000] * 5


def test_json_with_a_text_report_reads_the_rows_twice(run, tmp_path):
    report = tmp_path / "report.txt"
    args = ["simulate", "--generate", "150", "--sample-rate", "0.5", "--end", "2026-01-01"]
    alone = run(*args, "-f", "json", expect=0).stdout
    both = run(*args, "-f", "json", "--report", f"text={report}", "-v", expect=0).stdout
    assert both == alone
    shown = report.read_text()
    assert len(shown.splitlines()) > 150  # -v: every row
    assert "150 sessions, 150 with a usable id" in shown


# -- columns written in C ---------------------------------------------------------------------
def test_every_min_rate_is_written_as_repr_writes_it():
    min_rates = [bucket / BUCKETS for bucket in range(1, BUCKETS + 1)]
    assert _column_texts(min_rates) == list(map(repr, min_rates))


FLOAT_EDGES = [
    0.0,
    -0.0,
    5e-324,
    1e-5,
    math.nextafter(1e-4, 0),
    1e-4,
    0.1,
    1 / 3,
    1.0,
    2.5,
    -1.5,
    123456789012345.67,
    1e15,
    math.nextafter(1e16, 0),
    1e16,
    1e21,
    1.7976931348623157e308,
]


@pytest.mark.parametrize("value", FLOAT_EDGES, ids=repr)
def test_float_edges_are_written_as_repr_writes_them(value):
    assert _column_texts([value, 0.5]) == [repr(value), "0.5"]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1))
def test_floats_are_written_as_repr_writes_them(values):
    assert _column_texts(values) == list(map(repr, values))


@given(st.lists(st.floats(min_value=1e-4, max_value=1e16, exclude_max=True), min_size=1))
def test_positional_floats_are_written_as_repr_writes_them(values):
    assert _column_texts(values) == list(map(repr, values))


@given(
    st.lists(
        st.one_of(
            st.integers(),
            st.text(),
            st.booleans(),
            st.none(),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
    )
)
def test_any_column_of_scalars_is_written_as_the_row_encoder_writes_it(values):
    assert _column_texts(values) == [ROW.encode(value) for value in values]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_column_with_a_non_finite_float_fails_as_a_row_would(value):
    with pytest.raises(ValueError):
        ROW.encode(value)
    with pytest.raises(ValueError):
        _column_texts([0.5, value])


@pytest.mark.parametrize("to_file", [False, True])
def test_a_lone_surrogate_in_an_id_is_written_as_an_escape(run, write, tmp_path, to_file):
    path = write("ids.json", '["\\ud800", "a\\udfffb", 1]')
    args = ["simulate", "--sessions-file", path, "--sample-rate", "1", "-f", "json"]
    if to_file:
        run(*args, "-o", tmp_path / "out.json", expect=0)
        text = (tmp_path / "out.json").read_text(encoding="utf-8")
    else:
        text = run(*args, expect=0).stdout
    assert '"id_string": "\\ud800"' in text and '"a\\udfffb"' in text
    rows = json.loads(text)["result"]["sessions"]
    assert [row["session_id"] for row in rows] == ["\ud800", "a\udfffb", 1]
