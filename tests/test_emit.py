"""`--emit-sql`: the engine's DuckDB SQL as one warehouse query. Round trip per dialect: the
emitted query parses back in its dialect and, transpiled back to DuckDB, gives on the test corpus
the same rows as the DuckDB form of the same query.

The normalisation and rules here are small stand-ins written to the portability guide; the real
ones can go through the same test once merged."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.identity.sql.emit import (
    RESULT_COLUMNS,
    Dialect,
    emit_query,
)
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS
from amp_replay_cli.core.identity.sql.rules import Rule, UdfFallback

DATA = Path(__file__).parent / "data" / "identity"
TABLE = "seg.raw_events"
PARAMETERS = {"min_id_length": 5, "session_timeout_ms": 30 * 60 * 1000, "skew_threshold_ms": 60000}

NORMALISE = """
WITH parsed AS (
  SELECT file, line, text FROM raw_lines
  WHERE json_valid(text) AND json_type(text) = 'OBJECT'
)
SELECT
  ROW_NUMBER() OVER (ORDER BY file, line) - 1 AS seq,
  file,
  line,
  json_extract_string(text, '$.messageId') AS message_id,
  json_extract_string(text, '$.type') AS type,
  CASE WHEN json_type(text, '$.userId') = 'VARCHAR'
    THEN json_extract_string(text, '$.userId') END AS user_id,
  coalesce(json_extract(text, '$.context.device.id'), json_extract(text, '$.anonymousId'))
    AS dest_device,
  coalesce(json_extract_string(text, '$.context.device.id'),
    json_extract_string(text, '$.anonymousId')) AS device_text,
  coalesce(TRY_CAST(json_extract_string(text, '$.integrations."Actions Amplitude".session_id')
    AS BIGINT), -1) AS dest_session,
  coalesce(
    epoch_ms(TRY_CAST(json_extract_string(text, '$.originalTimestamp') AS TIMESTAMPTZ)),
    js_time_ms(json_extract_string(text, '$.timestamp')),
    0) AS order_ms,
  json_extract_string(text, '$.properties."[Amplitude] Session Replay ID"') AS replay_id,
  CASE WHEN json_type(text, '$.integrations."Actions Amplitude".session_id') = 'OBJECT'
    THEN 'SESSION_ID_BAD_FORMAT' END AS undelivered_code
FROM parsed
"""
# The local engine would run a Python UDF; the warehouse runs this.
FALLBACKS = [UdfFallback("js_time_ms", "epoch_ms(TRY_CAST({0} AS TIMESTAMPTZ))", "ISO 8601 text")]

SHORT_ID = Rule(
    "short_id",
    """
SELECT 'ID_TOO_SHORT' AS code, 'warning' AS severity, 'user_id' AS variant, seq, file, line,
  message_id, dest_device AS device_id, dest_session AS session_id,
  json_object('id', user_id, 'length', length(user_id)) AS details
FROM events
WHERE length(user_id) < $min_id_length
""",
)
USER_SWITCH = Rule(
    "user switch",  # not an identifier: emit makes one
    """
