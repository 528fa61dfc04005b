"""`result.sessions` of diagnose: one row per Amplitude session, the worst first.

Part of the oracle (tests/oracle): the specification of sql/session_table.py, never shipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from amp_replay_cli.core.findings import CLEAN_RANK
from amp_replay_cli.core.identity.events import NO_SESSION
from amp_replay_cli.core.identity.inputs import ReplayList
from amp_replay_cli.core.jsvalues import json_ready
from tests.oracle.tracking import SessionState


def session_rows(
    sessions: Iterable[SessionState], replays: ReplayList | None
) -> list[dict[str, Any]]:
    listed = replays.replay_ids if replays else None
    ordered = sorted(
        sessions,
        key=lambda state: (
            state.worst.rank if state.worst else CLEAN_RANK,
            state.first.file,
            state.first.line,
        ),
    )
    return [_row(state, listed) for state in ordered]


def _row(state: SessionState, listed: set[str] | None) -> dict[str, Any]:
    own = f"{state.device}/{state.session}"
    # Linked: the session's events carry its own replay id, and the replay list (if given) has it.
    linked = (
        state.session != NO_SESSION
        and own in state.replay_ids
        and (listed is None or own in listed)
    )
    return {
        "device_id": json_ready(state.device),
        "session_id": state.session,
        "user_ids": sorted(state.users),
        "events": state.events,
        "events_with_replay_id": state.with_property,
        "replay_ids": sorted(state.replay_ids),
        "linked": linked,
        "worst": state.worst.value if state.worst else None,
        "codes": sorted(state.codes),
        "file": state.first.file,
        "first_line": state.first.line,
    }
