"""Rules about the set-up (`--config`): region, project key and device mapping. They read no
events, apart from the appHash of `[Amplitude] Session Replay Debug` properties."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import Where
from amp_replay_cli.core.identity.inputs import Setup
from amp_replay_cli.core.identity.reporter import Reporter
from amp_replay_cli.core.jsvalues import show
from amp_replay_cli.core.sampling import java_hash_code

ENDPOINT_REGIONS = {"north_america": "US", "europe": "EU"}
# Only the exact strings count: the SDK sends 'eu' or 'Eu' to the US endpoint.
SERVER_ZONES = ("US", "EU", "STAGING")
DEFAULT_ZONE = "US"
# The settings each finding points at: the first one the config file has.
ZONE_SETTINGS = ("replay.serverZone", "project.region")
KEY_SETTINGS = ("replay.apiKey", "destination.apiKey")
MAPPING_SETTINGS = ("destination.device_id",)
KEYS_DIFFER = "the replay SDK's API key differs from the destination's"


def check_setup(setup: Setup, app_hashes: Iterable[str], reporter: Reporter) -> None:
    _server_zone(setup, reporter)
    _api_keys(setup, app_hashes, reporter)
    _device_mapping(setup, reporter)


def _server_zone(setup: Setup, reporter: Reporter) -> None:
    zone = setup.server_zone if setup.server_zone in SERVER_ZONES else DEFAULT_ZONE
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


def zone_message(zone: str, server_zone: str | None, region: str | None, endpoint: Any) -> str:
    said = f"not set, so {DEFAULT_ZONE}" if server_zone is None else show(server_zone)
    return (
        f"replays go to the {zone} region (serverZone {said}) while the project is "
        f"{region or '?'} and the destination endpoint is {endpoint or '?'}"
    )


def key_hash(api_key: str) -> str:
    """What the replay SDK writes as the appHash of a project key."""
    return str(java_hash_code(api_key))


def app_hash_reason(app_hash: str, expected_hash: str) -> str:
    return (
        f"[Amplitude] Session Replay Debug appHash {app_hash} is not the hash of the "
        f"destination's key ({expected_hash})"
    )


def key_message(reasons: Iterable[str]) -> str:
    return "replays land in another project than the events: " + "; ".join(reasons)


def mapping_message(mapping: Any) -> str:
    return (
        f"the destination maps device_id to {show(mapping)}, not "
        "coalesce(context.device.id, anonymousId): replays keyed by the anonymousId cannot link"
    )


def place(setup: Setup, *settings: str) -> Where:
    """The line of the first of `settings` the config file has, else its first line."""
    line = next((setup.lines[name] for name in settings if setup.lines.get(name)), 1)
    return Where(setup.name, line, None)
