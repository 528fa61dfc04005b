"""Rules about the set-up (`--config`): region, project key and device mapping. They read no
events, apart from the appHash of `[Amplitude] Session Replay Debug` properties."""

from __future__ import annotations

from collections.abc import Iterable

from amp_replay_cli.core.findings import Severity
from amp_replay_cli.core.identity.events import Where
from amp_replay_cli.core.identity.inputs import Setup
from amp_replay_cli.core.identity.reporter import Reporter
from amp_replay_cli.core.jsvalues import show
from amp_replay_cli.core.sampling import java_hash_code

ENDPOINT_REGIONS = {"north_america": "US", "europe": "EU"}


def check_setup(setup: Setup, app_hashes: Iterable[str], reporter: Reporter) -> None:
    _server_zone(setup, reporter)
    _api_keys(setup, app_hashes, reporter)
    _device_mapping(setup, reporter)


def _server_zone(setup: Setup, reporter: Reporter) -> None:
    # Only the exact strings count: the SDK sends 'eu' or 'Eu' to the US endpoint.
    zone = setup.server_zone if setup.server_zone in ("US", "EU", "STAGING") else "US"
    endpoint_region = ENDPOINT_REGIONS.get(str(setup.endpoint).lower())
    if all(region is None or region == zone for region in (setup.region, endpoint_region)):
        return
    said = "not set, so US" if setup.server_zone is None else show(setup.server_zone)
    reporter.report(
        "SERVER_ZONE_MISMATCH",
        Severity.ERROR,
        f"replays go to the {zone} region (serverZone {said}) while the project is "
        f"{setup.region or '?'} and the destination endpoint is {setup.endpoint or '?'}",
        _place(setup, "replay.serverZone", "project.region"),
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
        reasons.append("the replay SDK's API key differs from the destination's")
    if setup.destination_api_key:
        expected_hash = str(java_hash_code(setup.destination_api_key))
        reasons.extend(
            f"[Amplitude] Session Replay Debug appHash {app_hash} is not the hash of the "
            f"destination's key ({expected_hash})"
            for app_hash in app_hashes
            if app_hash != expected_hash
        )
    if reasons:
        reporter.report(
            "API_KEY_MISMATCH",
            Severity.ERROR,
            "replays land in another project than the events: " + "; ".join(reasons),
            _place(setup, "replay.apiKey", "destination.apiKey"),
            None,
        )


def _device_mapping(setup: Setup, reporter: Reporter) -> None:
    if setup.device_mapping in (None, "default"):
        return
    reporter.report(
        "DEVICE_MAPPING_CUSTOMIZED",
        Severity.ERROR,
        f"the destination maps device_id to {show(setup.device_mapping)}, not "
        "coalesce(context.device.id, anonymousId): replays keyed by the anonymousId cannot link",
        _place(setup, "destination.device_id"),
        None,
        {"mapping": setup.device_mapping},
    )


def _place(setup: Setup, *settings: str) -> Where:
    """The line of the first of `settings` the config file has, else its first line."""
    line = next((setup.lines[name] for name in settings if setup.lines.get(name)), 1)
    return Where(setup.name, line, None)
