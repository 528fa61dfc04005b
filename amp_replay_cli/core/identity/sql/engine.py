"""diagnose's SQL engine on DuckDB: the inputs loaded into `events`, the rules run over it, their
rows gathered into `findings`, and the counts of the summary.

DuckDB gets a memory limit from the machine and a scratch directory to spill to, so a log far
bigger than memory still finishes, only slower; it uses every core.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import duckdb

from amp_replay_cli.core.documents.limits import LOG_LINE, ItemLimit
from amp_replay_cli.core.documents.sources import expand_paths
from amp_replay_cli.core.documents.streams import readable_twice
from amp_replay_cli.core.errors import InputError
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.identity.segment import EVENT_SUFFIXES, NotSegmentEvents
from amp_replay_cli.core.identity.sql.normalise import (
    EVENTS_FROM_KEPT_SQL,
    KEPT_SQL,
    MALFORMED_SQL,
    register_udfs,
)
from amp_replay_cli.core.identity.sql.reading import create_items_table, load_source
from amp_replay_cli.core.identity.sql.relation import FINDING_COLUMNS, create_events_table
from amp_replay_cli.core.identity.sql.rules import Rule
from amp_replay_cli.core.machine import physical_memory_bytes

# At most this much for DuckDB, and at most a third of the machine's memory: with Python and
# the rest of the process, one gigabyte at the peak.
MAX_MEMORY_BYTES = 640 << 20
DATABASE = "diagnose"


def connect(scratch: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database that spills to `scratch`, with the Python functions the
    normalisation calls registered. Its tables are compressed (at each checkpoint): a million
    events take a fifth of the memory."""
    connection = duckdb.connect(
        config={
            "memory_limit": f"{memory_limit_bytes() >> 20}MB",
            "temp_directory": str(scratch / "duckdb"),
            "threads": os.cpu_count() or 1,
            "preserve_insertion_order": False,  # every ordering is explicit (seq)
        }
    )
    connection.execute(f"ATTACH ':memory:' AS {DATABASE} (COMPRESS)")
    connection.execute(f"USE {DATABASE}")
    register_udfs(connection)
    return connection


def memory_limit_bytes() -> int:
    return min(MAX_MEMORY_BYTES, physical_memory_bytes() // 3)


class MalformedLine(NamedTuple):
    """A line or item that is no Segment event: an AR501 finding."""

    file: str
    line: int
    message: str


class Loaded(NamedTuple):
    """What reading the inputs found besides the events."""

    files: list[str]  # the inputs read, by name
    skipped: list[dict[str, str]]  # found in a directory or by a glob, not Segment events
    problems: list[InputError]  # inputs that could not be read, or not to their end
    malformed: list[MalformedLine]


class Summary(NamedTuple):
    events: int
    duplicates: int
    malformed: int
    undelivered: int


def load(
    connection: duckdb.DuckDBPyConnection,
    paths: list[str],
    scratch: Path,
    stdin: BinaryIO | None = None,
    limit: ItemLimit = LOG_LINE,
) -> Loaded:
    """Every input into `events`, as diagnose reads them: inputs that are not Segment events
    are refused when named, else skipped. The `items` (every line read) are dropped once the
    events and the malformed lines are taken from them, before the one CHECKPOINT compresses
    the events: compressing both took twice as long (3 s of a million events' 12 s)."""
    create_items_table(connection)
    files: list[str] = []
    skipped: list[dict[str, str]] = []
    problems: list[InputError] = []
    for index, item in enumerate(expand_paths(paths, EVENT_SUFFIXES)):
        if isinstance(item, InputError):
            problems.append(item)
            continue
        files.append(item.name)
        named = item.name in paths or item.path is None
        try:
            source = readable_twice(item, scratch, stdin)
            kind = segment.not_segment_events(source, limit=limit)
            if kind is not None:
                raise NotSegmentEvents(source, kind)
            load_source(connection, source, index, limit)
        except NotSegmentEvents as refused:
            if named:
                problems.append(refused)
            else:
                files.pop()
                skipped.append({"file": item.name, "reason": refused.reason})
        except InputError as error:
            problems.append(error)
    connection.execute(f"CREATE TABLE kept AS {KEPT_SQL}")
    create_events_table(connection)
    connection.execute(f"INSERT INTO events {EVENTS_FROM_KEPT_SQL}")
    malformed = [MalformedLine(*row) for row in connection.execute(MALFORMED_SQL).fetchall()]
    connection.execute(f"CREATE TABLE item_counts AS {_ITEM_COUNTS}")
    connection.execute("DROP TABLE kept")
    connection.execute("DROP TABLE items")
    connection.execute("CHECKPOINT")
    return Loaded(files, skipped, problems, malformed)


# What summary() needs of the items, kept when they are dropped: they hold every event's
# columns again, the half of the memory a loaded log takes.
_ITEM_COUNTS = """
SELECT count(*) FILTER (WHERE problem IS NULL) AS delivered,
    count(*) FILTER (WHERE problem <> '') AS malformed
FROM items
"""


def summary(connection: duckdb.DuckDBPyConnection) -> Summary:
    row = connection.execute(
        """
        SELECT (SELECT count(*) FROM events),
            (SELECT delivered FROM item_counts) - (SELECT count(*) FROM events),
            (SELECT malformed FROM item_counts),
            (SELECT count(*) FROM events WHERE undelivered_code IS NOT NULL)
        """
    ).fetchone()
    assert row is not None  # an aggregate always has its row
    return Summary(*row)


def run_rules(
    connection: duckdb.DuckDBPyConnection, rules: Iterable[Rule], parameters: Mapping[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """Every rule's rows in `findings`; the rows in event order, as tuples in FINDING_COLUMNS
    order (to_findings words them). A rule is given the parameters its SQL names."""
    columns = ", ".join(f"{column} {kind}" for column, kind in FINDING_COLUMNS.items())
    connection.execute(f"CREATE OR REPLACE TABLE findings ({columns})")
    for rule in rules:
        used = {name: value for name, value in parameters.items() if f"${name}" in rule.sql}
        connection.execute(f"INSERT INTO findings SELECT * FROM ({rule.sql})", used)
    # Fetched a column at a time: on a hundred thousand rows, twice as fast as fetchall().
    fetched = connection.execute(
        "SELECT * FROM findings ORDER BY seq NULLS LAST, code, variant, details"
    ).fetchnumpy()
    return zip(*(column.tolist() for column in fetched.values()), strict=True)
