"""The input tables of the link and set-up rules, loaded from the Python readers of
`--amplitude-export`, `--replays` and `--config` (identity/inputs.py):

- `export_pairs(device_id, session_id)`: the (device, session) pairs the export shows reaching
  Amplitude, only those a replay id can name (a text device, a session within BIGINT);
- `replay_list(name)`: one row when a replay list was given, none otherwise (an empty list
  still lists nothing); `replays(replay_id, line)`: its replay ids, each at its first line;
- `setup`: one row when a set-up was given, none otherwise. It holds what the rules need from
  the config, never a key: the hash of the destination's key and whether the two keys differ.
"""

from __future__ import annotations

from typing import Any

import duckdb

from amp_replay_cli.core.identity.inputs import AmplitudeExport, ReplayList, Setup
from amp_replay_cli.core.identity.messages import sampling_reason
from amp_replay_cli.core.identity.sql.relation import json_text
from amp_replay_cli.core.jsvalues import js_to_number
from amp_replay_cli.core.sampling import java_hash_code, sample_limit

# Session ids are BIGINT in `events` (and in every warehouse): an export pair beyond it is the
# session of no event, and only a replay id naming such a session could meet it.
BIGINT_BOUND = 2**63

# The settings each set-up finding points at: the first one the config file has.
ZONE_SETTINGS = ("replay.serverZone", "project.region")
KEY_SETTINGS = ("replay.apiKey", "destination.apiKey")
MAPPING_SETTINGS = ("destination.device_id",)

EXPORT_PAIRS_COLUMNS = {"device_id": "VARCHAR", "session_id": "BIGINT"}
REPLAY_LIST_COLUMNS = {"name": "VARCHAR"}
REPLAYS_COLUMNS = {"replay_id": "VARCHAR", "line": "BIGINT"}
SETUP_COLUMNS = {
    "name": "VARCHAR",  # the config file, where the set-up findings point
    "zone_line": "BIGINT",
    "key_line": "BIGINT",
    "mapping_line": "BIGINT",
    "server_zone": "VARCHAR",  # NULL: not set (or not a string)
    "region": "VARCHAR",  # the project's, upper case
    "endpoint": "VARCHAR",  # the destination's
    "keys_differ": "BOOLEAN",  # the replay SDK's key is another than the destination's
    "key_hash": "VARCHAR",  # the appHash of the destination's key; NULL: no key
    "device_mapping": "JSON",  # the destination's device_id mapping; NULL: not set
    "sample_limit": "BIGINT",  # a session is in the sample when its bucket is below this
    "sample_reason": "VARCHAR",  # how the message names the sample rate
    "algorithm": "VARCHAR",  # the replay SDK's sampling hash: legacy | modern
}


def load_link_inputs(
    connection: duckdb.DuckDBPyConnection,
    export: AmplitudeExport | None,
    replays: ReplayList | None,
    setup: Setup | None,
) -> None:
    """Every input table of the link and set-up rules; empty for an input not given."""
    _table(connection, "export_pairs", EXPORT_PAIRS_COLUMNS, _export_pairs(export))
    _table(connection, "replay_list", REPLAY_LIST_COLUMNS, [[replays.name]] if replays else [])
    rows = (
        [[replay_id, replays.line_of(replay_id)] for replay_id in replays.replay_ids]
        if replays
        else []
    )
    _table(connection, "replays", REPLAYS_COLUMNS, rows)
    _table(connection, "setup", SETUP_COLUMNS, [_setup_row(setup)] if setup else [])


def _export_pairs(export: AmplitudeExport | None) -> list[list[Any]]:
    """Only a text device can equal a replay id's device part (events.parse_replay_id)."""
    if export is None:
        return []
    return [
        [device, session]
        for device, session in export.pairs
        if isinstance(device, str) and -BIGINT_BOUND <= session < BIGINT_BOUND
    ]


def _setup_row(setup: Setup) -> list[Any]:
    destination_key, replay_key = setup.destination_api_key, setup.replay_api_key
    values = {
        "name": setup.name,
        "zone_line": setup.first_line(*ZONE_SETTINGS),
        "key_line": setup.first_line(*KEY_SETTINGS),
        "mapping_line": setup.first_line(*MAPPING_SETTINGS),
        "server_zone": setup.server_zone,
        "region": setup.region,
        "endpoint": setup.endpoint,
        "keys_differ": bool(destination_key and replay_key and destination_key != replay_key),
        "key_hash": key_hash(destination_key) if destination_key else None,
        "device_mapping": json_text(setup.device_mapping),
        "sample_limit": sample_limit(sample_rate(setup)),
        "sample_reason": sampling_reason(setup),
        "algorithm": setup.algorithm.value,
    }
    return [values[column] for column in SETUP_COLUMNS]


def key_hash(api_key: str) -> str:
    """What the replay SDK writes as the appHash of a project key."""
    return str(java_hash_code(api_key))


def sample_rate(setup: Setup) -> float:
    """The rate the replay SDK compares with: an unset sampleRate records nothing."""
    return js_to_number(setup.sample_rate) if setup.has_sample_rate else 0.0


def _table(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    columns: dict[str, str],
    rows: list[list[Any]],
) -> None:
    listed = ", ".join(f"{column} {kind}" for column, kind in columns.items())
    connection.execute(f"CREATE OR REPLACE TABLE {name} ({listed})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
