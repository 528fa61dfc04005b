"""`diagnose --emit-sql`: the SQL engine as one query, for the warehouse that holds the Segment
archive (Athena/Trino, BigQuery, Snowflake) or for a plain DuckDB.

The engine's DuckDB SQL is assembled into one statement: the warehouse table of raw events
becomes `raw_lines`, the normalisation and each rule become CTEs, the thresholds become literals.
sqlglot then writes it in the target dialect, after the rewrites below for the idioms it does not
carry over (tests/test_sql_dialects.py holds the evidence). The result set has one row per
finding (`kind` 'finding', FINDING_COLUMNS) and one per count (`kind` 'summary', `name`,
`value`): `--from-results` (sql/results.py) turns those rows back into the report.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import Enum

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS
from amp_replay_cli.core.identity.sql.rules import Rule, UdfFallback


class Dialect(str, Enum):
    TRINO = "trino"  # Athena too
    BIGQUERY = "bigquery"
    SNOWFLAKE = "snowflake"
    DUCKDB = "duckdb"


DEEP_RECURSION = 20_000

# The rows the query returns: a kind, the finding columns, and a summary count's name and value.
RESULT_COLUMNS = ("kind", *FINDING_COLUMNS, "name", "value")

# The JSON column of the warehouse table of raw Segment events (one event per row).
RAW_COLUMN = "raw"
_TABLE = "__segment_raw__"  # where the user's table goes, once parsed in its own dialect
# Trino and BigQuery read an archive in place and know each row's file, not its line: the line
# is then the event's rank in its file by receivedAt (ties: the text), which follows the order
# Segment writes its files in but is not the physical line number. receivedAt is found by a
# regular expression, as a malformed line must not stop a JSON function. Snowflake's COPY keeps
# both (METADATA$FILENAME, METADATA$FILE_ROW_NUMBER), as the DuckDB table does.
_RANKED = (
    "SELECT file, ROW_NUMBER() OVER (PARTITION BY file ORDER BY "
    f"""COALESCE(regexp_extract({RAW_COLUMN}, '"receivedAt" *: *"([^"]*)"', 1), ''), """
    f"{RAW_COLUMN}) AS line, {RAW_COLUMN} AS text "
    # the pseudo-column named in a plain SELECT first: BigQuery takes _FILE_NAME only there
    f"FROM (SELECT {{file}} AS file, {RAW_COLUMN} FROM {_TABLE}) AS archive"
)
RAW_LINES: dict[Dialect, str] = {
    Dialect.TRINO: _RANKED.format(file='"$path"'),
    Dialect.BIGQUERY: _RANKED.format(file="_FILE_NAME"),
    # A VARIANT column: its JSON text is what the normalisation reads.
    Dialect.SNOWFLAKE: f"SELECT file, line, to_json({RAW_COLUMN}) AS text FROM {_TABLE}",
    Dialect.DUCKDB: f"SELECT file, line, {RAW_COLUMN} AS text FROM {_TABLE}",
}

SUMMARY = """
SELECT 'files' AS name, COUNT(DISTINCT file) AS value FROM raw_lines
UNION ALL SELECT 'lines', COUNT(*) FROM raw_lines
UNION ALL SELECT 'events', COUNT(*) FROM events
UNION ALL SELECT 'undelivered_events', COUNT(*) FROM events WHERE undelivered_code IS NOT NULL
"""

_HOLE = "_hole{}_"
# DuckDB idioms sqlglot writes wrongly, as the dialect's own SQL around holes for the arguments.
_JSON_VALID = {
    Dialect.TRINO: "TRY(JSON_PARSE(_hole0_)) IS NOT NULL",
    Dialect.BIGQUERY: "SAFE.PARSE_JSON(_hole0_) IS NOT NULL",
    Dialect.SNOWFLAKE: "TRY_PARSE_JSON(_hole0_) IS NOT NULL",
}
_EPOCH_MS = {  # epoch_ms(timestamp): sqlglot takes it for epoch_ms(bigint), which is the reverse
    Dialect.TRINO: "DATE_DIFF('millisecond', FROM_UNIXTIME(0), _hole0_)",
    Dialect.BIGQUERY: "UNIX_MILLIS(_hole0_)",
    Dialect.SNOWFLAKE: "DATE_PART(EPOCH_MILLISECOND, _hole0_)",
}
# The JSON text of json_extract's value (BigQuery's JSON_EXTRACT of a string already is one).
_JSON_TEXT = {
    Dialect.TRINO: "JSON_FORMAT(_hole0_)",
    Dialect.BIGQUERY: "_hole0_",
    Dialect.SNOWFLAKE: "TO_JSON(_hole0_)",
}
# json_type from the value's JSON text: its first character, and digits for an integer.
_JSON_TYPE = """CASE substr(_hole0_, 1, 1)
  WHEN '{' THEN 'OBJECT'
  WHEN '[' THEN 'ARRAY'
  WHEN '"' THEN 'VARCHAR'
  WHEN 't' THEN 'BOOLEAN'
  WHEN 'f' THEN 'BOOLEAN'
  WHEN 'n' THEN 'NULL'
  ELSE CASE
    WHEN regexp_matches(_hole0_, '^-?[0-9]+$') THEN 'BIGINT'
    WHEN _hole0_ IS NOT NULL THEN 'DOUBLE'
  END
