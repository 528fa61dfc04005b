"""The messages of the SQL session rules (sql/session_rules.py), written from each row's details
by the message functions of messages.py."""

from __future__ import annotations

from typing import Any

from amp_replay_cli.core.identity import messages
from amp_replay_cli.core.identity.sql.findings import Wording


def _no_session(details: dict[str, Any]) -> str:
    return messages.no_session_message(details["_replay"], details["_client_ms"])


def _replay_older(details: dict[str, Any]) -> str:
    other_tab = None
    if details.get("multi_tab"):
        other_tab = messages.OtherTab(details["_page_url"], details["_first_url"])
    return messages.replay_older_message(details["_replay"], details["session_id"], other_tab)


def _replay_newer(details: dict[str, Any]) -> str:
    return messages.replay_newer_message(details["_replay"], details["session_id"])


def _device_switch(details: dict[str, Any]) -> str:
    return messages.device_switch_message(
        details["session_id"], details["device_id"], details["replay_devices"]
    )


def _anonymous_id_change(details: dict[str, Any]) -> str:
    # The cause is evidence too, told from the userIds on either side of the change.
    cause = details["cause"] = messages.anonymous_id_change_cause(
        details["_last_user"], details["_first_user"]
    )
    return messages.anonymous_id_change_message(
        details["session_id"], details["from_anonymousId"], details["to_anonymousId"], cause
    )


def _churn(details: dict[str, Any]) -> str:
    return messages.churn_message(
        details["anonymousId"], details["session_id"], details["gap_ms"], details["_timeout_ms"]
    )


def _interleaved(details: dict[str, Any]) -> str:
    return messages.interleaved_message(
        details["anonymousId"], details["session_id"], details["_previous"]
    )


WORDINGS: dict[tuple[str, str | None], Wording] = {
    ("RPL_SESSION_MISMATCH", "event_no_session"): _no_session,
    ("RPL_SESSION_MISMATCH", "replay_older"): _replay_older,
    ("RPL_SESSION_MISMATCH", "replay_newer"): _replay_newer,
    ("RPL_DEVICE_SWITCH_IN_SESSION", None): _device_switch,
    ("ANON_ID_CHANGED_IN_SESSION", None): _anonymous_id_change,
    ("SESSION_CHURN", None): _churn,
    ("SESSION_INTERLEAVED", None): _interleaved,
}
