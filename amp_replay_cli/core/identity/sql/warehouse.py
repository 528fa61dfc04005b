"""diagnose where the Segment archive lives: the SQL engine's parts collected in one place, and
`--emit-sql`'s report, which holds the query for the warehouse (`--from-results` reads back the
rows it returns: sql/results.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from amp_replay_cli.core.diagnose import DiagnoseSettings
from amp_replay_cli.core.diagnose import _thresholds as diagnose_thresholds
from amp_replay_cli.core.errors import UsageError
from amp_replay_cli.core.findings import Report
from amp_replay_cli.core.identity.inputs import read_setup
from amp_replay_cli.core.identity.sql.emit import Dialect, UdfFallback, emit_query
from amp_replay_cli.core.identity.sql.findings import Wording
from amp_replay_cli.core.identity.sql.rules import Rule

WordingKey = tuple[str, str | None]


@dataclass(frozen=True)
class SqlEngine:
    """The parts of diagnose's SQL engine: the normalisation, every rule, the messages of their
    findings, and what the warehouse runs instead of the normalisation's Python UDFs."""

    normalise_sql: str
    rules: tuple[Rule, ...]
    wordings: Mapping[WordingKey, Wording]
    fallbacks: tuple[UdfFallback, ...] = ()


def collect_engine(
    normalise_sql: str,
    rule_lists: Sequence[Sequence[Rule]],
    wordings: Sequence[Mapping[WordingKey, Wording]],
    fallbacks: Sequence[UdfFallback] = (),
) -> SqlEngine:
    """One engine from the rule modules' lists and wording registries; a name or a wording
    defined twice is a bug of the engine, said at once."""
    rules = tuple(rule for rules in rule_lists for rule in rules)
    names = [rule.name for rule in rules]
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"rules defined twice: {twice}"
    merged: dict[WordingKey, Wording] = {}
    for registry in wordings:
        again = sorted(map(str, merged.keys() & registry.keys()))
        assert not again, f"wordings defined twice: {again}"
        merged.update(registry)
    return SqlEngine(normalise_sql, rules, merged, tuple(fallbacks))


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
    thresholds = diagnose_thresholds(settings, setup)
    parameters = {
        "min_id_length": thresholds.min_id_length,
        "session_timeout_ms": thresholds.session_timeout_ms,
        "skew_threshold_ms": thresholds.skew_threshold_ms,
    }
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
