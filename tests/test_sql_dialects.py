"""What sqlglot makes of the DuckDB idioms the SQL engine's authors may use, per warehouse
dialect: the evidence behind the portability guide (docs/warehouse.md, SQL_PORTABLE.md). When
sqlglot changes its output, this test says which claim to revisit."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot.errors import UnsupportedError

DIALECTS = ("trino", "bigquery", "snowflake")


def transpile(sql: str, dialect: str) -> str:
    return sqlglot.transpile(
        sql, read="duckdb", write=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE
    )[0]


# (DuckDB, {dialect: sqlglot's output}): the forms the guide says work as written.
WORKS = [
    (
        "SELECT json_extract_string(j, '$.context.device.id') FROM t",
        {
            "trino": "SELECT JSON_EXTRACT_SCALAR(j, '$.context.device.id') FROM t",
            "bigquery": "SELECT JSON_EXTRACT_SCALAR(j, '$.context.device.id') FROM t",
            "snowflake": "SELECT JSON_EXTRACT_PATH_TEXT(j, 'context.device.id') FROM t",
        },
    ),
    (
        """SELECT json_extract_string(j, '$.integrations."Actions Amplitude".session_id') FROM t""",
        {
            "trino": """SELECT JSON_EXTRACT_SCALAR(j, '$.integrations["Actions Amplitude"]"""
            """.session_id') FROM t""",
            "bigquery": """SELECT JSON_EXTRACT_SCALAR(j, '$.integrations[\\'Actions Amplitude\\']"""
            """.session_id') FROM t""",
            "snowflake": """SELECT JSON_EXTRACT_PATH_TEXT(j, 'integrations["Actions Amplitude"]"""
            """.session_id') FROM t""",
        },
    ),
    (
        "SELECT LAST_VALUE(x IGNORE NULLS) OVER (PARTITION BY d ORDER BY o NULLS FIRST "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM t",
        {
            "trino": "SELECT LAST_VALUE(x) IGNORE NULLS OVER (PARTITION BY d ORDER BY o NULLS "
            "FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM t",
            "bigquery": "SELECT LAST_VALUE(x IGNORE NULLS) OVER (PARTITION BY d ORDER BY o "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM t",
            "snowflake": "SELECT LAST_VALUE(x) IGNORE NULLS OVER (PARTITION BY d ORDER BY o NULLS "
            "FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM t",
        },
    ),
    (
        "SELECT * FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY m ORDER BY seq) = 1",
        {
            "trino": "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY m ORDER BY seq) "
            "AS _w FROM t) AS _t WHERE _w = 1",
            "snowflake": "SELECT * FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY m ORDER BY seq) "
            "= 1",
        },
    ),
    (
        "SELECT count(*) FILTER (WHERE x > 1), bool_or(x > 1), arg_min(x, seq) FROM t",
        {
            "trino": "SELECT COUNT(*) FILTER(WHERE x > 1), BOOL_OR(x > 1), MIN_BY(x, seq) FROM t",
            "bigquery": "SELECT COUNTIF(x > 1), LOGICAL_OR(x > 1), MIN_BY(x, seq) FROM t",
            "snowflake": "SELECT COUNT_IF(x > 1), BOOLOR_AGG(x > 1), MIN_BY(x, seq) FROM t",
        },
    ),
    (
        "SELECT length(s) - length(replace(s, '/', '')), substr(s, strpos(s, '/') + 1) FROM t",
        {
            "trino": "SELECT LENGTH(s) - LENGTH(REPLACE(s, '/', '')), "
            "SUBSTR(s, STRPOS(s, '/') + 1) FROM t",
            "bigquery": "SELECT LENGTH(s) - LENGTH(REPLACE(s, '/', '')), "
            "SUBSTRING(s, INSTR(s, '/') + 1) FROM t",
            "snowflake": "SELECT LENGTH(s) - LENGTH(REPLACE(s, '/', '')), "
            "SUBSTRING(s, CHARINDEX('/', s) + 1) FROM t",
        },
    ),
    (
        "SELECT regexp_matches(s, '^[0-9]+$') FROM t",
        {
            "trino": "SELECT REGEXP_LIKE(s, '^[0-9]+$') FROM t",
            "bigquery": "SELECT REGEXP_CONTAINS(s, '^[0-9]+$') FROM t",
            "snowflake": "SELECT REGEXP_LIKE(s, '^[0-9]+$') FROM t",
        },
    ),
    (
        "SELECT string_agg(x, ',' ORDER BY seq NULLS FIRST) FROM t",
        {
            "trino": "SELECT LISTAGG(x, ',') WITHIN GROUP (ORDER BY seq NULLS FIRST) FROM t",
            "bigquery": "SELECT STRING_AGG(x, ',' ORDER BY seq) FROM t",
            "snowflake": "SELECT LISTAGG(x, ',') WITHIN GROUP (ORDER BY seq NULLS FIRST) FROM t",
        },
    ),
    (
        "SELECT a // b FROM t",
        {
            "trino": "SELECT CAST(TRUNCATE(CAST(a AS DOUBLE) / b) AS BIGINT) FROM t",
            "bigquery": "SELECT DIV(a, b) FROM t",
            "snowflake": "SELECT CAST(TRUNC(a / b) AS BIGINT) FROM t",
        },
    ),
]


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [(sql, dialect, out) for sql, outs in WORKS for dialect, out in outs.items()],
)
def test_idioms_that_transpile_as_written(sql: str, dialect: str, expected: str) -> None:
    assert transpile(sql, dialect) == expected