END"""
_TIMESTAMPS = (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ)


@contextmanager
def deep_recursion() -> Iterator[None]:
    """sqlglot walks a tree recursively: the whole engine's query (a union of every rule over
    nested CASEs) goes deeper than Python's default limit under a CLI's own frames."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEP_RECURSION))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


@deep_recursion()
def emit_query(
    dialect: Dialect,
    table: str,
    normalise_sql: str,
    rules: Sequence[Rule],
    parameters: Mapping[str, int | str],
    fallbacks: Sequence[UdfFallback] = (),
    write: Dialect | None = None,
) -> str:
    """The one query over `table` as `dialect` lays it out (a column `raw` holding each Segment
    event; Snowflake and DuckDB also `file` and `line`), written in `write` (default: the same
    dialect; DuckDB runs the warehouse's layout locally).

    A rule that reads another table than `events` or `raw_lines` (the export, the replay list,
    the set-up: inputs of diagnose on files) is left out, with a comment saying so, as diagnose
    on files leaves out what needs an input it was not given."""
    comments = [
        f"amp-replay diagnose --emit-sql {dialect.value}: run it, export the rows (CSV "
        "or JSON), then: amp-replay diagnose --from-results FILE"
    ]
    ctes: list[exp.CTE] = [_cte("raw_lines", _raw_lines(dialect, table))]
    ctes += _hoisted(_parse(normalise_sql, "the normalisation"), "events")
    emitted = []
    for rule in rules:
        tree = _parse(rule.sql, f"rule {rule.name}")
        missing = sorted(_tables(tree) - {"events", "raw_lines"})
        if missing:
            comments.append(f"rule {rule.name} left out: it needs {', '.join(missing)}")
            continue
        name = "rule_" + re.sub(r"\W", "_", rule.name)
        ctes += _hoisted(tree, name)
        emitted.append(name)
    final = _result(ctes, emitted)
    query = _inline_parameters(final, parameters)
    for fallback in fallbacks:
        query = _replace_udf(query, fallback)
        comments.append(
            f"UDF {fallback.name} replaced by SQL that covers {fallback.covers}; "
            "other values come out NULL"
        )
    unknown = _not_duckdb_functions(query)
    if unknown:
        raise UsageError(
            f"--emit-sql: {', '.join(unknown)}: no such SQL function, and no SQL fallback for "
            "a Python UDF of that name"
        )
    write = write or dialect
    if write is not Dialect.DUCKDB:
        query = _for_warehouse(query, write)
    try:
        text = query.sql(
            dialect=write.value, pretty=True, unsupported_level=sqlglot.ErrorLevel.RAISE
        )
    except SqlglotError as error:
        raise UsageError(f"--emit-sql {write.value}: {_first_line(error)}") from None
    header = "".join(f"-- {comment}\n" for comment in comments)
    return f"{header}{text};\n"


