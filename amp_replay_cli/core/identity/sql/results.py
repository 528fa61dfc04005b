"""`diagnose --from-results`: the rows the `--emit-sql` query returned in the warehouse, read
back into finding rows and counts, and from there into diagnose's report.

The rows come as the warehouses export them: CSV with a header (Athena, BigQuery, Snowflake;
an empty field is NULL, column names in any case), or JSON (an array of row objects, or one
object per line). JSON columns arrive as JSON text, or, from exports that keep JSON typed, as
the value itself; BigQuery writes integers as strings. Gzip is fine.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.codes import CODES
from amp_replay_cli.core.documents.json_parser import json_error_reason
from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.documents.streams import (
    TextStream,
    first_character,
    iter_lines,
    open_text,
    whole_document,
)
from amp_replay_cli.core.errors import InputError, Location
from amp_replay_cli.core.findings import Report, Severity
from amp_replay_cli.core.identity.sql.emit import RESULT_COLUMNS
from amp_replay_cli.core.identity.sql.findings import FindingRow, Wording, to_finding
from amp_replay_cli.core.jsvalues import show
from amp_replay_cli.core.wording import count_of


class Place(NamedTuple):
    """Where a row is: its file and line (CSV, NDJSON), and its number among the rows."""

    location: Location
    row: int

    def error(self, message: str, hint: str | None = None) -> InputError:
        return InputError(f"row {self.row}: {message}", hint=hint, location=self.location)


INTEGER_COLUMNS = frozenset({"seq", "line", "session_id", "value"})
JSON_COLUMNS = frozenset({"device_id", "details"})
_SEVERITIES = frozenset(severity.value for severity in Severity)


@dataclass
class Results:
    findings: list[tuple[Place, FindingRow]] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)


def read_results(
    source: Source, stdin: BinaryIO | None = None, limit: ItemLimit = LOG_LINE
) -> Results:
    results = Results()
    with open_text(source, stdin, limit) as stream:
        start, stream = first_character(stream, source.name, limit)
        if not start:
            raise InputError("empty: no rows", location=Location(source.name))
        json_rows = start in "[{"
        rows = (
            _json_rows(stream, source.name, limit)
            if json_rows
            else _csv_rows(stream, source.name, limit)
        )
        for place, row in rows:
            _add(results, _cleaned(row, place), place)
    return results


def results_report(
    source: Source,
    wordings: Mapping[tuple[str, str | None], Wording],
    strict: bool = False,
    stdin: BinaryIO | None = None,
    limit: ItemLimit = LOG_LINE,
) -> Report:
    """diagnose's report from the query's rows: its findings, worded here, and its counts."""
    results = read_results(source, stdin, limit)
    report = Report(command="diagnose", strict=strict, subjects=[source.name])
    for place, row in results.findings:
        if (row.code, row.variant) not in wordings:
            raise place.error(
                f"no message for {row.code}"
                + (f" ({row.variant})" if row.variant else "")
                + " in this version of amp-replay",
                hint="emit the query again with this version (--emit-sql) and run it",
            )
        report.findings.append(to_finding(row, wordings))
    report.summary = {
        **results.summary,
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
    }
    events = results.summary.get("events", 0)
    files = results.summary.get("files", 0)
    report.headline = (
        f"{count_of(events, 'event')} in {count_of(files, 'file')}, from the warehouse"
    )
    undelivered = results.summary.get("undelivered_events", 0)
    if undelivered:
        report.headline += f"; {count_of(undelivered, 'event')} never reach Amplitude"
    report.result = {"results": source.name}
    return report


def _csv_rows(
    stream: TextStream, name: str, limit: ItemLimit
) -> Iterator[tuple[Place, dict[str, Any]]]:
    # Line by line, under the line limit; a quoted field may span lines.
    reader = csv.reader((f"{text}\n" for _, text in iter_lines(stream, name, limit)), strict=True)
    try:
        header = next(reader)
        columns = _columns(header, Location(name, 1))
        for number, cells in enumerate(reader, 1):
            place = Place(Location(name, reader.line_num), number)
            if len(cells) != len(header):
                raise place.error(f"{len(cells)} fields where the header has {len(header)}")
            yield place, {column: cells[index] for column, index in columns.items()}
    except csv.Error as error:
        location = Location(name, reader.line_num)
        raise InputError(f"CSV syntax error: {error}", location=location) from None


def _columns(header: list[str], where: Location) -> dict[str, int]:
    """Each result column's position; names are matched without case (Snowflake's are upper)."""
    positions = {name.strip().lower(): index for index, name in enumerate(header)}
    missing = [column for column in RESULT_COLUMNS if column not in positions]
    if missing:
        raise InputError(
            f"not the rows of amp-replay's --emit-sql query: no column {', '.join(missing)}",
            hint="export every column of the query's result, with its header",
            location=where,
        )
    return {column: positions[column] for column in RESULT_COLUMNS}


def _json_rows(
    stream: TextStream, name: str, limit: ItemLimit
) -> Iterator[tuple[Place, dict[str, Any]]]:
    lines = iter_lines(stream, name, limit)
    first = next(lines)
    if first[1].lstrip().startswith("["):  # one array of rows (a UI's download)
        document = whole_document(first, lines, name, limit)
        items = document if isinstance(document, list) else [document]
        for number, item in enumerate(items, 1):
            place = Place(Location(name), number)
            yield place, _object(item, place)
        return
    rows = 0
    for line, text in (first, *lines):  # one row per line
        if not text.strip():
            continue
        rows += 1
        place = Place(Location(name, line), rows)
        try:
            item = fastjson.loads(text)
        except json.JSONDecodeError as error:
            raise place.error(f"JSON syntax error: {json_error_reason(error.msg)}") from None
        yield place, _object(item, place)


def _object(item: Any, place: Place) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise place.error("not an object of columns")
    return {str(key).lower(): value for key, value in item.items()}


def _cleaned(row: dict[str, Any], place: Place) -> dict[str, Any]:
    missing = [column for column in RESULT_COLUMNS if column not in row]
    if missing:
        raise place.error(f"no column {', '.join(missing)}")
    return {column: _value(column, row[column], place) for column in RESULT_COLUMNS}


def _value(column: str, value: Any, place: Place) -> Any:
    if value is None or value == "":  # CSV exports write NULL as an empty field
        return None
    if column in INTEGER_COLUMNS:
        return _integer(column, value, place)
    if column in JSON_COLUMNS:
        return _json_text(column, value, place)
    if not isinstance(value, str):
        raise place.error(f"{column} {show(value)} is not text")
    return value


def _integer(column: str, value: Any, place: Place) -> int:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and value.isascii():
        return int(value)
    raise place.error(f"{column} {show(value)} is not an integer")


def _json_text(column: str, value: Any, place: Place) -> str:
    """JSON text, as CSV exports write a JSON column. JSON exports may write the value itself
    instead: text that does not parse is then a string value (a device id that is itself JSON
    text, such as "123", cannot be told from the number)."""
    parsed = value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
    if column == "details" and not isinstance(parsed, dict):
        raise place.error(f"details {show(value)} is not a JSON object")
    return json.dumps(parsed, ensure_ascii=False)


def _add(results: Results, row: dict[str, Any], place: Place) -> None:
    kind = row["kind"]
    if kind == "summary":
        if row["name"] is None or row["value"] is None:
            raise place.error("a summary row needs a name and a value")
        results.summary[row["name"]] = row["value"]
        return
    if kind != "finding":
        raise place.error(f"kind {show(kind)} is neither 'finding' nor 'summary'")
    if row["code"] not in CODES:
        raise place.error(f"unknown code {show(row['code'])}")
    if row["severity"] not in _SEVERITIES:
        raise place.error(f"unknown severity {show(row['severity'])}")
    results.findings.append((place, FindingRow(*(row[column] for column in FindingRow._fields))))
