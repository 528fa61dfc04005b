"""The SQL normalisation against the Python reader and the per-event model (tests/oracle/model.py):
for the same inputs, the `events` relation equals load_python_events(from_segment(...)) row for
row, and the malformed lines are today's AR501 findings (file, line, message)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import expand_paths
from amp_replay_cli.core.documents.streams import readable_twice
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.identity.segment import EVENT_SUFFIXES, NotSegmentEvents
from amp_replay_cli.core.identity.sql import engine, normalise, reading
from amp_replay_cli.core.identity.sql.findings import FindingRow
from amp_replay_cli.core.identity.sql.relation import EVENT_COLUMNS
from amp_replay_cli.core.identity.sql.rules import Rule
from tests.oracle.model import from_segment
from tests.oracle.run import delivered_once, load_python_events
from tests.test_diagnose import EXAMPLES, event
from tests.test_diagnose_destination import churn_events, order, refused_events

# -- the reference: today's reader and model ----------------------------------------------------


def _no_surrogates(value):
    """What SQL strings can hold: a lone surrogate becomes U+FFFD (the one documented change)."""
    if isinstance(value, str):
        return normalise._without_lone_surrogates(value)
    if isinstance(value, list):
        return [_no_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_no_surrogates(key): _no_surrogates(item) for key, item in value.items()}
    return value


def python_side(paths, scratch, stdin=None, limit=LOG_LINE):
    events, malformed, problems = [], [], []
    for item in expand_paths(paths, EVENT_SUFFIXES):
        if isinstance(item, InputError):
            problems.append(str(item))
            continue
        named = item.name in paths or item.path is None
        try:
            source = readable_twice(item, scratch, stdin)
            kind = segment.not_segment_events(source, limit=limit)
            if kind is not None:
                raise NotSegmentEvents(source, kind)
            problem = lambda line, message, name=source.name: malformed.append(  # noqa: E731
                (name, line, message)
            )
            for line, raw in segment.read_events(source, problem, limit=limit):
                events.append(from_segment(_no_surrogates(raw), source.name, line))
        except NotSegmentEvents as refused:
            if named:
                problems.append(str(refused))
        except InputError as error:
            problems.append(str(error))
    connection = duckdb.connect()
    load_python_events(connection, delivered_once(events))
    return _rows(connection), malformed, problems


def _rows(connection):
    return connection.execute("SELECT * FROM events ORDER BY seq").fetchall()


def sql_side(paths, scratch, stdin=None, limit=LOG_LINE):
    connection = engine.connect(scratch)
    loaded = engine.load(connection, paths, scratch, stdin, limit)
    malformed = [tuple(row) for row in loaded.malformed]
    return _rows(connection), malformed, [str(error) for error in loaded.problems], connection


def assert_same(paths, tmp_path, stdin_bytes=None, limit=LOG_LINE):
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    expected = python_side(paths, scratch, _stdin(stdin_bytes), limit)
    got = sql_side(paths, scratch, _stdin(stdin_bytes), limit)
    assert got[2] == expected[2]
    assert got[1] == expected[1]
    columns = list(EVENT_COLUMNS)
    assert len(got[0]) == len(expected[0])
    for row, reference in zip(got[0], expected[0], strict=True):
        assert dict(zip(columns, row, strict=True)) == dict(zip(columns, reference, strict=True))
    return got[3]


def _stdin(data):
    return None if data is None else io.BytesIO(data)


def write_lines(tmp_path, lines, name="events.ndjson"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


# -- the example files and the scenario logs of the diagnose tests ------------------------------


@pytest.mark.parametrize(
    "name", sorted(path.name for path in EXAMPLES.iterdir() if path.suffix == ".ndjson")
)
def test_every_example_file_normalises_as_python_reads_it(tmp_path, name):
    assert_same([str(EXAMPLES / name)], tmp_path)


def test_the_example_directory_normalises_as_python_reads_it(tmp_path):
    assert_same([str(EXAMPLES)], tmp_path)


SCENARIOS = {
    "clean": [event("page"), event("track", 1000), event("identify", 2000, user="usr_1234")],
    "device": [event("track", device="custom-device-1"), event("track", 5, device="")],
    "no session": [event("track", session=None, replay=None)],
    "seconds": [event("track", session=1741083302, replay=f"x/{1741083302}")],
    "date session": [event("track", session="2025-03-04T10:15:02.121Z", replay="a/b")],
    "replays": [
        event("track", replay="no-slash"),
        event("track", 1, replay="a/b/c"),
        event("track", 2, replay="dev/-12"),
        event("track", 3, replay="dev/\uff11\uff12"),
        event("track", 4, replay=None, properties={"[Amplitude] Session Replay ID": None}),
        event("track", 5, replay=None, properties={"[Amplitude] Session Replay ID": 5}),
    ],
    "ids": [event("identify", user="x1"), event("identify", 1, user="null"), event("page", 2)],
    "skew": [event("track", skew_ms=120_000), event("track", 9, send_delay_ms=600_000)],
    "refused": refused_events(),
    "churn": churn_events(),
    "orders": [order([{"sku": 1}, {"sku": 2}]), order("not a list")],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_logs_normalise_as_python_reads_them(tmp_path, name):
    lines = [json.dumps(item) for item in SCENARIOS[name]]
    assert_same([write_lines(tmp_path, lines)], tmp_path)


def test_duplicates_count_once_and_the_first_in_reading_order_wins(tmp_path):
    first = event("track", message="m-1")
    again = event("track", 50, message="m-1", user="someone")
    paths = [write_lines(tmp_path, [json.dumps(first)], "a.ndjson")]
    paths.append(write_lines(tmp_path, [json.dumps(again), json.dumps(again)], "b.ndjson"))
    connection = assert_same(paths, tmp_path)
    assert engine.summary(connection) == engine.Summary(
        events=1, duplicates=2, malformed=0, undelivered=0
    )


def test_malformed_lines_are_found_with_todays_messages(tmp_path):
    good = json.dumps(event("page"))
    lines = [
        good,
        "{not json",
        "[1, 2]",
        "",
        "   ",
        '{"type": "track", "a": 1,}',
        '{"type": "track", "n": NaN}',
        '{"type": "track", "n": -infinity}',
        '{"type": "track", "text": "a,]"}',
        "5",
        '"text"',
        "null",
        "true",
        "1.5",
        '{"type": "track", "anonymousId": {"a": 1}}',
        '{"type": "track", "userId": [1]}',
        '{"type": "track", "messageId": []}',
        '{"type": "track", "context": {"device": {"id": {}}}}',
        '{"batch": [1, {"type": "track", "messageId": "b-1"}, [2]]}',
        '{"events": "not a list", "data": [{"type": "page", "messageId": "d-1"}]}',
        '{"type": "track", "batch": [1]}',
        "\u3000\u2028",
        '{"type": "track", "x": "\x01"}',
        '{"type": "track", "messageId": "\\ud800", "userId": "a\\udfffb"}',
        "{" * 2000 + "}" * 2000,
    ]
    connection = assert_same([write_lines(tmp_path, lines)], tmp_path)
    assert engine.summary(connection).malformed == 18


def test_crlf_lone_cr_bom_and_no_final_newline(tmp_path):
    path = tmp_path / "crlf.ndjson"
    good = json.dumps(event("page")).encode()
    path.write_bytes(
        b"\xef\xbb\xbf" + good + b"\r\n" + b'{"type":"track",\r"messageId":"cr"}\r\r\n' + good
    )
    assert_same([str(path)], tmp_path)


def test_layouts_arrays_batches_documents_gzip_and_stdin(tmp_path):
    events = [event("page"), event("track", 10), event("track", 20, message="m-2")]
    array = tmp_path / "array.json"
    array.write_text(json.dumps(events, indent=2) + "\n")
    one_line = tmp_path / "one-line.json"
    one_line.write_text(json.dumps([*events, 1, {"type": "track", "n": 1e400}]))
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"batch": events}, indent=2))
    document = tmp_path / "document.json"
    document.write_text(json.dumps(events[0], indent=2))
    packed = tmp_path / "events.ndjson.gz"
    packed.write_bytes(gzip.compress("\n".join(json.dumps(e) for e in events).encode()))
    utf16 = tmp_path / "utf16.ndjson"
    utf16.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-16")
    paths = [str(p) for p in (array, one_line, batch, document, packed, utf16)]
    assert_same(paths, tmp_path)
    stdin = "\n".join(json.dumps(e) for e in events).encode()
    assert_same(["-"], tmp_path, stdin_bytes=stdin)


def test_inputs_that_break_midway_keep_the_lines_before_as_today(tmp_path):
    good = json.dumps(event("page")) + "\n"
    latin = tmp_path / "latin.ndjson"
    latin.write_bytes(good.encode() + b'{"type": "track", "name": "caf\xe9"}\n' + good.encode())
    truncated = tmp_path / "truncated.ndjson.gz"
    truncated.write_bytes(gzip.compress((good * 50).encode())[:-20])
    broken_array = tmp_path / "broken.json"
    broken_array.write_text("[" + json.dumps(event("page")) + ", 1")
    missing = str(tmp_path / "missing.ndjson")
    neighbour = tmp_path / "dir"
    neighbour.mkdir()
    (neighbour / "recording.json").write_text('[{"type": 2, "timestamp": 1, "data": {}}]')
    (neighbour / "events.ndjson").write_text(good)
    paths = [str(latin), str(truncated), str(broken_array), missing, str(neighbour)]
    assert_same(paths, tmp_path)


def test_a_line_limit_below_the_chunk_reads_with_python(tmp_path):
    small = ItemLimit(2000, "--max-line-bytes")
    lines = [json.dumps(event("page")), json.dumps(event("track", properties={"x": "y" * 3000}))]
    assert_same([write_lines(tmp_path, lines)], tmp_path, limit=small)


def test_lines_longer_than_a_chunk_and_many_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_BYTES", 4096)
    lines = [json.dumps(event("track", offset, message=f"m-{offset}")) for offset in range(40)]
    lines.insert(7, json.dumps(event("track", 99, properties={"long": "z" * 10_000})))
    lines.insert(9, "broken")
    assert_same([write_lines(tmp_path, lines)], tmp_path)


# -- generated events: every awkward value --------------------------------------------------------

IDS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "null", "anonymous", "a/b", "\\u0000", "é", "\U0001f600", "\u2028"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
)
SESSIONS = st.one_of(
    st.integers(min_value=-(2**66), max_value=2**66),
    st.sampled_from([1741083302121, 1741083302, 0, -1, 8_640_000_000_000_001, 10**30]),
    st.floats(allow_nan=False),
    st.sampled_from(
        ["", "1741083302121", "1741083302", "017", "2025-03-04", "2025-03-04T10:15:02.121Z"]
    ),
    st.sampled_from(["session-123", "1.5", "1e3", "0x10", " 12", "Infinity", "March 4, 2025"]),
    st.lists(st.one_of(st.integers(), st.text(max_size=6), st.floats()), max_size=2),
    st.booleans(),
    st.none(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
    st.text(max_size=10),
)
TIMES = st.one_of(
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(
        [
            "2025-03-04T10:15:02.121Z",
            "2025-02-30T10:15:02.121Z",
            "2025-03-04T24:00:00.000Z",
            "0000-03-04T10:15:02.121Z",
            "2025-03-04 10:15:02",
            "2025-03-04T10:15:02+01:00",
            " 2025-03-04T10:15:02.121Z ",
            "2025-03-04",
            "yesterday",
            "",
        ]
    ),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
)
VALUES = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
# A session part beyond 128 bits fits no HUGEINT column, in either relation.
REPLAYS = st.one_of(st.text(alphabet="ab/-0123456789\uff11", max_size=10), VALUES)


@st.composite
def segment_events(draw):
    raw = event(
        draw(st.sampled_from(["track", "page", "screen", "identify", "group", "alias", "x"])),
        draw(st.integers(min_value=0, max_value=10_000)),
        message=draw(st.sampled_from(["m-1", "m-2", "m-3", None])),
    )
    raw["messageId"] = draw(st.one_of(st.just(raw["messageId"]), st.sampled_from(["m-1", "m-2"])))
    for key in ("anonymousId", "userId", "messageId"):
        if draw(st.booleans()):
            raw[key] = draw(IDS)
    if draw(st.booleans()):
        raw["context"]["device"] = {"id": draw(IDS)}
    if draw(st.booleans()):
        raw["integrations"] = {"Actions Amplitude": {"session_id": draw(SESSIONS)}}
        if draw(st.booleans()):
            raw["integrations"]["All"] = draw(VALUES)
    for key in ("originalTimestamp", "timestamp", "sentAt", "receivedAt"):
        if draw(st.integers(0, 3)) == 0:
            raw[key] = draw(TIMES)
    for key in ("event", "name", "type"):
        if draw(st.integers(0, 3)) == 0:
            raw[key] = draw(VALUES)
    if draw(st.booleans()):
        raw["context"]["library"]["version"] = draw(VALUES)
    if draw(st.booleans()):
        raw["context"]["ip"], raw["context"]["userAgent"] = draw(VALUES), draw(VALUES)
    if draw(st.booleans()):
        raw.setdefault("properties", {})["[Amplitude] Session Replay ID"] = draw(REPLAYS)
    if draw(st.booleans()):
        raw["event"] = "Order Completed"
        raw.setdefault("properties", {})["products"] = draw(VALUES)
    if draw(st.booleans()):
        raw.setdefault("properties", {})["[Amplitude] Session Replay Debug"] = draw(VALUES)
    return raw


LINES = st.one_of(
    segment_events().map(json.dumps),
    segment_events().map(lambda raw: json.dumps(raw, ensure_ascii=False)),
    segment_events().map(lambda raw: json.dumps({"batch": [raw, raw]})),
    st.sampled_from(["", "{broken", "[1]", '{"a": 1,}', "NaN", '{"x": "\\udc00"}']),
    st.text(max_size=20),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(LINES, min_size=1, max_size=12))
def test_generated_segment_events_normalise_as_python_reads_them(tmp_path, lines):
    text = "\n".join(lines).replace("\r", "")
    path = tmp_path / "generated.ndjson"
    path.write_text(json.dumps(event("page")) + "\n" + text + "\n", encoding="utf-8")
    assert_same([str(path)], tmp_path)


# -- the engine ---------------------------------------------------------------------------------

UNDELIVERED_RULE = Rule(
    "undelivered",
    """
    SELECT undelivered_code AS code, 'info' AS severity, NULL AS variant, seq, file, line,
        message_id, dest_device AS device_id, NULL AS session_id,
        json_object('reason', undelivered_reason, 'min', $min_id_length) AS details
    FROM events WHERE undelivered_code IS NOT NULL
    """,
)


def test_the_engine_runs_rules_over_the_events_and_counts_them(tmp_path):
    lines = [json.dumps(item) for item in refused_events()] + ["oops"]
    path = write_lines(tmp_path, lines)
    connection = engine.connect(tmp_path)
    loaded = engine.load(connection, [path], tmp_path)
    parameters = {"min_id_length": 5, "session_timeout_ms": 1}
    rows = [
        FindingRow(*row) for row in engine.run_rules(connection, [UNDELIVERED_RULE], parameters)
    ]
    counted = engine.summary(connection)
    assert counted.undelivered == len(rows) > 0
    assert counted.malformed == len(loaded.malformed) == 1
    assert {row.code for row in rows} == {"SESSION_ID_BAD_FORMAT"}
    assert json.loads(rows[0].details)["min"] == 5
    assert [row.seq for row in rows] == sorted(row.seq for row in rows)


def test_duckdb_gets_a_memory_limit_a_spill_directory_and_every_core(tmp_path):
    connection = engine.connect(tmp_path)
    settings_now = dict(
        connection.execute(
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('memory_limit', 'temp_directory', 'threads')"
        ).fetchall()
    )
    assert Path(settings_now["temp_directory"]).parent == tmp_path
    assert int(settings_now["threads"]) >= 1
    assert engine.memory_limit_bytes() <= engine.MAX_MEMORY_BYTES


def test_the_warehouse_form_is_one_statement_with_the_same_events(tmp_path):
    path = EXAMPLES / "01_login_replay_device_is_userid.ndjson"
    connection = assert_same([str(path)], tmp_path)
    lines = [
        (0, str(path), number, text) for number, text in enumerate(path.read_text().split("\n"), 1)
    ]
    connection.execute(
        "CREATE TABLE lines (input INTEGER, file VARCHAR, line BIGINT, text VARCHAR)"
    )
    connection.executemany("INSERT INTO lines VALUES (?, ?, ?, ?)", lines)
    assert connection.execute(normalise.events_query("lines")).fetchall() == _rows(connection)


def test_a_broken_byte_after_the_first_chunks_is_read_by_python_from_the_start(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(reading, "CHUNK_BYTES", 4096)
    good = json.dumps(event("page")) + "\n"
    latin = tmp_path / "late-latin.ndjson"
    latin.write_bytes(
        good.encode() * 300 + b'{"type": "track", "name": "caf\xe9"}\n' + good.encode()
    )
    events = [json.dumps(event("track", offset, message=f"g-{offset}")) for offset in range(600)]
    packed = tmp_path / "late-truncated.ndjson.gz"
    packed.write_bytes(gzip.compress("\n".join(events).encode())[:-50])
    assert_same([str(latin), str(packed)], tmp_path)


def test_a_line_past_the_limit_but_within_a_chunk_run_is_refused_as_today(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_BYTES", 4096)
    lines = [json.dumps(event("page")), json.dumps(event("track", properties={"x": "y" * 9000}))]
    assert_same([write_lines(tmp_path, lines)], tmp_path, limit=ItemLimit(8000, "--max-line-bytes"))


def test_python_read_lines_go_in_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "_BATCH_LINES", 2)
    path = tmp_path / "utf16.ndjson"
    lines = [json.dumps(event("track", offset, message=f"u-{offset}")) for offset in range(5)]
    path.write_text("\n".join(lines), encoding="utf-16")
    assert_same([str(path)], tmp_path)


def test_numbers_beyond_a_double_in_arrays_read_as_infinity_as_python_reads_them(tmp_path):
    item = json.dumps(event("track")).removesuffix("}")
    path = tmp_path / "infinite.json"
    path.write_text(f'[{item}, "n": 1e400, "m": [-1e400]}}]')
    assert_same([str(path)], tmp_path)


# -- the Python functions, called by DuckDB on its own threads (so tested here directly) -------


def test_the_python_functions_read_values_as_python_reads_them():
    assert normalise.json_problem("   ") == ""
    assert normalise.json_problem('{"a": 1}') is None
    assert normalise.json_problem("{oops").startswith("not JSON (")
    assert normalise.json_repair('{"a": "\\ud800", "a": 2}') == '{"a": 2}'
    assert normalise.json_repair('["\\udc00x"]') == '["\ufffdx"]'
    assert normalise.json_column_text("1.0") == "1.0"
    assert normalise.json_column_text("Infinity") == '"Infinity"'  # DuckDB's text for 1e400
    assert normalise.python_str("true") == "True"
    assert normalise.parse_time_value('"2025-03-04 10:15:02"') == 1741083302000
    assert normalise.network_key('"1.2.3.4"', "0") is None
    assert normalise.network_key("5", "[1]") == "5|[1]"
    assert normalise.coerce_session("[1741083302121]") == 1741083302121
    assert normalise.coerce_session("true") is None
    assert normalise.template_value("[1, null, [2]]") == "1,,2"
    assert normalise.varchar_value('{"b": 1, "a": 2}') == '{"a": 2, "b": 1}'  # as keyed in exports