def _result(ctes: list[exp.CTE], rules: list[str]) -> exp.Expression:
    """The rows the query returns: every rule's findings, then the counts, under `ctes`."""
    if not rules:
        raise UsageError("--emit-sql: no rule can run on the inputs given")
    columns = ", ".join(FINDING_COLUMNS)
    findings = " UNION ALL ".join(f"SELECT {columns} FROM {name}" for name in rules)
    nothing = ", ".join("NULL" for _ in FINDING_COLUMNS)
    final = _parse(
        f"SELECT 'finding' AS kind, {columns}, CAST(NULL AS VARCHAR) AS name, "
        f"CAST(NULL AS BIGINT) AS value FROM findings "
        f"UNION ALL SELECT 'summary', {nothing}, name, value FROM summary",
        "result",
    )
    own = [
        _cte("findings", _parse(findings, "findings")),
        _cte("summary", _parse(SUMMARY, "summary")),
    ]
    final.set("with_", exp.With(expressions=[*ctes, *own]))
    return final


def _raw_lines(dialect: Dialect, table: str) -> exp.Expression:
    try:
        target = exp.to_table(table, dialect=dialect.value)
    except SqlglotError:
        target = None
    if target is None or not target.name:
        raise UsageError(f"--table {table!r}: not a table name in {dialect.value}")
    tree = _parse(RAW_LINES[dialect], "raw_lines")
    for node in tree.find_all(exp.Table):
        if node.name == _TABLE:
            node.replace(target)
    return tree


def _parse(sql: str, what: str) -> exp.Expression:
    try:
        tree = _parse_in(sql, Dialect.DUCKDB)
    except SqlglotError as error:
        raise UsageError(
            f"--emit-sql: {what} is not SQL sqlglot reads: {_first_line(error)}"
        ) from None
    return tree


def _parse_in(sql: str, dialect: Dialect) -> exp.Expression:
    tree = sqlglot.parse_one(sql, read=dialect.value)
    assert isinstance(tree, exp.Expression)  # parse_one's type is wider than what it returns
    return tree


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _cte(name: str, body: exp.Expression) -> exp.CTE:
    return exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _tables(tree: exp.Expression) -> set[str]:
    """The tables a statement reads, other than its own CTEs."""
    own = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return {table.name for table in tree.find_all(exp.Table) if table.name not in own}


def _hoisted(tree: exp.Expression, name: str) -> list[exp.CTE]:
    """A statement as top-level CTEs: its own CTEs first, renamed `<name>__<cte>` so that the
    rules' helpers cannot collide (not every warehouse takes a WITH inside a CTE), then itself
    under `name`."""
    with_ = tree.args.get("with_")
    if with_ is None:
        return [_cte(name, tree)]
    own = {cte.alias_or_name: f"{name}__{cte.alias_or_name}" for cte in with_.expressions}
    tree.set("with_", None)
    hoisted = []
    for cte in with_.expressions:
        body = _renamed(cte.this, own)
        hoisted.append(_cte(own[cte.alias_or_name], body))
    return [*hoisted, _cte(name, _renamed(tree, own))]


def _renamed(tree: exp.Expression, names: Mapping[str, str]) -> exp.Expression:
    for table in list(tree.find_all(exp.Table)):
        if table.name in names and not table.args.get("db"):
            if not table.alias:  # columns may be qualified by the old name
                table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
            table.set("this", exp.to_identifier(names[table.name]))
    return tree


