"""Rules about the set-up (`--config`): region, project key and device mapping. They read no
events, apart from the appHash of `[Amplitude] Session Replay Debug` properties.

Part of the oracle (tests/oracle): the specification of sql/link_rules.py's SETUP, never shipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.inputs import Setup
from amp_replay_cli.core.identity.messages import (
    KEYS_DIFFER,
    app_hash_reason,
    key_message,
    mapping_message,
    zone_message,
)
from amp_replay_cli.core.identity.sql.link_inputs import (
    KEY_SETTINGS,
    MAPPING_SETTINGS,
    ZONE_SETTINGS,
    key_hash,
)
from amp_replay_cli.core.identity.sql.link_rules import ENDPOINT_REGIONS
from amp_replay_cli.core.wire import DEFAULT_SERVER_ZONE, SERVER_ZONES
from tests.oracle.model import Where
from tests.oracle.reporter import Reporter


def check_setup(setup: Setup, app_hashes: Iterable[str], reporter: Reporter) -> None:
    _server_zone(setup, reporter)
    _api_keys(setup, app_hashes, reporter)
    _device_mapping(setup, reporter)


def _server_zone(setup: Setup, reporter: Reporter) -> None:
    zone = setup.server_zone if setup.server_zone in SERVER_ZONES else DEFAULT_SERVER_ZONE
    endpoint_region = ENDPOINT_REGIONS.get(str(setup.endpoint).lower())
    if all(region is None or region == zone for region in (setup.region, endpoint_region)):
        return
    reporter.report(
        "SERVER_ZONE_MISMATCH",
        Severity.ERROR,
        zone_message(zone, setup.server_zone, setup.region, setup.endpoint),
        place(setup, *ZONE_SETTINGS),
        None,
        {
            "replay_zone": zone,
            "project_region": setup.region,
            "destination_endpoint": setup.endpoint,
        },
    )


def _api_keys(setup: Setup, app_hashes: Iterable[str], reporter: Reporter) -> None:
    reasons = []
    if (
        setup.destination_api_key
        and setup.replay_api_key
        and setup.destination_api_key != setup.replay_api_key
    ):
        reasons.append(KEYS_DIFFER)
    if setup.destination_api_key:
        expected_hash = key_hash(setup.destination_api_key)
        reasons.extend(
            app_hash_reason(app_hash, expected_hash)
            for app_hash in app_hashes
            if app_hash != expected_hash
        )
    if reasons:
        reporter.report(
            "API_KEY_MISMATCH",
            Severity.ERROR,
            key_message(reasons),
            place(setup, *KEY_SETTINGS),
            None,
        )


def _device_mapping(setup: Setup, reporter: Reporter) -> None:
    if setup.device_mapping in (None, "default"):
        return
    reporter.report(
        "DEVICE_MAPPING_CUSTOMIZED",
        Severity.ERROR,
        mapping_message(setup.device_mapping),
        place(setup, *MAPPING_SETTINGS),
        None,
        {"mapping": setup.device_mapping},
    )


def place(setup: Setup, *settings: str) -> Where:
    """Where a set-up finding points: the first of `settings` the config file has."""
    return Where(setup.name, setup.first_line(*settings), None)
