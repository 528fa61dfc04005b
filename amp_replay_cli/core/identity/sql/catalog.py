"""Every rule of diagnose's SQL engine and the wording of its findings, collected in one place:
what diagnose runs here and what --emit-sql prints for the warehouse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from amp_replay_cli.core.identity.sql import (
    event_rules,
    event_wordings,
    link_rules,
    link_wordings,
    session_rules,
    session_wordings,
)
from amp_replay_cli.core.identity.sql.findings import Wording
from amp_replay_cli.core.identity.sql.normalise import UDF_FALLBACKS, events_query
from amp_replay_cli.core.identity.sql.rules import Rule, UdfFallback

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


# In the order the Python rules ran: event rules, then sessions, then links and the set-up.
RULE_LISTS: tuple[Sequence[Rule], ...] = (
    [*event_rules.RULES, event_rules.AGAINST_EXPORT],
    session_rules.RULES,
    link_rules.LINK_RULES,
)
WORDING_REGISTRIES: tuple[Mapping[WordingKey, Wording], ...] = (
    event_wordings.WORDINGS,
    session_wordings.WORDINGS,
    link_wordings.WORDINGS,
)


def sql_engine(sampling: bool = False) -> SqlEngine:
    """The engine diagnose runs here, and prints for the warehouse with --emit-sql. `sampling`:
    a set-up gives a sample rate, so sessions may be left out by it (the warehouse has none)."""
    lists = RULE_LISTS
    if not sampling:
        lists = tuple(
            [
                link_rules.WITHOUT_SAMPLING if rule.name == "replay_properties" else rule
                for rule in rules
            ]
            for rules in RULE_LISTS
        )
    return collect_engine(events_query(), lists, WORDING_REGISTRIES, UDF_FALLBACKS)