def _inline_parameters(tree: exp.Expression, parameters: Mapping[str, int | str]) -> exp.Expression:
    def literal(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in parameters:
                raise UsageError(f"--emit-sql: the SQL uses ${node.name}, which has no value")
            value = parameters[node.name]
            return (
                exp.Literal.number(value) if isinstance(value, int) else exp.Literal.string(value)
            )
        return node

    return tree.transform(literal)


def _replace_udf(tree: exp.Expression, fallback: UdfFallback) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() == fallback.name.lower():
            arguments = [f"({argument.sql('duckdb')})" for argument in node.expressions]
            return _parse(fallback.sql.format(*arguments), f"the fallback of {fallback.name}")
        return node

    return tree.transform(replace)


def _not_duckdb_functions(tree: exp.Expression) -> list[str]:
    """The functions sqlglot does not know that DuckDB does not have either: Python UDFs of the
    local engine, which no warehouse runs."""
    names = {node.name.lower() for node in tree.find_all(exp.Anonymous)}
    builtins = duckdb.connect().execute("SELECT DISTINCT function_name FROM duckdb_functions()")
    return sorted(names - {name.lower() for (name,) in builtins.fetchall()})


def _template(sql: str, dialect: Dialect, *arguments: exp.Expression) -> exp.Expression:
    """`sql`, read in `dialect`, with its holes filled by the arguments' trees."""
    tree = _parse_in(sql, dialect)
    if isinstance(tree, exp.Column) and tree.name == _HOLE.format(0):  # the argument itself
        return arguments[0].copy()
    for column in list(tree.find_all(exp.Column)):
        for index, argument in enumerate(arguments):
            if column.name == _HOLE.format(index) and not column.table:
                column.replace(argument.copy())
    return tree


def _for_warehouse(tree: exp.Expression, dialect: Dialect) -> exp.Expression:
    rewrites: list[Callable[[exp.Expression], exp.Expression | None]] = [
        lambda node: _json_valid(node, dialect),
        lambda node: _json_type(node, dialect),
        lambda node: _epoch_ms(node, dialect),
        lambda node: _try_cast(node, dialect),
    ]
    if dialect is Dialect.BIGQUERY:
        rewrites += [_bigquery_order, _bigquery_qualify]

    def rewrite(node: exp.Expression) -> exp.Expression:
        for one in rewrites:
            replaced = one(node)
            if replaced is not None:
                return replaced
        return node

    return tree.transform(rewrite)


def _json_valid(node: exp.Expression, dialect: Dialect) -> exp.Expression | None:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "json_valid":
        return _template(_JSON_VALID[dialect], dialect, *node.expressions)
    return None


def _json_type(node: exp.Expression, dialect: Dialect) -> exp.Expression | None:
    """json_type(text, path): Trino and Snowflake have none, BigQuery's takes a JSON value."""
    if not isinstance(node, exp.JSONType):
        return None
    path = node.expression
    if path is None:  # the document itself: its text is JSON text already
        text: exp.Expression = exp.Trim(this=node.this)
    else:
        value = _parse(
            f"json_extract({node.this.sql('duckdb')}, {path.sql('duckdb')})", "json_type"
        )
        text = _template(_JSON_TEXT[dialect], dialect, _for_warehouse(value, dialect))
    return _template(_JSON_TYPE, Dialect.DUCKDB, exp.Paren(this=text))


def _epoch_ms(node: exp.Expression, dialect: Dialect) -> exp.Expression | None:
    if isinstance(node, exp.UnixToTime) and _is_timestamp(node.this):
        return _template(_EPOCH_MS[dialect], dialect, _for_warehouse(node.this, dialect))
    return None


def _is_timestamp(node: exp.Expression) -> bool:
    return isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this in _TIMESTAMPS


def _try_cast(node: exp.Expression, dialect: Dialect) -> exp.Expression | None:
    if not isinstance(node, exp.TryCast) or node.args.get("requires_string"):
        return None
    value = _for_warehouse(node.this, dialect)
    if dialect is Dialect.TRINO and node.to.this is exp.DataType.Type.TIMESTAMPTZ:
        # Trino's cast does not read ISO 8601's "T" and "Z"; from_iso8601_timestamp does.
        return _template("TRY(FROM_ISO8601_TIMESTAMP(_hole0_))", dialect, value)
    if dialect is Dialect.SNOWFLAKE:
        # Snowflake's TRY_CAST takes text only; sqlglot writes a failing CAST otherwise.
        return exp.TryCast(
            this=exp.cast(value, exp.DataType.Type.VARCHAR), to=node.to, requires_string=True
        )
    return None


def _bigquery_order(node: exp.Expression) -> exp.Expression | None:
    """BigQuery sorts NULLs first and sqlglot cannot write DuckDB's NULLS LAST in windows and
    ordered aggregates: the engine's order keys are never NULL, so BigQuery's default is
    written (no NULLS clause)."""
    if isinstance(node, exp.Ordered) and node.args.get("nulls_first") is bool(
        node.args.get("desc")
    ):
        ordered = node.copy()
        ordered.set("nulls_first", not node.args.get("desc"))
        return ordered
    return None


def _bigquery_qualify(node: exp.Expression) -> exp.Expression | None:
    """BigQuery has refused QUALIFY without a WHERE, GROUP BY or HAVING: a WHERE TRUE is free."""
    if (
        isinstance(node, exp.Select)
        and node.args.get("qualify")
        and not any(node.args.get(clause) for clause in ("where", "group", "having"))
    ):
        return node.copy().where(exp.true())
    return None
