"""The messages of the link and set-up rules' finding rows, worded by the message functions of
messages.py. Details named with a leading "_" are for the message only: the wording takes them
out of the evidence."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from amp_replay_cli.core.identity import messages
from amp_replay_cli.core.identity.sql.findings import Wording
from amp_replay_cli.core.sampling import Algorithm


def _worded(build: Callable[[Mapping[str, Any], dict[str, Any]], str]) -> Wording:
    """A wording that hands `build` the evidence and the message-only values apart."""

    def wording(details: Mapping[str, Any]) -> str:
        assert isinstance(details, dict), "to_finding hands over the details it then keeps"
        only = {key: details.pop(key) for key in [key for key in details if key.startswith("_")]}
        return build(details, only)

    return wording


def _property_missing(_: Mapping[str, Any], only: dict[str, Any]) -> str:
    return messages.property_missing_message(only["_without"], only["_with"])


def _not_sampled(_: Mapping[str, Any], only: dict[str, Any]) -> str:
    return messages.not_sampled_message(
        only["_session"], only["_reason"], Algorithm(only["_algorithm"])
    )


def _zone(details: Mapping[str, Any], only: dict[str, Any]) -> str:
    return messages.zone_message(
        details["replay_zone"],
        only["_server_zone"],
        details["project_region"],
        details["destination_endpoint"],
    )


def _keys(_: Mapping[str, Any], only: dict[str, Any]) -> str:
    reasons = [messages.KEYS_DIFFER] if only["_keys_differ"] else []
    reasons.extend(
        messages.app_hash_reason(app_hash, only["_expected_hash"])
        for app_hash in only["_app_hashes"]
    )
    return messages.key_message(reasons)


WORDINGS: dict[tuple[str, str | None], Wording] = {
    ("RPL_PROPERTY_MISSING", None): _worded(_property_missing),
    ("RPL_NOT_SAMPLED", None): _worded(_not_sampled),
    ("RPL_ORPHANED", "referenced"): lambda details: messages.orphaned_message(details["replay_id"]),
    ("RPL_ORPHANED", "listed"): lambda details: messages.listed_orphaned_message(
        details["replay_id"]
    ),
    ("RPL_NOT_FOUND", None): lambda details: messages.not_found_message(details["replay_id"]),
    ("NON_BROWSER_SOURCE", None): lambda details: messages.non_browser_message(
        details["user_id"], details["web_session_id"]
    ),
    ("SERVER_ZONE_MISMATCH", None): _worded(_zone),
    ("API_KEY_MISMATCH", None): _worded(_keys),
    ("DEVICE_MAPPING_CUSTOMIZED", "setup"): lambda details: messages.mapping_message(
        details["mapping"]
    ),
}