# The forms the guide calls WRONG: sqlglot passes them through or misreads them.
@pytest.mark.parametrize(
    ("sql", "dialect", "wrong"),
    [
        ("SELECT json_valid(s) FROM t", "trino", "JSON_VALID(s)"),
        ("SELECT json_type(s, '$.a') FROM t", "trino", "JSON_TYPE(s, '$.a')"),
        ("SELECT json_type(s, '$.a') FROM t", "snowflake", "JSON_TYPE(s, '$.a')"),
        ("SELECT TRY_CAST(s AS JSON) FROM t", "snowflake", "CAST(s AS VARIANT)"),
        ("SELECT split_part(s, '/', 2) FROM t", "bigquery", "SPLIT_PART(s, '/', 2)"),
        ("SELECT regexp_full_match(s, 'a') FROM t", "trino", "REGEXP_FULL_MATCH"),
        ("SELECT strlen(s) FROM t", "trino", "STRLEN(s)"),
        ("SELECT CAST(s AS HUGEINT) FROM t", "trino", "INT128"),
        ("SELECT TRY_CAST(s AS BIGINT) FROM t", "snowflake", "SELECT CAST(s AS BIGINT)"),
        ("SELECT epoch_ms(TRY_CAST(s AS TIMESTAMPTZ)) FROM t", "bigquery", "TIMESTAMP_MILLIS("),
        ("SELECT LAG(x IGNORE NULLS) OVER (ORDER BY o) FROM t", "bigquery", "LAG(x IGNORE NULLS)"),
    ],
)
def test_idioms_that_do_not(sql: str, dialect: str, wrong: str) -> None:
    assert wrong in transpile(sql, dialect)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT array_agg(x ORDER BY seq) FROM t",
        "SELECT sum(x) OVER (PARTITION BY d ORDER BY o ROWS UNBOUNDED PRECEDING) FROM t",
        "SELECT regexp_replace(s, 'a', 'b', 'g') FROM t",
    ],
)
def test_refused_for_bigquery(sql: str) -> None:
    with pytest.raises(UnsupportedError):
        transpile(sql, "bigquery")


def test_named_parameters_become_placeholders() -> None:
    sql = "SELECT * FROM t WHERE length(x) < $min_id_length"
    assert transpile(sql, "trino").endswith("< :min_id_length")
    assert transpile(sql, "bigquery").endswith("< @min_id_length")


def test_duckdb_semantics_the_guide_relies_on() -> None:
    row = (
        duckdb.connect()
        .execute(
            """SELECT length('a😀é'), json_type('{"a":1.5}', '$.a'), json_type('{"a":1}', '$.b'),
            json_extract_string('{"a":{"b":1}}', '$.a'), json_valid('{x'),
            epoch_ms(TRY_CAST('2024-03-05T12:00:00.412Z' AS TIMESTAMPTZ))"""
        )
        .fetchone()
    )
    # length counts code points as Python's len does; json_extract_string gives an object's text
    assert row == (3, "DOUBLE", None, '{"b":1}', False, 1709640000412)
