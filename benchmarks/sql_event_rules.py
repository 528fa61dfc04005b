"""Time of each per-event SQL rule (core/identity/sql/event_rules.py) on a large events relation.

A realistic sample (benchmarks/segment_events.py) goes through the Python model of tests/oracle
into `events` (load_python_events), then SQL copies it until it has --events rows, each copy
with its own messageIds and ids (so ids stay as distinct as in a real log: one browser per few
dozen events).
Each rule runs --rounds times; the best time is kept, next to a plain scan of the relation.

    python benchmarks/sql_event_rules.py [--events 1000000] [--sample 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the oracle of tests/
from segment_events import events as generate_events

from amp_replay_cli.core.identity.sql.event_rules import RULES
from amp_replay_cli.core.identity.sql.relation import EVENT_COLUMNS
from amp_replay_cli.core.identity.thresholds import Thresholds
from tests.oracle.model import from_segment
from tests.oracle.run import load_python_events
from tests.sql_differential import parameters

SCAN = (
    "SELECT count(*), max(length(CAST(dest_device AS VARCHAR))), max(seq), max(file), "
    "max(message_id) FROM events WHERE type IS NOT NULL"
)


def _copy(column: str, sample: int) -> str:
    """The column in copy number `copy` of the sample: later in reading order, other ids."""
    text_id = (
        f"CASE WHEN starts_with(CAST({column} AS VARCHAR), '\"') THEN "
        f"'\"' || json_extract_string({column}, '$') || '-' || copy || '\"' END"
    )
    replay_id = "rp_device || '-' || copy || '/' || rp_session"
    copied = {
        "seq": f"seq + copy * {sample}",
        "line": f"line + copy * {sample}",
        "message_id": "message_id || '-' || copy",
        "rp_device": "rp_device || '-' || copy",
        "replay_id": f"CASE WHEN replay_id IS NOT NULL THEN {replay_id} END",
        "replay_value": f"CASE WHEN replay_id IS NOT NULL THEN to_json({replay_id}) "
        "ELSE replay_value END",
        **{
            name: text_id
            for name in ("anonymous_id", "user_id", "context_device_id", "dest_device", "dest_user")
        },
    }
    return f"CAST({copied.get(column, column)} AS {EVENT_COLUMNS[column]}) AS {column}"


def build(connection: duckdb.DuckDBPyConnection, total: int, sample: int) -> None:
    raws = generate_events(random.Random(7), sample, 1_741_000_000_000)
    events = [from_segment(raw, "events.ndjson", line) for line, raw in enumerate(raws, 1)]
    load_python_events(connection, events, "sample")
    columns = ", ".join(_copy(column, sample) for column in EVENT_COLUMNS)
    copies = -(-total // sample)
    connection.execute(
        f"CREATE TABLE events AS SELECT {columns} FROM sample, range({copies}) AS r(copy) "
        f"WHERE seq + copy * {sample} < {total} ORDER BY seq"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    connection = duckdb.connect()
    build(connection, arguments.events, arguments.sample)
    thresholds = Thresholds()
    best: dict[str, float] = {}
    found: dict[str, int] = {}
    for _ in range(arguments.rounds):
        started = time.perf_counter()
        connection.execute(SCAN).fetchall()
        best["(scan of the relation)"] = min(
            best.get("(scan of the relation)", float("inf")), time.perf_counter() - started
        )
        for rule in RULES:
            started = time.perf_counter()
            [(rows,)] = connection.execute(
                f"SELECT count(*) FROM ({rule.sql})", parameters(rule, thresholds)
            ).fetchall()
            best[rule.name] = min(best.get(rule.name, float("inf")), time.perf_counter() - started)
            found[rule.name] = rows
    print(f"{arguments.events:,} events, best of {arguments.rounds}:")
    for name, seconds in best.items():
        rows = f"{found[name]:>9,} findings" if name in found else ""
        print(f"  {name:24} {seconds:7.3f} s {rows}")
    print(f"  {'all rules':24} {sum(best[rule.name] for rule in RULES):7.3f} s")


if __name__ == "__main__":
    main()
