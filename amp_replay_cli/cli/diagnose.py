"""`amp-replay diagnose`: why replays do not link to events."""

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from amp_replay_cli.cli.shared import MaxLineOption, option_name, reporting_command
from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Report

if TYPE_CHECKING:
    from amp_replay_cli.core.diagnose import DiagnoseSettings
    from amp_replay_cli.core.identity.sql.catalog import SqlEngine

# Each paragraph is one line, so that rich can reflow it to the terminal's width.
HELP = """Explain why Session Replay recordings do not link to Amplitude events, from Segment logs.

FILES are Segment events as Segment archives and exports them: NDJSON, JSON arrays, \
{"batch": [...]}, gzip; directories and globs too. Each Segment event is mapped the way the \
Amplitude (Actions) destination sends it, grouped into Amplitude sessions, and checked for the \
25 mismatch codes (RPL_DEVICE_IS_USERID, SESSION_ID_MISSING, ...). Errors exit 1.

Where the archive lives in a warehouse, --emit-sql prints the same diagnosis as one query over \
--table, and --from-results reports the rows it returned.
"""
EXAMPLES = (
    "amp-replay diagnose segment-events.ndjson.gz",
    "amp-replay diagnose logs/ --config setup.yaml --amplitude-export export.ndjson",
    "amp-replay diagnose events.ndjson --select RPL_ -f json",
    "amp-replay diagnose --emit-sql trino --table segment.raw_events > diagnose.sql",
)


class Engine(str, enum.Enum):
    trino = "trino"
    bigquery = "bigquery"
    snowflake = "snowflake"
    duckdb = "duckdb"


def _sql_engine() -> "SqlEngine":
    from amp_replay_cli.core.identity.sql.catalog import sql_engine  # DuckDB: diagnose's own

    return sql_engine()


# The SQL engine --emit-sql and --from-results run (its normalisation, rules and messages);
# tests put a smaller one in its place.
SQL_ENGINE: "Callable[[], SqlEngine]" = _sql_engine


@reporting_command("diagnose")
def diagnose(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILES...",
            help="Segment event files, directories or globs; - for stdin.",
            show_default=False,
        ),
    ] = None,
    amplitude_export: Annotated[
        Path | None,
        typer.Option(
            help="Amplitude Export API NDJSON (gzip fine): proves what Amplitude stored.",
            rich_help_panel="More evidence",
        ),
    ] = None,
    replays: Annotated[
        Path | None,
        typer.Option(
            help="Session Replay API list response(s): which replays exist.",
            rich_help_panel="More evidence",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="The set-up: segment_destination (settings, mappings), replay (amplitudeApiKey, "
            "sessionReplayOptions, package), amplitude_project (region). YAML or JSON.",
            rich_help_panel="More evidence",
        ),
    ] = None,
    min_id_length: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Amplitude's minimum id length (default: the config's mapping, else 5).",
            rich_help_panel="Thresholds",
        ),
    ] = None,
    session_timeout: Annotated[
        str | None,
        typer.Option(
            help="Segment's session length (inactivity timeout) [default: the config's "
            "sessionId sessionLength, else 30m]",
            rich_help_panel="Thresholds",
        ),
    ] = None,
    skew_threshold: Annotated[
        str, typer.Option(help="Client clock skew worth reporting.", rich_help_panel="Thresholds")
    ] = "60s",
    strict: Annotated[bool, typer.Option(help="Warnings fail the run too (exit 1).")] = False,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Count the findings of each code.")
    ] = False,
    max_line_bytes: MaxLineOption = None,
    emit_sql: Annotated[
        Engine | None,
        typer.Option(
            "--emit-sql",
            help="Print the diagnosis as one SQL query for this engine, over --table, instead "
            "of reading FILES.",
            rich_help_panel="Warehouse",
        ),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(
            help="The table of raw Segment events --emit-sql reads (a column raw; Snowflake "
            "and DuckDB also file and line).",
            rich_help_panel="Warehouse",
        ),
    ] = None,
    from_results: Annotated[
        Path | None,
        typer.Option(
            help="The rows the --emit-sql query returned (CSV or JSON, gzip fine): report them "
            "instead of reading FILES.",
            rich_help_panel="Warehouse",
        ),
    ] = None,
) -> Report:
    from amp_replay_cli.core.diagnose import DiagnoseSettings
    from amp_replay_cli.core.diagnose import diagnose as run_diagnose
    from amp_replay_cli.core.documents.limits import LOG_LINE
    from amp_replay_cli.core.times import parse_duration_ms

    settings = DiagnoseSettings(
        min_id_length=min_id_length,
        session_timeout_ms=(
            parse_duration_ms(session_timeout, option_name("session_timeout"))
            if session_timeout is not None
            else None
        ),
        skew_threshold_ms=parse_duration_ms(skew_threshold, option_name("skew_threshold")),
        amplitude_export=Source.of_option(amplitude_export),
        replays=Source.of_option(replays),
        config=Source.of_option(config),
        strict=strict,
        line_limit=LOG_LINE.with_max(max_line_bytes),
    )
    if emit_sql is not None or from_results is not None:
        report = _in_the_warehouse(files, settings, emit_sql, table, from_results)
    elif not files:
        raise UsageError(
            "give Segment event files, directories or globs (- for stdin)",
            hint="or --emit-sql ENGINE --table NAME, or --from-results FILE",
        )
    else:
        report = run_diagnose(files, settings)
    report.statistics = statistics
    return report


def _in_the_warehouse(
    files: list[str] | None,
    settings: "DiagnoseSettings",
    emit_sql: Engine | None,
    table: str | None,
    from_results: Path | None,
) -> Report:
    from amp_replay_cli.core.identity.sql.emit import Dialect
    from amp_replay_cli.core.identity.sql.results import results_report
    from amp_replay_cli.core.identity.sql.warehouse import emit_report

    if files:
        raise UsageError("--emit-sql and --from-results read no FILES: give one or the other")
    if emit_sql is not None and from_results is not None:
        raise UsageError("--emit-sql prints the query, --from-results reads its rows: not both")
    engine = SQL_ENGINE()
    if emit_sql is not None:
        return emit_report(engine, Dialect(emit_sql.value), table, settings)
    source = Source.of_option(from_results)
    assert source is not None  # from_results is given
    return results_report(source, engine.wordings, settings.strict, limit=settings.line_limit)
