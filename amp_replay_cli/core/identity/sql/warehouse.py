"""diagnose where the Segment archive lives: `--emit-sql`'s report, which holds the query for
the warehouse (`--from-results` reads back the rows it returns: sql/results.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import BinaryIO

from amp_replay_cli.core.diagnose import DiagnoseSettings, thresholds_for
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.identity.inputs import read_setup
from amp_replay_cli.core.identity.sql.catalog import SqlEngine
from amp_replay_cli.core.identity.sql.emit import Dialect, emit_query


def emit_report(
    engine: SqlEngine,
    dialect: Dialect,
    table: str | None,
    settings: DiagnoseSettings,
    stdin: BinaryIO | None = None,
) -> Report:
    """The query, in the report's result (text output prints it as it is). The thresholds are
    diagnose's: the flags, else the --config set-up's, else the defaults."""
    if table is None:
        raise UsageError(
            "--emit-sql needs --table: the warehouse table of raw Segment events",
            hint="see docs/diagnose.md#in-the-warehouse for the table to create",
        )
    setup = read_setup(settings.config, stdin) if settings.config else None
    thresholds = thresholds_for(settings, setup)
    parameters = asdict(thresholds)
    query = emit_query(
        dialect, table, engine.normalise_sql, engine.rules, parameters, engine.fallbacks
    )
    report = Report(command="diagnose")
    if setup is not None:
        report.secrets.update(setup.secrets)
    report.result = {"query": query, "dialect": dialect.value, "table": table}
    report.headline = (
        f"one {dialect.value} query over {table}: run it, export its rows, "
        "then diagnose --from-results FILE"
    )
    return report
