"""Time the link and set-up rules and the session rows query on a large `events` relation.

A sample of generated Segment events (benchmarks/segment_events.py) goes through the Python
model of tests/oracle into `events`, then SQL copies it with shifted ids (devices, users, replay
ids, message ids, seq, line) until the relation holds --events rows, so the copies are distinct
sessions.

    python benchmarks/sql_link_rules.py --events 1000000 [--sample 2000] [--repeat 5] [--explain]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ and the oracle of tests/
from amp_replay_cli.core.identity.inputs import ReplayList, Setup
from amp_replay_cli.core.identity.sql.link_inputs import load_link_inputs
from amp_replay_cli.core.identity.sql.link_rules import LINK_RULES
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS
from amp_replay_cli.core.identity.sql.session_table import SESSION_ROWS
from amp_replay_cli.core.identity.thresholds import Thresholds
from benchmarks.segment_events import events as segment_events
from tests.oracle.model import from_segment
from tests.oracle.run import load_python_events


def shifted(column: str) -> str:
    """A JSON text id made unique per copy `k`."""
    return (
        f"CASE WHEN json_type({column}) = 'VARCHAR' "
        f"THEN to_json(json_extract_string({column}, '$') || '-' || k) ELSE {column} END"
    )


def build(connection: duckdb.DuckDBPyConnection, total: int, sample: int) -> None:
    rng = random.Random(7)
    raws = segment_events(rng, sample, 1_741_000_000_000)
    load_python_events(
        connection,
        (from_segment(raw, "events.ndjson", line) for line, raw in enumerate(raws, 1)),
        "sample",
    )
    columns = [row[0] for row in connection.execute("DESCRIBE sample").fetchall()]
    replaced = {
        "seq": f"seq + k * {sample}",
        "line": f"line + k * {sample}",
        "message_id": "message_id || '-' || k",
        "user_id": shifted("user_id"),
        "dest_device": shifted("dest_device"),
        "dest_user": shifted("dest_user"),
        "rp_device": "rp_device || '-' || k",
        # Every third copy lost the replay property (RPL_PROPERTY_MISSING, RPL_NOT_SAMPLED).
        "replay_id": "CASE WHEN k % 3 = 0 THEN NULL "
        "ELSE rp_device || '-' || k || '/' || CAST(rp_session AS VARCHAR) END",
        "has_replay_property": "has_replay_property AND k % 3 <> 0",
        # In every fifth copy the tracks come from a server (NON_BROWSER_SOURCE).
        "is_browser": "is_browser AND NOT (k % 5 = 1 AND type = 'track')",
        "anonymous_id": f"CASE WHEN k % 5 = 1 AND type = 'track' THEN NULL "
        f"ELSE {shifted('anonymous_id')} END",
    }
    select = ", ".join(f"{replaced.get(column, column)} AS {column}" for column in columns)
    copies = -(-total // sample)
    connection.execute(
        f"CREATE OR REPLACE TABLE events AS SELECT {select} FROM sample "
        f"CROSS JOIN range({copies}) AS copies(k) WHERE seq + k * {sample} < {total}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    arguments = parser.parse_args()
    connection = duckdb.connect()
    started = time.perf_counter()
    build(connection, arguments.events, arguments.sample)
    count = connection.execute("SELECT count(*) FROM events").fetchone()
    print(f"events: {count[0] if count else 0:,} built in {time.perf_counter() - started:.1f} s")
    replays = ReplayList("replays.json", {"ghost/1"}, {"ghost/1": 1})
    setup = Setup("setup.json", sample_rate=0.5, has_sample_rate=True, region="EU")
    load_link_inputs(connection, None, replays, setup)
    thresholds = Thresholds()
    columns = ", ".join(f"{column} {kind}" for column, kind in FINDING_COLUMNS.items())
    connection.execute(f"CREATE OR REPLACE TABLE findings ({columns})")
    total = 0.0
    for name, sql in [*LINK_RULES, ("session_rows", SESSION_ROWS)]:
        names = set(re.findall(r"\$([a-z_]+)", sql))
        parameters = {name: getattr(thresholds, name) for name in names}
        timings = []
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            rows = len(connection.execute(sql, parameters).fetchall())
            timings.append(time.perf_counter() - started)
        if name != "session_rows":  # kept: the session rows read them
            connection.execute(f"INSERT INTO findings {sql}", parameters)
        # The fastest run: the least disturbed by other work on a shared machine.
        total += min(timings)
        print(f"{name:20} {min(timings):6.2f} s  (slowest {max(timings):.2f} s)  {rows:,} rows")
        if arguments.explain:
            plan = connection.execute("EXPLAIN ANALYZE " + sql, parameters).fetchall()
            print(plan[0][1])
    print(f"{'total':20} {total:6.2f} s")


if __name__ == "__main__":
    main()
