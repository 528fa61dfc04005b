"""`--from-results`: the rows of the `--emit-sql` query, as the warehouses export them (CSV,
JSON), back into diagnose's report: the same findings and exit code as the rows themselves."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest

from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import ExitCode, InputError
from amp_replay_cli.core.identity.sql.emit import RESULT_COLUMNS, Dialect
from amp_replay_cli.core.identity.sql.findings import FindingRow, to_finding
from amp_replay_cli.core.identity.sql.results import read_results, results_report
from tests.test_emit import emit, lines

WORDINGS: Mapping[tuple[str, str | None], Any] = {
    ("ID_TOO_SHORT", "user_id"): lambda details: f"user_id {details['id']} is short",
    ("SESSION_CHURN", None): lambda details: f"a gap of {details['gap_ms']} ms",
    ("RPL_DEVICE_IS_USERID", None): lambda details: f"replay device {details['replay_device']}",
}
HEADER = ",".join(RESULT_COLUMNS)


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE raw_events (file VARCHAR, line BIGINT, raw VARCHAR)")
    connection.executemany("INSERT INTO raw_events VALUES (?, ?, ?)", lines())
    query = emit(Dialect.DUCKDB).replace("seg.raw_events", "raw_events").rstrip().rstrip(";")
    connection.execute(f"CREATE TABLE result AS {query}")
    return connection


def expected(connection: duckdb.DuckDBPyConnection) -> list:
    rows = connection.execute(
        "SELECT * EXCLUDE (kind, name, value) FROM result WHERE kind = 'finding'"
    ).fetchall()
    return sorted(
        (to_finding(FindingRow(*row), WORDINGS) for row in rows), key=lambda f: (f.file, f.line)
    )


def export(connection: duckdb.DuckDBPyConnection, path: Path, options: str) -> Source:
    connection.execute(f"COPY result TO '{path}' ({options})")
    return Source(str(path), path)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("rows.csv", "HEADER, DELIMITER ','"),
        ("rows.ndjson", "FORMAT JSON"),
        ("rows.json", "FORMAT JSON, ARRAY true"),
        ("rows.csv.gz", "HEADER, COMPRESSION gzip"),
    ],
)
def test_exported_rows_give_the_findings_and_exit_code(connection, tmp_path, name, options):
    report = results_report(export(connection, tmp_path / name, options), WORDINGS)
    findings = sorted(report.findings, key=lambda f: (f.file, f.line))
    assert findings == expected(connection)
    assert [f.evidence for f in findings] == [f.evidence for f in expected(connection)]
    assert {f.code for f in findings} == {"ID_TOO_SHORT", "SESSION_CHURN", "RPL_DEVICE_IS_USERID"}
    assert report.exit_code == ExitCode.FINDINGS  # RPL_DEVICE_IS_USERID is an error
    assert report.summary["events"] == 51 and report.summary["files"] == 8
    assert report.summary["errors"] == sum(f.severity.value == "error" for f in findings)
    assert report.headline == "51 events in 8 files, from the warehouse"


def test_snowflake_upper_case_headers_and_bigquery_string_integers(tmp_path):
    path = tmp_path / "rows.ndjson"
    row = {column.upper(): None for column in RESULT_COLUMNS}
    finding = {
        **row,
        "KIND": "finding",
        "CODE": "ID_TOO_SHORT",
        "SEVERITY": "warning",
        "VARIANT": "user_id",
        "SEQ": "7",
        "FILE": "gs://bucket/a.gz",
        "LINE": "3",
        "DEVICE_ID": "dev-1",  # a JSON-typed export gives the value, not its text
        "SESSION_ID": "1741176000412",
        "DETAILS": {"id": "42", "length": 2},
    }
    summary = {**row, "KIND": "summary", "NAME": "events", "VALUE": "1"}
    path.write_text(json.dumps(finding) + "\n\n" + json.dumps(summary) + "\n")
    report = results_report(Source(str(path), path), WORDINGS)
    (only,) = report.findings
    assert (only.file, only.line, only.message) == ("gs://bucket/a.gz", 3, "user_id 42 is short")
    assert only.evidence == {
        "id": "42",
        "length": 2,
        "device_id": "dev-1",
        "session_id": 1741176000412,
    }
    assert report.exit_code == ExitCode.OK  # a warning
    assert report.headline == "1 event in 0 files, from the warehouse"


def test_undelivered_events_are_in_the_headline(tmp_path):
    path = tmp_path / "rows.csv"
    nothing = "," * 10
    path.write_text(f"{HEADER}\nsummary{nothing},events,3\nsummary{nothing},undelivered_events,1\n")
    report = results_report(Source(str(path), path), WORDINGS)
    assert report.headline.endswith("; 1 event never reach Amplitude")
    assert report.findings == []


def csv_with(row: str) -> str:
    return f"{HEADER}\n{row}\n"


FINDING = 'finding,ID_TOO_SHORT,warning,user_id,1,f.ndjson,2,m,,,"{""id"":""42""}",,'


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", "empty.csv: empty: no rows"),
        ("blank.csv", "\n\n", "blank.csv: empty: no rows"),
        ("header.csv", "kind,code\nfinding,X\n", "header.csv:1: not the rows of amp-replay's"),
        ("short.csv", csv_with("finding,ID_TOO_SHORT"), "short.csv:2: row 1: 2 fields where"),
        ("kind.csv", csv_with("other" + "," * 12), 'kind.csv:2: row 1: kind "other" is neither'),
        (
            "code.csv",
            csv_with(FINDING.replace("ID_TOO_SHORT", "NOPE")),
            'code.csv:2: row 1: unknown code "NOPE"',
        ),
        (
            "severity.csv",
            csv_with(FINDING.replace("warning", "fatal")),
            'severity.csv:2: row 1: unknown severity "fatal"',
        ),
        (
            "seq.csv",
            csv_with(FINDING.replace(",1,", ",one,")),
            'seq.csv:2: row 1: seq "one" is not',
        ),
        (
            "details.csv",
            csv_with(FINDING.replace('"{""id"":""42""}"', "{bad")),
            'details.csv:2: row 1: details "{bad" is not a JSON object',
        ),
        (
            "object.csv",
            csv_with(FINDING.replace('"{""id"":""42""}"', "[1]")),
            'object.csv:2: row 1: details "[1]" is not a JSON object',
        ),
        (
            "wording.csv",
            csv_with(FINDING.replace("user_id", "device_id")),
            "wording.csv:2: row 1: no message for ID_TOO_SHORT (device_id) in this version",
        ),
        (
            "summary.csv",
            csv_with("summary" + "," * 10 + ",events,"),
            "summary.csv:2: row 1: a summary row needs a name and a value",
        ),
        ("quote.csv", csv_with('finding,"open'), "quote.csv:2: CSV syntax error"),
        ("syntax.ndjson", "{oops\n", "syntax.ndjson:1: row 1: JSON syntax"),
        ("list.ndjson", '{"kind": "x"}\n[1]\n', "list.ndjson:1: row 1: no column code"),
        ("scalar.json", "[1]", "scalar.json: row 1: not an object of columns"),
        ("text.ndjson", '{"kind": 5}', "text.ndjson:1: row 1: no column"),
    ],
)
def test_bad_results_are_one_line_naming_file_row_and_cause(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as raised:
        results_report(Source(name, path), WORDINGS)
    assert raised.value.one_line().startswith(message)
    assert raised.value.exit_code == ExitCode.USAGE


def test_a_column_of_the_wrong_json_type_is_refused(tmp_path):
    path = tmp_path / "typed.json"
    row = dict.fromkeys(RESULT_COLUMNS)
    path.write_text(json.dumps([{**row, "kind": "summary", "name": "events", "value": 1.5}]))
    with pytest.raises(InputError, match=r"row 1: value 1.5 is not an integer"):
        read_results(Source("typed.json", path))
    path.write_text(json.dumps([{**row, "kind": ["finding"]}]))
    with pytest.raises(InputError, match=r'row 1: kind \["finding"\] is not text'):
        read_results(Source("typed.json", path))


def test_a_single_json_object_is_one_row(tmp_path):
    path = tmp_path / "one.json.gz"
    row = {**dict.fromkeys(RESULT_COLUMNS), "kind": "summary", "name": "files", "value": 2}
    path.write_bytes(gzip.compress(json.dumps(row).encode()))
    assert read_results(Source("one.json.gz", path)).summary == {"files": 2}
