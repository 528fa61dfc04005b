"""diagnose --emit-sql / --from-results on the command line: the query on stdout (text) or in
result.query (JSON), the rows it returns reported with the usual findings and exit codes, and
every misuse refused with exit 2."""

from __future__ import annotations

import json

import duckdb
import jsonschema
import pytest
import sqlglot

from amp_replay_cli.cli import diagnose as cli_diagnose
from amp_replay_cli.core.identity.sql.catalog import SqlEngine, collect_engine
from amp_replay_cli.core.identity.sql.emit import deep_recursion
from amp_replay_cli.output.schema import output_schema
from tests.test_emit import FALLBACKS, NORMALISE, lines
from tests.test_emit import RULES as TEST_RULES
from tests.test_results import WORDINGS

VALIDATOR = jsonschema.Draft202012Validator(output_schema())


def engine() -> SqlEngine:
    return collect_engine(NORMALISE, [TEST_RULES[:2], TEST_RULES[2:]], [WORDINGS], FALLBACKS)


@pytest.fixture
def with_engine(monkeypatch):
    monkeypatch.setattr(cli_diagnose, "SQL_ENGINE", engine)


@pytest.mark.parametrize("dialect", ["trino", "bigquery", "snowflake", "duckdb"])
def test_emit_sql_prints_the_query_on_stdout(run, with_engine, dialect):
    result = run("diagnose", "--emit-sql", dialect, "--table", "seg.raw_events")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"-- amp-replay diagnose --emit-sql {dialect}")
    assert len(sqlglot.parse(result.stdout, read=dialect)) == 1
    assert "seg.raw_events" in result.stdout


def test_the_flags_thresholds_are_in_the_query(run, with_engine):
    result = run(
        "diagnose",
        "--emit-sql",
        "trino",
        "--table",
        "t",
        "--min-id-length",
        "7",
        "--session-timeout",
        "10m",
    )
    assert "< 7" in result.stdout and "> 600000" in result.stdout


def test_the_config_thresholds_are_in_the_query(run, with_engine, write):
    setup = write(
        "setup.json",
        json.dumps({"segment_destination": {"mappings": {"logEventV2": {"min_id_length": 9}}}}),
    )
    result = run("diagnose", "--emit-sql", "duckdb", "--table", "t", "--config", setup)
    assert result.exit_code == 0, result.output
    assert "< 9" in result.stdout


def test_json_output_holds_the_query(run, with_engine):
    result = run("diagnose", "--emit-sql", "bigquery", "--table", "p.d.t", "-f", "json")
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    assert document["result"]["dialect"] == "bigquery"
    assert document["result"]["query"].startswith("-- amp-replay diagnose --emit-sql bigquery")


def test_from_results_reports_the_rows_of_the_query(run, with_engine, tmp_path):
    query = run("diagnose", "--emit-sql", "duckdb", "--table", "raw_events").stdout
    connection = duckdb.connect()
    connection.execute("CREATE TABLE raw_events (file VARCHAR, line BIGINT, raw VARCHAR)")
    connection.executemany("INSERT INTO raw_events VALUES (?, ?, ?)", lines())
    results = tmp_path / "results.csv"
    connection.execute(f"COPY ({query.rstrip().rstrip(';')}) TO '{results}' (HEADER)")
    result = run("diagnose", "--from-results", results, "-f", "json")
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    assert result.exit_code == 1  # RPL_DEVICE_IS_USERID is an error
    codes = {finding["code"] for finding in document["findings"]}
    assert codes == {"ID_TOO_SHORT", "SESSION_CHURN", "RPL_DEVICE_IS_USERID"}
    assert document["summary"]["events"] == 51
    selected = run("diagnose", "--from-results", results, "--select", "ID_TOO_SHORT")
    assert selected.exit_code == 0  # warnings only
    assert "user_id 42 is short" in selected.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give Segment event files"),
        (("--emit-sql", "trino"), "--emit-sql needs --table"),
        (("--emit-sql", "trino", "--table", "t", "x.ndjson"), "read no FILES"),
        (("--emit-sql", "trino", "--table", "t", "--from-results", "r.csv"), "not both"),
        (("--from-results", "missing.csv"), "missing.csv: no such file"),
    ],
)
def test_misuse_is_refused_with_exit_2(run, with_engine, args, message):
    result = run("diagnose", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_results_file_is_one_line_and_exit_2(run, with_engine, write):
    results = write("rows.csv", "kind,code\nfinding,X\n")
    result = run("diagnose", "--from-results", results)
    assert result.exit_code == 2
    assert f"{results}:1: not the rows of amp-replay's --emit-sql query" in result.stderr


@pytest.mark.parametrize("dialect", ["trino", "bigquery", "snowflake", "duckdb"])
def test_the_real_engine_prints_one_query_per_dialect(run, dialect):
    result = run("diagnose", "--emit-sql", dialect, "--table", "seg.raw_events")
    assert result.exit_code == 0, result.output
    with deep_recursion():
        assert len(sqlglot.parse(result.stdout, read=dialect)) == 1


def test_collect_engine_refuses_a_rule_or_wording_defined_twice():
    with pytest.raises(AssertionError, match="rules defined twice"):
        collect_engine(NORMALISE, [TEST_RULES, TEST_RULES[:1]], [WORDINGS])
    with pytest.raises(AssertionError, match="wordings defined twice"):
        collect_engine(NORMALISE, [TEST_RULES], [WORDINGS, WORDINGS])