WITH ordered AS (
  SELECT *, LAST_VALUE(user_id IGNORE NULLS) OVER (
    PARTITION BY device_text ORDER BY order_ms, seq
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_user
  FROM events
), switches AS (
  SELECT * FROM ordered WHERE previous_user <> user_id
)
SELECT 'USER_SWITCH' AS code, 'error' AS severity, NULL AS variant, sw.seq, sw.file, sw.line,
  sw.message_id, sw.dest_device AS device_id, sw.dest_session AS session_id,
  json_object('from', sw.previous_user, 'to', sw.user_id) AS details
FROM switches sw
""",
)
GAP = Rule(
    "gap",
    """
SELECT 'SESSION_CHURN' AS code, 'info' AS severity, NULL AS variant, seq, file, line, message_id,
  dest_device AS device_id, dest_session AS session_id,
  json_object('gap_ms', order_ms - previous_ms) AS details
FROM (
  SELECT *, LAG(order_ms) OVER (PARTITION BY device_text ORDER BY order_ms, seq) AS previous_ms
  FROM events
) AS timed
WHERE order_ms - previous_ms > $session_timeout_ms
""",
)
DEVICE_IS_USER = Rule(
    "device_is_user",
    """
WITH replayed AS (
  SELECT *, substr(replay_id, 1, strpos(replay_id, '/') - 1) AS replay_device
  FROM events WHERE strpos(replay_id, '/') > 0
), mine AS (
  SELECT * FROM replayed WHERE replay_device = user_id
)
SELECT 'RPL_DEVICE_IS_USERID' AS code, 'error' AS severity, NULL AS variant, m.seq, m.file,
  m.line, m.message_id, m.dest_device AS device_id, m.dest_session AS session_id,
  json_object('replay_device', m.replay_device) AS details
FROM mine m
QUALIFY ROW_NUMBER() OVER (
  PARTITION BY m.device_text, m.dest_session ORDER BY m.order_ms, m.seq) = 1
""",
)
NOT_LISTED = Rule(
    "not_listed",
    """
SELECT 'RPL_NOT_FOUND' AS code, 'error' AS severity, NULL AS variant, e.seq, e.file, e.line,
  e.message_id, e.dest_device AS device_id, e.dest_session AS session_id,
  json_object('replay_id', e.replay_id) AS details
FROM events e LEFT JOIN replays r ON r.replay_id = e.replay_id
WHERE e.replay_id IS NOT NULL AND r.replay_id IS NULL
""",
)
RULES = [SHORT_ID, USER_SWITCH, GAP, DEVICE_IS_USER]
JSON_RESULT_COLUMNS = ("device_id", "details")


def lines() -> list[tuple[str, int, str]]:
    rows = []
    for path in sorted(DATA.glob("*.ndjson")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rows.append((f"s3://archive/{path.name}", number, text))
    rows.append(("s3://archive/broken.ndjson", 1, '{"type": "track", "anonymousId": '))
    return rows


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    """DuckDB holding the raw table as each warehouse lays it out, one schema per dialect."""
    connection = duckdb.connect()
    layouts = {
        Dialect.TRINO: '"$path" VARCHAR, raw VARCHAR',
        Dialect.BIGQUERY: "_FILE_NAME VARCHAR, raw VARCHAR",
        Dialect.SNOWFLAKE: "file VARCHAR, line BIGINT, raw JSON",
        Dialect.DUCKDB: "file VARCHAR, line BIGINT, raw VARCHAR",
    }
    for dialect, columns in layouts.items():
        connection.execute(f"CREATE SCHEMA {dialect.value}")
        connection.execute(f"CREATE TABLE {dialect.value}.raw_events ({columns})")
        for file, line, text in lines():
            if dialect is Dialect.SNOWFLAKE and not _is_json(text):
                continue  # a VARIANT holds parsed JSON only: COPY refuses the line
            row = (
                (file, text) if dialect in (Dialect.TRINO, Dialect.BIGQUERY) else (file, line, text)
            )
            marks = ", ".join("?" for _ in row)
            connection.execute(f"INSERT INTO {dialect.value}.raw_events VALUES ({marks})", row)
    return connection


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def run(connection: duckdb.DuckDBPyConnection, sql: str, dialect: Dialect) -> list[tuple]:
    sql = sql.replace(TABLE, f"{dialect.value}.raw_events")
    result = connection.execute(sql)
    assert tuple(column[0] for column in result.description) == RESULT_COLUMNS
    return sorted((_plain(row) for row in result.fetchall()), key=repr)


def _plain(row: tuple) -> tuple:
    """JSON columns as values: each engine writes JSON text its own way."""
    values = dict(zip(RESULT_COLUMNS, row, strict=True))
    for column in JSON_RESULT_COLUMNS:
        if isinstance(values[column], str):
            values[column] = json.loads(values[column])
    return tuple(values.values())


def back_to_duckdb(sql: str, dialect: Dialect) -> str:
    tree = sqlglot.parse_one(sql, read=dialect.value)
    # sqlglot writes BigQuery's SAFE. prefix verbatim for DuckDB, whose form of it is TRY().
    tree = tree.transform(
        lambda node: exp.Try(this=node.this) if isinstance(node, exp.SafeFunc) else node
    )
    return tree.sql(dialect="duckdb")


def emit(dialect: Dialect, write: Dialect | None = None, rules: list[Rule] = RULES) -> str:
    return emit_query(dialect, TABLE, NORMALISE, rules, PARAMETERS, FALLBACKS, write=write)


@pytest.mark.parametrize("dialect", [Dialect.TRINO, Dialect.BIGQUERY, Dialect.SNOWFLAKE])
def test_round_trip_gives_the_rows_of_the_duckdb_form(warehouse, dialect):
    reference = run(warehouse, emit(dialect, write=Dialect.DUCKDB), dialect)
    emitted = emit(dialect)
    assert "js_time_ms(" not in emitted  # the UDF is replaced by its fallback
    assert run(warehouse, back_to_duckdb(emitted, dialect), dialect) == reference
    codes = {row[1] for row in reference if row[0] == "finding"}
    assert codes == {"ID_TOO_SHORT", "SESSION_CHURN", "RPL_DEVICE_IS_USERID"}


def test_snowflake_keeps_file_and_line_as_duckdb_does(warehouse):
    snowflake = run(
        warehouse, back_to_duckdb(emit(Dialect.SNOWFLAKE), Dialect.SNOWFLAKE), Dialect.SNOWFLAKE
    )
    local = run(warehouse, emit(Dialect.DUCKDB), Dialect.DUCKDB)
    summary = {row[-2]: row[-1] for row in local if row[0] == "summary"}
    # The DuckDB table also holds the malformed line, which a VARIANT column cannot.
    assert summary["lines"] == len(lines())
    assert [row for row in snowflake if row[0] == "finding"] == [
        row for row in local if row[0] == "finding"
    ]


def test_summary_counts(warehouse):
    rows = run(warehouse, emit(Dialect.DUCKDB), Dialect.DUCKDB)
    summary = {row[-2]: row[-1] for row in rows if row[0] == "summary"}
    valid = sum(1 for *_, text in lines() if _is_json(text))
    assert summary == {
        "files": len({file for file, *_ in lines()}),
        "lines": len(lines()),
        "events": valid,
        "undelivered_events": 0,
    }


def test_the_finding_rows_follow_the_findings_relation(warehouse):
    rows = run(warehouse, emit(Dialect.DUCKDB), Dialect.DUCKDB)
    short = next(row for row in rows if row[1] == "ID_TOO_SHORT")
    finding = dict(zip(RESULT_COLUMNS, short, strict=True))
    assert set(FINDING_COLUMNS) <= set(finding)
    assert finding["details"] == {"id": "42", "length": 2}
    assert finding["device_id"] == "3f9a1c7e-5d2b-4e80-a6f1-c8b7d6e5f4a3"
    assert finding["file"] == "s3://archive/04_invalid_and_overridden_ids.ndjson"


MALFORMED = Rule(
    "malformed",
    """
SELECT 'AR501' AS code, 'warning' AS severity, NULL AS variant, NULL AS seq, file, line,
  NULL AS message_id, NULL AS device_id, NULL AS session_id, json_object() AS details
FROM raw_lines WHERE NOT json_valid(text)
""",
)


@pytest.mark.parametrize("dialect", [Dialect.TRINO, Dialect.BIGQUERY])
def test_a_rule_over_the_raw_lines_reports_a_malformed_line(warehouse, dialect):
    emitted = emit(dialect, rules=[MALFORMED])
    rows = run(warehouse, back_to_duckdb(emitted, dialect), dialect)
    malformed = [row[:7] for row in rows if row[0] == "finding"]
    assert malformed == [
        ("finding", "AR501", "warning", None, None, "s3://archive/broken.ndjson", 1)
    ]


def test_a_rule_whose_input_is_missing_is_left_out_with_a_comment(warehouse):
    sql = emit(Dialect.TRINO, rules=[*RULES, NOT_LISTED])
    assert "-- rule not_listed left out: it needs replays" in sql
    assert "RPL_NOT_FOUND" not in sql


def test_bigquery_gets_a_where_beside_each_qualify():
    tree = sqlglot.parse_one(emit(Dialect.BIGQUERY), read="bigquery")
    qualified = [select for select in tree.find_all(exp.Select) if select.args.get("qualify")]
    assert qualified and all(select.args.get("where") for select in qualified)


def test_parameters_become_literals():
    sql = emit(Dialect.BIGQUERY)
    assert "$min_id_length" not in sql and "@min_id_length" not in sql
    assert "< 5" in sql and "> 1800000" in sql


def test_a_parameter_without_a_value_is_refused():
    with pytest.raises(UsageError, match=r"\$min_id_length, which has no value"):
        emit_query(Dialect.TRINO, TABLE, NORMALISE, RULES, {}, FALLBACKS)


def test_a_udf_without_a_fallback_is_refused():
    with pytest.raises(UsageError, match="js_time_ms: no such SQL function, and no SQL fallback"):
        emit_query(Dialect.TRINO, TABLE, NORMALISE, RULES, PARAMETERS)


def test_the_header_names_each_fallback():
    sql = emit(Dialect.SNOWFLAKE)
    assert sql.startswith("-- amp-replay diagnose --emit-sql snowflake")
    assert "-- UDF js_time_ms replaced by SQL that covers ISO 8601 text" in sql


@pytest.mark.parametrize(
    ("table", "dialect"),
    [("my-project.segment.raw", Dialect.BIGQUERY), ('"db"."raw events"', Dialect.TRINO)],
)
def test_table_names_are_read_in_their_dialect(table: str, dialect: Dialect):
    sql = emit_query(dialect, table, NORMALISE, RULES, PARAMETERS, FALLBACKS)
    assert sqlglot.parse_one(sql, read=dialect.value).find(exp.Table) is not None


def test_an_empty_table_name_is_refused():
    with pytest.raises(UsageError, match="--table"):
        emit_query(Dialect.TRINO, "", NORMALISE, RULES, PARAMETERS, FALLBACKS)


def test_a_table_name_cannot_inject_sql():
    sql = emit_query(Dialect.TRINO, "x;DROP TABLE y", NORMALISE, RULES, PARAMETERS, FALLBACKS)
    assert 'FROM "x;DROP TABLE y"' in sql
    assert len(sqlglot.parse(sql, read="trino")) == 1


def test_sql_sqlglot_cannot_read_is_refused_naming_the_rule():
    broken = Rule("broken", "SELECT FROM WHERE (")
    with pytest.raises(UsageError, match="rule broken is not SQL"):
        emit_query(Dialect.TRINO, TABLE, NORMALISE, [broken], PARAMETERS, FALLBACKS)


def test_no_rule_that_can_run_is_refused():
    with pytest.raises(UsageError, match="no rule can run"):
        emit_query(Dialect.TRINO, TABLE, NORMALISE, [NOT_LISTED], PARAMETERS, FALLBACKS)


def test_sql_the_dialect_cannot_express_is_refused():
    aggregate = Rule(
        "aggregate",
        "SELECT 'X' AS code, 'info' AS severity, NULL AS variant, NULL AS seq, NULL AS file, "
        "NULL AS line, NULL AS message_id, NULL AS device_id, NULL AS session_id, "
        "regexp_replace(string_agg(type, ','), 'a', 'b', 'g') AS details FROM events",
    )
    with pytest.raises(UsageError, match="--emit-sql bigquery"):
        emit_query(Dialect.BIGQUERY, TABLE, NORMALISE, [aggregate], PARAMETERS, FALLBACKS)
